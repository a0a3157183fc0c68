"""Sound from recordings and from the audio track of videos, through PyAV (FFmpeg).

Recordings can be hours long, so nothing here holds a whole file's samples: ``read_audio``
streams fixed windows, and ``waveform_thumbnail`` of a long file decodes a short slice at
each of a few hundred seek points instead of every sample. Damaged packets are skipped and
a truncated file gives what could be read: a recording cut short is still worth indexing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw

from mediasift.media.errors import MediaError
from mediasift.media.streams import decoded, reason

log = logging.getLogger(__name__)

#: Packet size (bytes) for the WAV demuxer, 4 KB by default: 10 hours at 8 kHz were 562,500
#: packets and 2.6 s of demuxing, 550 packets and 0.4 s with this. Other formats ignore it.
_DEMUX_OPTIONS = {"max_size": str(1 << 18)}
#: Seconds of decoded audio resampled at once.
_BATCH = 1.0
#: Waveforms of files up to this long (seconds) come from every sample; longer ones from
#: slices at seek points, so a 10-hour file costs about as much as a 20-minute one.
_FULL_SCAN = 20 * 60
#: Length (seconds) of the slice decoded at each seek point, and the rate waveforms use.
_SLICE = _BATCH
_WAVEFORM_RATE = 8000
#: Samples per loudness block (10 ms at the waveform rate) when scanning a whole file.
_BLOCK = 80
_BACKGROUND = (32, 34, 40)
_WAVE = (98, 180, 255)


@dataclass
class AudioInfo:
    duration: float | None
    sample_rate: int | None
    channels: int | None
    codec: str | None


@contextmanager
def _open_audio(path: Path) -> Iterator[tuple[av.container.InputContainer, av.AudioStream]]:
    """The container and its first audio stream; MediaError when there is none."""
    try:
        container = av.open(str(path), options=_DEMUX_OPTIONS)
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise MediaError(f"not a readable audio or video file ({reason(exc)})") from exc
    with container:
        if not container.streams.audio:
            raise MediaError("the file has no audio track")
        yield container, container.streams.audio[0]


def _frames(
    container: av.container.InputContainer, stream: av.AudioStream
) -> Iterator[av.AudioFrame]:
    """Decoded frames of ``stream``, skipping damaged packets and stopping where the file
    is cut short; MediaError when not a single frame decodes."""
    count = 0
    for frames in decoded(container, stream, drain=False):
        count += len(frames)
        yield from frames
    if not count:
        raise MediaError("the audio track could not be decoded")


def probe_audio(path: Path) -> AudioInfo:
    """What a recording holds, checked by decoding its first frame: a file whose headers
    parse but whose audio does not decode is refused here rather than at indexing."""
    with _open_audio(path) as (container, stream):
        first = next(_frames(container, stream))
        context = stream.codec_context
        return AudioInfo(
            duration=_duration(container, stream),
            sample_rate=context.sample_rate or first.sample_rate or None,
            channels=context.channels or first.layout.nb_channels or None,
            codec=context.name,
        )


def _duration(container: av.container.InputContainer, stream: av.AudioStream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def _batches(frames: Iterator[av.AudioFrame]) -> Iterator[av.AudioFrame]:
    """Decoded frames joined into frames of about ``_BATCH`` seconds: resampling costs
    ~20 us a call and MP3, AAC and Opus decode in frames of 20-26 ms (20 minutes of MP3
    read at 16 kHz: 2.0 s -> 0.9 s)."""
    fifo = av.AudioFifo()
    for frame in frames:
        frame.pts = None  # the FIFO refuses timestamp gaps; damaged files have them
        try:
            fifo.write(frame)
        except ValueError:  # the format changed mid-stream: pass on what came before
            if fifo.samples:
                yield fifo.read()
            fifo = av.AudioFifo()
            fifo.write(frame)
        if fifo.samples >= frame.sample_rate * _BATCH:
            yield fifo.read()
    if fifo.samples:
        yield fifo.read()


def _mono(frames: Iterator[av.AudioFrame], rate: int) -> Iterator[np.ndarray]:
    """Frames as mono float32 at ``rate``; a mid-stream format change (some MP3s and
    broadcast recordings switch rate or layout) gets a fresh resampler."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
    for frame in _batches(frames):
        try:
            converted = resampler.resample(frame)
        except ValueError:
            converted = resampler.resample(None)
            resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
            converted += resampler.resample(frame)
        for piece in converted:
            yield piece.to_ndarray()[0]
    for piece in resampler.resample(None):
        yield piece.to_ndarray()[0]


