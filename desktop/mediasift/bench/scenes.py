"""Scene cutting of long video: time, memory and accuracy against known cuts.

The hour-long 1080p H.264 video (``clips.long_scene_video``: a two-minute script of camera-like
shots, scrolling text, a dissolve and static screen recordings, remuxed end to end) is cut once
as x264 encodes by default (keyframes on cuts, one at least every 10 s) and once with
``scenecut=0``, where no keyframe marks a cut and every cut must be found between keyframes.
A small clip set covers other encoders' habits: a keyframe every half second, none after the
first. Each cut runs in a fresh process, so its peak RSS is its own.

Figures: wall seconds and their ratio to the video's duration (target <= 1/50), peak RSS in MB
(target < 500), share of true cuts with a scene start within 1 s (target >= 95%), and scene
starts inside the static screen recordings per 10 minutes of them (target < 1).
"""

from __future__ import annotations

import json
import logging
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mediasift.bench.clips import (
    LongClip,
    Shot,
    long_scene_video,
    static_ranges,
    write_scene_clip,
)

log = logging.getLogger(__name__)

TOLERANCE = 1.0
#: Scene starts this close to either end of a static stretch are its own cuts, not false ones.
EDGE = 1.0

#: Encoder habits the clip set covers: x264's defaults, no keyframe on cuts, a keyframe every
#: half second (phones), one keyframe only (some screen recorders).
CLIP_ENCODINGS = {
    "x264-default": None,
    "no-scenecut": "scenecut=0",
    "dense-keyframes": "keyint=12",
    "one-keyframe": "keyint=infinite:scenecut=0",
}
CLIP_SCRIPT = [
    Shot("shapes", 5, 201, fade=2.0),
    Shot("screen", 20, 202),
    Shot("shapes", 3, 203),
    Shot("text", 6, 204),
    Shot("shapes", 7, 205, fade=1.0),
    Shot("screen", 12, 206),
    Shot("shapes", 4, 207),
    Shot("text", 5, 208),
]


def _cut_in_child(path: str) -> dict:
    """Cut one video and say how long it took and how much memory the process peaked at."""
    from mediasift.media.video import cut_scenes

    started = time.perf_counter()
    starts = [scene.start for scene in cut_scenes(Path(path))]
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = peak / 1024**2 if sys.platform == "darwin" else peak / 1024
    return {"seconds": seconds, "starts": starts, "peak_rss_mb": peak_mb}


def _cut(path: Path) -> dict:
    """``_cut_in_child`` in a fresh interpreter: its peak memory is the cut's alone."""
    code = (
        "import json, sys\n"
        "from mediasift.bench.scenes import _cut_in_child\n"
        "print(json.dumps(_cut_in_child(sys.argv[1])))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def _recall(cuts: list[float], starts: list[float]) -> tuple[int, float]:
    """True cuts with a scene start within TOLERANCE, and their mean distance to it."""
    nearest = [min((abs(cut - start) for start in starts), default=TOLERANCE + 1) for cut in cuts]
    errors = [error for error in nearest if error <= TOLERANCE]
    return len(errors), (sum(errors) / len(errors) if errors else 0.0)


def _false_in_static(static: list[tuple[float, float]], starts: list[float]) -> int:
    return sum(a + EDGE < start < b - EDGE for a, b in static for start in starts)


def _figures(prefix: str, clip: LongClip, cut: dict) -> dict:
    starts = cut["starts"][1:]
    found, error = _recall(clip.cuts, starts)
    static_minutes = sum(b - a for a, b in clip.static) / 60
    false = _false_in_static(clip.static, starts)
    return {
        f"{prefix}video_minutes": round(clip.duration / 60, 1),
        f"{prefix}scene_seconds": round(cut["seconds"], 1),
        f"{prefix}duration_ratio": round(cut["seconds"] / clip.duration, 4),
        f"{prefix}peak_rss_mb": round(cut["peak_rss_mb"]),
        f"{prefix}scenes": len(cut["starts"]),
        f"{prefix}true_cuts": len(clip.cuts),
        f"{prefix}cut_recall_1s": round(found / len(clip.cuts), 4),
        f"{prefix}cut_error_mean_s": round(error, 2),
        f"{prefix}static_minutes": round(static_minutes, 1),
        f"{prefix}false_cuts_per_10min_static": round(10 * false / static_minutes, 2),
    }


def _clip_set() -> dict:
    """Recall and static false cuts over small clips from several encoder settings."""
    cuts = found = false = 0
    static_minutes = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name, params in CLIP_ENCODINGS.items():
            path = Path(tmp) / f"{name}.mp4"
            truth = write_scene_clip(path, CLIP_SCRIPT, (640, 360), 25, x264_params=params)
            static = static_ranges(CLIP_SCRIPT)
            starts = _cut(path)["starts"][1:]
            hits, _ = _recall(truth, starts)
            log.info("%s: %d of %d cuts, scene starts %s", name, hits, len(truth), starts)
            cuts, found = cuts + len(truth), found + hits
            false += _false_in_static(static, starts)
            static_minutes += sum(b - a for a, b in static) / 60
    return {
        "set_clips": len(CLIP_ENCODINGS),
        "set_cut_recall_1s": round(found / cuts, 4),
        "set_false_cuts_per_10min_static": round(10 * false / static_minutes, 2),
    }


def bench_scenes(minutes: int = 60) -> dict:
    """Cut the hour-long video (default and no-scenecut encodings) and the clip set."""
    figures: dict = {}
    for prefix, params in (("", None), ("noscenecut_", "scenecut=0")):
        clip = long_scene_video(minutes, x264_params=params)
        log.info("Cutting %s (%.0f min)", clip.path.name, clip.duration / 60)
        figures |= _figures(prefix, clip, _cut(clip.path))
    figures |= _clip_set()
    log.info("Scene figures: %s", figures)
    return figures
