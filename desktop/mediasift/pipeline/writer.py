"""The one place that changes a library: its catalog rows, vector indexes and thumbnails.

Everything that changes them goes through a Writer: the pipeline's outcomes (new, changed,
copied and renamed files, later stages), the watcher's path updates (renames, folder moves,
deletions), a scan's verdict on files gone while the app was closed, and folders given up.
An indexer calls it from the pipeline's writer thread only (``Pipeline.call``), so writes
never interleave, each file is one transaction, and a crash loses at most the files in
flight; ``Library.remove_folder`` uses one directly where no indexer runs.

Thumbnails are keyed by content hash, so copies share one: a thumbnail is written just before
its file's row, and deleted with the last row holding that content. ``sweep``, the writer's
first op, deletes those a crash left between the two (~0.2 s per 50k files).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mediasift.catalog import FileState, VectorItem
from mediasift.catalog.stages import embed_stage, text_stage
from mediasift.fsutil import sweep_stale
from mediasift.index.vectors import VectorIndex
from mediasift.media.kinds import TIME_KINDS
from mediasift.media.thumbs import content_of, thumbs_of, write_thumbnail
from mediasift.pipeline.probe import (
    OCR,
    READ,
    SPEECH,
    TEXT,
    Job,
    Outcome,
    Workers,
)
from mediasift.pipeline.progress import Event, Progress
from mediasift.pipeline.scanner import vanished

log = logging.getLogger(__name__)

#: File kinds whose pixels may hold text worth reading.
OCR_KINDS = ("image", "screenshot")


@dataclass
class IndexSummary:
    new: int = 0
    unchanged: int = 0
    moved: int = 0
    removed: int = 0
    encoded: int = 0
    ignored: int = 0
    failed: list[dict] = field(default_factory=list)
    notices: list[dict] = field(default_factory=list)
    model_error: str | None = None
    text_model_error: str | None = None
    cancelled: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


class Writer:
    """Changes the catalog, the vector indexes and the thumbnail cache; one thread calls it."""

    def __init__(
        self,
        work: Workers,
        indexes: dict[int, VectorIndex] | None = None,
        text_space_id: int | None = None,
        progress: Progress | None = None,
        save_every: float = 5.0,
    ):
        self.work = work
        self.catalog = work.catalog
        self.space_id = work.space_id
        self.text_space_id = text_space_id
        #: The vector index of each space written (visual and text).
        self.indexes = indexes or {}
        self.progress = progress or Progress()
        self.summary = IndexSummary()
        self.save_every = save_every
        # An index repaired on open is saved by the first save, so starts don't repeat it.
        self._dirty = any(index.repaired for index in self.indexes.values())
        self._saved_at = time.monotonic()
        self._save_interval = save_every

    # --- start and saves -----------------------------------------------------------------

    def sweep(self) -> int:
        """Delete the thumbnails no file row holds (a crash came between a thumbnail and its
        row, or between a row's deletion and its thumbnail's), and temp files left behind;
        returns how many thumbnails went. Safe at any time on the thread that writes: only
        it writes thumbnails, each with its row."""
        sweep_stale(self.work.thumbs, "*/*.part")
        swept = 0
        for shard in self.work.thumbs.glob("??"):  # thumb_path's fan-out: one batch each
            thumbs: dict[str, list[Path]] = {}
            for path in shard.glob("*.jpg"):
                thumbs.setdefault(content_of(path), []).append(path)
            for digest in thumbs.keys() - self.catalog.held_hashes(thumbs):
                for path in thumbs[digest]:
                    path.unlink(missing_ok=True)
                    swept += 1
        if swept:
            log.info("Deleted %d thumbnails of files no longer in the library", swept)
        return swept

    def maybe_save(self) -> None:
        if self._dirty and time.monotonic() - self._saved_at >= self._save_interval:
            self.save()

    def save_due(self) -> float | None:
        """Seconds until ``maybe_save`` would save; None when there is nothing to save."""
        if not self._dirty:
            return None
        return max(0.0, self._saved_at + self._save_interval - time.monotonic())

    def save(self) -> None:
        """Save the indexes; big indexes save less often (a save holds the GIL: ~0.3 s at
        100k), which costs nothing in safety since the next open catches up from the catalog.
        A failed save (disk full) is logged and retried later: the catalog has the work."""
        started = time.monotonic()
        if self._dirty:
            try:
                for index in self.indexes.values():
                    index.save(self.catalog)
                self._dirty = False
            except Exception:
                log.exception("Saving the vector index failed; will retry")
        self._saved_at = time.monotonic()
        self._save_interval = max(self.save_every, 20 * (self._saved_at - started))

    # --- outcomes of the pipeline --------------------------------------------------------

    def record(self, outcome: Outcome) -> Job | None:
        """Write one job's outcome; returns what follows: the same job, to decode after all
        (reusing an identical file's work turned out impossible), a later stage of the file,
        or None."""
        job, summary = outcome.job, self.summary
        if outcome.status in ("unchanged", "stale"):
            summary.unchanged += outcome.status == "unchanged"
            return None
        if outcome.status == "vanished" or (job.file_id is None and self.gone(job.path)):
            self._forget(job.path)  # deleted while it waited: no row for a file that is gone
            return None
        if outcome.status == "reuse":
            return self._reuse(outcome)
        if outcome.error is not None:  # unreadable, or the model failed on it
            summary.failed.append({"path": job.path, "reason": outcome.error})
        if outcome.notice:
            summary.notices.append({"path": job.path, "notice": outcome.notice})
        if job.file_id is not None:  # a known file: a later stage, or missing vectors
            with self.catalog.transaction():
                if self.catalog.file_by_id(job.file_id) is None:
                    return None  # removed meanwhile
                self._store_work(job.file_id, outcome)
            if outcome.embed_later and outcome.error is None:
                return _later(job, job.file_id, TEXT)
            return None
        facts = {"hash": outcome.digest, "kind": outcome.kind, **outcome.facts}
        facts.pop("pages", None)
        if outcome.status == "failed":
            facts.update(status="failed", error=outcome.error)
        elif outcome.status == "ignored":
            facts["status"] = "ignored"
            summary.ignored += 1
        else:  # read fine; a model failure leaves it without its embed stage, to retry
            facts["status"] = "indexed"
            summary.new += 1
        file_id = self._replace_row(job, facts, lambda file_id: self._store_work(file_id, outcome))
        if facts["status"] == "indexed":
            return next(
                (_later(job, file_id, stage) for stage in later_stages(self.work, outcome.kind)),
                None,
            )
        return None

    def _store_work(self, file_id: int, outcome: Outcome) -> None:
        """The thumbnail, segments, their vectors in each space, and the stages they complete
        (one file, in the caller's transaction: a crash before its commit leaves only the
        thumbnail, which ``sweep`` deletes)."""
        if outcome.thumbnail is not None:
            write_thumbnail(self.work.thumbs, outcome.digest, outcome.thumbnail)
        for part, jpeg in outcome.part_thumbnails.items():
            write_thumbnail(self.work.thumbs, outcome.digest, jpeg, part)
        looks, texts = [], []
        with self.catalog.transaction():
            for piece in outcome.pieces:
                segment_id = self.catalog.put_segment(file_id, piece.segment)
                if piece.segment.hashes is not None:
                    self.catalog.set_hashes(segment_id, piece.segment.hashes)
                if piece.vector is not None:
                    looks.append(VectorItem(segment_id, piece.vector))
                if piece.text_vectors is not None:
                    texts += [
                        VectorItem(segment_id, vector, number, start, end)
                        for number, (vector, (_, start, end)) in enumerate(
                            zip(piece.text_vectors, piece.chunks, strict=True)
                        )
                    ]
            stage, ok = outcome.job.stage, outcome.error is None
            if stage in (OCR, SPEECH):  # failed too: a file that breaks the reader is not retried
                self.catalog.set_stage(file_id, stage, "done" if ok else "failed")
            if outcome.status == "decoded":
                if ok and stage == READ and self.space_id is not None:
                    self.catalog.set_stage(file_id, embed_stage(self.space_id), "done")
                if self.text_space_id is not None:  # pending: text a later run must embed
                    done = ok and len(texts) == sum(len(p.chunks) for p in outcome.pieces)
                    done = done and not outcome.embed_later
                    status = "done" if done else "pending"
                    self.catalog.set_stage(file_id, text_stage(self.text_space_id), status)
            added = self._add_vectors(self.space_id, looks) + self._add_vectors(
                self.text_space_id, texts
            )
        self.summary.encoded += bool(looks)
        for space_id, new, old in added:
            self._drop(old)
            self._index_vectors(space_id, new)

    def _add_vectors(self, space_id: int | None, items: list[VectorItem]) -> list[tuple]:
        if space_id is None or not items:
            return []
        return [(space_id, *self.catalog.add_vectors(space_id, items))]

    def _replace_row(self, job: Job, facts: dict, work: Callable[[int], None]) -> int:
        """One transaction: the old row at this path goes, the new row and its work come."""
        with self.catalog.transaction():
            old = self.catalog.delete_path(job.path) or []
            file_id = self.catalog.insert_file(
                job.folder_id, job.path, job.size, job.mtime, **facts
            )
            work(file_id)
        self._forgotten(old)
        return file_id

    def _reuse(self, outcome: Outcome) -> Job | None:
        """Same content as a known file: a move when that file is gone, else a copy."""
        job = outcome.job
        moved = next(
            (
                t
                for t in self.catalog.files_with_hash(outcome.digest)
                if t["status"] == "indexed" and t["path"] != job.path and self.gone(t["path"])
            ),
            None,
        )
        if moved is not None:
            self._move(moved["id"], job.folder_id, job.path, job.size, job.mtime)
            return None
        twin = self.catalog.twin_with_vector(outcome.digest, self.space_id)
        if twin is None or twin["path"] == job.path:
            job.force_decode = True
            return job
        facts = {k: twin[k] for k in ("hash", "kind", "width", "height", "captured_at")}
        facts["status"] = "indexed"

        def copy(file_id: int) -> None:
            for space_id, ids in self.catalog.copy_work(twin["id"], file_id).items():
                self._index_vectors(space_id, ids)

        self._replace_row(job, facts, copy)
        self.summary.new += 1
        return None

    def _index_vectors(self, space_id: int, vector_ids: list[int]) -> None:
        index = self.indexes.get(space_id)
        if vector_ids and index is not None:
            index.add(*self.catalog.vectors(space_id, vector_ids))
            self._dirty = True

    # --- paths that changed on disk ------------------------------------------------------

    def gone(self, path: str) -> bool:
        """Deleted for real: its library folder is there (mounted) and the file is not."""
        return vanished(path, self.catalog.folders())

    def move_file(self, src: str, dest: str, folder_id: int) -> dict | None:
        """A file renamed or moved inside the library keeps its row, vectors and thumbnail;
        returns the row as it was (None: ``src`` is unknown, so ``dest`` is a new file).

        The row keeps its own size and time: if the file was also edited before the rename,
        they differ from the disk and the new content is read like any change.
        """
        row = self.catalog.file_by_path(src)
        if row is not None:
            self._move(row["id"], folder_id, dest, row["size"], row["mtime"])
            self.progress.emit(Event("moved", dest, src))
        return row

    def _move(self, file_id: int, folder_id: int, path: str, size: int, mtime: float) -> None:
        """One transaction: a file the move replaces goes, the moved row takes its path."""
        with self.catalog.transaction():
            old = self.catalog.delete_path(path) or []
            self.catalog.move_file(file_id, folder_id, path, size, mtime)
        self._forgotten(old)
        self.summary.moved += 1

    def move_tree(self, src: str, dest: str, folder_id: int) -> int:
        """A folder renamed or moved inside the library: one UPDATE however many files it
        holds; returns how many (0: none known, so its files are new)."""
        moved, stale = self.catalog.move_tree(src, dest, folder_id)
        self._forgotten(stale)
        log.info("Folder %s -> %s: %d paths updated", src, dest, moved)
        if moved:
            self.summary.moved += moved
            self.progress.emit(Event("moved", dest, src))
        return moved

    def remove_if_gone(self, path: str) -> None:
        """A file or folder deleted or moved out of the library: its rows go, unless it is
        still there or merely unavailable (an unmounted drive keeps its files)."""
        if self.gone(path):
            self._remove(self.catalog.files_within(path))

    def mark_covered(self) -> None:
        """After a whole reconcile is written: a space this writer fills that now holds every
        indexed file becomes ready, and searches move to it (a model switch completes;
        index.spaces.search_order). One a run left short stays building for the next run."""
        for space_id in (self.space_id, self.text_space_id):
            if space_id is None or self.catalog.space_ready(space_id):
                continue
            left = self.catalog.files_lacking(space_id)
            if left:
                log.info("Space %d still lacks %d files", space_id, left)
            elif self.catalog.mark_ready(space_id):
                log.info("Space %d covers the library: searches use it from now on", space_id)

    def remove_missing(self, missing: list[FileState]) -> None:
        """Rows a scan did not find on disk go, unless a move claimed them meanwhile or their
        folder is unavailable."""
        rows = self.catalog.by_ids("files", [state.id for state in missing])
        folders = self.catalog.folders()
        self._remove([
            rows[s.id] for s in missing
            if s.id in rows and rows[s.id]["path"] == s.path and vanished(s.path, folders)
        ])  # fmt: skip

    def remove_folder(self, path: str) -> int | None:
        """Give up a library folder (its files stay on disk); returns the index entries
        removed, None when it is not a library folder."""
        gone = self.catalog.remove_folder(path)
        if gone is not None:
            self._forgotten(gone)
        return None if gone is None else len(gone)

    def _remove(self, rows: list[dict]) -> None:
        """Files that left the library: their rows go in one transaction, counted and told."""
        if rows:
            self._forgotten(self.catalog.delete_files([row["id"] for row in rows]))
            self.summary.removed += len(rows)
        for row in rows:
            self.progress.emit(Event("removed", row["path"]))

    def _forget(self, path: str) -> None:
        """Drop the row at ``path``, if any, quietly: a job found its file gone."""
        self._forgotten(self.catalog.delete_path(path) or [])

    # --- what deleted rows leave behind ----------------------------------------------------

    def _forgotten(self, vector_ids: list[int]) -> None:
        """After rows were deleted: their vectors leave the indexes, and the thumbnails of
        contents no row holds any more leave the cache."""
        self._drop(vector_ids)
        released = self.catalog.released_hashes()
        for digest in released - self.catalog.held_hashes(released):
            for path in thumbs_of(self.work.thumbs, digest):
                path.unlink(missing_ok=True)

    def _drop(self, vector_ids: list[int]) -> None:
        """Take vectors whose catalog rows are gone out of the indexes (labels are unique
        across spaces, so each index ignores the others' labels)."""
        if vector_ids and self.indexes:
            for index in self.indexes.values():
                index.remove(vector_ids)
            self._dirty = True


def reading_stages(work: Workers) -> dict[str, tuple[str, ...]]:
    """The later reading stages this pipeline can do, each with the kinds of file it reads."""
    stages = {}
    if work.ocr is not None:
        stages[OCR] = OCR_KINDS
    if work.speech is not None:
        stages[SPEECH] = TIME_KINDS
    return stages


def later_stages(work: Workers, kind: str | None) -> list[str]:
    return [stage for stage, kinds in reading_stages(work).items() if kind in kinds]


def _later(job: Job, file_id: int, stage: str) -> Job:
    """A later stage of a file just written."""
    return Job(job.path, job.folder_id, job.size, job.mtime, file_id, stage=stage)
