"""A duplicate scan over the catalog: hashes backfilled where missing, candidates, groups."""

from __future__ import annotations

import logging
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mediasift.catalog import Catalog
from mediasift.catalog.dedup import (
    not_duplicates,
    picture_vectors,
    pictures,
    store_hashes,
    vector_owners,
)
from mediasift.dedup.candidates import exact_pairs, hash_pairs, visual_pairs
from mediasift.dedup.groups import build_groups
from mediasift.dedup.hashes import hash_file
from mediasift.dedup.keeper import KeeperRules
from mediasift.dedup.model import Cancelled, Group, Item
from mediasift.media.errors import MediaError

if TYPE_CHECKING:
    from mediasift.index.vectors import VectorIndex
    from mediasift.pipeline.progress import Progress

log = logging.getLogger(__name__)

#: Hashes of files indexed before they existed are stored this many at a time.
BACKFILL_BATCH = 64


def _backfill(catalog: Catalog, rows: list[dict], progress: Progress | None) -> None:
    """Hash pictures indexed before hashes were stored, once: one transaction per batch."""
    batch = []
    for row in rows:
        if progress is not None:
            if progress.cancelled:
                raise Cancelled
            progress.advance(row["path"])
        try:
            batch.append((row["segment_id"], hash_file(Path(row["path"]))))
        except (OSError, MediaError) as exc:
            log.info("Not hashed (left out of duplicates): %s: %s", row["path"], exc)
        if len(batch) >= BACKFILL_BATCH:
            store_hashes(catalog, batch)
            batch = []
    store_hashes(catalog, batch)


def load_items(catalog: Catalog, progress: Progress | None = None) -> list[Item]:
    rows = pictures(catalog)
    missing = [r for r in rows if r["phash"] is None]
    if missing:
        log.info("Hashing %d pictures indexed before perceptual hashes were kept", len(missing))
        if progress is not None:
            progress.total += len(missing)
        _backfill(catalog, missing, progress)
        rows = pictures(catalog)
    fields = Item.__dataclass_fields__
    return [Item(**{k: r[k] for k in fields}) for r in rows if r["phash"] is not None]


def scan(
    catalog: Catalog,
    rules: KeeperRules,
    index: VectorIndex | None = None,
    tiers: Collection[str] | None = None,
    progress: Progress | None = None,
) -> list[Group]:
    """Tiered duplicate groups of the library's pictures (``tiers``: only these)."""
    items = load_items(catalog, progress)
    if progress is not None and progress.cancelled:
        raise Cancelled
    row_of = {item.file_id: n for n, item in enumerate(items)}
    pairs = exact_pairs(items) | hash_pairs(items)
    unit = np.zeros((len(items), 0), np.float32)
    if index is not None:
        file_ids, vectors = picture_vectors(catalog, index.space_id)
        keep = [n for n, f in enumerate(file_ids.tolist()) if f in row_of]
        rows = np.array([row_of[f] for f in file_ids[keep].tolist()], dtype=np.int64)
        if len(rows):
            unit = np.zeros((len(items), vectors.shape[1]), np.float32)
            unit[rows] = vectors[keep]
            owners = vector_owners(catalog, index.space_id)
            to_row = np.vectorize(
                lambda v: row_of.get(owners.get(int(v), -1), -1), otypes=[np.int64]
            )

            def knn(queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
                labels, cosines = index.neighbours(queries, k)
                return (to_row(labels) if labels.size else labels), cosines

            pairs |= visual_pairs(knn, rows, vectors[keep])
    has_vector = np.abs(unit).sum(axis=1) > 0 if unit.shape[1] else np.zeros(len(items), bool)

    def cosine(i: int, j: int) -> float | None:
        return float(unit[i] @ unit[j]) if has_vector[i] and has_vector[j] else None

    others = [r["path"] for r in catalog.rows("SELECT path FROM files")]
    groups = build_groups(items, sorted(pairs), rules, cosine, not_duplicates(catalog), others)
    log.info("%d pictures, %d candidate pairs, %d groups", len(items), len(pairs), len(groups))
    return [g for g in groups if tiers is None or g.tier in tiers]
