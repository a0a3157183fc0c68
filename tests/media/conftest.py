"""Recordings for the audio and speech tests, made once per session with espeak-ng and PyAV."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from mediasift.bench import speech

#: The third sentence follows a pause long enough to open a new transcript chunk.
MEMO_SENTENCES = [
    "Please remember to buy milk and bread on the way home.",
    "The meeting with the design team moved to Thursday afternoon.",
    "Call the dentist to book a checkup next month.",
]
MEMO_PAUSES = [1.0, 2.5, 1.0]
CLIP_TEXT = "The dog jumps into the lake and swims back with the ball."


@dataclass
class Memo:
    path: Path
    sentences: list[str]
    starts: list[float]


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="session")
def memo_wav(speech_dir) -> Memo:
    path = speech_dir / "memo.wav"
    starts = speech.memo(MEMO_SENTENCES, path, pauses=MEMO_PAUSES)
    return Memo(path, MEMO_SENTENCES, starts)


@pytest.fixture(scope="session")
def memo_formats(memo_wav, speech_dir) -> dict[str, Path]:
    """The memo as each format users have: suffix -> file."""
    formats = {".wav": memo_wav.path}
    for suffix in (".mp3", ".m4a", ".flac", ".ogg"):
        formats[suffix] = speech.convert(memo_wav.path, speech_dir / f"memo{suffix}")
    return formats


@pytest.fixture(scope="session")
def clip_mp4(speech_dir) -> Memo:
    """A video whose sound track speaks one sentence from 0.5 s."""
    path = speech.clip_with_speech(speech_dir / "clip.mp4", CLIP_TEXT, lead=0.5)
    return Memo(path, [CLIP_TEXT], [0.5])


@pytest.fixture(scope="session")
def video_only_mp4(speech_dir) -> Path:
    return speech.video_only_clip(speech_dir / "no-sound.mp4")


@pytest.fixture(scope="session")
def tone_wav(speech_dir) -> Path:
    return speech.tone_chord(speech_dir / "chords.wav", 20)


@pytest.fixture(scope="session")
def silence_wav(speech_dir) -> Path:
    return speech.silence(speech_dir / "silence.wav", 20)


@pytest.fixture(scope="session")
def ten_hour_wav(speech_dir) -> Path:
    return speech.long_silent_wav(speech_dir / "ten-hours.wav", hours=10)
