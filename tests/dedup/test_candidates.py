"""Candidate pairs as arrays: content buckets, phash neighbours, turned copies by hash chunks,
visual neighbours asked in batches."""

from __future__ import annotations

import numpy as np

from mediasift.dedup.candidates import (
    STAR_AFTER,
    exact_pairs,
    hash_pairs,
    turned_pairs,
    union,
    visual_pairs,
)


def _flip(rng: np.random.Generator, values: np.ndarray, bits: int) -> np.ndarray:
    out = values.copy()
    for n in range(len(out)):
        for bit in rng.choice(64, bits, replace=False).tolist():
            out[n] ^= np.uint64(1 << bit)
    return out


def _set(pairs: np.ndarray) -> set[tuple[int, int]]:
    return {(int(a), int(b)) for a, b in pairs}


def test_exact_buckets_pair_all_and_large_ones_as_a_star():
    digest = np.array([5, 1, 5, 2, 5] + [9] * (STAR_AFTER + 1))
    pairs = _set(exact_pairs(digest))
    assert {(0, 2), (0, 4), (2, 4)} <= pairs
    star = {p for p in pairs if p[0] >= 5}
    assert star == {(5, j) for j in range(6, 6 + STAR_AFTER)}


def test_phash_neighbours_find_near_copies():
    rng = np.random.default_rng(0)
    originals = rng.integers(0, 2**63, 500, dtype=np.int64).astype(np.uint64)
    phash = np.concatenate([originals, _flip(rng, originals, 6)])
    pairs = _set(hash_pairs(phash))
    found = sum((n, n + 500) in pairs for n in range(500))
    assert found >= 495


def test_turned_copies_are_found_exactly_and_nothing_else():
    rng = np.random.default_rng(1)
    n = 2000
    phash = rng.integers(0, 2**63, n, dtype=np.int64).astype(np.uint64)
    turns = rng.integers(0, 2**63, (n, 3), dtype=np.int64).astype(np.uint64)
    for k in range(0, 100, 2):  # picture k + 1 is picture k turned, up to 4 bits off
        phash[k + 1] = _flip(rng, turns[k, k % 3 : k % 3 + 1], 4)[0]
    assert _set(turned_pairs(phash, turns)) == {(k, k + 1) for k in range(0, 100, 2)}


def test_visual_neighbours_map_labels_to_rows_in_batches():
    vectors = np.eye(6, dtype=np.float32)
    rows = np.array([10, 11, 12, 13, 14, 15])

    def knn(queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        first = np.argmax(queries, axis=1)
        labels = np.stack([rows[first], rows[first ^ 1], np.full(len(first), -1)], axis=1)
        return labels[:, :k], np.ones((len(first), k))

    pairs = visual_pairs(knn, rows, vectors, k=2, batch=4)
    assert _set(pairs) == {(10, 11), (12, 13), (14, 15)}
    assert _set(union(pairs, np.array([[10, 11], [1, 2]]))) == _set(pairs) | {(1, 2)}
