"""The long-lived indexing pipeline: a priority job queue, a decode pool, one encoder thread and
one writer thread.

    submit(job) ─▶ priority queue ─feeder─▶ decode pool (probe) ─bounded─▶ encoder thread ─┐
                   (live before backlog)          └── reuse / failed / ignored ──────────▶ writer
    call(op), when_idle(op) ─────────────────────────────────────────────────────────────▶ writer

Only the writer thread changes the library, through the pipeline's Writer (pipeline.writer):
outcomes, and the ops others hand it (the watcher's path updates, scans, folders given up), in
the order they come. The index is saved every few seconds and is anyway reconciled with the
catalog when opened. Decoded images in memory are bounded by the decode slots and the encoder
queue, whatever the backlog. Idle, every thread sleeps until work comes (the writer until a
save is due): none polls.
"""

from __future__ import annotations

import functools
import itertools
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from mediasift.index.vectors import VectorIndex
from mediasift.pipeline.probe import READ, SPEECH, Job, Outcome, Workers, probe
from mediasift.pipeline.progress import Event, Progress
from mediasift.pipeline.writer import Writer
from mediasift.priority import lower_this_thread
from mediasift.wakeups import woke

log = logging.getLogger(__name__)

#: Queue priorities: live files' looks, live files' text, the backlog's looks, its text.
LIVE, LIVE_TEXT, BACKLOG, BACKLOG_TEXT = 0, 1, 2, 3
_DONE = object()
#: Ahead of every job in the queue: the feeder's sign to end.
_STOP = (-1, -1, None)


