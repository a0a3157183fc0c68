"""``mediasift eval --synthetic``: a labelled set made here from the benchmarks' generators.

Screenshots with paraphrased queries, decks and PDFs with page queries (``bench.corpus``, as
``bench retrieval`` builds and caches them), and where espeak-ng is installed voice memos and
clips with speech (``bench.media`` / ``bench.speech``), each found by a phrase said in it at
the moment it is said. Built once per folder: a kept folder is reused as it is.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import asdict
from pathlib import Path

from mediasift.bench.media import PHRASE_WORDS, write_memos
from mediasift.bench.retrieval import expected, labelled_corpus
from mediasift.bench.speech import clip_with_speech
from mediasift.bench.transcripts import MEMOS

from .labels import Expected, LabelledQuery

log = logging.getLogger(__name__)

#: Seconds of silence before the speech of a clip.
CLIP_LEAD = 0.5


def _spoken(folder: Path, memos: int, clips: int) -> list[LabelledQuery]:
    """Memos and clips with speech in ``folder``; the clips say memos the memos did not use."""
    queries = [
        LabelledQuery(phrase, (Expected(str((folder / name).resolve()), at=start),), "recording")
        for name, (phrase, start) in write_memos(folder, memos).items()
    ]
    for number, sentences in enumerate(MEMOS[len(MEMOS) - clips :]):
        path = clip_with_speech(folder / f"clip-{number}.mp4", sentences[0], lead=CLIP_LEAD)
        phrase = " ".join(sentences[0].split()[PHRASE_WORDS])
        found = Expected(str(path.resolve()), at=CLIP_LEAD)
        queries.append(LabelledQuery(phrase, (found,), "clip"))
    return queries


def synthetic_set(
    root: Path, screenshots: int, distractors: int, memos: int = 4, clips: int = 2
) -> tuple[list[Path], list[LabelledQuery]]:
    """(folders to index, labelled queries) of the set in ``root``, made there when missing.

    Speech is left out (with a log line) where espeak-ng is not installed.
    """
    if memos + clips > len(MEMOS):
        raise ValueError(f"memos + clips must be at most {len(MEMOS)}")
    root = root.resolve()
    labelled = labelled_corpus(root, screenshots, distractors)
    queries = [LabelledQuery(item.query, (expected(item),), item.group) for item in labelled]
    folders = [root / "corpus"]
    labels = root / "spoken.json"
    if labels.is_file():
        for saved in json.loads(labels.read_text()):
            found = tuple(Expected(**item) for item in saved["expected"])
            queries.append(LabelledQuery(saved["query"], found, saved["kind"]))
        folders.append(root / "spoken")
    elif memos + clips and shutil.which("espeak-ng") is None:
        log.warning("No voice memos or clips with speech: espeak-ng is not installed")
    elif memos + clips:
        spoken = _spoken(root / "spoken", memos, clips)
        labels.write_text(json.dumps([asdict(q) for q in spoken]))
        queries += spoken
        folders.append(root / "spoken")
    return folders, queries
