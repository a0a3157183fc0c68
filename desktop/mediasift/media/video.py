"""Video clips: what a file holds, its scenes (cut by cheap frame differences), a poster frame.

Decoding every frame of an hour of 1080p costs minutes, so scenes come from keyframes
(``skip_frame='NONKEY'``, ~20x cheaper). Where keyframes are more than ``_MAX_GAP`` apart, the
sizes of the packets between them (read anyway, so free) say whether a cut may hide there: a
cut makes the encoder code the next picture afresh (a packet several times the usual one) or
settle at another cost (a cut to a plain card is cheap, but differently). Only then is the gap
decoded, on a second handle of the file, from the earlier keyframe to just past the mark,
sampling every ``_STEP`` seconds with B-frames skipped, so cuts land within about 0.25 s. x264
puts keyframes on cuts by default, and there nothing more is decoded; with ``scenecut=0`` (a
keyframe every 10 s, none on cuts) an hour of 1080p takes about 1/70 of its length on 2 cores.

Samples are compared through 32x18 thumbnails of the Y, U and V planes (no colour conversion):
layout with brightness and contrast taken out, so a fade is no change, and tone apart. A scene
ends where a sample differs a lot from the last one (a cut) or from the one a second before (a
dissolve). Pieces shorter than ``MIN_SCENE`` or wholly dark (fades, black leaders) are merged into
a neighbour, and a scene nearly identical to the one before is merged into it, so a static screen
recording with a blinking cursor stays one scene however long. Scenes are not split by time: a
long unchanged shot is one scene whose 1-3 frames show it, where splitting would only add
identical segments. A shot that keeps moving between sparse keyframes is split where two
keyframes differ as much as a cut does, so each piece still has pictures of its own.

Memory is bounded: the current and previous scenes' few frames, and the sizes of the packets
since the last sample.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from pathlib import Path

import av
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image

from mediasift.media.errors import MediaError
from mediasift.media.streams import decoded, reason

log = logging.getLogger(__name__)

#: Scenes shorter than this (seconds) are merged into the one before.
MIN_SCENE = 1.0
#: Keyframes further apart than this (seconds) get samples in between where the picture changed.
_MAX_GAP = 1.0
#: Spacing (seconds) of the samples decoded between keyframes, and the least between two
#: keyframes decoded (dense keyframes, intra-only codecs).
_STEP = 0.25
_KEY_STEP = 0.25
#: With no keyframe for this long (seconds), the stretch is decoded anyway, sampled each second.
_LONG_GAP = 60.0
_LONG_STEP = 1.0
#: Differences (0-1) between samples: a cut (from the last sample, or from the one about
#: _GRADUAL seconds before: a dissolve); the same picture.
_CUT = 0.6
_GRADUAL = 1.0
_SAME = 0.1
#: A packet is a cut's freshly coded picture when it is this many times the usual large packet
#: (this percentile) within _SPIKE_SPAN seconds and not negligible next to a keyframe (this
#: fraction of one).
_SPIKE_RATIO = 3.0
_USUAL = 75
_SPIKE_SPAN = 0.5
_SPIKE_FLOOR = 0.02
#: A step: the median packet over _STEP_SPAN seconds after a time is this many times (or this
#: fraction of) the median over as long before it.
_STEP_RATIO = 4.0
_STEP_SPAN = 1.0
#: Packets are a still picture's when their median is below this fraction of a keyframe.
_STILL = 0.02
#: Seconds from the start decoded frame by frame when looking for a poster, then keyframes.
_POSTER_LEAD = 5.0
_POSTER_KEYFRAMES = 60
_THUMB = (32, 18)
#: Pixel formats whose first three planes are 8-bit Y, U, V, read directly for thumbnails.
_PLANAR = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p"}
#: Contrast below which a thumbnail's pattern is not stretched further (plain pictures).
_FLAT = 8.0
#: Mean absolute difference of two unrelated normalised patterns (2/sqrt(pi)).
_UNRELATED = 1.128


@dataclass
class VideoInfo:
    """What a clip holds, from its headers and first picture."""

    duration: float | None  # seconds; None if unknown
    width: int  # as displayed: pixel aspect ratio and rotation applied
    height: int
    fps: float | None
    has_video: bool
    has_audio: bool


@dataclass
class Scene:
    """A stretch of a clip that shows one thing, with the pictures that show it."""

    start: float  # seconds from the start of the clip
    end: float
    frames: list[Image.Image]  # 1-3 RGB frames, longest side <= max_side


@dataclass(frozen=True, eq=False)
class _Look:
    """What frame differences need of a picture: see ``_difference``."""

    pattern: np.ndarray  # 18x32x3 thumbnail, normalised
    brightness: float  # mean luma of the thumbnail, 0-255
    contrast: float  # its standard deviation

    @property
    def dark(self) -> bool:
        """Black or nearly (fades, leaders): says nothing about the clip."""
        return self.brightness < 24 and self.contrast < 8


@dataclass(eq=False)
class _Sample:
    """One decoded picture and its look; the picture itself is made (scaled, turned upright)
    only if a scene shows it."""

    time: float
    pts: int
    frame: av.VideoFrame | None
    size: tuple[int, int]  # of the picture to make, before rotation
    look: _Look

    @property
    def dark(self) -> bool:
        return self.look.dark

    @cached_property
    def image(self) -> Image.Image:
        frame, self.frame = self.frame, None  # the decoded frame is big: let it go
        image = frame.to_image(width=self.size[0], height=self.size[1], interpolation="AREA")
        if frame.rotation in (90, -90, 180, -180):
            image = image.rotate(frame.rotation, expand=True)
        return image


def _thumbnail(frame: av.VideoFrame) -> np.ndarray:
    """An 18x32 thumbnail of each of Y, U and V, straight from the planes: a sparse grid of
    pixels (about 4x4 a cell) averaged costs ~0.1 ms at 1080p where swscale costs ~3 ms."""
    small = frame.width < 4 * _THUMB[0] or frame.height < 4 * _THUMB[1]
    if small or frame.format.name not in _PLANAR:
        frame = frame.reformat(width=_THUMB[0] * 4, height=_THUMB[1] * 4, format="yuv444p")
    cells = []
    for plane in frame.planes[:3]:
        rows = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
        pixels = rows[: plane.height, : plane.width]
        step = max(1, min(plane.height // _THUMB[1], plane.width // _THUMB[0]) // 4)
        grid = pixels[::step, ::step]
        high, wide = grid.shape[0] // _THUMB[1], grid.shape[1] // _THUMB[0]
        grid = grid[: high * _THUMB[1], : wide * _THUMB[0]].astype(np.float32)
        cells.append(grid.reshape(_THUMB[1], high, _THUMB[0], wide).mean(axis=(1, 3)))
    return np.stack(cells, axis=-1)


def _look(thumb: np.ndarray) -> _Look:
    """The thumbnail less each channel's mean, over the overall contrast; its luma's mean and
    standard deviation."""
    centred = thumb - thumb.mean(axis=(0, 1))
    spread = float(np.sqrt((centred**2).mean()))
    luma = thumb[..., 0]
    return _Look(centred / max(spread, _FLAT), float(luma.mean()), float(luma.std()))


def _difference(a: _Look, b: _Look) -> float:
    """0 for the same picture, about 1 for unrelated ones.

    Layouts are compared with brightness and contrast taken out, so a fade (a picture scaled
    towards black) is no change of layout while it lasts, and the channels share one scale,
    so new colours on the same layout still count. Tone (brightness, contrast) is compared
    apart: a plain picture has no layout, so a cut to a title card is a jump in tone, where a
    fade changes tone a little from one sample to the next.
    """
    layout = float(np.abs(a.pattern - b.pattern).mean()) / _UNRELATED
    tone = max(abs(a.brightness - b.brightness) / 128, abs(a.contrast - b.contrast) / 64)
    return min(1.0, max(layout, tone))


@contextmanager
def _opened(path: Path) -> Iterator[tuple[av.container.InputContainer, av.VideoStream]]:
    """The container and its first real video stream (cover art is not video)."""
    try:
        if path.stat().st_size == 0:
            raise MediaError("the file is empty")
        container = av.open(str(path), metadata_errors="ignore")
    except FileNotFoundError as exc:
        raise MediaError("file vanished before it could be read") from exc
    except PermissionError as exc:
        raise MediaError("permission denied") from exc
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise MediaError(f"not a readable video file ({reason(exc)})") from exc
    with container:
        videos = [
            s
            for s in container.streams.video
            if not s.disposition & av.stream.Disposition.attached_pic
        ]
        if not videos:
            if container.streams.audio:
                raise MediaError("no video stream (the file holds only sound)")
            raise MediaError("the clip is empty: no video stream in it")
        stream = videos[0]
        stream.thread_type = "AUTO"
        yield container, stream


def _frames(
    container: av.container.InputContainer,
    stream: av.VideoStream,
    wanted: Callable[[av.Packet], bool] = lambda packet: True,
) -> Iterator[av.VideoFrame]:
    for frames in decoded(container, stream, wanted):
        yield from frames


def _display_size(stream: av.VideoStream, width: int, height: int) -> tuple[int, int]:
    """The size a player shows: anamorphic pixels stretched to square ones."""
    aspect = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
    if aspect and aspect > 0 and aspect != 1:
        width = max(1, round(width * aspect))
    return width, height


class _Sampler:
    """Turns frames of one stream into samples at a size fit for scenes."""

    def __init__(self, stream: av.VideoStream, max_side: int) -> None:
        self.time_base = stream.time_base or Fraction(1, 90000)
        start = stream.start_time if stream.start_time is not None else 0
        self.origin = float(start * self.time_base)
        self.stream, self.index = stream, stream.index
        self.max_side = max_side

    def time(self, pts: int | None) -> float | None:
        return None if pts is None else float(pts * self.time_base) - self.origin

    def sample(self, frame: av.VideoFrame) -> _Sample | None:
        time = self.time(frame.pts)
        if time is None:
            return None
        width, height = _display_size(self.stream, frame.width, frame.height)
        scale = min(1.0, self.max_side / max(width, height))
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        return _Sample(time, frame.pts, frame, size, _look(_thumbnail(frame)))


class _Window:
    """Frames between two samples, decoded on demand on a second handle of the file, so the
    keyframe scan is not disturbed. A window that starts where the last one stopped goes on
    decoding instead of seeking back, so a stream without keyframes is decoded once."""

    def __init__(self, path: Path, sampler: _Sampler) -> None:
        self.path, self.sampler = path, sampler
        self._container: av.container.InputContainer | None = None
        self._frames: Iterator[av.VideoFrame] = iter(())
        self._held: av.VideoFrame | None = None  # read past the last window's end
        self._at: float | None = None  # time of the last frame taken
        self.decoded = 0

    def close(self) -> None:
        if self._container is not None:
            self._container.close()

    def _go_to(self, after: _Sample) -> None:
        if self._at is not None and -_STEP <= after.time - self._at <= _MAX_GAP:
            return  # at or just before it: decoding on is cheaper than seeking back
        if self._container is None:
            self._container = av.open(str(self.path), metadata_errors="ignore")
            stream = self._container.streams[self.sampler.index]
            stream.thread_type = "AUTO"
            stream.codec_context.skip_frame = "NONREF"  # B-frames: no other frame needs them
        stream = self._container.streams[self.sampler.index]
        self._container.seek(after.pts, stream=stream, backward=True)
        self._frames = _frames(self._container, stream)
        self._held = self._at = None

    def samples(
        self,
        after: _Sample,
        until: float,
        step: float = _STEP,
        *,
        marks: Sequence[float] = (),
        match: _Sample | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> Iterator[_Sample]:
        """Samples every ``step`` seconds in (after, until], and the frames on both sides of
        each time in ``marks`` (likely cuts); with ``match``, stop at the first sample that is
        the same picture as it (the rest of the gap is that picture too). A generator: each
        sample's frame can be let go before the next is decoded."""
        try:
            self._go_to(after)
        except (av.error.FFmpegError, OSError) as exc:
            log.info("Cannot read between keyframes of %s: %s", self.path.name, reason(exc))
            return
        due = after.time + step
        pending = deque(marks)
        before: av.VideoFrame | None = None  # the frame before this one, not yet sampled
        held, self._held = self._held, None
        for frame in itertools.chain([held] if held else [], self._frames):
            time = self.sampler.time(frame.pts)
            if time is None or time <= after.time:
                continue
            if time > until:
                self._held = frame
                return
            self._at = time
            self.decoded += 1
            if cancelled():
                return
            chosen = [frame] if time >= due else []
            if pending and time >= pending[0]:
                chosen = [f for f in (before, frame) if f is not None]
                while pending and time >= pending[0]:
                    pending.popleft()
            before = None if chosen and chosen[-1] is frame else frame
            for sample in filter(None, map(self.sampler.sample, chosen)):
                due = sample.time + step
                yield sample
                if match is not None and _difference(sample.look, match.look) < _SAME:
                    return


