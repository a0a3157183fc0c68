"""Transcription on this machine: speed, word accuracy, and silence that stays silent.

Voice memos are spoken by espeak-ng (so the words and their times are known) and transcribed
by the real Whisper base, the CPU default. Robotic speech is harder than a clear human voice
for Whisper, so the accuracy here is a floor rather than a promise.
"""

from __future__ import annotations

import logging
import re
import tempfile
import time
from pathlib import Path

from mediasift.bench.data import cache_dir
from mediasift.bench.speech import long_silent_wav, memo, silence, tone_chord, whisper_base_folder
from mediasift.media.audio import probe_audio
from mediasift.media.transcribe import Chunk, Transcriber

log = logging.getLogger(__name__)

#: Everyday voice memos: errands, plans, work notes; a few numbers, as people dictate them.
MEMOS = [
    [
        "Remember to pick up the dry cleaning before six.",
        "The shop on the corner closes early on Saturdays.",
        "Also buy coffee, oranges and a loaf of brown bread.",
    ],
    [
        "The budget meeting moved to Thursday morning.",
        "Please send the updated figures to Maria before then.",
        "We still need a decision on the new office chairs.",
    ],
    [
        "Call the plumber about the leaking kitchen tap.",
        "He said he could come next Tuesday after lunch.",
        "Leave the spare key with the neighbors upstairs.",
    ],
    [
        "Ideas for the summer holiday with the children.",
        "A week by the lake would be cheaper than flying abroad.",
        "Check if the cabin has a boat and good internet.",
    ],
    [
        "Notes from the doctor's appointment this afternoon.",
        "Take one tablet twice a day with food for ten days.",
        "Book a follow up visit in three weeks.",
    ],
    [
        "The garden needs water every evening during the heat wave.",
        "Cut back the roses and move the tomato plants into the sun.",
        "Ask Peter if we can borrow his lawn mower.",
    ],
    [
        "Reminder for the team presentation on Friday.",
        "Start with the customer survey and then show the sales chart.",
        "Keep the whole talk under twenty minutes.",
    ],
    [
        "Birthday party plans for my sister.",
        "Order a chocolate cake and invite her friends from work.",
        "The restaurant can seat twelve people on the terrace.",
    ],
]
_ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _number_words(number: int) -> str:
    """A number as words, the way espeak-ng says it and a reference sentence spells it."""
    if number >= 1000:
        thousands, rest = divmod(number, 1000)
        return f"{_number_words(thousands)} thousand" + (f" {_number_words(rest)}" if rest else "")
    if number < 20:
        return _ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")
    hundreds, rest = divmod(number, 100)
    return f"{_ONES[hundreds]} hundred" + (f" {_number_words(rest)}" if rest else "")


def normalize(text: str) -> list[str]:
    """Words for comparison: lower case, numbers spelled out, hyphens as spaces, no punctuation."""
    text = re.sub(r"\d+", lambda m: f" {_number_words(int(m.group()))} ", text.lower())
    return re.sub(r"[^a-z' ]+", " ", text.replace("-", " ")).replace("'", "").split()


def word_errors(reference: list[str], hypothesis: list[str]) -> int:
    """Word edit distance (substitutions + insertions + deletions)."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i]
        for j, hyp in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


def _start_error(chunks: list[Chunk], starts: list[float]) -> float:
    """How far each chunk's start lies from the nearest true sentence start (the worst one)."""
    return max((min(abs(c.start - s) for s in starts) for c in chunks), default=0.0)


def _timed(transcriber: Transcriber, path: Path) -> tuple[list[Chunk], float]:
    started = time.perf_counter()
    chunks = transcriber.transcribe(path)
    return chunks, time.perf_counter() - started


def bench_transcripts(memos: int = 6) -> dict:
    started = time.perf_counter()
    transcriber = Transcriber(str(whisper_base_folder(cache_dir())))
    load_s = time.perf_counter() - started
    audio_s = wall_s = start_error = 0.0
    errors = words = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i, sentences in enumerate(MEMOS[:memos]):
            path = folder / f"memo-{i}.wav"
            starts = memo(sentences, path, pauses=[0.8, 1.5, 1.0])
            chunks, seconds = _timed(transcriber, path)
            log.info("Memo %d: %s", i, [chunk.text for chunk in chunks])
            reference = normalize(" ".join(sentences))
            errors += word_errors(reference, normalize(" ".join(c.text for c in chunks)))
            words += len(reference)
            audio_s += probe_audio(path).duration or 0.0
            wall_s += seconds
            start_error = max(start_error, _start_error(chunks, starts))
        silent, _ = _timed(transcriber, silence(folder / "silence.wav", 60))
        music, _ = _timed(transcriber, tone_chord(folder / "music.wav", 60))
        ten_hours, ten_hours_s = _timed(transcriber, long_silent_wav(folder / "ten-hours.wav", 10))
    return {
        "memos": memos,
        "audio_seconds": round(audio_s, 1),
        "model_load_seconds": round(load_s, 2),
        "real_time_factor": round(wall_s / audio_s, 3),
        "word_accuracy": round(1 - errors / words, 3),
        "max_chunk_start_error_seconds": round(start_error, 2),
        "silence_segments": len(silent),
        "music_segments": len(music),
        "ten_hour_silence_seconds": round(ten_hours_s, 1),
        "ten_hour_silence_segments": len(ten_hours),
    }
