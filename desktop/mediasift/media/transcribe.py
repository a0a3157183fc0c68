"""Speech in recordings and clips as short timed text chunks, through faster-whisper.

A recording is searched by what was said and answered with the moment it was said, so the
transcript is kept as chunks of a few sentences, each with the time its first word starts
(word timestamps, not Whisper's coarser segment times).

Work and memory stay bounded whatever the length: faster-whisper takes a whole waveform, so it
gets pieces of ``window`` seconds from ``read_audio``, re-cut at the quietest moment near their
end so a sentence spanning a boundary is heard whole. A piece with no sound at all never
reaches the model (a 10-hour silent file costs only its decoding), and voice-activity
detection drops music and noise before Whisper can invent words for them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mediasift.media.audio import read_audio
from mediasift.models.registry import SPEECH_ROLE

if TYPE_CHECKING:  # faster-whisper (CTranslate2, its VAD) loads with the first model loaded
    from faster_whisper import WhisperModel
    from faster_whisper.transcribe import Segment, Word

log = logging.getLogger(__name__)

#: Whisper listens at 16 kHz.
RATE = 16000
#: A piece whose loudest sample stays under this (-60 dBFS, ~33 steps of 16-bit audio) is
#: silence. The peak, not the RMS: a few words in a 10-minute piece barely move its RMS.
_SILENT_PEAK = 1e-3
#: Where a full window is re-cut: the quietest 0.1 s frame in its last 30 s.
_SEAM = 30 * RATE
_FRAME = RATE // 10
#: Whisper's own tests for a failed decode, applied to what it returns anyway after its last
#: temperature fallback: repetitive text (a loop) and "probably no speech, unsure words".
_MAX_COMPRESSION = 2.4
_NO_SPEECH = 0.6
_MIN_LOGPROB = -1.0
#: Chunk limits: a search hit should point at a moment, and an embedded passage should hold
#: one topic. A chunk ends after this many sentences, and before a pause this long...
_MAX_SENTENCES = 3
_PAUSE = 2.0
#: ...and is split (at its last sentence end, else its longest gap) when it would grow past
#: this many words or seconds.
_MAX_WORDS = 40
_MAX_SECONDS = 30.0
_SENTENCE_ENDS = (".", "?", "!", "。", "？", "！", "…")


class SpeechModelUnavailable(Exception):
    """The speech model could not be loaded; ``str(exc)`` says why and what to do."""


@dataclass
class Chunk:
    start: float
    end: float
    text: str
    #: (sentence, start, end) in order: a search hit points at the sentence, not the chunk.
    sentences: list[tuple[str, float, float]] = field(default_factory=list)


def _cpu_threads(threads: int) -> int:
    """CTranslate2 defaults to 4 threads; more threads than cores slows it down."""
    if threads > 0:
        return threads
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _is_path(model: str) -> bool:
    return model.startswith(("/", "~", ".", "\\")) or (len(model) > 1 and model[1] == ":")


def _load(model: str, device: str, compute_type: str, threads: int) -> WhisperModel:
    from faster_whisper import WhisperModel

    local = Path(model).expanduser()
    if _is_path(model) and not local.is_dir():
        raise SpeechModelUnavailable(f"Speech model folder not found: {local}")
    try:
        return WhisperModel(
            str(local) if local.is_dir() else model,
            device=device,
            compute_type=compute_type,
            cpu_threads=threads,
        )
    except (OSError, RuntimeError, ValueError) as exc:
        if local.is_dir():
            reason = f"Speech model folder {local} could not be loaded ({exc})"
        else:
            reason = (
                f"Speech model '{model}' is not on this computer and could not be downloaded "
                f"(offline?). {SPEECH_ROLE.how_to_get(model)}"
            )
        raise SpeechModelUnavailable(reason) from exc


class Transcriber:
    """One loaded Whisper model; ``transcribe`` may be called for many files in turn."""

    def __init__(
        self,
        model: str,
        device: str = "cpu",
        compute_type: str | None = None,
        threads: int = 0,
        *,
        language: str | None = None,
        beam_size: int = 5,
        window: float = 10 * 60,
    ) -> None:
        compute_type = compute_type or ("float16" if device.startswith("cuda") else "int8")
        self._model = _load(model, device, compute_type, _cpu_threads(threads))
        self.language = language
        self.beam_size = beam_size
        self.window = window

    def transcribe(self, path: Path, cancelled: Callable[[], bool] = lambda: False) -> list[Chunk]:
        """The speech in ``path`` (a recording or a video's sound) as timed chunks; none for
        silence or music. On cancellation it returns early with what it has, and the caller,
        who asked, knows the list is partial. MediaError when the file has no readable audio."""
        return list(_chunks(self._words(path, cancelled)))

    def _words(self, path: Path, cancelled: Callable[[], bool]) -> Iterator[Word]:
        for offset, audio in _pieces(path, self.window):
            if cancelled():
                return
            if _silent(audio):
                continue
            for word in self._piece_words(audio, cancelled):
                yield replace(word, start=word.start + offset, end=word.end + offset)

    def _piece_words(self, audio: np.ndarray, cancelled: Callable[[], bool]) -> Iterator[Word]:
        segments, info = self._model.transcribe(
            audio,
            language=self.language,
            beam_size=self.beam_size,
            word_timestamps=True,
            vad_filter=True,
            condition_on_previous_text=False,  # no repetition loops carried across segments
        )
        log.debug("Heard %.0f s of speech in %.0f s", info.duration_after_vad, info.duration)
        for segment in segments:
            if cancelled():
                return
            if _unlikely(segment):
                log.debug("Dropped unlikely segment %r", segment.text)
                continue
            yield from segment.words or ()


def _silent(audio: np.ndarray) -> bool:
    return not audio.size or max(float(audio.max()), -float(audio.min())) < _SILENT_PEAK


def _unlikely(segment: Segment) -> bool:
    return segment.compression_ratio > _MAX_COMPRESSION or (
        segment.no_speech_prob > _NO_SPEECH and segment.avg_logprob < _MIN_LOGPROB
    )


def _pieces(path: Path, window: float) -> Iterator[tuple[float, np.ndarray]]:
    """(offset, samples) pieces of about ``window`` seconds. A full window ends at its
    quietest moment near the end and the rest opens the next piece, so words crossing a
    window boundary are not cut in two."""
    size = max(1, int(window * RATE))
    held, held_at = np.zeros(0, np.float32), 0.0
    for offset, samples in read_audio(path, RATE, window=window):
        audio = np.concatenate([held, samples]) if held.size else samples
        start = offset - held.size / RATE
        cut = _quiet_cut(audio) if samples.size == size else audio.size
        yield start, audio[:cut]
        held, held_at = audio[cut:], start + cut / RATE
    if held.size:
        yield held_at, held


def _quiet_cut(audio: np.ndarray) -> int:
    """The sample in the middle of the quietest (latest, on ties) 0.1 s frame of the last
    30 s: within a stretch of speech that long there is always a pause between words."""
    frames = min(audio.size // 2, _SEAM) // _FRAME
    if not frames:
        return audio.size
    start = audio.size - frames * _FRAME
    energy = np.square(audio[start:]).reshape(frames, _FRAME).sum(axis=1)
    quietest = frames - 1 - int(np.argmin(energy[::-1]))
    return start + quietest * _FRAME + _FRAME // 2


def _ends_sentence(word: Word) -> bool:
    return word.word.rstrip().endswith(_SENTENCE_ENDS)


def _chunks(words: Iterable[Word]) -> Iterator[Chunk]:
    """Words grouped into chunks of a few sentences, cut at sentence ends and pauses."""
    current: list[Word] = []
    for word in words:
        if current and (word.start - current[-1].end >= _PAUSE or _full(current)):
            yield _chunk(current)
            current = []
        current.append(word)
        if len(current) > _MAX_WORDS or current[-1].end - current[0].start > _MAX_SECONDS:
            split = _split_point(current)
            yield _chunk(current[:split])
            current = current[split:]
    if current:
        yield _chunk(current)


def _full(words: list[Word]) -> bool:
    return _ends_sentence(words[-1]) and sum(map(_ends_sentence, words)) >= _MAX_SENTENCES


def _split_point(words: list[Word]) -> int:
    """Where an overlong chunk is cut: after its last sentence end before the final word,
    else at its longest gap between words."""
    if len(words) < 2:
        return len(words)
    ends = [i for i, word in enumerate(words[:-1]) if _ends_sentence(word)]
    if ends:
        return ends[-1] + 1
    gaps = [words[i + 1].start - words[i].end for i in range(len(words) - 1)]
    return int(np.argmax(gaps)) + 1


def _chunk(words: list[Word]) -> Chunk:
    sentences, current = [], []
    for word in words:
        current.append(word)
        if _ends_sentence(word) or word is words[-1]:
            sentences.append((_text(current), float(current[0].start), float(current[-1].end)))
            current = []
    return Chunk(float(words[0].start), float(words[-1].end), _text(words), sentences)


def _text(words: list[Word]) -> str:
    return "".join(word.word for word in words).strip()