@dataclass
class _Packets:
    """Times and sizes of the packets read since the last sample: where a cut inside a gap
    between keyframes is, without decoding."""

    records: deque[tuple[float, int]] = field(default_factory=deque)
    key_size: int = 0

    def add(self, time: float | None, packet: av.Packet) -> None:
        if time is None or not packet.size:
            return
        if packet.is_keyframe:
            self.key_size = packet.size
        else:
            self.records.append((time, packet.size))

    def events(self, start: float, end: float) -> list[float]:
        """Times in (start, end) where the coding changes as at a cut: one packet coded like a
        fresh picture (a spike), or packets settling at another size for a while (a step:
        a cut to plain or still content costs little to code, but differently)."""
        found = sorted((t, s) for t, s in self.records if start < t < end)
        if len(found) < 3:
            return []
        times = np.array([t for t, _ in found])
        sizes = np.array([s for _, s in found], dtype=np.float64)
        period = max((times[-1] - times[0]) / (len(times) - 1), 1e-3)  # seconds per packet
        reach = max(1, round(_SPIKE_SPAN / period))
        near = sliding_window_view(np.pad(sizes, reach, mode="edge"), 2 * reach + 1)
        usual = np.percentile(near, _USUAL, axis=1)  # a P-frame's size, not a B-frame's
        spikes = (sizes >= _SPIKE_RATIO * usual) & (sizes >= _SPIKE_FLOOR * self.key_size)
        events = set(times[spikes].tolist())
        span = max(3, round(_STEP_SPAN / period))
        if len(sizes) >= 2 * span:
            medians = np.median(sliding_window_view(sizes, span), axis=1)
            ratio = medians[span:] / np.maximum(medians[:-span], 1.0)
            steps = (ratio >= _STEP_RATIO) | (ratio <= 1 / _STEP_RATIO)
            events.update(times[span : len(sizes) - span + 1][steps].tolist())
        return sorted(events)

    def still(self, start: float, end: float) -> bool:
        """Whether the packets in (start, end) are those of a still picture (a screen, a slide):
        so small next to a keyframe that a cut to a plain picture could leave no mark."""
        sizes = [s for t, s in self.records if start < t < end]
        return not sizes or float(np.median(sizes)) < _STILL * self.key_size

    def forget(self, through: float) -> None:
        while self.records and self.records[0][0] <= through:
            self.records.popleft()


