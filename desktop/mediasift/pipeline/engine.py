"""The long-lived indexing pipeline: a priority job queue, a decode pool, one encoder thread and
one writer thread.

    submit(job) ─▶ priority queue ─feeder─▶ decode pool (probe) ─bounded─▶ encoder thread ─┐
                   (live before backlog)          └── reuse / failed / ignored ──────────▶ writer
    call(op)  ───────────────────────────────────────────────────────────────────────────▶ writer

Only the writer thread changes the catalog and the vector index, one file per transaction, so
a crash loses at most the files in flight; the index is saved every few seconds and is anyway
reconciled with the catalog when opened. Decoded images in memory are bounded by the decode
slots and the encoder queue, whatever the backlog.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

from mediasift.catalog import VectorItem
from mediasift.fsutil import sweep_stale
from mediasift.index.vectors import VectorIndex
from mediasift.pipeline.probe import (
    OCR,
    READ,
    TEXT,
    Job,
    Outcome,
    Workers,
    embed_stage,
    probe,
    text_stage,
)
from mediasift.pipeline.progress import Event, Progress
from mediasift.pipeline.scanner import vanished

log = logging.getLogger(__name__)

#: Queue priorities: live files' looks, live files' text, the backlog's looks, its text.
LIVE, LIVE_TEXT, BACKLOG, BACKLOG_TEXT = 0, 1, 2, 3
#: File kinds whose pixels may hold text worth reading.
OCR_KINDS = ("image", "screenshot")
_DONE = object()


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


def _yield_to_encoder() -> None:
    """Run decode threads at a lower priority (Linux: per thread), so the scheduler preempts
    them rather than one of the model's threads, which would stall its partner at a barrier."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


