"""Candidate pairs without all-pairs: identical-content buckets, nearest neighbours by
perceptual hash (an HNSW index over the phash bits, queried upright and turned) and nearest
neighbours in the visual embedding space (the library's HNSW index, queried in batches).

The hash neighbours make recall independent of the embedding model (a random model in tests,
or none installed); the visual neighbours add what hashes cannot see on a real model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import hnswlib
import numpy as np

from mediasift.dedup.model import Item

#: Neighbours asked per query, by hash and by embedding.
HASH_K = 8
VISUAL_K = 8
#: Identical-content buckets larger than this are linked to their first file only.
STAR_AFTER = 32

#: (queries, k) -> (row indices of items, cosines), both shaped (len(queries), k), -1 padded.
Knn = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]]


def _bits(values: Sequence[int]) -> np.ndarray:
    """64-bit hashes as +-1 float rows: inner product = 64 - 2 * Hamming distance."""
    raw = np.array(values, dtype=np.uint64).view(np.uint8).reshape(-1, 8)
    bits = np.unpackbits(raw, axis=1)
    return bits.astype(np.float32) * 2 - 1


def _add(pairs: set[tuple[int, int]], rows: np.ndarray, labels: np.ndarray) -> None:
    for i, row in zip(rows.tolist(), labels.tolist(), strict=True):
        pairs.update((min(i, j), max(i, j)) for j in row if j >= 0 and j != i)


def exact_pairs(items: Sequence[Item]) -> set[tuple[int, int]]:
    buckets: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        buckets.setdefault(item.hash, []).append(i)
    pairs: set[tuple[int, int]] = set()
    for bucket in buckets.values():
        if len(bucket) > STAR_AFTER:
            pairs.update((bucket[0], j) for j in bucket[1:])
        else:
            pairs.update((a, b) for n, a in enumerate(bucket) for b in bucket[n + 1 :])
    return pairs


def hash_pairs(items: Sequence[Item], k: int = HASH_K, threads: int = 2) -> set[tuple[int, int]]:
    """Each picture's nearest neighbours by phash, upright and turned a quarter, half and
    three quarters (a turned copy's upright hash is its original's turned hash)."""
    pairs: set[tuple[int, int]] = set()
    if len(items) < 2:
        return pairs
    index = hnswlib.Index(space="ip", dim=64)
    index.init_index(max_elements=len(items), ef_construction=100, M=16)
    index.set_num_threads(threads)
    index.add_items(_bits([it.phash for it in items]), np.arange(len(items)))
    k = min(k + 1, len(items))
    index.set_ef(max(64, k))
    rows = np.arange(len(items))
    for turn in range(4):
        queries = [it.phash if turn == 0 else it.turns[turn - 1] for it in items]
        labels, _ = index.knn_query(_bits(queries), k=k)
        _add(pairs, rows, labels.astype(np.int64))
    return pairs


def visual_pairs(
    knn: Knn, rows: np.ndarray, vectors: np.ndarray, k: int = VISUAL_K, batch: int = 4096
) -> set[tuple[int, int]]:
    """Nearest neighbours in the visual space, asked in batches: ``vectors[n]`` is the
    vector of item ``rows[n]``."""
    pairs: set[tuple[int, int]] = set()
    for start in range(0, len(rows), batch):
        labels, _ = knn(vectors[start : start + batch], k + 1)
        _add(pairs, rows[start : start + batch], labels)
    return pairs
