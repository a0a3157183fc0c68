"""Retrieval quality on a labelled set made here: each signal alone, and the blend.

The set (``bench.corpus``) holds screenshots of distinct messages with paraphrased queries
that share few words with them, distractor screenshots and photos, and decks and PDFs with
queries for one slide or page. Everything is indexed for real (OCR with rapidocr, the text
model, the visual model), then every query is asked of each signal alone and of the fusions.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from mediasift.bench.corpus import Labelled, build_corpus
from mediasift.bench.data import bench_settings
from mediasift.evaluation.labels import Expected, rank_of
from mediasift.evaluation.metrics import DEPTH, summarize
from mediasift.library import Library

log = logging.getLogger(__name__)

#: What is compared: a name, the signals asked, and the fusion.
RUNS = (
    ("look", frozenset({"look"}), "calibrated"),
    ("words", frozenset({"words"}), "calibrated"),
    ("meaning", frozenset({"meaning"}), "calibrated"),
    ("blend", None, "calibrated"),
    ("blend_rrf", None, "rrf"),
)


def labelled_corpus(root: Path, screenshots: int, distractors: int) -> list[Labelled]:
    """The labelled set, built once per folder: a kept folder is reused as it is (its
    library then only catches up), so fusion can be re-measured without re-indexing."""
    root = root.resolve()
    labels = root / "labels.json"
    if labels.is_file():  # paths are kept relative to the folder, so it can be moved
        items = json.loads(labels.read_text())
        return [Labelled(**{**item, "path": str(root / item["path"])}) for item in items]
    labelled = build_corpus(root / "corpus", screenshots=screenshots, distractors=distractors)
    saved = [{**asdict(item), "path": str(Path(item.path).relative_to(root))} for item in labelled]
    labels.write_text(json.dumps(saved))
    return labelled


def expected(item: Labelled) -> Expected:
    """What the labelled query must find: the file, and for decks and PDFs the labelled part."""
    return Expected(item.path, None if item.locator is None else item.locator + 1)


def _measures(ranks: list[int | None]) -> dict:
    return summarize([[rank] for rank in ranks])


def bench_retrieval(
    model: str | None,
    text_model: str | None,
    screenshots: int = 120,
    distractors: int = 200,
    keep: Path | None = None,
) -> dict:
    settings = bench_settings(model, text_model, ocr=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = keep or Path(tmp)
        started = time.perf_counter()
        labelled = labelled_corpus(root, screenshots, distractors)
        build_s = time.perf_counter() - started
        with Library(root / "home", settings) as lib:
            lib.add_folder(root / "corpus")
            summary = lib.index()
            figures: dict = {
                "model": settings.model,
                "text_model": settings.text_model,
                "files": summary.new,
                "failed": len(summary.failed),
                "labelled_queries": len(labelled),
                "corpus_build_s": round(build_s, 1),
                "index_s": round(summary.seconds, 1),
                "missing_signals": lib.search("x").missing,
            }
            latencies = []
            for name, only, mode in RUNS:
                by_group: dict[str, list[int | None]] = {}
                for item in labelled:
                    t0 = time.perf_counter()
                    response = lib.search(item.query, n=DEPTH, mode=mode, only=only)
                    latencies.append(time.perf_counter() - t0)
                    rank = rank_of(response.results, expected(item))
                    by_group.setdefault(item.group, []).append(rank)
                every = [r for ranks in by_group.values() for r in ranks]
                figures[name] = {"all": _measures(every)} | {
                    group: _measures(ranks) for group, ranks in sorted(by_group.items())
                }
            figures["query_p50_ms"] = round(float(np.percentile(latencies, 50)) * 1000, 1)
    best_single = {
        key: max(figures[s]["all"][key] for s in ("look", "words", "meaning"))
        for key in ("recall@1", "recall@5", "mrr")
    }
    figures["blend_at_least_best_single"] = all(
        figures["blend"]["all"][key] >= value for key, value in best_single.items()
    )
    return figures