class _Scan:
    """Samples of a whole clip in time order: keyframes, plus samples decoded inside the gaps
    where a change happened between two distant keyframes."""

    def __init__(self, path: Path, max_side: int, cancelled: Callable[[], bool]) -> None:
        self.path, self.max_side, self.cancelled = path, max_side, cancelled
        self.end = 0.0  # time just past the last packet read
        self.keyframes = 0
        self.decoded = 0  # frames decoded inside gaps
        self._packets = _Packets()
        self._key_at = float("-inf")  # time of the last keyframe packet decoded
        self._longest = 0.0  # longest gap between keyframes so far: the encoder's schedule

    def samples(self) -> Iterator[_Sample]:
        with _opened(self.path) as (container, stream):
            stream.codec_context.skip_frame = "NONKEY"
            sampler = _Sampler(stream, self.max_side)
            window = _Window(self.path, sampler)
            try:
                yield from self._walk(container, stream, sampler, window)
            finally:
                window.close()
                self.decoded = window.decoded

    def _wanted(self, sampler: _Sampler, packet: av.Packet) -> bool:
        """Note the packet; skip keyframes closer than ``_KEY_STEP`` to the last one decoded."""
        time = sampler.time(packet.pts)
        self._packets.add(time, packet)
        if time is None:
            return True
        self.end = max(self.end, time + float((packet.duration or 0) * sampler.time_base))
        if not packet.is_keyframe:
            return True  # NONKEY: the decoder drops it, but it must see it
        if time < self._key_at + _KEY_STEP:
            return False
        self._key_at = time
        return True

    def _walk(
        self,
        container: av.container.InputContainer,
        stream: av.VideoStream,
        sampler: _Sampler,
        window: _Window,
    ) -> Iterator[_Sample]:
        previous: _Sample | None = None
        key_time: float | None = None
        for frames in decoded(container, stream, lambda packet: self._wanted(sampler, packet)):
            if self.cancelled():
                return
            for frame in frames:
                sample = sampler.sample(frame)
                if sample is None or (previous is not None and sample.time <= previous.time):
                    continue
                self.keyframes += 1
                regular = key_time is not None and sample.time - key_time >= 0.9 * self._longest
                if key_time is not None:
                    self._longest = max(self._longest, sample.time - key_time)
                if previous is not None:
                    yield from self._between(previous, sample, regular, window)
                self._packets.forget(sample.time)
                yield sample
                previous, key_time = sample, sample.time
            if previous is not None and self.end - max(self._key_at, previous.time) > _LONG_GAP:
                for sample in self._fill(previous, window):
                    yield sample
                    previous = sample
        if previous is not None and not self.cancelled():
            yield from self._between(previous, None, False, window)

    def _fill(self, previous: _Sample, window: _Window) -> Iterator[_Sample]:
        """Samples each ``_LONG_STEP`` up to now, when keyframes stopped coming: some streams
        have one at the start only, and would otherwise be a single picture."""
        events = self._packets.events(previous.time, self.end)
        yield from window.samples(
            previous, self.end, _LONG_STEP, marks=events, cancelled=self.cancelled
        )
        self._packets.forget(self.end)

    def _between(
        self, a: _Sample, b: _Sample | None, regular: bool, window: _Window
    ) -> Iterator[_Sample]:
        """Samples inside a long gap from ``a`` to the keyframe ``b`` (None: the end of the
        clip) where something may have happened in it; else none.

        Changes in packet sizes (see ``_Packets.events``) mark cuts even when the keyframes at
        both ends look alike (a shot between two views of the same screen): the gap is decoded
        up to just past the last of them. Without such marks, ``b`` is where the scene starts
        (the encoder put a keyframe on the cut, or the picture moved on), except where the
        picture changed after a black ``a`` (a fade-in hides the shot from its keyframe) or
        after a still picture where ``b`` came on the encoder's schedule (``regular``): a cut
        to a plain card costs too little to show in packet sizes, so it is looked for.
        """
        end = self.end if b is None else b.time
        if end - a.time <= _MAX_GAP:
            return
        if events := self._packets.events(a.time, end):
            until = min(end, events[-1] + _STEP_SPAN)
            yield from window.samples(a, until, marks=events, cancelled=self.cancelled)
            return
        if b is None or _difference(a.look, b.look) < _CUT:
            return
        if a.dark or (regular and self._packets.still(a.time, end)):
            yield from window.samples(a, b.time, match=b, cancelled=self.cancelled)