class Pipeline:
    """Indexes submitted files in the background until stopped. Thread-safe entry points:
    ``submit``, ``call``, ``pause``, ``resume``, ``wait_idle``, ``stop``."""

    def __init__(
        self,
        work: Workers,
        indexes: dict[int, VectorIndex] | None = None,
        text_space_id: int | None = None,
        decode_workers: int = 2,
        batch_size: int = 16,
        progress: Progress | None = None,
        save_every: float = 5.0,
    ):
        self.work = work
        self.catalog = work.catalog
        self.encoder = work.encoder
        self.space_id = work.space_id
        self.text_encoder = work.text_encoder
        self.text_space_id = text_space_id
        #: The vector index of each space the pipeline writes (visual and text).
        self.indexes = indexes or {}
        self.batch_size = batch_size
        self.progress = progress or Progress()
        self.summary = IndexSummary()
        self.save_every = save_every
        self._jobs: queue.PriorityQueue = queue.PriorityQueue()
        self._order = itertools.count()
        self._queued: set[tuple[str, str]] = set()  # (path, stage) queued or in flight
        self._pending = 0  # jobs and ops not yet through the writer
        self._decoding = 0  # probes submitted to the pool and not yet routed
        self._lock = threading.Condition()
        self._slots = threading.Semaphore(decode_workers * 2)
        self._encode_q: queue.Queue = queue.Queue(maxsize=batch_size * 2)
        self._writes: queue.Queue = queue.Queue()
        self._running = threading.Event()
        self._running.set()
        self._stopping = threading.Event()
        self._pool = ThreadPoolExecutor(
            decode_workers, thread_name_prefix="decode", initializer=_yield_to_encoder
        )
        self._threads = [
            threading.Thread(target=self._feed, name="feeder", daemon=True),
            threading.Thread(target=self._encode_loop, name="encoder", daemon=True),
            threading.Thread(target=self._write_loop, name="writer", daemon=True),
        ]
        # An index repaired on open is saved by the first save, so starts don't repeat it.
        self._dirty = any(index.repaired for index in self.indexes.values())
        self._saved_at = time.monotonic()
        self._save_interval = save_every

    # --- control -------------------------------------------------------------------------

    def start(self) -> Pipeline:
        sweep_stale(self.work.thumbs, "*/*.part")
        for thread in self._threads:
            thread.start()
        return self

    def submit(self, job: Job, priority: int = BACKLOG) -> bool:
        """Queue a file's stage; False when that stage of that path is queued or in flight.

        Later stages go behind the first reads of their kind: a live file's text comes
        before the backlog's looks, the backlog's text last.
        """
        key = (job.path, job.stage)
        if job.stage != READ:
            priority = LIVE_TEXT if priority <= LIVE_TEXT else BACKLOG_TEXT
        with self._lock:
            if key in self._queued or self._stopping.is_set():
                return False
            self._queued.add(key)
            self._pending += 1
            self.progress.total += 1
        job.priority = priority
        self._jobs.put((priority, next(self._order), job))
        return True

    def call(self, op: Callable[[], None]) -> None:
        """Run ``op`` on the writer thread, in order with the writes (moves, deletions)."""
        with self._lock:
            self._pending += 1
        self._writes.put(op)

    def pause(self) -> None:
        self._running.clear()
        self.progress.paused = True

    def resume(self) -> None:
        self._running.set()
        self.progress.paused = False

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every submitted job and op is written; False on timeout or stop."""
        with self._lock:
            self._lock.wait_for(lambda: self._pending == 0 or self._stopping.is_set(), timeout)
            return self._pending == 0 and not self._stopping.is_set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def stop(self) -> None:
        """Finish what is in flight, drop the queue, save the index, end the threads."""
        self._stopping.set()
        self._running.set()
        with self._lock:
            self._lock.notify_all()
        self._threads[0].join()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._encode_q.put(_DONE)
        self._threads[1].join()
        self._writes.put(_DONE)
        self._threads[2].join()
        self._save()

    # --- feeder, decoders, encoder -------------------------------------------------------

    def _feed(self) -> None:
        while not self._stopping.is_set():
            if not self._running.wait(0.2):
                continue
            try:
                item = self._jobs.get(timeout=0.2)
            except queue.Empty:
                continue
            if not self._running.is_set():  # paused while waiting: keep its place in line
                self._jobs.put(item)
                continue
            job = item[2]
            while not self._slots.acquire(timeout=0.2):
                if self._stopping.is_set():
                    return
            with self._lock:
                self._decoding += 1
            self._pool.submit(probe, job, self.work).add_done_callback(self._route)

    def _route(self, future: Future) -> None:
        """Decode worker: hand the outcome on, then free the decode slot."""
        try:
            if future.cancelled():
                return
            outcome: Outcome = future.result()
            if outcome.status == "decoded" and outcome.needs_model:
                self._encode_q.put(outcome)
            else:
                self._writes.put(outcome)
        finally:
            with self._lock:
                self._decoding -= 1
            self._slots.release()

    def _upstream_idle(self) -> bool:
        """Nothing more is coming soon: no decode in flight and no job the feeder may take."""
        return self._decoding == 0 and (self._jobs.empty() or not self._running.is_set())

    def _encode_loop(self) -> None:
        """The one thread that runs the model. It fills a batch while decoders are still
        producing (a batch of one runs ~1.5x slower per image on a CPU), and encodes at once
        when nothing else is on its way (a single new file waits for nobody)."""
        finished = False
        while not finished:
            batch = [self._encode_q.get()]
            while len(batch) < self.batch_size and batch[-1] is not _DONE:
                try:
                    batch.append(self._encode_q.get(timeout=0.02))
                except queue.Empty:
                    if self._upstream_idle():
                        break
            if _DONE in batch:
                finished = True
                batch = [o for o in batch if o is not _DONE]
            for outcome in self._encode(batch) if batch else ():
                self._writes.put(outcome)

    def _encode(self, batch: list[Outcome]) -> list[Outcome]:
        """Vectors for a batch; a failure costs only the items that cause it, which stay
        readable and without their embed stage, so a later run retries them."""
        pieces = [p for o in batch for p in o.pieces]
        try:
            looks = [p for p in pieces if p.payload is not None]
            for start in range(0, len(looks), self.batch_size):
                part = looks[start : start + self.batch_size]
                vectors = self.encoder.encode_prepared([p.payload for p in part])
                for piece, vector in zip(part, vectors, strict=True):
                    piece.vector, piece.payload = vector, None
            texts = [c[0] for p in pieces for c in p.chunks]
            if texts:
                vectors = self.text_encoder.encode_documents(texts)
                at = 0
                for piece in (p for p in pieces if p.chunks):
                    piece.text_vectors = vectors[at : at + len(piece.chunks)]
                    at += len(piece.chunks)
        except Exception as exc:
            if len(batch) > 1:  # find the one item that breaks the batch
                return [r for o in batch for r in self._encode([o])]
            log.warning("Model failed on %s: %s", batch[0].job.path, exc)
            for piece in pieces:
                piece.payload = piece.vector = piece.text_vectors = None
            batch[0].error = f"the model could not encode it ({exc})"
        return batch

    # --- the writer thread ---------------------------------------------------------------

    def _write_loop(self) -> None:
        while True:
            try:
                item = self._writes.get(timeout=0.5)
            except queue.Empty:
                self._maybe_save()
                continue
            if item is _DONE:
                return
            try:
                if isinstance(item, Outcome):
                    self._record(item)
                else:
                    item()
            except Exception:  # one bad write must not stop the writer
                log.exception("Writing %s failed", getattr(item, "job", item))
                if isinstance(item, Outcome):
                    self._release(item.job)
            finally:
                with self._lock:
                    self._pending -= 1
                    self._lock.notify_all()
            self._maybe_save()

    def _release(self, job: Job) -> None:
        with self._lock:
            self._queued.discard((job.path, job.stage))

    def _maybe_save(self) -> None:
        if self._dirty and time.monotonic() - self._saved_at >= self._save_interval:
            self._save()

    def _save(self) -> None:
        """Save the index; big indexes save less often (a save holds the GIL: ~0.3 s at 100k),
        which costs nothing in safety since the next open catches up from the catalog. A
        failed save (disk full) is logged and retried later: the catalog has the work."""
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

    def _record(self, outcome: Outcome) -> None:
        job = outcome.job
        retry = self._write(outcome)
        if retry is not None:  # reuse turned out impossible: decode it after all
            with self._lock:
                self._pending += 1
            self._jobs.put((LIVE, next(self._order), retry))
            return
        self._release(job)
        encoded = any(p.vector is not None for p in outcome.pieces)
        self.progress.advance(job.path, failed=outcome.error is not None, encoded=encoded)
        if outcome.error is not None:
            self.progress.emit(Event("failed", job.path, outcome.error))
        elif job.stage == READ and outcome.status in ("decoded", "reuse"):
            self.progress.emit(Event("indexed", job.path))
            if outcome.notice:
                self.progress.emit(Event("notice", job.path, outcome.notice))
        elif outcome.status == "decoded" and outcome.pieces:
            self.progress.emit(Event("text", job.path))

    def _write(self, outcome: Outcome) -> Job | None:
        """Record one outcome; returns a job to redo when reuse turned out impossible."""
        job, summary = outcome.job, self.summary
        if outcome.status in ("unchanged", "stale"):
            summary.unchanged += outcome.status == "unchanged"
            return None
        if outcome.status == "vanished" or (job.file_id is None and self.gone(job.path)):
            self.forget(job.path)  # deleted while it waited: no row for a file that is gone
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
                self._follow_up(job, job.file_id, TEXT)
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
        if facts["status"] == "indexed" and outcome.kind in OCR_KINDS and self.work.ocr:
            self._follow_up(job, file_id, OCR)
        return None

    def _follow_up(self, job: Job, file_id: int, stage: str) -> None:
        """Queue a later stage of a file just written, at its own (lower) priority."""
        self.submit(
            Job(job.path, job.folder_id, job.size, job.mtime, file_id, stage=stage), job.priority
        )

    def _store_work(self, file_id: int, outcome: Outcome) -> None:
        """Segments, their vectors in each space, and the stages they complete (one file)."""
        looks, texts = [], []
        with self.catalog.transaction():
            for piece in outcome.pieces:
                segment_id = self.catalog.put_segment(file_id, piece.segment)
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
            if outcome.status == "decoded":
                if ok and stage == READ and self.space_id is not None:
                    self.catalog.set_stage(file_id, embed_stage(self.space_id), "done")
                if stage == OCR:
                    self.catalog.set_stage(file_id, OCR, "done" if ok else "failed")
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
            self.drop(old)
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
        self.drop(old)
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
            with self.catalog.transaction():
                old = self.catalog.delete_path(job.path) or []
                self.catalog.move_file(moved["id"], job.folder_id, job.path, job.size, job.mtime)
            self.drop(old)
            self.summary.moved += 1
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

    # --- path operations (writer thread, or a caller while the pipeline is stopped) ------

    def gone(self, path: str) -> bool:
        """Deleted for real: its library folder is there (mounted) and the file is not."""
        return vanished(path, self.catalog.folders())

    def forget(self, path: str) -> bool:
        """Drop the file at ``path`` from catalog and index; True when it was known."""
        dropped = self.catalog.delete_path(path)
        self.drop(dropped or [])
        return dropped is not None

    def remove(self, path: str) -> None:
        """A file left the library: forget it, count it, tell the listeners."""
        if self.forget(path):
            self.summary.removed += 1
            self.progress.emit(Event("removed", path))

    def remove_tree(self, folder: str) -> None:
        for path in self.catalog.paths_under(folder):
            self.remove(path)

    def drop(self, vector_ids: list[int]) -> None:
        """Take vectors whose catalog rows are gone out of the indexes (labels are unique
        across spaces, so each index ignores the others' labels)."""
        if vector_ids and self.indexes:
            for index in self.indexes.values():
                index.remove(vector_ids)
            self._dirty = True
