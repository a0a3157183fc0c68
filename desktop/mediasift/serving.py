"""What a running indexer does for other processes: the requests :mod:`mediasift.ipc` carries
from the window and the CLI, answered by the watching library.

- ``search`` and ``similar``: answered only with the asker's own models and settings, so the
  answer is the one the asker would have computed; ``rerank`` too (a search's second pass, by
  the reranker in the model process, loaded on the first one: the window loads no model);
- ``index`` (folders handed over), ``remove`` (folders forgotten), ``retry`` (failed files read
  again), ``pause``, ``resume``, and for a window that did not start this indexer
  ``progress`` and ``stop`` (to restart it with new settings): the indexer's business,
  whatever models it runs;
- ``apply`` (a duplicate cleanup plan) and ``undo`` (the last one), and ``prune`` (spaces of
  models no longer used), for a window or a terminal that cannot write while this indexer
  holds the library.

Catalog changes go through the pipeline's writer, in order with its own writes.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mediasift.dedup import PlanRefused
from mediasift.library import HAND_OVER_TIMEOUT_S, LibraryError, RerankUnavailable

if TYPE_CHECKING:
    from mediasift.library import Library
    from mediasift.pipeline.watcher import Watch


class Requests:
    def __init__(self, library: Library, watch: Watch) -> None:
        self.library, self.watch = library, watch

    def answer(self, request: dict) -> dict:
        """The reply to one request, as :mod:`mediasift.ipc` sends it back."""
        op = request.get("op")
        asks_models = op in ("search", "similar", "rerank")
        if asks_models and request.get("models") != self.library.settings.models():
            return {"declined": "the indexer runs with other models or settings"}
        try:
            if op == "index":
                return {"indexing": self._index(request["folders"])}
            if op == "remove":
                return {"removing": self._remove(request["folders"])}
            if op == "retry":
                return {"retrying": self._retry_failed()}
            if op == "progress":
                return {"progress": self.watch.pipeline.progress.status()}
            if op == "stop":  # the way a terminal stops it: a clean shutdown, then exit
                os.kill(os.getpid(), signal.SIGTERM)
                return {"stopping": True}
            if op in ("pause", "resume"):
                (self.watch.pipeline.pause if op == "pause" else self.watch.pipeline.resume)()
                return {"paused": op == "pause"}
            if op == "apply":
                plan = request["plan"]
                report = self._on_writer(lambda: self.library.apply_here(plan, dry_run=False))
                return {"report": report.as_dict()}
            if op == "undo":
                report = self._on_writer(self.library.undo_here)
                return {"report": report.as_dict() if report else None}
            if op == "prune":
                return {"pruned": self._on_writer(lambda: self.library.prune_here(False))}
            return {"response": self.library.run(request).as_dict()}
        except PlanRefused as exc:
            return {"refused": str(exc)}
        except RerankUnavailable as exc:
            return {"unavailable": str(exc)}
        except LibraryError as exc:
            return {"error": str(exc)}
        except (KeyError, TypeError, ValueError) as exc:
            return {"declined": f"malformed request ({exc!r})"}

    def _on_writer(self, act: Callable[[], object]) -> object:
        """``act()`` run on the pipeline's writer thread (then the indexes saved), its result
        or its exception handed back to the asking thread."""
        done, outcome = threading.Event(), {}

        def run() -> None:
            try:
                outcome["value"] = act()
                self.library.save_indexes()
            except Exception as exc:  # re-raised on the asking thread, where it is answered
                outcome["error"] = exc
            finally:
                done.set()

        self.watch.pipeline.call(run)
        if not done.wait(HAND_OVER_TIMEOUT_S):
            raise LibraryError("The indexer is too busy to clean up now; try again later.")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def _index(self, folders: list[str]) -> list[str]:
        """Add folders another process handed over (all, if none), watch and index them."""
        known = set(self.library.folders())
        added = [p if p in known else self.library.add_folder(p) for p in folders]
        for row in self.library.folder_rows(added or None):
            self.watch.follow(row)
        return added

    def _remove(self, folders: list[str]) -> list[str]:
        """Forget folders (their files stay on disk)."""
        known = set(self.library.folders())
        gone = [f for f in (str(Path(f).expanduser().resolve()) for f in folders) if f in known]
        for folder in gone:
            self.watch.forget(folder)
        return gone

    def _retry_failed(self) -> int:
        """Read every file that failed before once more, though it looks unchanged."""
        from mediasift.pipeline.engine import LIVE
        from mediasift.pipeline.probe import Job

        rows = self.library.catalog.rows(
            "SELECT folder_id, path, size, mtime FROM files WHERE status = 'failed'"
        )
        for row in rows:
            job = Job(row["path"], row["folder_id"], row["size"], row["mtime"], force_decode=True)
            self.watch.pipeline.submit(job, LIVE)
        return len(rows)