@dataclass
class _Building:
    """A scene being put together from samples; keeps only the few samples it may show."""

    start: float
    end: float
    first: _Sample
    last: _Sample
    shown: _Sample  # first sample that is not dark
    farthest: _Sample  # most different from ``shown``
    dark: bool
    recent: deque[tuple[float, _Look]]  # looks of the last _GRADUAL seconds and one before

    @classmethod
    def begin(cls, sample: _Sample) -> _Building:
        recent = deque([(sample.time, sample.look)])
        return cls(sample.time, sample.time, sample, sample, sample, sample, sample.dark, recent)

    def ends_before(self, sample: _Sample) -> bool:
        """A cut (a jump from the last sample) or a gradual change (a dissolve: a big one
        from about ``_GRADUAL`` seconds ago) happens at ``sample``."""
        while len(self.recent) > 1 and self.recent[1][0] <= sample.time - _GRADUAL:
            self.recent.popleft()
        return any(
            _difference(look, sample.look) > _CUT for look in (self.last.look, self.recent[0][1])
        )

    def extend(self, sample: _Sample) -> None:
        self.last, self.end = sample, sample.time
        self.recent.append((sample.time, sample.look))
        if self.dark and not sample.dark:
            self.dark, self.shown, self.farthest = False, sample, sample
        elif not sample.dark and _difference(self.shown.look, sample.look) > _difference(
            self.shown.look, self.farthest.look
        ):
            self.farthest = sample

    def absorb(self, other: _Building) -> None:
        """Take in a following short or dark piece: its time, not its pictures."""
        self.end = other.end
        if self.dark and not other.dark:
            self.dark, self.shown, self.farthest = False, other.shown, other.farthest

    def same_as(self, other: _Building) -> bool:
        return any(_difference(s.look, other.first.look) < _SAME for s in (self.shown, self.last))

    def scene(self) -> Scene:
        frames = [self.shown]
        for candidate in (self.farthest, self.last):
            if not candidate.dark and all(
                _difference(candidate.look, f.look) >= _SAME for f in frames
            ):
                frames.append(candidate)
        return Scene(self.start, self.end, [f.image for f in frames])


