"""One indexing run: scan folders, probe changed files in a decode pool, encode on one thread,
write on the calling thread.

    scan (caller) ─jobs─▶ decode pool (probe) ─bounded queue─▶ encoder thread ─▶ writer (caller)
                                    └──────── reuse / failed / ignored ───────▶ writer

Decoding overlaps encoding; the bounded queue caps decoded images in memory. Only the writer
touches the catalog's rows and the vector index, one file per transaction, so a crash loses at
most the files in flight. Unchanged files (size + mtime) are skipped; a file whose content is
already known reuses that work: a rename is a path update, a copy copies vectors.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mediasift.catalog import Catalog, FileState
from mediasift.index.vectors import VectorIndex
from mediasift.pipeline.probe import Job, Outcome, has_vector, probe
from mediasift.pipeline.progress import Progress
from mediasift.pipeline.scanner import Problem, scan

if TYPE_CHECKING:
    from mediasift.models.encoder import Encoder

log = logging.getLogger(__name__)

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
    model_error: str | None = None
    cancelled: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def vanished(path: str) -> bool:
    """Truly gone, not merely unreadable now (an unmounted or locked folder keeps its files)."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False


def embed_stage(space_id: int) -> str:
    return f"embed:{space_id}"


class Indexer:
    """Runs indexing passes over library folders with one model (or none, when unavailable)."""

    def __init__(
        self,
        catalog: Catalog,
        thumbs: Path,
        encoder: Encoder | None = None,
        space_id: int | None = None,
        vindex: VectorIndex | None = None,
        decode_workers: int = 2,
        batch_size: int = 16,
    ):
        self.catalog = catalog
        self.thumbs = thumbs
        self.encoder = encoder
        self.space_id = space_id
        self.vindex = vindex
        self.decode_workers = decode_workers
        self.batch_size = batch_size

    # --- planning ------------------------------------------------------------------------

    def plan(self, folders: list[dict], summary: IndexSummary) -> tuple[list[Job], list[FileState]]:
        """Jobs for new, changed and not-yet-embedded files; rows no longer seen on disk."""
        embedded = (
            self.catalog.file_ids_with_stage(embed_stage(self.space_id))
            if self.space_id is not None
            else set()
        )
        jobs: list[Job] = []
        missing: list[FileState] = []
        problems: list[Problem] = []
        for folder in folders:
            states = self.catalog.file_states(folder["id"])
            for entry in scan(Path(folder["path"]), problems):
                job = Job(entry.path, folder["id"], entry.size, entry.mtime)
                known = states.pop(entry.path, None)
                if known is None or (known.size, known.mtime) != (entry.size, entry.mtime):
                    jobs.append(job)
                elif (
                    known.status == "indexed"
                    and self.space_id is not None
                    and known.id not in embedded
                ):
                    job.file_id = known.id
                    jobs.append(job)
                else:
                    summary.unchanged += 1
            missing.extend(states.values())
        summary.failed += [{"path": p.path, "reason": p.reason} for p in problems]
        jobs.sort(key=lambda j: -j.mtime)  # newest first: what the user just added
        return jobs, missing

    # --- the run -------------------------------------------------------------------------

    def run(self, folders: list[dict], progress: Progress | None = None) -> IndexSummary:
        progress = progress or Progress()
        summary = IndexSummary()
        started = time.monotonic()
        jobs, missing = self.plan(folders, summary)
        progress.total = len(jobs)
        log.info("Indexing: %d to probe, %d unchanged", len(jobs), summary.unchanged)
        self._process(jobs, progress, summary)
        if not progress.cancelled:
            self._remove_missing(missing, summary)
        if self.vindex is not None:
            self.vindex.save(self.catalog)
        summary.cancelled = progress.cancelled
        summary.seconds = time.monotonic() - started
        return summary

    def _process(self, jobs: list[Job], progress: Progress, summary: IndexSummary) -> None:
        encode_q: queue.Queue = queue.Queue(maxsize=self.batch_size * 2)
        results: queue.Queue = queue.Queue()
        encoder_thread = threading.Thread(
            target=self._encode_loop, args=(encode_q, results), name="encoder", daemon=True
        )
        encoder_thread.start()
        pool = ThreadPoolExecutor(self.decode_workers, thread_name_prefix="decode")

        def route(future: Future) -> None:
            if future.cancelled():
                return
            outcome: Outcome = future.result()
            if outcome.status == "decoded" and self.encoder is not None:
                encode_q.put(outcome)  # blocks when full: back-pressure on the decoders
            else:
                results.put(outcome)

        def submit(job: Job) -> None:
            args = (job, self.catalog, self.thumbs, self.encoder, self.space_id)
            pool.submit(probe, *args).add_done_callback(route)

        for job in jobs:
            submit(job)
        pending = len(jobs)
        try:
            while pending and not progress.cancelled:
                try:
                    outcome = results.get(timeout=0.2)
                except queue.Empty:
                    continue
                pending -= 1
                retry = self._write(outcome, summary)
                if retry is not None:
                    submit(retry)
                    pending += 1
                    continue
                progress.advance(
                    outcome.job.path, failed=outcome.status == "failed",
                    encoded=outcome.vector is not None,
                )  # fmt: skip
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            encode_q.put(_DONE)
            encoder_thread.join()

    def _encode_loop(self, encode_q: queue.Queue, results: queue.Queue) -> None:
        """The one thread that runs the model: batches whatever the decoders have ready."""
        finished = False
        while not finished:
            batch = [encode_q.get()]
            while len(batch) < self.batch_size:
                try:
                    batch.append(encode_q.get_nowait())
                except queue.Empty:
                    break
            if _DONE in batch:
                finished = True
                batch = [o for o in batch if o is not _DONE]
            if batch:
                for outcome in self._encode(batch):
                    results.put(outcome)

    def _encode(self, batch: list[Outcome]) -> list[Outcome]:
        assert self.encoder is not None
        try:
            vectors = self.encoder.encode_prepared([o.payload for o in batch])
        except Exception as exc:
            if len(batch) > 1:  # find the one item that breaks the batch
                return [r for o in batch for r in self._encode([o])]
            log.warning("Model failed on %s: %s", batch[0].job.path, exc)
            batch[0].status, batch[0].error = "failed", f"the model could not encode it ({exc})"
            return batch
        for outcome, vector in zip(batch, vectors, strict=True):
            outcome.vector, outcome.payload = vector, None
        return batch

    # --- writing (caller thread only) ----------------------------------------------------

    def _write(self, outcome: Outcome, summary: IndexSummary) -> Job | None:
        """Record one outcome; returns a job to redo when reuse turned out impossible."""
        job = outcome.job
        if outcome.status == "vanished":
            self._forget(job.path)
            return None
        if outcome.status == "reuse":
            return self._reuse(outcome, summary)
        if job.file_id is None:
            self._forget(job.path)
            facts = {"hash": outcome.digest, "kind": outcome.kind, **outcome.facts}
            if outcome.status == "failed":
                facts.update(status="failed", error=outcome.error)
                summary.failed.append({"path": job.path, "reason": outcome.error})
            elif outcome.status == "ignored":
                facts["status"] = "ignored"
                summary.ignored += 1
            else:
                facts["status"] = "indexed"
                summary.new += 1
            with self.catalog.transaction():
                file_id = self.catalog.insert_file(
                    job.folder_id, job.path, job.size, job.mtime, **facts
                )
                vector_id = self._store_vector(file_id, outcome)
        else:
            if outcome.status == "failed":
                summary.failed.append({"path": job.path, "reason": outcome.error})
            vector_id = self._store_vector(job.file_id, outcome)
        if vector_id is not None:
            summary.encoded += 1
            self.vindex.add(np.array([vector_id]), outcome.vector[None, :])
        return None

    def _store_vector(self, file_id: int, outcome: Outcome) -> int | None:
        if outcome.vector is None or self.space_id is None:
            return None
        with self.catalog.transaction():
            segment_id = self.catalog.image_segment(file_id)
            (vector_id,) = self.catalog.add_vectors(self.space_id, [(segment_id, outcome.vector)])
            self.catalog.set_stage(file_id, embed_stage(self.space_id), "done")
        return vector_id

    def _reuse(self, outcome: Outcome, summary: IndexSummary) -> Job | None:
        job = outcome.job
        twins = [
            t
            for t in self.catalog.files_with_hash(outcome.digest)
            if t["status"] == "indexed" and t["path"] != job.path
        ]
        gone = [t for t in twins if vanished(t["path"])]
        if gone:
            self._forget(job.path)
            self.catalog.move_file(gone[0]["id"], job.folder_id, job.path, job.size, job.mtime)
            summary.moved += 1
            return None
        if not twins or not has_vector(self.catalog, outcome.digest, self.space_id):
            job.force_decode = True
            return job
        twin = twins[0]
        facts = {k: twin[k] for k in ("hash", "kind", "width", "height", "captured_at")}
        self._forget(job.path)
        with self.catalog.transaction():
            file_id = self.catalog.insert_file(
                job.folder_id, job.path, job.size, job.mtime, status="indexed", **facts
            )
            copied = self.catalog.copy_work(twin["id"], file_id)
        if self.vindex is not None and copied:
            self.vindex.add(*self.catalog.vectors(self.space_id, copied))
        summary.new += 1
        return None

    def _forget(self, path: str) -> None:
        gone = self.catalog.delete_path(path)
        if gone and self.vindex is not None:
            self.vindex.remove(gone)

    def _remove_missing(self, missing: list[FileState], summary: IndexSummary) -> None:
        """Rows not seen on disk, and not claimed by a move in this run, leave the catalog."""
        for state in missing:
            row = self.catalog.file_by_id(state.id)
            if row is None or row["path"] != state.path or not vanished(state.path):
                continue
            self._forget(state.path)
            summary.removed += 1
