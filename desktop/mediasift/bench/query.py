"""Text query latency at library sizes the user will reach, text encoding included.

Each size gets a fresh library filled with random unit vectors in the model's space (the ANN
and SQLite work do not depend on what the vectors mean). Then, in a new process-like cold
start, the library is opened and one query answered (timed without the model weights load),
and a series of warm queries gives p50/p99.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

import numpy as np

from mediasift.bench.data import bench_settings
from mediasift.config import Settings
from mediasift.library import Library, LibraryError

log = logging.getLogger(__name__)

WORDS = (
    "dog",
    "cat",
    "beach",
    "sunset",
    "screenshot",
    "error",
    "dialog",
    "slide",
    "revenue",
    "chart",
    "kitchen",
    "receipt",
    "invoice",
    "mountain",
    "snow",
    "birthday",
    "cake",
    "whiteboard",
    "diagram",
    "passport",
    "car",
    "street",
    "night",
    "city",
    "forest",
    "lake",
    "boat",
    "team",
    "meeting",
    "presentation",
    "code",
    "terminal",
    "graph",
    "map",
    "flowers",
)


def _vocabulary(rng: np.random.Generator, size: int = 6000) -> list[str]:
    """Words in order of frequency (Zipf ranks) for text with a natural spread.

    Made-up words hold the top ranks, standing for function words ("the", "of"), which
    search drops. The query words sit at ranks 50-1,000, where common content words are in
    real text; each is then in ~0.5-10% of the segments.
    """
    syllables = ["ka", "lo", "mi", "ren", "tas", "vo", "pel", "dun", "sor", "ix", "bra", "ne"]
    made = sorted({"".join(rng.choice(syllables, size=rng.integers(2, 4))) for _ in range(size)})
    ranks = np.linspace(50, 1000, len(WORDS)).astype(int)
    for rank, word in zip(ranks, WORDS, strict=True):
        made.insert(int(rank), word)
    return made


def _unit(rng: np.random.Generator, count: int, dim: int) -> np.ndarray:
    vectors = rng.normal(size=(count, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def fill_library(home: Path, settings: Settings, count: int, per_file: int) -> float:
    """Write ``count`` files with one random visual vector each and ``per_file`` text
    segments each (random text, random text vectors); returns seconds spent building."""
    started = time.perf_counter()
    rng = np.random.default_rng(count)
    with Library(home, settings) as lib:
        encoder, text = lib.encoder(), lib.text_encoder() if per_file else None
        if encoder is None:
            raise LibraryError(lib.model_error)
        space = encoder.space
        space_id = lib.catalog.ensure_space(space.model_id, space.revision, space.dim)
        folder_id = lib.catalog.add_folder("/bench")
        vectors = _unit(rng, count, space.dim)
        now = time.time()
        with lib.catalog.transaction() as conn:
            conn.executemany(
                "INSERT INTO files(id, folder_id, path, name, size, mtime, kind, status)"
                " VALUES (?, ?, ?, ?, 1, ?, 'image', 'indexed')",
                ((i, folder_id, f"/bench/{i:07d}.jpg", f"{i:07d}.jpg", now - i)
                 for i in range(1, count + 1)),
            )  # fmt: skip
            conn.execute(
                "INSERT INTO name_fts(rowid, name, folder) SELECT id, name, 'bench' FROM files"
            )
            conn.executemany(
                "INSERT INTO segments(id, file_id, ord, kind) VALUES (?, ?, 0, 'image')",
                ((i, i) for i in range(1, count + 1)),
            )
            conn.executemany(
                "INSERT INTO vectors(id, segment_id, space_id, vector) VALUES (?, ?, ?, ?)",
                ((i, i, space_id, vectors[i - 1].tobytes()) for i in range(1, count + 1)),
            )
        if text is not None:
            _fill_text(lib, rng, count, per_file)
        lib.vector_index().save(lib.catalog)
        if text is not None:
            lib.text_index().save(lib.catalog)
    return time.perf_counter() - started


def _fill_text(lib: Library, rng: np.random.Generator, count: int, per_file: int) -> None:
    """``per_file`` pages of 8-30 Zipf-distributed words per file, with text vectors."""
    space = lib.text_encoder().space
    space_id = lib.catalog.ensure_space(space.model_id, space.revision, space.dim, "text")
    words = np.array(_vocabulary(rng))
    weights = 1.0 / np.arange(1, len(words) + 1)
    weights /= weights.sum()
    block = 50_000
    next_id = count + 1
    for first in range(0, count * per_file, block):
        size = min(block, count * per_file - first)
        ids = range(next_id, next_id + size)
        lengths = rng.integers(8, 31, size)
        picks = rng.choice(words, size=int(lengths.sum()), p=weights)
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        texts = [" ".join(picks[bounds[j] : bounds[j + 1]]) for j in range(size)]
        vectors = _unit(rng, size, space.dim)
        with lib.catalog.transaction() as conn:
            conn.executemany(
                "INSERT INTO segments(id, file_id, ord, kind, text) VALUES (?, ?, ?, 'page', ?)",
                ((sid, 1 + (first + j) // per_file, 1 + (first + j) % per_file, texts[j])
                 for j, sid in enumerate(ids)),
            )  # fmt: skip
            conn.executemany(
                "INSERT INTO vectors(id, segment_id, space_id, vector) VALUES (?, ?, ?, ?)",
                ((sid, sid, space_id, vectors[j].tobytes()) for j, sid in enumerate(ids)),
            )
        next_id += size
        log.info("Text segments: %d of %d", next_id - count - 1, count * per_file)


def _typed(rng: np.random.Generator, queries: int) -> dict[str, list[str]]:
    """Queries as typed: full words, and the first one or two letters of a word."""
    return {
        "words": [" ".join(rng.choice(WORDS, size=rng.integers(1, 6))) for _ in range(queries)],
        "prefix1": [str(w)[:1] for w in rng.choice(WORDS, size=queries)],
        "prefix2": [str(w)[:2] for w in rng.choice(WORDS, size=queries)],
    }


def _one_size(
    settings: Settings, count: int, queries: int, per_file: int, keep: Path | None
) -> dict:
    typed = _typed(np.random.default_rng(7), queries)
    with tempfile.TemporaryDirectory() as tmp:
        home = keep / f"{count}x{per_file}" if keep else Path(tmp)
        built = (home / "catalog.sqlite3").exists()  # a kept library is measured as it is
        build_s = 0.0 if built else fill_library(home, settings, count, per_file)
        started = time.perf_counter()
        with Library(home, settings) as lib:
            weights_started = time.perf_counter()
            lib.encoder()
            lib.text_encoder()
            weights_s = time.perf_counter() - weights_started
            first = lib.search("a screenshot of an error dialog")
            first_s = time.perf_counter() - started - weights_s
            figures = {
                "items": count,
                "text_segments": count * per_file,
                "signals_missing": first.missing,
                "build_s": round(build_s, 1),
                "weights_load_s": round(weights_s, 2),
                "open_and_first_query_s": round(first_s, 3),
                "first_query_results": len(first.results),
                "queries": queries,
            }
            for kind, texts in typed.items():
                latencies = []
                for text in texts:
                    t0 = time.perf_counter()
                    lib.search(text, n=20)
                    latencies.append((time.perf_counter() - t0) * 1000)
                figures[kind] = {
                    "p50_ms": round(float(np.percentile(latencies, 50)), 2),
                    "p99_ms": round(float(np.percentile(latencies, 99)), 2),
                    "max_ms": round(max(latencies), 2),
                }
    return figures


def bench_query(
    sizes: list[int],
    queries: int,
    model: str | None,
    text_model: str | None,
    per_file: int,
    keep: Path | None = None,
) -> dict:
    settings = bench_settings(
        model,
        text_model,
        min_score=-1.0,
        ocr=False,
        threads=1,  # as `mediasift search` runs
    )
    return {
        "model": settings.model,
        "text_model": settings.text_model,
        "sizes": [_one_size(settings, count, queries, per_file, keep) for count in sizes],
    }
