"""The indexer's models in a child process that ends when they go unused.

Importing torch alone costs ~223 MiB of resident memory, CLIP ~145 MiB more, and CPython
rarely hands freed memory back: a model released inside the indexer would keep most of it.
So the indexer's own process never imports torch. Its models (the visual model, the text
model, OCR, the reranker) run in a child started with ``spawn`` (never ``fork``: nothing of
the parent's threads or memory is copied), and after ``idle_after`` seconds without a call
the child ends and its memory goes back to the system. The next call starts it again; each
model loads on its first call there (models.child), so a query needing only the text side
never waits for the visual model.

Calls are (role, method, arguments) over a few ``multiprocessing`` pipes, one per caller at
a time (the encoder thread, the decode threads, a search), answered by one thread each in the
child: numpy arrays and PIL images are pickled across. The child is started by a thread of
its own, made with the host, so it gets that thread's scheduling priority, never a decode
thread's lower one (priority.py).
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from mediasift.idle import IdleTimer, give_back_memory
from mediasift.models.encoder import ModelUnavailable

log = logging.getLogger(__name__)

#: Callers at once: the encoder thread, two decode threads, a search or a rerank.
CONNECTIONS = 4
#: How long an ending child may take before it is killed.
END_TIMEOUT = 5.0


@dataclass(frozen=True)
class HostConfig:
    """What the child needs to load the models, as the indexer's settings say."""

    model: str | None
    text_model: str | None
    device: str | None
    threads: int | None
    ocr_lines: int
    log_level: int = logging.WARNING
    #: The reranker setting (config.Settings.reranker): loaded on the first rerank call.
    reranker: str | None = None


class ModelProcessEnded(ModelUnavailable):
    """The model process ended during a call (a crash, or the indexer stopping)."""


class ModelHost:
    """Starts the model process on demand and ends it after ``idle_after`` quiet seconds.
    Thread-safe; ``call`` is the one way in."""

    def __init__(self, config: HostConfig, idle_after: float) -> None:
        self.config = config
        #: Times the model process was started (a test and the bench watch it come back).
        self.starts = 0
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._process: multiprocessing.process.BaseProcess | None = None
        self._free: queue.Queue[Connection] = queue.Queue()
        self._in_flight = 0
        self._descriptions: dict[str, dict] = {}
        self._timer = IdleTimer(idle_after, self._expire, "models")
        self._launch = threading.Condition(self._lock)
        self._launch_wanted = False
        threading.Thread(target=self._launcher, name="model-launcher", daemon=True).start()

    @property
    def process(self) -> multiprocessing.process.BaseProcess | None:
        """The running model process, if any."""
        return self._process

    def describe(self, role: str) -> dict:
        """What the parent must know of a role's model (its space, image preparation), from
        its first load; kept, so a restarted child is not asked again. ModelUnavailable
        when it cannot be loaded."""
        if role not in self._descriptions:
            self._descriptions[role] = self.call(role, "describe")
        return self._descriptions[role]

    def call(self, role: str, method: str, *args: Any) -> Any:
        """Run ``method`` of the role's model in the child, starting the child if needed."""
        free, conn = self._take()
        try:
            conn.send((role, method, args))
            status, value = conn.recv()
        except (EOFError, OSError) as exc:
            self._lost(free)
            raise ModelProcessEnded(f"the model process ended ({exc or 'closed'})") from exc
        except BaseException:  # a value that cannot be pickled: the pipe itself is fine
            free.put(conn)
            raise
        else:
            free.put(conn)
        finally:
            with self._lock:
                self._in_flight -= 1
            self._timer.touch()
        if status == "error":
            kind, message = value
            raise (
                ModelUnavailable(message)
                if kind == "ModelUnavailable"
                else RuntimeError(f"{kind}: {message}")
            )
        return value

    def close(self) -> None:
        """End the model process now (the indexer stops); a later call starts it again."""
        self._timer.disarm()
        with self._lock:
            self._end()

    # --- the process -----------------------------------------------------------------------

    def _take(self) -> tuple[queue.Queue[Connection], Connection]:
        with self._lock:
            self._in_flight += 1
            if self._process is None or not self._process.is_alive():
                self._launch_wanted = True
                self._launch.notify_all()
                self._launch.wait_for(lambda: not self._launch_wanted)
            free = self._free
        return free, free.get()

    def _launcher(self) -> None:
        """Start the child whenever a caller needs it (see the module notes for why here)."""
        with self._lock:
            while True:
                self._launch.wait_for(lambda: self._launch_wanted)
                if self._process is None or not self._process.is_alive():
                    self._start()
                self._launch_wanted = False
                self._launch.notify_all()

    def _start(self) -> None:
        from mediasift.models.child import serve

        pipes = [self._context.Pipe() for _ in range(CONNECTIONS)]
        process = self._context.Process(
            target=serve,
            args=(self.config, [child for _, child in pipes]),
            name="mediasift-models",
            daemon=True,
        )
        started = time.monotonic()
        process.start()
        for _, child in pipes:
            child.close()
        self._free = queue.Queue()
        for parent, _ in pipes:
            self._free.put(parent)
        self._process = process
        self.starts += 1
        log.info("Model process %d started (%.2f s)", process.pid, time.monotonic() - started)

    def _lost(self, free: queue.Queue[Connection]) -> None:
        """A call found the child gone: the next call starts a new one."""
        with self._lock:
            if free is self._free:
                log.warning("The model process ended unexpectedly; it is started again on need")
                self._end()

    def _expire(self) -> None:
        """The idle timer fired: end the child unless a call came meanwhile."""
        with self._lock:
            if self._in_flight or self._process is None:
                return
            log.info("Models unused for %.0f s: letting them go", self._timer.after)
            self._end()
        give_back_memory()

    def _end(self) -> None:
        """Close the pipes (the child's threads then return and it exits); kill it if it
        does not. Called with the lock held."""
        process, free = self._process, self._free
        if process is None:
            return
        while not free.empty():
            free.get_nowait().close()
        process.join(END_TIMEOUT)
        if process.is_alive():
            log.warning("The model process did not end; killing it")
            process.kill()
            process.join()
        self._process, self._free = None, queue.Queue()
