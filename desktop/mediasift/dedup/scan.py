"""A duplicate scan over the catalog: hashes backfilled where missing, candidates, groups."""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mediasift.catalog import Catalog
from mediasift.catalog.dedup import not_duplicates, picture_vectors, pictures, store_hashes
from mediasift.dedup.candidates import (
    exact_pairs,
    hash_pairs,
    turned_pairs,
    union,
    visual_pairs,
)
from mediasift.dedup.clips import clip_groups
from mediasift.dedup.documents import document_groups
from mediasift.dedup.groups import build_groups
from mediasift.dedup.hashes import hash_file
from mediasift.dedup.keeper import KeeperRules
from mediasift.dedup.model import Cancelled, Group, Item
from mediasift.dedup.relate import Facts
from mediasift.media.errors import MediaError

if TYPE_CHECKING:
    from mediasift.index.vectors import VectorIndex
    from mediasift.pipeline.progress import Progress

log = logging.getLogger(__name__)

#: Hashes of files indexed before they existed are stored this many at a time.
BACKFILL_BATCH = 64
#: Search breadth of the visual queries: the neighbours a scan wants (copies, cosine 0.9 and
#: up) lie far closer than the rest, so a narrow search finds them (a third of the time).
VISUAL_EF = 32


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


def _cosines(unit: np.ndarray, known: np.ndarray, pairs: np.ndarray, batch: int = 4096):
    """Each pair's cosine in the visual space, NaN where either picture has no vector."""
    out = np.full(len(pairs), np.nan)
    for start in range(0, len(pairs), batch):
        i, j = pairs[start : start + batch, 0], pairs[start : start + batch, 1]
        both = known[i] & known[j]
        out[start : start + batch][both] = np.einsum("ij,ij->i", unit[i[both]], unit[j[both]])
    return out


def _visual(catalog: Catalog, index: VectorIndex, file_ids: np.ndarray):
    """Visual candidate pairs, the items' unit vectors (zero where an item has none) and
    which items have one."""
    vector_ids, owners, vectors = picture_vectors(catalog, index.space_id)
    order = np.argsort(file_ids)
    at = np.searchsorted(file_ids[order], owners).clip(max=len(file_ids) - 1)
    row_of = order[at]  # each picture vector's item row...
    mine = file_ids[row_of] == owners  # ...if the scan has that picture (hashed, indexed)
    rows = row_of[mine]
    unit = np.zeros((len(file_ids), vectors.shape[1] if len(vectors) else 0), np.float32)
    unit[rows] = vectors[mine]
    known = np.zeros(len(file_ids), bool)
    known[rows] = True

    def knn(queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        labels, cosines = index.neighbours(queries, k, VISUAL_EF)
        slot = np.searchsorted(vector_ids, labels).clip(max=len(vector_ids) - 1)
        found = (labels >= 0) & (vector_ids[slot] == labels) & mine[slot]
        return np.where(found, row_of[slot], -1), cosines

    pairs = visual_pairs(knn, rows, vectors[mine]) if len(rows) else np.empty((0, 2), np.int64)
    return pairs, unit, known


def scan(
    catalog: Catalog,
    rules: KeeperRules,
    index: VectorIndex | None = None,
    tiers: Collection[str] | None = None,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> list[Group]:
    """Tiered duplicate groups of the library's pictures, then of its documents (``tiers``:
    only these). ``timings``, when given, receives the seconds each phase took. Cancelled
    through ``progress`` between phases (and while hashing)."""
    clock = _Clock(timings if timings is not None else {}, progress)
    items = load_items(catalog, progress)
    facts = Facts.of(items)
    clock.lap("load")
    pairs = union(exact_pairs(facts.digest), hash_pairs(facts.phash))
    clock.lap("hash neighbours")
    pairs = union(pairs, turned_pairs(facts.phash, facts.turns))
    clock.lap("turned copies")
    cosines = None
    if index is not None and items:
        visual, unit, known = _visual(catalog, index, np.array([it.file_id for it in items]))
        pairs = union(pairs, visual)
        clock.lap("visual neighbours")
        cosines = _cosines(unit, known, pairs)
        clock.lap("cosines")
    others = [r[0] for r in catalog.tuples("SELECT path FROM files")]
    apart = not_duplicates(catalog)
    groups = build_groups(items, pairs, rules, cosines, apart, others, facts)
    clock.lap("groups")
    groups += document_groups(catalog, rules, apart)
    clock.lap("documents")
    if index is not None:
        groups += clip_groups(catalog, index, rules, apart)
        clock.lap("clips")
    log.info("%d pictures, %d candidate pairs, %d groups (%s)", len(items), len(pairs),
             len(groups), ", ".join(f"{k} {v:.1f} s" for k, v in clock.laps.items()))  # fmt: skip
    return [g for g in groups if tiers is None or g.tier in tiers]


class _Clock:
    """Seconds per phase, into ``laps``; a cancelled ``progress`` ends the scan at the next."""

    def __init__(self, laps: dict[str, float], progress: Progress | None = None):
        self.laps, self.progress = laps, progress
        self._last = time.monotonic()

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.laps[name] = round(now - self._last, 2)
        self._last = now
        if self.progress is not None and self.progress.cancelled:
            raise Cancelled
