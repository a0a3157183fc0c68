"""Speech to timed chunks with the real Whisper base on espeak-ng speech, offline."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from faster_whisper.transcribe import Word

from mediasift.media import transcribe as transcribe_module
from mediasift.media.transcribe import (
    Chunk,
    SpeechModelUnavailable,
    Transcriber,
)
from mediasift.models.registry import default_speech_model


@pytest.fixture(scope="session")
def transcriber(whisper_model) -> Transcriber:
    return Transcriber(str(whisper_model))


@pytest.fixture(scope="session")
def memo_chunks(transcriber, memo_wav) -> list[Chunk]:
    return transcriber.transcribe(memo_wav.path)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def _chunk_with(chunks: list[Chunk], phrase: str) -> Chunk:
    found = [chunk for chunk in chunks if phrase in " ".join(_words(chunk.text))]
    assert found, f"{phrase!r} not in {[chunk.text for chunk in chunks]}"
    return found[0]


def test_phrase_found_at_its_moment(memo_chunks, memo_wav):
    chunk = _chunk_with(memo_chunks, "call the dentist")
    assert chunk.start == pytest.approx(memo_wav.starts[2], abs=2.0)
    assert chunk.end > chunk.start


def test_chunks_start_where_sentences_start(memo_chunks, memo_wav):
    assert memo_chunks == sorted(memo_chunks, key=lambda chunk: chunk.start)
    for chunk in memo_chunks:
        assert min(abs(chunk.start - start) for start in memo_wav.starts) < 2.0
    heard = set(_words(" ".join(chunk.text for chunk in memo_chunks)))
    said = _words(" ".join(memo_wav.sentences))
    assert sum(word in heard for word in said) >= 0.85 * len(said)


@pytest.mark.parametrize("suffix", [".m4a", ".ogg"])
def test_compressed_formats_transcribe(transcriber, memo_formats, memo_wav, suffix):
    chunk = _chunk_with(transcriber.transcribe(memo_formats[suffix]), "dentist")
    assert chunk.start == pytest.approx(memo_wav.starts[2], abs=2.0)


def test_speech_in_a_video(transcriber, clip_mp4):
    chunks = transcriber.transcribe(clip_mp4.path)
    assert chunks and chunks[0].start == pytest.approx(clip_mp4.starts[0], abs=2.0)
    assert {"dog", "lake"} & set(_words(" ".join(chunk.text for chunk in chunks)))


def test_small_windows_do_not_cut_words(whisper_model, memo_wav):
    """Windows shorter than a sentence: pieces are re-cut in pauses, so words survive."""
    chunks = Transcriber(str(whisper_model), window=5.0).transcribe(memo_wav.path)
    chunk = _chunk_with(chunks, "dentist")
    assert chunk.start == pytest.approx(memo_wav.starts[2], abs=2.0)


def test_silence_and_music_give_no_chunks(transcriber, silence_wav, tone_wav):
    assert transcriber.transcribe(silence_wav) == []
    assert transcriber.transcribe(tone_wav) == []


def test_ten_silent_hours_give_no_chunks(transcriber, ten_hour_wav):
    assert transcriber.transcribe(ten_hour_wav) == []


def test_cancelled_before_start(transcriber, memo_wav):
    assert transcriber.transcribe(memo_wav.path, cancelled=lambda: True) == []


def test_missing_model_folder(tmp_path):
    missing = tmp_path / "no-such-model"
    with pytest.raises(SpeechModelUnavailable, match="folder not found") as caught:
        Transcriber(str(missing))
    assert str(missing) in str(caught.value)


def test_folder_without_weights(tmp_path):
    with pytest.raises(SpeechModelUnavailable, match="could not be loaded"):
        Transcriber(str(tmp_path))


def test_hub_model_offline():
    with pytest.raises(SpeechModelUnavailable, match="could not be downloaded") as info:
        Transcriber("mediasift-tests/no-such-whisper")
    assert "`mediasift models get mediasift-tests/no-such-whisper`" in str(info.value)


def test_default_models():
    assert default_speech_model("cpu") == "Systran/faster-whisper-base"
    assert "large" in default_speech_model("cuda")


def _word(start: float, text: str, length: float = 0.3) -> Word:
    return Word(start=start, end=start + length, word=f" {text}", probability=0.9)


def _chunk_texts(words: list[Word]) -> list[str]:
    return [chunk.text for chunk in transcribe_module._chunks(words)]


def test_chunks_hold_at_most_three_sentences():
    words = [_word(i * 0.5, f"w{i}." if i % 2 else f"w{i}") for i in range(12)]
    assert _chunk_texts(words) == ["w0 w1. w2 w3. w4 w5.", "w6 w7. w8 w9. w10 w11."]


def test_a_long_pause_starts_a_chunk():
    words = [_word(0.0, "hello"), _word(0.5, "there"), _word(4.0, "again")]
    chunks = list(transcribe_module._chunks(words))
    assert [(c.start, c.text) for c in chunks] == [(0.0, "hello there"), (4.0, "again")]


def test_run_on_speech_is_split_at_its_longest_gap():
    starts = np.arange(50) * 0.4
    starts[30:] += 1.0  # a 1.1 s gap, shorter than a chunk-ending pause
    texts = _chunk_texts([_word(float(s), f"w{i}") for i, s in enumerate(starts)])
    assert texts == [" ".join(f"w{i}" for i in range(30)), " ".join(f"w{i}" for i in range(30, 50))]


def test_pieces_cover_the_audio_and_cut_in_quiet(tmp_path):
    from mediasift.bench.speech import write_wav

    rate = transcribe_module.RATE
    rng = np.random.default_rng(0)
    audio = rng.normal(0, 0.2, 100 * rate).astype(np.float32)
    audio[int(17.5 * rate) : int(17.8 * rate)] = 0  # the pause before the 20 s boundary
    path = write_wav(tmp_path / "noise.wav", audio, rate)
    pieces = list(transcribe_module._pieces(path, window=20.0))
    assert pieces[1][0] == pytest.approx(17.75, abs=0.01)  # mid-pause, latest frame
    joined = np.concatenate([samples for _, samples in pieces])
    assert joined.size == audio.size
    for (offset, samples), (following, _) in itertools.pairwise(pieces):
        assert following == pytest.approx(offset + samples.size / rate)
