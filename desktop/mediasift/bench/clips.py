"""Video clips with known scene cuts, made here with PyAV (libx264, yuv420p), and bad inputs.

Tests and benchmarks need clips whose cut times are known exactly: each clip is a script of
shots (moving shapes over a photo-like background, scrolling text, a static screen recording
with a blinking cursor and a ticking clock, black), joined by hard cuts or dissolves.
The hour-long 1080p benchmark video is one two-minute piece encoded once (~80 s on 2 cores) and
remuxed many times with shifted timestamps (no re-encode, seconds); both are cached.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from mediasift.bench.data import cache_dir

log = logging.getLogger(__name__)

ShotKind = Literal["shapes", "text", "screen", "black"]

#: Bump when the bench piece's content or encoding changes, so cached files are remade.
BENCH_VERSION = 2
AUDIO_RATE = 44_100


@dataclass(frozen=True)
class Shot:
    """One shot of a clip script; ``fade`` dissolves into it from the previous shot (from black
    for the first shot) over that many seconds, instead of a hard cut."""

    kind: ShotKind
    seconds: float
    seed: int = 0
    fade: float = 0.0


@dataclass(frozen=True)
class LongClip:
    """The hour-long benchmark video and what is known about it."""

    path: Path
    duration: float
    cuts: list[float]
    static: list[tuple[float, float]]  # screen-recording stretches: no cut belongs inside


def shot_starts(shots: Sequence[Shot]) -> list[float]:
    """Start time of every shot, in seconds."""
    starts, time = [], 0.0
    for shot in shots:
        starts.append(time)
        time += shot.seconds
    return starts


def cut_times(shots: Sequence[Shot]) -> list[float]:
    """Where each shot after the first begins: its start, or the middle of its dissolve."""
    return [start + shot.fade / 2 for start, shot in zip(shot_starts(shots), shots, strict=True)][
        1:
    ]


def static_ranges(shots: Sequence[Shot]) -> list[tuple[float, float]]:
    """The screen-recording shots, as (start, end) seconds."""
    return [
        (start, start + shot.seconds)
        for start, shot in zip(shot_starts(shots), shots, strict=True)
        if shot.kind == "screen"
    ]


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


class _Painter:
    """Draws the frames of one shot; everything random comes from the shot's seed."""

    def __init__(self, shot: Shot, size: tuple[int, int]) -> None:
        self.shot, self.size = shot, size
        self.rng = np.random.default_rng(shot.seed)
        width, height = size
        self.pan = width // 8
        small = self.rng.integers(0, 256, (7, 9, 3), dtype=np.uint8)
        self.background = Image.fromarray(small).resize(
            (width + self.pan, height), Image.Resampling.BICUBIC
        )
        self.colors = [tuple(int(c) for c in self.rng.integers(0, 256, 3)) for _ in range(4)]
        self.words = [
            " ".join(
                "".join(chr(97 + int(c)) for c in self.rng.integers(0, 26, self.rng.integers(2, 9)))
                for _ in range(self.rng.integers(3, 8))
            )
            for _ in range(12)
        ]

    def frame(self, t: float) -> Image.Image:
        """The shot's picture ``t`` seconds after it starts."""
        paint = {
            "shapes": self._shapes,
            "text": self._text,
            "screen": self._screen,
            "black": self._black,
        }
        return paint[self.shot.kind](t)

    def _black(self, t: float) -> Image.Image:
        return Image.new("RGB", self.size)

    def _shapes(self, t: float) -> Image.Image:
        """A camera-like shot: a slowly panning backdrop, moving shapes and a moving caption."""
        width, height = self.size
        x = int(self.pan * abs((t / 8) % 2 - 1))  # back and forth: no jump
        image = self.background.crop((x, 0, x + width, height))
        draw = ImageDraw.Draw(image)
        radius = height // 6
        for i, color in enumerate(self.colors[:3]):
            cx = int((0.2 + 0.3 * i) * width + 0.15 * width * np.sin(t * (0.7 + 0.3 * i)))
            cy = int((0.3 + 0.2 * i) * height + 0.1 * height * np.cos(t * (0.5 + 0.4 * i)))
            box = (cx - radius, cy - radius, cx + radius, cy + radius)
            (draw.ellipse if i % 2 else draw.rectangle)(box, fill=color)
        caption_x = int((t * width / 10) % width)
        draw.text(
            (caption_x, height * 5 // 6),
            f"shot {self.shot.seed}",
            fill=(255, 255, 255),
            font=_font(max(10, height // 14)),
        )
        return image

    def _text(self, t: float) -> Image.Image:
        """Credits-like text scrolling up over a plain colour."""
        width, height = self.size
        image = Image.new("RGB", self.size, self.colors[3])
        draw = ImageDraw.Draw(image)
        line = max(12, height // 10)
        top = height - int(t * height / 6) % (line * len(self.words) + height)
        for i, words in enumerate(self.words):
            draw.text(
                (width // 10, top + i * line), words, fill=(250, 250, 250), font=_font(line // 2)
            )
        return image

    def _screen(self, t: float) -> Image.Image:
        """A screen recording of a static window: only a blinking cursor and a clock change."""
        width, height = self.size
        image = Image.new("RGB", self.size, (40, 50, 70))
        draw = ImageDraw.Draw(image)
        margin = width // 16
        draw.rectangle((margin, margin, width - margin, height - margin), fill=(250, 250, 250))
        bar = max(8, height // 20)
        draw.rectangle((margin, margin, width - margin, margin + bar), fill=self.colors[0])
        font = _font(max(8, bar * 2 // 3))
        draw.text((margin + bar, margin + 1), self.words[0][:20], fill=(255, 255, 255), font=font)
        seconds = 10 * 3600 + int(t)
        clock = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        draw.text((width - margin - 5 * bar, margin + 1), clock, fill=(255, 255, 255), font=font)
        line = max(10, height // 18)
        text_font = _font(line * 2 // 3)
        for i, words in enumerate(self.words[1:9]):
            draw.text(
                (margin + bar, margin + 2 * bar + i * line),
                words,
                fill=(20, 20, 20),
                font=text_font,
            )
        if int(t * 2) % 2 == 0:
            x = margin + bar + int(draw.textlength(self.words[8], font=text_font)) + 2
            y = margin + 2 * bar + 7 * line
            draw.rectangle((x, y, x + max(1, line // 8), y + line * 2 // 3), fill=(0, 0, 0))
        return image


def _pictures(shots: Sequence[Shot], size: tuple[int, int], fps: float) -> Iterator[Image.Image]:
    """Every frame of the script, dissolves blended from the previous shot's last picture."""
    previous = Image.new("RGB", size)
    for shot in shots:
        painter = _Painter(shot, size)
        picture = previous
        for i in range(round(shot.seconds * fps)):
            t = i / fps
            picture = painter.frame(t)
            if t < shot.fade:
                yield Image.blend(previous, picture, t / shot.fade)
            else:
                yield picture
        previous = picture


def _sine(seconds: float, hz: float) -> av.AudioFrame:
    t = np.arange(int(seconds * AUDIO_RATE)) / AUDIO_RATE
    samples = (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)[None, :]
    frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
    frame.sample_rate, frame.pts = AUDIO_RATE, 0
    return frame


def _add_audio(container: av.container.OutputContainer, seconds: float, hz: float) -> None:
    stream = container.add_stream("aac", rate=AUDIO_RATE)
    stream.layout = "mono"
    for frame in (_sine(seconds, hz), None):
        container.mux(stream.encode(frame))


def write_scene_clip(
    path: Path,
    shots: Sequence[Shot],
    size: tuple[int, int] = (320, 240),
    fps: int = 12,
    *,
    preset: str = "veryfast",
    x264_params: str | None = None,
    faststart: bool = False,
    audio_hz: float | None = None,
    rotation: int = 0,
) -> list[float]:
    """Encode the script as H.264 and return its cut times (see :func:`cut_times`).

    ``x264_params`` reaches libx264 (e.g. ``"scenecut=0:keyint=120"`` for keyframes that do not
    mark the cuts); ``faststart`` puts the index first, so a truncated copy still plays;
    ``audio_hz`` adds a mono AAC sine track of that pitch; ``rotation`` (degrees,
    counter-clockwise) is stored for players to apply, as phones do for portrait clips.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    options = {"preset": preset, "crf": "23"}
    if x264_params:
        options["x264-params"] = x264_params
    muxing = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=muxing) as container:
        stream = container.add_stream("libx264", rate=fps, options=options)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        if rotation:
            stream.set_display_rotation(rotation)
        if audio_hz:
            _add_audio(container, sum(shot.seconds for shot in shots), audio_hz)
        for picture in _pictures(shots, size, fps):
            container.mux(stream.encode(av.VideoFrame.from_image(picture)))
        container.mux(stream.encode(None))
    return cut_times(shots)


def write_clip_without_audio(
    path: Path, seconds: float = 4.0, size: tuple[int, int] = (320, 240), fps: int = 12
) -> Path:
    """A short two-shot video with no audio stream at all."""
    half = seconds / 2
    write_scene_clip(path, [Shot("shapes", half, 1), Shot("shapes", half, 2)], size, fps)
    return path


def write_audio_only(path: Path, seconds: float = 3.0, hz: float = 440.0) -> Path:
    """An .m4a/.mp4 holding one AAC sine-wave stream and no video."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mp4") as container:
        _add_audio(container, seconds, hz)
    return path


def write_zero_length_clip(path: Path, size: tuple[int, int] = (320, 240), fps: int = 12) -> Path:
    """An MP4 with a video stream but not a single frame (FFmpeg then drops the empty track,
    so readers find no stream at all)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        container.start_encoding()
    return path


def write_not_a_video(path: Path) -> Path:
    """Text saved under a video's name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("This is a shopping list, not a video.\n" * 50)
    return path


def truncated_copy(source: Path, dest: Path, keep: float = 0.5) -> Path:
    """The first ``keep`` fraction of ``source``'s bytes, as an interrupted copy leaves it."""
    data = source.read_bytes()
    dest.write_bytes(data[: int(len(data) * keep)])
    return dest


def corrupt_copy(source: Path, dest: Path, at: float = 0.5, length: int = 4096) -> Path:
    """``source`` with ``length`` random bytes written over the middle (at fraction ``at``)."""
    data = bytearray(source.read_bytes())
    start = int(len(data) * at)
    noise = np.random.default_rng(7).integers(0, 256, length, dtype=np.uint8).tobytes()
    data[start : start + length] = noise[: len(data) - start]
    dest.write_bytes(bytes(data))
    return dest


def bench_script() -> list[Shot]:
    """Two minutes of mixed material: camera-like shots, scrolling text, a dissolve, and two
    static screen recordings (46 s), with 9 cuts; repeated, it makes the hour-long video."""
    return [
        Shot("shapes", 9, 101),
        Shot("shapes", 14, 102),
        Shot("text", 7, 103),
        Shot("shapes", 12, 104, fade=1.0),
        Shot("screen", 30, 105),
        Shot("shapes", 4, 106),
        Shot("screen", 16, 107),
        Shot("shapes", 10, 108),
        Shot("text", 6, 109),
        Shot("shapes", 12, 110),
    ]


def _piece(preset: str, x264_params: str | None, size: tuple[int, int], fps: int) -> Path:
    name = f"piece-{size[0]}x{size[1]}-{fps}-{preset}-{x264_params or 'default'}-v{BENCH_VERSION}"
    path = cache_dir() / "clips" / f"{name.replace(':', '_').replace('=', '')}.mp4"
    if not path.exists():
        log.info("Encoding the %s benchmark piece %s", preset, path.name)
        partial = path.with_suffix(".partial.mp4")
        write_scene_clip(partial, bench_script(), size, fps, preset=preset, x264_params=x264_params)
        partial.replace(path)
    return path


def _remux_repeated(piece: Path, dest: Path, copies: int) -> float:
    """Write ``copies`` back-to-back copies of the piece's video packets; return the piece's
    duration in seconds. Every copy starts with an IDR frame, so the result is valid H.264."""
    with av.open(str(dest), "w") as output:
        with av.open(str(piece)) as source:
            stream = source.streams.video[0]
            target = output.add_stream_from_template(stream)
            spans = [(p.pts, p.duration) for p in source.demux(stream) if p.pts is not None]
            step = max(pts + duration for pts, duration in spans) - min(pts for pts, _ in spans)
            time_base = stream.time_base
        for copy in range(copies):
            with av.open(str(piece)) as source:
                for packet in source.demux(source.streams.video[0]):
                    if packet.dts is None:
                        continue
                    packet.pts += copy * step
                    packet.dts += copy * step
                    packet.stream = target
                    output.mux(packet)
    return float(step * time_base)


def long_scene_video(
    minutes: int = 60,
    *,
    preset: str = "veryfast",
    x264_params: str | None = None,
    size: tuple[int, int] = (1920, 1080),
    fps: int = 25,
) -> LongClip:
    """The ``minutes``-long benchmark video (the bench piece over and over), made once."""
    piece = _piece(preset, x264_params, size, fps)
    path = piece.with_name(f"{piece.stem}-x{minutes}min.mp4")
    facts = path.with_suffix(".json")
    if not (path.exists() and facts.exists()):
        shots = bench_script()
        piece_seconds = sum(shot.seconds for shot in shots)
        copies = max(1, round(minutes * 60 / piece_seconds))
        partial = path.with_suffix(".partial.mp4")
        step = _remux_repeated(piece, partial, copies)
        cuts = [
            copy * step + time
            for copy in range(copies)
            for time in ([0.0] if copy else []) + cut_times(shots)
        ]
        static = [
            (copy * step + a, copy * step + b)
            for copy in range(copies)
            for a, b in static_ranges(shots)
        ]
        partial.replace(path)
        facts.write_text(json.dumps({"duration": copies * step, "cuts": cuts, "static": static}))
    known = json.loads(facts.read_text())
    return LongClip(path, known["duration"], known["cuts"], [tuple(r) for r in known["static"]])