class _Cutter:
    """Samples in, scenes out: cuts, then merges short, dark and repeated pieces. One finished
    scene is held back until the next shows it need not absorb it."""

    def __init__(self) -> None:
        self.current: _Building | None = None
        self.held: _Building | None = None

    def add(self, sample: _Sample) -> Iterator[Scene]:
        current = self.current
        if current is None:
            self.current = _Building.begin(sample)
        elif current.ends_before(sample):
            current.end = sample.time
            self.current = _Building.begin(sample)
            yield from self._settle(current)
        else:
            current.extend(sample)

    def finish(self, end: float) -> Iterator[Scene]:
        if self.current is not None:
            self.current.end = max(end, self.current.end)
            yield from self._settle(self.current)
        if self.held is not None:
            yield self.held.scene()

    def _settle(self, done: _Building) -> Iterator[Scene]:
        held = self.held
        if held is None:
            self.held = done
        elif done.end - done.start < MIN_SCENE or done.dark or held.same_as(done):
            held.absorb(done)
        elif held.end - held.start < MIN_SCENE or held.dark:
            done.start = held.start
            self.held = done
        else:
            self.held = done
            yield held.scene()


def cut_scenes(
    path: Path, *, max_side: int = 448, cancelled: Callable[[], bool] = lambda: False
) -> Iterator[Scene]:
    """The scenes of a clip, in order, as they are found.

    A damaged or truncated clip gives the scenes before the damage; MediaError when not one
    picture could be decoded. Stops quietly (without the last scene) once ``cancelled()``.
    """
    scan = _Scan(path, max_side, cancelled)
    cutter = _Cutter()
    found = False
    for sample in scan.samples():
        found = True
        yield from cutter.add(sample)
        if cancelled():
            return
    if cancelled():
        return
    if not found:
        raise MediaError("no picture in the video could be decoded")
    yield from cutter.finish(scan.end)
    log.debug(
        "%s: %d keyframes, %d frames decoded between them", path.name, scan.keyframes, scan.decoded
    )


