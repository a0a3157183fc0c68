"""Candidate pairs without all-pairs: identical-content buckets, nearest neighbours by
perceptual hash (an HNSW index over the phash bits), turned copies by exact hash chunks, and
nearest neighbours in the visual embedding space (the library's HNSW index, queried in
batches). Pairs are (n, 2) arrays of item rows, smaller row first.

The hash neighbours make recall independent of the embedding model (a random model in tests,
or none installed); the visual neighbours add what hashes cannot see on a real model.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import hnswlib
import numpy as np

from mediasift.dedup.relate import TURN_PHASH

#: Neighbours asked per query, by hash and by embedding.
HASH_K = 8
VISUAL_K = 8
#: Search breadth of the hash index: the copies sought are far closer than the rest.
HASH_EF = 32
#: Identical-content buckets larger than this are linked to their first file only.
STAR_AFTER = 32
#: Pictures sharing a hash chunk beyond this many (blank or flat pictures) are not paired
#: through it: their upright neighbours still are.
CHUNK_CAP = 64

#: (queries, k) -> (row indices of items, cosines), both shaped (len(queries), k), -1 padded.
Knn = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]]


def ordered(i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Pairs (i, j) as distinct (smaller, larger) rows, self-pairs and -1 padding dropped."""
    i, j = np.asarray(i, np.int64).ravel(), np.asarray(j, np.int64).ravel()
    keep = (i >= 0) & (j >= 0) & (i != j)
    return union(np.stack([np.minimum(i, j)[keep], np.maximum(i, j)[keep]], axis=1))


def union(*parts: np.ndarray) -> np.ndarray:
    """Distinct pairs of some pair arrays, sorted."""
    keys = np.unique(np.concatenate([(p[:, 0] << 32) | p[:, 1] for p in parts]))
    return np.stack([keys >> 32, keys & 0xFFFFFFFF], axis=1)


def _neighbours(rows: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return ordered(np.repeat(rows, labels.shape[1]), labels)


def exact_pairs(digest: np.ndarray) -> np.ndarray:
    """Pictures with the same content hash (``digest``: equal codes for equal hashes)."""
    order = np.argsort(digest, kind="stable")
    starts = np.flatnonzero(np.r_[True, digest[order][1:] != digest[order][:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    i, j = [], []
    for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
        bucket = order[start : start + size]
        if size > STAR_AFTER:
            i.append(np.full(size - 1, bucket[0]))
            j.append(bucket[1:])
        else:
            a, b = np.triu_indices(size, 1)
            i.append(bucket[a])
            j.append(bucket[b])
    return ordered(np.concatenate(i), np.concatenate(j)) if i else np.empty((0, 2), np.int64)


def _bits(values: np.ndarray) -> np.ndarray:
    """64-bit hashes as +-1 float rows: inner product = 64 - 2 * Hamming distance."""
    bits = np.unpackbits(values.astype(np.uint64).view(np.uint8).reshape(-1, 8), axis=1)
    return bits.astype(np.float32) * 2 - 1


def hash_pairs(phash: np.ndarray, k: int = HASH_K, threads: int = 2) -> np.ndarray:
    """Each picture's nearest neighbours by phash, all asked in one batched query."""
    if len(phash) < 2:
        return np.empty((0, 2), np.int64)
    bits = _bits(phash)
    index = hnswlib.Index(space="ip", dim=64)
    index.init_index(max_elements=len(phash), ef_construction=HASH_EF * 2, M=16)
    index.set_num_threads(threads)
    index.add_items(bits, np.arange(len(phash)))
    k = min(k + 1, len(phash))
    index.set_ef(max(HASH_EF, k))
    labels, _ = index.knn_query(bits, k=k)
    return _neighbours(np.arange(len(phash)), labels.astype(np.int64))


def turned_pairs(phash: np.ndarray, turns: np.ndarray, radius: int = TURN_PHASH) -> np.ndarray:
    """Pictures whose upright phash is within ``radius`` bits of another's turned one: a
    turned copy. Exact, by pigeonhole: cut into radius + 1 chunks, two hashes that close
    agree on a whole chunk, so only pictures sharing a chunk are compared."""
    queries = turns.reshape(-1)  # row r * 3 + t: picture r turned
    edges = np.linspace(0, 64, radius + 2).astype(np.uint64)
    found = [np.empty((0, 2), np.int64)]
    for lo, hi in itertools.pairwise(edges):
        mask = np.uint64((1 << int(hi - lo)) - 1)
        keys, asked = (phash >> lo) & mask, (queries >> lo) & mask
        order = np.argsort(keys, kind="stable")
        first = np.searchsorted(keys[order], asked, "left")
        count = np.searchsorted(keys[order], asked, "right") - first
        count[count > CHUNK_CAP] = 0
        q = np.repeat(np.arange(len(queries)), count)
        j = order[np.repeat(first - np.cumsum(count) + count, count) + np.arange(len(q))]
        close = np.bitwise_count(queries[q] ^ phash[j]) <= radius
        found.append(ordered(q[close] // 3, j[close]))
    return union(*found)


def visual_pairs(
    knn: Knn, rows: np.ndarray, vectors: np.ndarray, k: int = VISUAL_K, batch: int = 4096
) -> np.ndarray:
    """Nearest neighbours in the visual space, asked in batches: ``vectors[n]`` is the
    vector of item ``rows[n]``."""
    found = [np.empty((0, 2), np.int64)]
    for start in range(0, len(rows), batch):
        labels, _ = knn(vectors[start : start + batch], k + 1)
        found.append(_neighbours(rows[start : start + batch], labels))
    return union(*found)
