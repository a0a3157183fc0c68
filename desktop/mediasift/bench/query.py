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

from mediasift.bench.data import random_clip_b32
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


def _fill(home: Path, settings: Settings, count: int) -> float:
    """Write ``count`` files with one random vector each; returns seconds spent building."""
    started = time.perf_counter()
    rng = np.random.default_rng(count)
    with Library(home, settings) as lib:
        encoder = lib.encoder()
        if encoder is None:
            raise LibraryError(lib.model_error)
        space = encoder.space
        space_id = lib.catalog.ensure_space(space.model_id, space.revision, space.dim)
        folder_id = lib.catalog.add_folder("/bench")
        vectors = rng.normal(size=(count, space.dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        now = time.time()
        with lib.catalog.transaction() as conn:
            conn.executemany(
                "INSERT INTO files(id, folder_id, path, name, size, mtime, kind, status)"
                " VALUES (?, ?, ?, ?, 1, ?, 'image', 'indexed')",
                ((i, folder_id, f"/bench/{i:07d}.jpg", f"{i:07d}.jpg", now - i)
                 for i in range(1, count + 1)),
            )  # fmt: skip
            conn.executemany(
                "INSERT INTO segments(id, file_id, ord, kind) VALUES (?, ?, 0, 'image')",
                ((i, i) for i in range(1, count + 1)),
            )
            conn.executemany(
                "INSERT INTO vectors(id, segment_id, space_id, vector) VALUES (?, ?, ?, ?)",
                ((i, i, space_id, vectors[i - 1].tobytes()) for i in range(1, count + 1)),
            )
        lib.vector_index().save(lib.catalog)
    return time.perf_counter() - started


def _one_size(settings: Settings, count: int, queries: int) -> dict:
    rng = np.random.default_rng(7)
    texts = [" ".join(rng.choice(WORDS, size=rng.integers(1, 6))) for _ in range(queries)]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        build_s = _fill(home, settings, count)
        started = time.perf_counter()
        with Library(home, settings) as lib:
            weights_started = time.perf_counter()
            lib.encoder()
            weights_s = time.perf_counter() - weights_started
            first = lib.search("a screenshot of an error dialog")
            first_s = time.perf_counter() - started - weights_s
            latencies = []
            for text in texts:
                t0 = time.perf_counter()
                lib.search(text, n=20)
                latencies.append((time.perf_counter() - t0) * 1000)
    return {
        "items": count,
        "build_s": round(build_s, 1),
        "weights_load_s": round(weights_s, 2),
        "open_and_first_query_s": round(first_s, 3),
        "first_query_results": len(first.results),
        "queries": queries,
        "p50_ms": round(float(np.percentile(latencies, 50)), 2),
        "p99_ms": round(float(np.percentile(latencies, 99)), 2),
        "max_ms": round(max(latencies), 2),
    }


def bench_query(sizes: list[int], queries: int, model: str | None) -> dict:
    settings = Settings(model=model or str(random_clip_b32()), min_score=-1.0)
    return {
        "model": settings.model,
        "sizes": [_one_size(settings, count, queries) for count in sizes],
    }
