"""The facade every front end drives: open a library, manage folders, index, search, report.

The CLI, the tests and the GUI call these methods and nothing deeper, so they behave alike.
The model loads lazily on first need; when it cannot load, everything that does not need it
still works and ``model_error`` says what is missing.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mediasift.catalog import Catalog
from mediasift.config import Settings, data_dir
from mediasift.index.vectors import VectorIndex
from mediasift.media.errors import MediaError
from mediasift.media.image import decode_image
from mediasift.pipeline.engine import IndexSummary, Pipeline
from mediasift.pipeline.indexer import reconcile, remove_when_idle, run_once, submit_changes
from mediasift.pipeline.probe import file_digest
from mediasift.pipeline.progress import Progress
from mediasift.pipeline.watcher import Watcher
from mediasift.search.engine import NO_FILTERS, Filters, Response, cut_weak, nearest

if TYPE_CHECKING:
    from mediasift.models.encoder import Encoder

log = logging.getLogger(__name__)


class LibraryError(Exception):
    """A user-facing error: bad folder, unknown file, no model for a search."""


def on_battery() -> bool:
    """True when the OS says the machine runs on battery (False where it cannot tell)."""
    import psutil

    battery = psutil.sensors_battery() if hasattr(psutil, "sensors_battery") else None
    return battery is not None and battery.power_plugged is False


@dataclass
class Watch:
    """A running watch: the pipeline doing the work and the watcher feeding it."""

    pipeline: Pipeline
    watcher: Watcher
    pause_on_battery: bool = True
    #: Set once the start-up reconcile scan has been written.
    reconciled: threading.Event = field(default_factory=threading.Event)
    _stopped: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        if self.pause_on_battery:
            threading.Thread(target=self._power_loop, name="power", daemon=True).start()

    def _power_loop(self) -> None:
        paused_for_battery = False
        while not self._stopped.wait(30 if paused_for_battery else 10):
            battery = on_battery()
            if battery and not self.pipeline.progress.paused:
                log.info("On battery: pausing background indexing")
                self.pipeline.pause()
                paused_for_battery = True
            elif not battery and paused_for_battery:
                self.pipeline.resume()
                paused_for_battery = False

    def stop(self) -> None:
        self._stopped.set()
        self.watcher.stop()
        self.pipeline.stop()


class Library:
    def __init__(self, home: Path | None = None, settings: Settings | None = None):
        self.home = (home or data_dir()).resolve()
        self.settings = settings or Settings.load()
        self.catalog = Catalog(self.home / "catalog.sqlite3")
        self.thumbs = self.home / "thumbs"
        self.index_dir = self.home / "index"
        self._encoder: Encoder | None = None
        self._space_id: int | None = None
        self._vindex: VectorIndex | None = None
        self.model_error: str | None = None

    def close(self) -> None:
        self.catalog.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- folders -------------------------------------------------------------------------

    def add_folder(self, path: str | Path) -> str:
        folder = Path(path).expanduser().resolve()
        if not folder.is_dir():
            raise LibraryError(f"Not a folder: {folder}")
        for known in self.folders():
            other = Path(known)
            if folder.is_relative_to(other) and folder != other:
                raise LibraryError(f"{folder} is already inside the library folder {other}")
            if other.is_relative_to(folder) and folder != other:
                raise LibraryError(
                    f"{folder} holds the library folder {other}: remove that one first"
                )
        self.catalog.add_folder(str(folder), folder.stat().st_dev)
        return str(folder)

    def remove_folder(self, path: str | Path) -> int:
        """Forget a folder and its index entries (the files on disk are untouched)."""
        folder = str(Path(path).expanduser().resolve())
        gone = self.catalog.remove_folder(folder)
        if gone is None:
            raise LibraryError(f"Not a library folder: {folder}")
        if gone and self._vindex is not None:  # else the index catches up when next opened
            self._vindex.remove(gone)
            self._vindex.save(self.catalog)
        return len(gone)

    def folders(self) -> list[str]:
        return [row["path"] for row in self.catalog.folders()]

    # --- model and index ------------------------------------------------------------------

    def encoder(self) -> Encoder | None:
        """The model, loaded once; None (with ``model_error`` set) when it cannot be loaded."""
        if self._encoder is None and self.model_error is None:
            from mediasift.models.encoder import ModelUnavailable
            from mediasift.models.loading import load_encoder

            try:
                self._encoder = load_encoder(self.settings.model, self.settings.device)
            except ModelUnavailable as exc:
                self.model_error = str(exc)
                log.warning("%s", exc)
        return self._encoder

    def vector_index(self) -> VectorIndex | None:
        """The index of the current model's space, opened (and repaired) on first use."""
        if self._vindex is None and self.encoder() is not None:
            space = self._encoder.space
            self._space_id = self.catalog.ensure_space(space.model_id, space.revision, space.dim)
            self._vindex = VectorIndex(self.index_dir, self._space_id, space.dim)
            self._vindex.open(self.catalog)
        return self._vindex

    def pipeline(self, progress: Progress | None = None) -> Pipeline:
        """A pipeline over the current model (or none), not yet started."""
        vindex = self.vector_index()
        return Pipeline(
            self.catalog, self.thumbs, self._encoder, self._space_id, vindex,
            decode_workers=1 if self.settings.throttle else self.settings.decode_workers,
            batch_size=self.settings.batch_size,
            progress=progress,
        )  # fmt: skip

    def _folder_rows(self, folders: list[str] | None) -> list[dict]:
        rows = self.catalog.folders()
        if folders:
            wanted = {str(Path(f).expanduser().resolve()) for f in folders}
            unknown = wanted - {r["path"] for r in rows}
            if unknown:
                raise LibraryError(
                    "Not library folders (add them first): " + ", ".join(sorted(unknown))
                )
            rows = [r for r in rows if r["path"] in wanted]
        return rows

    def index(
        self, folders: list[str] | None = None, progress: Progress | None = None
    ) -> IndexSummary:
        """Index the given library folders (default: all) and return an IndexSummary."""
        rows = self._folder_rows(folders)
        summary = run_once(self.pipeline(progress), rows)
        summary.model_error = self.model_error
        return summary

    def watch(self, progress: Progress | None = None, settle: float = 0.5) -> Watch:
        """Start watching every library folder in the background; ``stop()`` the result.

        Watching starts before the reconcile scan, so nothing changed meanwhile is missed.
        """
        if self.settings.throttle:
            import torch

            torch.set_num_threads(1)
        pipeline = self.pipeline(progress).start()
        rows = self._folder_rows(None)

        def rescan() -> None:  # queue at once; removals wait for the queue in the background
            missing = submit_changes(pipeline, rows)
            threading.Thread(target=remove_when_idle, args=(pipeline, missing), daemon=True).start()

        try:
            watcher = Watcher(pipeline, rows, settle, rescan).start()
        except BaseException:
            pipeline.stop()
            raise
        watch = Watch(pipeline, watcher, self.settings.pause_on_battery)

        def first_scan() -> None:
            reconcile(pipeline, rows)
            watch.reconciled.set()

        threading.Thread(target=first_scan, name="reconcile", daemon=True).start()
        return watch

    # --- search ---------------------------------------------------------------------------

    def _min_score(self) -> float:
        if self.settings.min_score is not None:
            return self.settings.min_score
        return self._encoder.min_score

    def _require_index(self) -> VectorIndex:
        vindex = self.vector_index()
        if vindex is None:
            raise LibraryError(self.model_error or "No model is available for search.")
        return vindex

    def search(self, query: str, n: int = 20, filters: Filters = NO_FILTERS) -> Response:
        vindex = self._require_index()
        vector = self._encoder.encode_texts([query])[0]
        response = Response(query, nearest(self.catalog, vindex, vector, n, filters))
        return cut_weak(response, self._min_score())

    def similar(self, path: str | Path, n: int = 20, filters: Filters = NO_FILTERS) -> Response:
        """Files that look like ``path``, an indexed file or any image on disk."""
        vindex = self._require_index()
        target = Path(path).expanduser().resolve()
        row = self.catalog.file_by_path(str(target))
        vector = None
        if row is not None:
            vector = self.catalog.file_vector(row["id"], self._space_id)
        if vector is None:
            vector = self._encode_file(target)
        results = nearest(self.catalog, vindex, vector, n, filters, row["id"] if row else None)
        response = Response(str(target), results)
        if not results:
            response.message = "Nothing else indexed looks like it."
        return response

    def _encode_file(self, path: Path):
        """The vector of an image on disk: an identical indexed file's, else encoded now."""
        try:
            twin = self.catalog.twin_with_vector(file_digest(str(path)), self._space_id)
            if twin is not None:
                return self.catalog.file_vector(twin["id"], self._space_id)
            decoded = decode_image(path, self._encoder.image_size)
        except (OSError, MediaError) as exc:
            raise LibraryError(f"Cannot read {path}: {exc}") from exc
        return self._encoder.encode_prepared([self._encoder.prepare_image(decoded.image)])[0]

    # --- reports --------------------------------------------------------------------------

    def status(self) -> dict:
        counts = self.catalog.counts()
        return {
            "library": str(self.home),
            "folders": self.folders(),
            **counts,
            "spaces": [
                {k: s[k] for k in ("model_id", "revision", "dim", "vectors")}
                for s in self.catalog.spaces()
            ],
            "failures": self.catalog.failures(),
        }

    def doctor(self) -> dict:
        """Device, model and library health, each with a plain verdict."""
        from mediasift.models.device import describe_device

        started = time.monotonic()
        encoder = self.encoder()
        report = {
            "device": describe_device(),
            "model": self.settings.model or "(default for this device)",
            "model_ok": encoder is not None,
            "model_error": self.model_error,
            "model_load_seconds": round(time.monotonic() - started, 2),
            "catalog_ok": self.catalog.integrity_ok(),
            "folders_missing": [f for f in self.folders() if not os.path.isdir(f)],
        }
        if encoder is not None:
            vindex = self.vector_index()
            report["space"] = {"model_id": encoder.space.model_id, "dim": encoder.space.dim}
            report["index_vectors"] = vindex.live_count
            report["index_was_rebuilt"] = vindex.rebuilt
        return report
