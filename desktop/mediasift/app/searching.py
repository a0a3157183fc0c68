"""Searches for the window, on a thread of their own: typing never waits for an answer.

The window numbers each query. The worker runs only the newest one waiting (keystrokes that
came while a search ran are skipped, not queued), and the window drops any answer whose number
is not the newest, so a slow search overtaken by a newer one never shows.

The worker's :class:`~mediasift.library.Library` only reads: its query towers need no torch,
and before each search it catches its vector indexes up with what the indexer committed.

The second pass of an answer shown (reranking) is asked of the running indexer from a thread
of its own, newest first too: the first one loads a 2B model, and no search waits for it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot

from mediasift.library import Library, LibraryError, RerankUnavailable
from mediasift.search.engine import NO_FILTERS, Filters, Response

log = logging.getLogger(__name__)

#: Results asked first: a few screens of tiles. Each result costs (its snippet, its share of
#: the nearest-neighbour search): 60 answer in ~36 ms at 100k files where 200 took ~83 ms.
PAGE = 60


@dataclass(frozen=True)
class Query:
    number: int
    text: str = ""
    #: Search by example: files that look like this one (``text`` is then unused).
    like: str | None = None
    filters: Filters = NO_FILTERS
    #: Results asked for; scrolling to the end asks the same query for more.
    limit: int = PAGE


class SearchWorker(QObject):
    """Lives on its own QThread; ``ask`` may be called from the GUI thread at any time."""

    answered = Signal(int, object)  # query number, Response
    failed = Signal(int, str)  # query number, message for the user
    folders = Signal(list)  # the library's folders, whenever they changed
    _wake = Signal()

    def __init__(self, open_library: Callable[[], Library]) -> None:
        super().__init__()
        self._open_library = open_library
        self._library: Library | None = None
        self._folders: list[str] | None = None
        self._waiting: Query | None = None
        self._stale = False
        self._lock = threading.Lock()
        self._wake.connect(self._run)

    def reopen(self, open_library: Callable[[], Library]) -> None:
        """Use a library opened this way from the next search on (settings changed)."""
        with self._lock:
            self._open_library = open_library
            self._stale = True

    def ask(self, query: Query) -> None:
        with self._lock:
            self._waiting = query
        self._wake.emit()

    @Slot()
    def _run(self) -> None:
        with self._lock:
            query, self._waiting = self._waiting, None
            stale, self._stale = self._stale, False
        if query is None:  # a newer query's wake-up already answered it
            return
        if stale:
            self.close()
        try:
            library = self._library = self._library or self._open_library()
            changed = library.refresh()
            if query.like is not None:
                response = library.similar(query.like, query.limit, query.filters)
            else:
                response = library.search(query.text, query.limit, query.filters)
        except LibraryError as exc:
            self.failed.emit(query.number, str(exc))
            return
        except Exception as exc:  # the window must outlive any bug in one search
            log.exception("Search %r failed", query)
            self.failed.emit(query.number, f"The search failed: {exc}")
            return
        self.answered.emit(query.number, response)
        if changed or self._folders is None:  # e.g. a folder the indexer was handed arrived
            folders = library.folders()
            if folders != self._folders:
                self._folders = folders
                self.folders.emit(folders)

    @Slot()
    def close(self) -> None:
        if self._library is not None:
            self._library.close()
            self._library = None
            self._folders = None  # the next library reads them afresh


@dataclass(frozen=True)
class Rerank:
    """The second pass of the answer to query ``number`` (Library.rerank)."""

    number: int
    text: str
    response: Response


class RerankWorker(QObject):
    """Reranks answers on a daemon thread (closing the window never waits for a reranker
    loading); ``ask`` may be called from the GUI thread at any time. Once told there is no
    reranker (the CPU's default) it asks no more, until the settings change."""

    reranked = Signal(int, object)  # query number, Response
    unavailable = Signal(str)  # why there is no reranker

    def __init__(self, open_library: Callable[[], Library]) -> None:
        super().__init__()
        self._open_library = open_library
        self._waiting: Rerank | None = None
        self._stale = self._refused = self._closed = False
        self._changed = threading.Condition()
        threading.Thread(target=self._serve, name="rerank", daemon=True).start()

    def ask(self, rerank: Rerank) -> None:
        with self._changed:
            if not self._refused:
                self._waiting = rerank
                self._changed.notify()

    def reopen(self, open_library: Callable[[], Library]) -> None:
        """Use a library opened this way from the next rerank on (settings changed)."""
        with self._changed:
            self._open_library = open_library
            self._stale, self._refused = True, False

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify()

    def _serve(self) -> None:
        library: Library | None = None
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._waiting is not None or self._closed)
                rerank, self._waiting = self._waiting, None
                stale, self._stale = self._stale, False
                opener = self._open_library
            if library is not None and (stale or self._closed):
                library.close()
                library = None
            if self._closed:
                return
            try:
                library = library or opener()
                response = library.rerank(rerank.text, rerank.response, alone=False)
            except RerankUnavailable as exc:
                with self._changed:
                    self._refused = not self._stale  # else asked again with new settings
                self.unavailable.emit(str(exc))
                continue
            except LibraryError as exc:  # no indexer now, or it ended: the first pass stays
                log.info("Not reranked: %s", exc)
                continue
            except Exception:  # the window must outlive any bug in one rerank
                log.exception("Reranking %r failed", rerank.text)
                continue
            if response.reranker is not None:
                self.reranked.emit(rerank.number, response)
