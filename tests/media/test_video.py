"""Video clips: scene cuts against known cut times, fades, static screen recordings, posters,
probing, and damaged or wrong inputs.

Every clip is encoded here with PyAV (libx264, 320x240, 12 fps) from a script of shots whose
cut times are known, once per module. The same script is encoded three ways, because where
an encoder puts keyframes decides how cuts must be found: x264's defaults (a keyframe on
each cut), keyframes every 5 s that ignore cuts, and a single keyframe at the start.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import numpy as np
import pytest

from mediasift.bench.clips import (
    Shot,
    corrupt_copy,
    shot_starts,
    truncated_copy,
    write_audio_only,
    write_clip_without_audio,
    write_not_a_video,
    write_scene_clip,
    write_zero_length_clip,
)
from mediasift.media import video
from mediasift.media.errors import MediaError
from mediasift.media.video import Scene, cut_scenes, poster_frame, probe_video

SIZE = (320, 240)
FPS = 12
SCRIPT = [
    Shot("shapes", 4, 1, fade=2.0),  # fades in from black
    Shot("shapes", 5, 2),
    Shot("screen", 30, 3),  # static screen recording: cursor blinks, clock ticks
    Shot("text", 5, 4),
    Shot("shapes", 6, 5, fade=1.0),  # dissolves in from the text
    Shot("shapes", 5, 6),
    Shot("text", 10, 7),
]
DURATION = sum(shot.seconds for shot in SCRIPT)
STARTS = shot_starts(SCRIPT)
ENCODINGS = {
    "x264-default": None,
    "keyframes-every-5s": "keyint=60:scenecut=0",
    "one-keyframe": "keyint=infinite:scenecut=0",
}


def _starts(scenes: list[Scene]) -> list[float]:
    return [scene.start for scene in scenes]


def _brightness(image) -> float:
    return float(np.asarray(image.convert("L")).mean())


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="module")
def clips(folder) -> dict[str, tuple[Path, list[float]]]:
    made = {}
    for name, params in ENCODINGS.items():
        path = folder / f"{name}.mp4"
        made[name] = path, write_scene_clip(path, SCRIPT, SIZE, FPS, x264_params=params)
    return made


@pytest.fixture(scope="module")
def cut(clips) -> dict[str, list[Scene]]:
    return {name: list(cut_scenes(path)) for name, (path, _) in clips.items()}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_known_cuts_are_found_within_a_second(encoding, clips, cut):
    _, truth = clips[encoding]
    starts = _starts(cut[encoding])
    assert starts[0] == 0
    for time in truth:
        assert min(abs(time - start) for start in starts) <= 1.0, (time, starts)
    assert len(starts) <= len(truth) + 2, starts  # no burst of false cuts either


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_scenes_tile_the_clip(encoding, cut):
    scenes = cut[encoding]
    for before, after in itertools.pairwise(scenes):
        assert before.start < before.end == after.start
    assert scenes[-1].end == pytest.approx(DURATION, abs=0.2)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_fades_give_at_most_one_cut(encoding, cut):
    starts = _starts(cut[encoding])
    fade_in = [s for s in starts if 0 < s < STARTS[1] - 1]
    dissolve = [s for s in starts if STARTS[4] - 1 <= s <= STARTS[4] + 2]
    assert fade_in == []  # the fade from black belongs to the first shot
    assert len(dissolve) == 1, starts


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_static_screen_recording_is_one_scene(encoding, cut):
    start, end = STARTS[2], STARTS[3]
    inside = [s for s in _starts(cut[encoding]) if start + 1 < s < end - 1]
    assert inside == []
    screen = next(scene for scene in cut[encoding] if scene.start <= start + 20 < scene.end)
    assert len(screen.frames) == 1  # a blinking cursor is not another picture


def test_frames_are_rgb_images_no_larger_than_asked(clips):
    path, _ = clips["x264-default"]
    scenes = list(cut_scenes(path, max_side=100))
    for scene in scenes:
        assert 1 <= len(scene.frames) <= 3
        for frame in scene.frames:
            assert frame.mode == "RGB"
            assert frame.size == (100, 75)


def test_keyframes_spare_most_decoding(clips):
    """With keyframes on most cuts, well under half the frames are decoded."""
    path, _ = clips["x264-default"]
    scan = video._Scan(path, 448, lambda: False)
    assert sum(1 for _ in scan.samples())
    assert scan.keyframes + scan.decoded < 0.4 * DURATION * FPS


def test_near_identical_scenes_are_merged(folder):
    """The same screen before and after a blink of black is one scene; a different one is not."""
    shots = [
        Shot("screen", 5, 3),
        Shot("black", 0.5),
        Shot("screen", 5, 3),
        Shot("shapes", 5, 9),
    ]
    path = folder / "blink.mp4"
    write_scene_clip(path, shots, SIZE, FPS)
    starts = _starts(list(cut_scenes(path)))
    assert len(starts) == 2, starts
    assert starts[1] == pytest.approx(10.5, abs=1.0)


def test_poster_frame_skips_black_leader_and_fade(folder):
    path = folder / "fade-in.mp4"
    write_scene_clip(path, [Shot("black", 1.5), Shot("shapes", 6, 1, fade=2.0)], SIZE, FPS)
    with av.open(str(path)) as container:
        settled = next(f for f in container.decode(video=0) if f.time >= 5.0).to_image()
    poster = poster_frame(path)
    assert poster.mode == "RGB" and poster.size == SIZE
    assert _brightness(poster) >= 0.8 * _brightness(settled)


def test_poster_frame_of_a_long_black_start_comes_from_keyframes(folder):
    path = folder / "long-black.mp4"
    write_scene_clip(path, [Shot("black", 8), Shot("shapes", 4, 2)], SIZE, FPS)
    assert _brightness(poster_frame(path, max_side=64)) > 40


def test_poster_frame_of_a_black_clip_is_still_a_picture(folder):
    path = folder / "black.mp4"
    write_scene_clip(path, [Shot("black", 2)], SIZE, FPS)
    assert poster_frame(path).size == SIZE


def test_probe_video(folder, clips):
    path, _ = clips["x264-default"]
    info = probe_video(path)
    assert info.duration == pytest.approx(DURATION, abs=0.2)
    assert (info.width, info.height) == SIZE
    assert info.fps == pytest.approx(FPS)
    assert info.has_video and not info.has_audio
    silent = probe_video(write_clip_without_audio(folder / "silent.mp4"))
    assert silent.has_video and not silent.has_audio
    noisy = folder / "noisy.mp4"
    write_scene_clip(noisy, SCRIPT[:2], SIZE, FPS, audio_hz=440)
    assert probe_video(noisy).has_audio


def test_rotated_phone_clip_is_upright(folder):
    path = folder / "portrait.mp4"
    write_scene_clip(path, SCRIPT[:2], SIZE, FPS, rotation=90)
    info = probe_video(path)
    assert (info.width, info.height) == (240, 320)
    scenes = list(cut_scenes(path, max_side=160))
    assert all(frame.size == (120, 160) for scene in scenes for frame in scene.frames)
    assert poster_frame(path, max_side=160).size == (120, 160)


def test_cancelled_stops_early(clips, cut):
    path, _ = clips["x264-default"]
    assert list(cut_scenes(path, cancelled=lambda: True)) == []
    seen: list[Scene] = []
    for scene in cut_scenes(path, cancelled=lambda: bool(seen)):
        seen.append(scene)
    assert 1 <= len(seen) < len(cut["x264-default"])


def test_truncated_clip_gives_the_scenes_before_the_cut(folder):
    whole = folder / "faststart.mp4"
    write_scene_clip(whole, SCRIPT, SIZE, FPS, faststart=True)
    scenes = list(cut_scenes(truncated_copy(whole, folder / "half.mp4")))
    assert scenes
    assert scenes[-1].end < DURATION
    poster_frame(folder / "half.mp4")


def test_truncated_clip_without_an_index_is_a_media_error(clips, folder):
    path, _ = clips["x264-default"]  # the index (moov) is written last: half a file has none
    half = truncated_copy(path, folder / "half-no-index.mp4")
    for read in (probe_video, poster_frame, lambda p: list(cut_scenes(p))):
        with pytest.raises(MediaError, match="not a readable video"):
            read(half)


def test_corrupt_middle_is_read_past(clips, folder):
    path, _ = clips["x264-default"]
    scenes = list(cut_scenes(corrupt_copy(path, folder / "corrupt.mp4")))
    assert scenes[-1].end == pytest.approx(DURATION, abs=1.0)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: write_not_a_video(p / "list.mp4"), "not a readable video"),
        (lambda p: write_zero_length_clip(p / "zero.mp4"), "empty"),
        (lambda p: (p / "empty.mp4").write_bytes(b"") or p / "empty.mp4", "empty"),
        (lambda p: write_audio_only(p / "song.m4a"), "no video stream"),
        (lambda p: p / "missing.mp4", "vanished"),
    ],
    ids=["not-a-video", "zero-length", "zero-bytes", "audio-only", "missing"],
)
def test_bad_inputs_are_media_errors(make, reason, tmp_path):
    path = make(tmp_path)
    for read in (probe_video, poster_frame, lambda p: list(cut_scenes(p))):
        with pytest.raises(MediaError, match=reason):
            read(path)


def test_a_long_stream_with_one_keyframe_is_decoded_once(folder):
    """Three minutes with a keyframe only at the start: the filler goes on decoding instead of
    seeking back to the start for every gap (which would decode the clip over and over)."""
    path = folder / "one-key-long.mp4"
    shots = [Shot("shapes", 60, 11), Shot("text", 60, 12), Shot("shapes", 60, 13)]
    write_scene_clip(path, shots, size=(96, 72), fps=8, x264_params="keyint=infinite:scenecut=0")
    scan = video._Scan(path, 96, lambda: False)
    assert sum(1 for _ in scan.samples())
    assert scan.decoded <= 180 * 8  # every frame at most once