def _windows(pieces: Iterator[np.ndarray], size: int) -> Iterator[np.ndarray]:
    """Consecutive arrays of ``size`` samples (the last one shorter) from arbitrary pieces."""
    held: list[np.ndarray] = []
    count = 0
    for piece in pieces:
        held.append(piece)
        count += piece.size
        while count >= size:
            joined = np.concatenate(held)
            yield joined[:size]
            held, count = [joined[size:]], joined.size - size
    if count:
        yield np.concatenate(held)


def read_audio(
    path: Path, rate: int = 16000, *, window: float = 30.0 * 60
) -> Iterator[tuple[float, np.ndarray]]:
    """(offset in seconds, mono float32 samples at ``rate``) for consecutive ``window``-second
    stretches of the first audio track; memory stays at about one window whatever the length."""
    size = max(1, int(window * rate))
    with _open_audio(path) as (container, stream):
        offset = 0
        for samples in _windows(_mono(_frames(container, stream), rate), size):
            yield offset / rate, samples
            offset += samples.size


def waveform_thumbnail(path: Path, size: tuple[int, int] = (256, 256)) -> Image.Image:
    """A picture of the recording's loudness over time: one mirrored bar per column."""
    width, height = size
    with _open_audio(path) as (container, stream):
        duration = _duration(container, stream)
        if duration is not None and duration > _FULL_SCAN and stream.time_base is not None:
            peaks = _sampled_peaks(container, stream, duration, width)
        else:
            peaks = _scanned_peaks(container, stream, width)
    return _draw(peaks, width, height)


def _scanned_peaks(
    container: av.container.InputContainer, stream: av.AudioStream, width: int
) -> np.ndarray:
    """Column peaks from every sample (at a low rate): exact, for files of bounded length."""
    pieces = _windows(_mono(_frames(container, stream), _WAVEFORM_RATE), _BLOCK * 100)
    blocks = [_block_peaks(samples) for samples in pieces]
    if not blocks:
        return np.zeros(width, np.float32)
    blocks = np.concatenate(blocks)
    columns = np.array_split(blocks, min(width, blocks.size))
    peaks = np.array([column.max() for column in columns], np.float32)
    return np.interp(np.linspace(0, peaks.size - 1, width), np.arange(peaks.size), peaks)


def _block_peaks(samples: np.ndarray) -> np.ndarray:
    padded = np.pad(np.abs(samples), (0, -samples.size % _BLOCK))
    return padded.reshape(-1, _BLOCK).max(axis=1)


def _sampled_peaks(
    container: av.container.InputContainer, stream: av.AudioStream, duration: float, width: int
) -> np.ndarray:
    """Column peaks from a short slice decoded at each column's midpoint: bounded work for
    files of any length (a sketch of the envelope, not every peak)."""
    start = stream.start_time or 0
    peaks = np.zeros(width, np.float32)
    for column in range(width):
        at = (column + 0.5) / width * duration
        try:
            container.seek(start + int(at / stream.time_base), stream=stream)
            peaks[column] = _slice_peak(container, stream)
        except (av.error.FFmpegError, MediaError):
            log.debug("No audio near %.1f s in %s", at, container.name)
    return peaks


def _slice_peak(container: av.container.InputContainer, stream: av.AudioStream) -> float:
    peak, seen = 0.0, 0
    for samples in _mono(_frames(container, stream), _WAVEFORM_RATE):
        peak = max(peak, float(np.abs(samples).max(initial=0.0)))
        seen += samples.size
        if seen >= _SLICE * _WAVEFORM_RATE:
            break
    return peak


def _draw(peaks: np.ndarray, width: int, height: int) -> Image.Image:
    """Bars scaled to the loudest column, so quiet recordings still show their shape; a
    silent one is a flat centre line."""
    image = Image.new("RGB", (width, height), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    loudest = float(peaks.max(initial=0.0))
    scaled = peaks / loudest if loudest > 0 else peaks
    middle = height / 2
    for x, peak in enumerate(scaled):
        half = max(0.5, float(peak) * (height * 0.45))
        draw.line([(x, middle - half), (x, middle + half)], fill=_WAVE)
    return image