class Pipeline:
    """Indexes submitted files in the background until stopped. Thread-safe entry points:
    ``submit``, ``call``, ``when_idle``, ``pause``, ``resume``, ``wait_idle``, ``stop``."""

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
        self.batch_size = batch_size
        self.progress = progress or Progress()
        #: The one thread that changes the library calls it; so do ops run by ``call``.
        self.writer = Writer(work, indexes, text_space_id, self.progress, save_every)
        self.summary = self.writer.summary
        self._jobs: queue.PriorityQueue = queue.PriorityQueue()
        self._order = itertools.count()
        self._queued: set[tuple[str, str]] = set()  # (path, stage) queued or in flight
        self._pending = 0  # jobs and ops not yet through the writer
        self._idle_ops: list[Callable[[], None]] = []  # to run once _pending reaches 0
        self._decoding = 0  # probes submitted to the pool and not yet routed
        self._lock = threading.Condition()
        self._slots = threading.Semaphore(decode_workers * 2)
        self._encode_q: queue.Queue = queue.Queue(maxsize=batch_size * 2)
        self._writes: queue.Queue = queue.Queue()
        self._running = threading.Event()
        self._running.set()
        self._stopping = threading.Event()
        # Decode threads yield to the model's threads: one preempted would stall its partner
        # at a barrier.
        self._pool = ThreadPoolExecutor(
            decode_workers, thread_name_prefix="decode", initializer=lower_this_thread
        )
        # A transcription takes a decode worker for minutes: one at a time, so the other
        # keeps reading new files; the speech jobs that come up meanwhile wait here.
        self._speaking = False
        self._speech_waiting: list[tuple] = []
        work.cancelled = self._stopping.is_set  # long reads (clips, speech) end at stop
        self._threads = [
            threading.Thread(target=self._feed, name="feeder", daemon=True),
            threading.Thread(target=self._encode_loop, name="encoder", daemon=True),
            threading.Thread(target=self._write_loop, name="writer", daemon=True),
        ]

    # --- control -------------------------------------------------------------------------

    def start(self) -> Pipeline:
        self.call(self.writer.sweep)  # the writer's first op
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

    def when_idle(self, op: Callable[[], None]) -> None:
        """Run ``op`` on the writer thread once every job and op is written, those submitted
        later included: a scan's verdict on missing files waits for the renames its jobs may
        reveal. Dropped when the pipeline stops first."""
        with self._lock:
            if self._stopping.is_set():
                return
            if self._pending:
                self._idle_ops.append(op)
                return
        self.call(op)

    def pause(self) -> None:
        self._running.clear()
        self.progress.paused = True
        self.progress.notify()

    def resume(self) -> None:
        self._running.set()
        self.progress.paused = False
        self.progress.notify()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every submitted job and op is written; False on timeout or stop."""
        with self._lock:
            self._lock.wait_for(lambda: self._pending == 0 or self._stopping.is_set(), timeout)
            return self._pending == 0 and not self._stopping.is_set()

    def stop(self) -> None:
        """Finish what is in flight, drop the queue, save the index, end the threads."""
        self._stopping.set()
        self._running.set()
        with self._lock:
            self._lock.notify_all()
        self._jobs.put(_STOP)
        self._threads[0].join()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._encode_q.put(_DONE)
        self._threads[1].join()
        self._writes.put(_DONE)
        self._threads[2].join()
        self.writer.save()

    # --- feeder, decoders, encoder -------------------------------------------------------

    def _feed(self) -> None:
        while True:
            self._running.wait()
            item = self._jobs.get()
            woke("feeder")
            if self._stopping.is_set():
                return
            if not self._running.is_set():  # paused while waiting: keep its place in line
                self._jobs.put(item)
                continue
            job = item[2]
            with self._lock:
                if job.stage == SPEECH and self._speaking:
                    self._speech_waiting.append(item)
                    continue
                self._speaking = self._speaking or job.stage == SPEECH
            self._slots.acquire()  # freed by a decode ending (at stop too)
            if self._stopping.is_set():
                return
            with self._lock:
                self._decoding += 1
            future = self._pool.submit(probe, job, self.work)
            future.add_done_callback(functools.partial(self._route, job))

    def _route(self, job: Job, future: Future) -> None:
        """Decode worker: count the decode done (so the encoder, seeing nothing else on its
        way, encodes this one at once), hand the outcome on, then free the decode slot."""
        try:
            outcome: Outcome | None = None if future.cancelled() else future.result()
        except Exception:  # probe never raises: a pool failure must still free the slot
            log.exception("Reading %s failed", job.path)
            outcome = None
        with self._lock:
            self._decoding -= 1
            if job.stage == SPEECH:
                self._speaking = False
                for item in self._speech_waiting:
                    self._jobs.put(item)
                self._speech_waiting.clear()
        try:
            if outcome is not None and outcome.status == "decoded" and outcome.needs_model:
                self._encode_q.put(outcome)
            elif outcome is not None:
                self._writes.put(outcome)
        finally:
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
                try:  # a lone file waits for nothing
                    wait = 0.0 if self._upstream_idle() else 0.02
                    batch.append(self._encode_q.get(timeout=wait))
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
                item = self._writes.get(timeout=self.writer.save_due())
            except queue.Empty:
                woke("writer")
                self.writer.maybe_save()
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
                self._written()
            self.writer.maybe_save()

    def _written(self) -> None:
        """One job or op is through; when that was the last, the ops waiting for idle go."""
        with self._lock:
            self._pending -= 1
            if not self._pending and self._idle_ops and not self._stopping.is_set():
                ops, self._idle_ops = self._idle_ops, []
                self._pending += len(ops)
                for op in ops:
                    self._writes.put(op)
            self._lock.notify_all()

    def _release(self, job: Job) -> None:
        with self._lock:
            self._queued.discard((job.path, job.stage))

    def _record(self, outcome: Outcome) -> None:
        job = outcome.job
        follow = self.writer.record(outcome)
        if follow is job:  # reuse turned out impossible: decode it after all
            with self._lock:
                self._pending += 1
            self._jobs.put((LIVE, next(self._order), job))
            return
        if follow is not None:  # a later stage, behind the first reads of its kind
            self.submit(follow, job.priority)
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
