"""Ask every labelled query of each signal alone and blended, and measure the answers.

The signals are those ``bench retrieval`` compares (look: the visual space, meaning: the text
space, words: full text, and the fusions); figures come per kind of file and for all queries,
with the blended query latency and, where this run indexed, the indexing speed.
"""

from __future__ import annotations

import logging
import re
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from mediasift.bench.retrieval import RUNS
from mediasift.config import Settings
from mediasift.library import Library

from .labels import LabelledQuery, rank_of
from .metrics import DEPTH, summarize

log = logging.getLogger(__name__)


def _kind(lib: Library, query: LabelledQuery) -> str:
    if query.kind:
        return query.kind
    row = lib.catalog.file_by_path(query.expected[0].path)
    return (row or {}).get("kind") or "not indexed"


def _spaces(lib: Library) -> dict[str, str]:
    """Which model answers each vector signal, as the library's spaces name them."""
    roles = {"visual": "look", "text": "meaning"}
    return {roles.get(s["role"], s["role"]): f"{s['model_id']}@{s['revision'][:12]}"
            for s in lib.catalog.spaces() if s["vectors"]}  # fmt: skip


def evaluate(lib: Library, queries: list[LabelledQuery]) -> dict:
    """Recall@1/5/10, MRR and nDCG@10 per signal and kind, and query latency (blend)."""
    kinds = [_kind(lib, q) for q in queries]
    figures: dict = {"queries": len(queries), "spaces": _spaces(lib)}
    figures["missing_signals"] = lib.search("x").missing
    latencies = []
    for name, only, mode in RUNS:
        by_kind: dict[str, list[list[int | None]]] = {}
        for query, kind in zip(queries, kinds, strict=True):
            started = time.perf_counter()
            response = lib.search(query.query, n=DEPTH, mode=mode, only=only)
            if name == "blend":
                latencies.append(time.perf_counter() - started)
            ranks = [rank_of(response.results, item) for item in query.expected]
            by_kind.setdefault(kind, []).append(ranks)
        every = [ranks for group in by_kind.values() for ranks in group]
        figures[name] = {"all": summarize(every)} | {
            kind: summarize(group) for kind, group in sorted(by_kind.items())
        }
    if latencies:
        p50, p95 = np.percentile(latencies, [50, 95]) * 1000
        figures["query_ms"] = {"p50": round(float(p50), 1), "p95": round(float(p95), 1)}
    return figures


def evaluate_indexed(
    home: Path, settings: Settings, folders: list[Path], queries: list[LabelledQuery]
) -> dict:
    """Index ``folders`` into the library at ``home`` (catching up if it exists), then measure."""
    with Library(home, settings) as lib:
        known = set(lib.folders())
        for folder in folders:
            if str(folder.resolve()) not in known:
                lib.add_folder(folder)
        summary = lib.index()
        figures = evaluate(lib, queries)
    figures["indexing"] = {
        "files": summary.new,
        "seconds": round(summary.seconds, 1),
        "files_per_s": round(summary.new / summary.seconds, 2) if summary.new else None,
    }
    return figures


def label(model: str | None) -> str:
    """How results name a visual model: as given, or what None stands for."""
    return model or "default (by device)"


def _slug(model: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", model).strip("-")[-60:]


def compare(
    settings: Settings, models: list[str | None], folders: list[Path],
    queries: list[LabelledQuery],
    keep: Path | None = None,
) -> dict[str, dict]:  # fmt: skip
    """{visual model: figures}: each model indexes the same folders in its own library home
    (``keep/home-MODEL`` when kept, else a temporary one) and answers the same queries."""
    results = {}
    for model in models:
        chosen = replace(settings, model=model)
        if keep is not None:
            home = keep / f"home-{_slug(label(model))}"
            results[label(model)] = evaluate_indexed(home, chosen, folders, queries)
            continue
        with tempfile.TemporaryDirectory(prefix="mediasift-eval-") as home:
            results[label(model)] = evaluate_indexed(Path(home), chosen, folders, queries)
    return results
