"""``mediasift bench media``: clips and recordings, end to end.

Three parts, each generating what it needs: scene cutting of an hour of 1080p H.264
(:mod:`mediasift.bench.scenes`), transcription speed, accuracy and silence
(:mod:`mediasift.bench.transcripts`), and search by a spoken phrase: espeak-ng memos saved as
M4A are indexed by the real pipeline (Whisper base, the packaged MiniLM) and a phrase from one
sentence of each memo must find that memo first, at that sentence's time.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from mediasift.bench.data import bench_settings, cache_dir
from mediasift.bench.scenes import bench_scenes
from mediasift.bench.speech import convert, memo, whisper_base_folder
from mediasift.bench.transcripts import MEMOS, bench_transcripts
from mediasift.library import Library

log = logging.getLogger(__name__)

#: Words of the middle sentence searched for: what someone remembers of what was said.
PHRASE_WORDS = slice(1, 7)


def bench_media(minutes: int, memos: int) -> dict:
    figures = bench_scenes(minutes)
    figures |= bench_transcripts(memos)
    figures |= bench_spoken_search(memos)
    return figures


def write_memos(folder: Path, memos: int) -> dict[str, tuple[str, float]]:
    """``memos`` voice memos as M4A in ``folder``: {file name: (a phrase of its middle
    sentence, when that sentence starts, in seconds)}."""
    folder.mkdir(parents=True, exist_ok=True)
    spoken = {}
    with tempfile.TemporaryDirectory() as tmp:
        for number, sentences in enumerate(MEMOS[:memos]):
            wav = Path(tmp) / f"memo-{number}.wav"
            starts = memo(sentences, wav, pauses=[0.8, 2.5, 1.0])
            name = f"memo-{number}.m4a"
            convert(wav, folder / name)
            spoken[name] = (" ".join(sentences[1].split()[PHRASE_WORDS]), starts[1])
    return spoken


def bench_spoken_search(memos: int) -> dict:
    """Top-1 rate and the start error of the answer, for a phrase from each memo."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "memos"
        spoken = write_memos(folder, memos)
        speech_model = str(whisper_base_folder(cache_dir()))
        settings = bench_settings(speech_model=speech_model, ocr=False)
        first, errors = 0, []
        with Library(Path(tmp) / "home", settings) as lib:
            lib.add_folder(folder)
            lib.index()
            for name, (phrase, start) in spoken.items():
                best = lib.search(phrase, n=5).results[0]
                log.info("%r: %s at %s (said at %.1f s)", phrase, best.path, best.locator, start)
                if Path(best.path).name == name:
                    first += 1
                    errors.append(abs((best.start or 0.0) - start))
    return {
        "spoken_search_first": f"{first}/{len(spoken)}",
        "spoken_search_max_start_error_s": round(max(errors), 2) if errors else None,
    }
