"""One hnswlib index per embedding space: a fast, rebuildable cache of the catalog's vectors.

Labels are the catalog's ``vectors.id``. On open the saved index is checked (size + CRC32 in a
sidecar written after it) and reconciled with the catalog: vectors added or removed since the
save — by this process before a crash, or by another process — are applied. A missing, stale
or corrupt file is rebuilt from SQLite, never trusted blindly.

hnswlib pitfalls handled here: ``load_index`` resets ``ef`` (set after every load); adding and
querying at once is unsafe (one lock); asking for more results than there are live, allowed
items raises (ask for min(k, live)).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import zlib
from collections.abc import Collection
from pathlib import Path

import hnswlib
import numpy as np

from mediasift.catalog import Catalog
from mediasift.fsutil import sweep_stale

log = logging.getLogger(__name__)

EF_SEARCH = 96
EF_CONSTRUCTION = 200
M = 16
#: Compact (rebuild without tombstones) when this share of elements is deleted.
COMPACT_RATIO = 0.25


def _temp(folder: Path, name: str) -> str:
    fd, path = tempfile.mkstemp(dir=folder, prefix=name + ".", suffix=".tmp")
    os.close(fd)
    return path


def _crc32(path: Path) -> int:
    crc = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 24):
            crc = zlib.crc32(chunk, crc)
    return crc


class VectorIndex:
    """The ANN index of one space, kept in step with the catalog."""

    def __init__(self, folder: Path, space_id: int, dim: int):
        self.path, self.meta_path = self.files(folder, space_id)
        self.space_id = space_id
        self.dim = dim
        self._lock = threading.Lock()
        self._index = self._empty(1024)
        self._deleted: set[int] = set()
        self._newest = 0  # the highest label indexed: the catalog's vector ids only grow
        self.rebuilt = False  # whether the last open had to rebuild from SQLite
        self.repaired = False  # whether the last open changed it (rebuilt or caught up)

    @staticmethod
    def files(folder: Path, space_id: int) -> tuple[Path, Path]:
        """The index file of a space and its sidecar (size, checksum, count)."""
        return folder / f"space-{space_id}.hnsw", folder / f"space-{space_id}.json"

    def _empty(self, capacity: int) -> hnswlib.Index:
        index = hnswlib.Index(space="ip", dim=self.dim)
        index.init_index(max_elements=capacity, ef_construction=EF_CONSTRUCTION, M=M)
        index.set_ef(EF_SEARCH)
        return index

    @property
    def live_count(self) -> int:
        return self._index.element_count - len(self._deleted)

    # --- open / rebuild / save ---------------------------------------------------------

    def open(self, catalog: Catalog) -> None:
        """Load the saved index if it is intact, else rebuild; then catch up with the catalog."""
        with self._lock:
            self.rebuilt = not self._load()
            if self.rebuilt:
                self._rebuild(catalog)
            self.repaired = self.rebuilt or self._reconcile(catalog)

    def catch_up(self, catalog: Catalog) -> bool:
        """Apply what another process committed since: new vectors added, removed ones hidden.
        True when anything changed. The file on disk is never written here."""
        with self._lock:
            return self._reconcile(catalog)

    def _load(self) -> bool:
        try:
            meta = json.loads(self.meta_path.read_text())
            if meta["dim"] != self.dim or meta["size"] != self.path.stat().st_size:
                raise ValueError("index file does not match its sidecar")
            if meta["crc32"] != _crc32(self.path):
                raise ValueError("index file checksum mismatch")
            index = hnswlib.Index(space="ip", dim=self.dim)
            index.load_index(str(self.path), max_elements=max(meta["count"], 1024))
        except FileNotFoundError:
            log.info("No saved index for space %d: building it from the catalog", self.space_id)
            return False
        except (OSError, ValueError, KeyError, RuntimeError, json.JSONDecodeError) as exc:
            log.warning("Index for space %d is unusable (%s): rebuilding", self.space_id, exc)
            return False
        index.set_ef(EF_SEARCH)
        self._index = index
        self._deleted = set(meta["deleted"])
        self._newest = max(index.get_ids_list(), default=0)
        return True

    def _rebuild(self, catalog: Catalog) -> None:
        ids, matrix = catalog.vectors(self.space_id)
        self._index = self._empty(max(1024, int(len(ids) * 1.25)))
        self._deleted = set()
        self._newest = 0
        if len(ids):
            self._add(ids, matrix)
        log.info("Rebuilt index for space %d with %d vectors", self.space_id, len(ids))

    def _reconcile(self, catalog: Catalog) -> bool:
        """Catch up with the catalog: vectors added since (the usual case, an indexer at work,
        read without listing every id), else the whole difference."""
        ids, matrix, total = catalog.vectors_since(self.space_id, self._newest)
        if total == self.live_count + len(ids):  # nothing removed meanwhile
            if len(ids):
                self._add(ids, matrix)
                log.info("Index for space %d caught up: +%d", self.space_id, len(ids))
            return bool(len(ids))
        live = set(catalog.vector_ids(self.space_id).tolist())
        indexed = set(self._index.get_ids_list()) - self._deleted
        missing, stale = live - indexed, indexed - live
        if missing:
            ids, matrix = catalog.vectors(self.space_id, sorted(missing))
            self._add(ids, matrix)
        for label in stale:
            self._index.mark_deleted(label)
        self._deleted |= stale
        if missing or stale:
            log.info(
                "Index for space %d caught up: +%d -%d", self.space_id, len(missing), len(stale)
            )
        return bool(missing or stale)

    def save(self, catalog: Catalog | None = None) -> None:
        """Write atomically: index and sidecar to fresh temp files, then both renamed.

        Temp names are unique, so two processes saving at once cannot take each other's file.
        With a catalog given, a heavily deleted index is compacted first.
        """
        with self._lock:
            if catalog is not None and len(self._deleted) > COMPACT_RATIO * max(
                self._index.element_count, 1
            ):
                self._rebuild(catalog)
            folder = self.path.parent
            folder.mkdir(parents=True, exist_ok=True)
            sweep_stale(folder, "*.tmp")
            temps = [Path(_temp(folder, self.path.name)), Path(_temp(folder, self.meta_path.name))]
            try:
                self._index.save_index(str(temps[0]))
                meta = {
                    "dim": self.dim,
                    "count": self._index.element_count,
                    "deleted": sorted(self._deleted),
                    "size": temps[0].stat().st_size,
                    "crc32": _crc32(temps[0]),
                }
                temps[1].write_text(json.dumps(meta))
                for written in temps:
                    with written.open("rb") as fh:
                        os.fsync(fh.fileno())
                os.replace(temps[0], self.path)
                os.replace(temps[1], self.meta_path)
            finally:
                for leftover in temps:
                    leftover.unlink(missing_ok=True)

    # --- changes and queries -----------------------------------------------------------

    def _add(self, ids: np.ndarray, matrix: np.ndarray) -> None:
        needed = self._index.element_count + len(ids)
        if needed > self._index.get_max_elements():
            self._index.resize_index(max(needed, int(self._index.get_max_elements() * 1.5)))
        self._index.add_items(matrix, ids)
        self._deleted.difference_update(ids.tolist())  # a label put back (an undone cleanup)
        self._newest = max(self._newest, int(ids.max()))

    def add(self, ids: np.ndarray, matrix: np.ndarray) -> None:
        if len(ids):
            with self._lock:
                self._add(np.asarray(ids), np.asarray(matrix, dtype=np.float32))

    def remove(self, ids: Collection[int]) -> None:
        with self._lock:
            for label in ids:
                if label in self._deleted:
                    continue
                try:
                    self._index.mark_deleted(label)
                except RuntimeError:
                    continue  # never added (e.g. removed before its vector was indexed)
                self._deleted.add(label)

    def query(
        self, vector: np.ndarray, k: int, allowed: Collection[int] | None = None
    ) -> list[tuple[int, float]]:
        """Up to ``k`` (label, cosine) pairs, best first, optionally only among ``allowed``."""
        with self._lock:
            live = self.live_count
            if allowed is not None:
                live = min(live, len(allowed))
            k = min(k, live)
            if k <= 0:
                return []
            self._index.set_ef(max(EF_SEARCH, k))
            flt = None if allowed is None else allowed.__contains__
            query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
            while k > 0:
                try:
                    labels, distances = self._index.knn_query(query, k=k, filter=flt)
                    break
                except RuntimeError:  # fewer reachable items than k (filter, fresh deletions)
                    k //= 2
            else:
                return []
        return [
            (int(label), 1.0 - float(d)) for label, d in zip(labels[0], distances[0], strict=True)
        ]

    def neighbours(
        self, matrix: np.ndarray, k: int, ef: int = EF_SEARCH
    ) -> tuple[np.ndarray, np.ndarray]:
        """Batched k-nearest-neighbour query, one row per query: (labels, cosines); rows
        padded with label -1 when fewer than ``k`` live items exist. A smaller ``ef`` searches
        less widely: enough when the neighbours sought are far closer than the rest."""
        with self._lock:
            k = min(k, self.live_count)
            n = len(matrix)
            if k <= 0 or n == 0:
                return np.full((n, 0), -1, np.int64), np.zeros((n, 0), np.float32)
            self._index.set_ef(max(ef, k))
            labels, distances = self._index.knn_query(np.asarray(matrix, np.float32), k=k)
        return labels.astype(np.int64), 1.0 - distances