def probe_video(path: Path) -> VideoInfo:
    """What a clip holds, checked by decoding its first picture: a file whose headers parse
    but whose pictures do not decode is refused here rather than at indexing."""
    with _opened(path) as (container, stream):
        stream.codec_context.skip_frame = "NONKEY"
        first = next(_frames(container, stream), None)
        if first is None:
            raise MediaError("no picture in the video could be decoded")
        width, height = _display_size(stream, first.width, first.height)
        if first.rotation in (90, -90):
            width, height = height, width
        rate = stream.average_rate or stream.guessed_rate
        return VideoInfo(
            duration=_duration(container, stream),
            width=width,
            height=height,
            fps=float(rate) if rate else None,
            has_video=True,
            has_audio=bool(container.streams.audio),
        )


def _duration(container: av.container.InputContainer, stream: av.VideoStream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return None


def poster_frame(path: Path, max_side: int = 512) -> Image.Image:
    """A picture that shows the clip: the first one past any black leader or fade-in.

    The first seconds are decoded frame by frame (fades are short); after that only keyframes,
    so a long black start costs little. A clip that is dark throughout gives its brightest
    picture; MediaError when no picture decodes.
    """
    best: _Sample | None = None
    for sample in _poster_candidates(path, max_side):
        if (
            best is not None
            and not best.dark
            and best.look.brightness >= 0.9 * sample.look.brightness
        ):
            return best.image  # bright, and not fading in any more
        if (
            best is None
            or sample.look.brightness >= best.look.brightness
            or (best.dark and not sample.dark)
        ):
            best = sample
    if best is None:
        raise MediaError("no picture in the video could be decoded")
    return best.image


def _poster_candidates(path: Path, max_side: int) -> Iterator[_Sample]:
    """Samples every ``_STEP`` seconds of the first ``_POSTER_LEAD`` seconds, then keyframes."""
    longer = False
    with _opened(path) as (container, stream):
        sampler = _Sampler(stream, max_side)
        due = 0.0
        for frame in _frames(container, stream):
            time = sampler.time(frame.pts)
            if time is None or time < due:
                continue
            if time > _POSTER_LEAD:
                longer = True
                break
            due = time + _STEP
            if sample := sampler.sample(frame):
                yield sample
    if not longer:
        return
    with _opened(path) as (container, stream):
        stream.codec_context.skip_frame = "NONKEY"
        sampler = _Sampler(stream, max_side)
        later = (
            sample
            for frame in _frames(container, stream)
            if (sample := sampler.sample(frame)) and sample.time > _POSTER_LEAD
        )
        yield from itertools.islice(later, _POSTER_KEYFRAMES)
