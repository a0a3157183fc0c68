"""The facade every front end drives: open a library, manage folders, index, search, report.

The CLI, the tests and the GUI call these methods and nothing deeper, so they behave alike.
The model loads lazily on first need; when it cannot load, everything that does not need it
still works and ``model_error`` says what is missing.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from mediasift.catalog import Catalog
from mediasift.config import Settings, data_dir
from mediasift.index.vectors import VectorIndex
from mediasift.search.engine import (
    NO_FILTERS,
    TEXT_OVERFETCH,
    Filters,
    Response,
    VectorSignal,
    nearest,
    search,
)
from mediasift.search.query import QueryError, parse_query
from mediasift.search.rerank import RERANK_TOP
from mediasift.writer_lock import LibraryLocked, WriterLock

if TYPE_CHECKING:  # the pipeline, decoders and models load only in the commands that use them
    from collections.abc import Callable

    import numpy as np

    from mediasift.dedup import Group, KeeperRules, Report
    from mediasift.index.spaces import LibrarySpace
    from mediasift.media.ocr import OcrEngine
    from mediasift.models.encoder import Encoder, Space
    from mediasift.models.host import ModelHost
    from mediasift.models.remote import RemoteOcr, RemoteReranker, RemoteTextEncoder
    from mediasift.models.rerank import Reranker
    from mediasift.models.text import TextEncoder
    from mediasift.models.towers import QueryTower
    from mediasift.pipeline.engine import Pipeline
    from mediasift.pipeline.progress import Progress
    from mediasift.pipeline.speech import Speech
    from mediasift.pipeline.watcher import Watch
    from mediasift.pipeline.writer import IndexSummary

log = logging.getLogger(__name__)

#: Calibration of the signals' cosines (see search.fusion): a visual match is clear this far
#: above the model's "no good match" floor; a text match is clear at this cosine (MiniLM).
LOOK_SPREAD = 0.15
#: Lines read from one image: a page of dense text is bounded (recognition costs per line).
OCR_MAX_LINES = 200
TEXT_CEILING = 0.75


VISUAL, TEXT = "visual", "text"  # the roles of spaces


T = TypeVar("T")


def _report(reply: dict) -> Report | None:
    """A cleanup report as a running indexer sends it back."""
    from mediasift.dedup import Report

    return Report(**reply["report"]) if reply["report"] else None


def _ensure_tower(encoder) -> QueryTower | None:
    """The query tower of a just-loaded model, made now if needed (see models.export)."""
    from mediasift.models.export import ensure_tower

    return ensure_tower(encoder, encoder.min_score)


class LibraryError(Exception):
    """A user-facing error: bad folder, unknown file, no model for a search."""


NO_RERANKING_INDEXER = "Reranking is done by the indexer, and none answers now."
#: Seconds a cleanup handed to the running indexer may take (each file is hashed again).
HAND_OVER_TIMEOUT_S = 600.0


class RerankUnavailable(LibraryError):
    """No reranker here (the CPU's default, reranking turned off, a model that cannot load):
    asking again with the same settings gets the same answer."""


#: Seconds a rerank handed to the running indexer may take: the first one loads the reranker
#: (a 2B model: tens of seconds from disk).
RERANK_TIMEOUT_S = 120.0


class IndexerRunning(LibraryError):
    """Another process indexes this library (one writer at a time: mediasift.writer_lock)."""


def optional_tools() -> dict[str, str]:
    """Each optional tool: where it is, or what installing it would add."""
    from mediasift.media.document import office_renderer
    from mediasift.media.ocr import ocr_available

    office = office_renderer()
    missing_ocr = ocr_available()
    return {
        "libreoffice": office
        or "not installed: PowerPoint and OpenDocument slides are found by their text and "
        "pictures; install LibreOffice to also find them by how the rendered slide looks",
        "ocr": "rapidocr (models bundled)"
        if missing_ocr is None
        else f"unavailable ({missing_ocr}): text inside images will not be found",
    }


class Library:
    def __init__(self, home: Path | None = None, settings: Settings | None = None):
        self.home = (home or data_dir()).resolve()
        self.settings = settings or Settings.load()
        self.catalog = Catalog(self.home / "catalog.sqlite3")
        self.thumbs = self.home / "thumbs"
        self.index_dir = self.home / "index"
        self._encoder: Encoder | None = None
        self._text_encoder: TextEncoder | RemoteTextEncoder | None = None
        self._ocr: OcrEngine | RemoteOcr | None = None
        #: The model process of a watching library (models.host); None: models load here.
        self._host: ModelHost | None = None
        self._speech: Speech | None = None
        self._reranker: Reranker | RemoteReranker | None = None
        self._space_id: int | None = None
        self._text_space_id: int | None = None
        self._indexes: dict[int, VectorIndex] = {}  # of the spaces opened so far
        self._towers: dict[str, QueryTower | None] = {}  # by role, once looked for
        self._seen_version = self.catalog.data_version()
        self.model_error: str | None = None
        self.text_model_error: str | None = None
        self.reranker_error: str | None = None

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
        """Forget a folder, its index entries and thumbnails (the files on disk are untouched);
        returns how many index entries went. A running indexer does it itself (its
        ``Watch.forget``): this is for when none runs."""
        from mediasift.pipeline.probe import Workers
        from mediasift.pipeline.writer import Writer

        folder = str(Path(path).expanduser().resolve())
        writer = Writer(Workers(self.catalog, self.thumbs), self._indexes)
        removed = writer.remove_folder(folder)
        if removed is None:
            raise LibraryError(f"Not a library folder: {folder}")
        writer.save()  # the indexes opened so far; the others catch up when next opened
        return removed

    def folders(self) -> list[str]:
        return [row["path"] for row in self.catalog.folders()]

    # --- models and indexes ---------------------------------------------------------------

    def _limit_threads(self) -> None:
        if self.settings.threads:
            import torch

            torch.set_num_threads(self.settings.threads)

    def encoder(self) -> Encoder | None:
        """The visual model, loaded once; None (with ``model_error`` set) when it cannot be."""
        if self._encoder is None and self.model_error is None:
            from mediasift.models.encoder import ModelUnavailable

            try:
                self._encoder = self._load_model(VISUAL)
            except ModelUnavailable as exc:
                self.model_error = str(exc)
        return self._encoder

    def text_encoder(self) -> TextEncoder | RemoteTextEncoder | None:
        """The text model, loaded once on its own (search by words and meaning works without
        the visual model); None, with ``text_model_error`` set, when it cannot be."""
        if self._text_encoder is None and self.text_model_error is None:
            from mediasift.models.encoder import ModelUnavailable

            try:
                self._text_encoder = self._load_model(TEXT)
            except ModelUnavailable as exc:
                self.text_model_error = str(exc)
        return self._text_encoder

    def _load_model(self, role: str):
        """The role's model: in the model process when watching (whose first load makes the
        query tower), else here, with its tower made now."""
        if self._host is not None:
            from mediasift.models.remote import RemoteEncoder, RemoteTextEncoder

            return (RemoteEncoder if role == VISUAL else RemoteTextEncoder)(self._host)
        self._limit_threads()
        if role == VISUAL:
            from mediasift.models.loading import load_encoder

            model = load_encoder(self.settings.model, self.settings.device)
        else:
            from mediasift.models.text import load_text_encoder

            model = load_text_encoder(self.settings.text_model)
        self._towers[model.space.key] = _ensure_tower(model)
        return model

    def _model(self, role: str):
        return self.encoder() if role == VISUAL else self.text_encoder()

    def library_spaces(self, role: str) -> list[LibrarySpace]:
        """The role's spaces, newest first, each marked ready and chosen (index.spaces)."""
        from mediasift.index.spaces import LibrarySpace, chosen_names

        wanted = chosen_names(self.settings, role)
        rows = self.catalog.rows(
            "SELECT id, model_id, revision, dim, role, ready_at FROM spaces WHERE role = ?"
            " ORDER BY id DESC",
            (role,),
        )
        return [LibrarySpace.from_row(row, wanted) for row in rows]

    def _query_encoder(self, role: str) -> tuple[Space, Callable[[str], np.ndarray], float] | None:
        """(space, query -> unit vector, the model's "no good match" cosine) for the space a
        search of ``role`` reads (index.spaces.search_order), encoded by that space's own
        model only; a library with no space yet: the chosen model's."""
        from mediasift.index.spaces import search_order

        for candidate in search_order(self.library_spaces(role)):
            found = self._encoding(candidate.space, role, candidate.chosen)
            if found is not None:
                return found
        model = self._model(role)
        return None if model is None else self._encoding(model.space, role, chosen=True)

    def _encoding(self, space: Space, role: str, chosen: bool):
        """How to encode queries for ``space``: its query tower (no torch import), else its
        model when that is the chosen one; None when neither is at hand."""
        tower = self._tower(space)
        if tower is None and chosen:
            model = self._model(role)  # loading it here makes its tower
            if model is None or model.space != space:
                return None
            tower = self._towers.get(space.key)
            if tower is None:
                encode = model.encode_texts if role == VISUAL else model.encode_queries
                return space, lambda q: encode([q])[0], model.min_score
        if tower is None:
            return None
        return space, tower.encode_query, tower.min_score

    def _tower(self, space: Space) -> QueryTower | None:
        """The space's query tower, opened once (None, remembered, when it has none)."""
        if space.key not in self._towers:
            from mediasift.models.towers import open_tower

            self._towers[space.key] = open_tower(space)
        return self._towers[space.key]

    def _open_towers(self) -> None:
        """Open the towers of both roles' first spaces at once: ONNX Runtime loads them in
        parallel (measured ~0.16 s for the two, against ~0.3 s one after the other, on 2
        cores)."""
        from mediasift.index.spaces import search_order

        spaces = [
            ordered[0].space
            for role in (VISUAL, TEXT)
            if (ordered := search_order(self.library_spaces(role)))
        ]
        spaces = [space for space in spaces if space.key not in self._towers]
        if len(spaces) == 2:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(2) as pool:
                list(pool.map(self._tower, spaces))

    def query_tower(self, role: str) -> QueryTower | None:
        """The tower a search of ``role`` would encode its query with, if any (no torch)."""
        from mediasift.index.spaces import search_order

        for candidate in search_order(self.library_spaces(role)):
            if (tower := self._tower(candidate.space)) is not None:
                return tower
        return None

    def ocr(self) -> OcrEngine | RemoteOcr | None:
        """The OCR engine when turned on and installed (its models load on first use; in the
        model process when watching)."""
        if not self.settings.ocr:
            return None
        if self._ocr is None:
            from mediasift.media.ocr import OcrEngine, ocr_available
            from mediasift.models.encoder import ModelUnavailable

            try:
                if self._host is not None:
                    from mediasift.models.remote import RemoteOcr

                    self._ocr = RemoteOcr(self._host)
                elif missing := ocr_available():
                    raise ModelUnavailable(missing)
                else:
                    self._ocr = OcrEngine(max_lines=OCR_MAX_LINES)
            except ModelUnavailable as exc:
                log.warning("Text in images will not be read: %s", exc)
                self.settings.ocr = False
        return self._ocr

    def speech(self) -> Speech | None:
        """The speech stage when transcription is on (its model loads with the first clip
        or recording that needs it)."""
        if not self.settings.transcribe:
            return None
        if self._speech is None:
            from mediasift.models.registry import default_speech_model
            from mediasift.pipeline.speech import Speech

            device = self._device()
            model = self.settings.speech_model or default_speech_model(device)
            idle = self.settings.release_after if self._host is not None else None
            self._speech = Speech(model, "cuda" if device.startswith("cuda") else "cpu",
                                  self.settings.threads or 0, idle)  # fmt: skip
        return self._speech

    def _device(self) -> str:
        """Where the models run: asked of the model process when watching (no torch here)."""
        if self._host is not None:
            return self._host.describe("device")["device"]
        from mediasift.models.device import choose_device

        return choose_device(self.settings.device)

    def reranker(self) -> Reranker | RemoteReranker | None:
        """The reranker, loaded once on first need (in the model process when watching); None,
        with ``reranker_error`` saying why, when there is none (the CPU's default)."""
        if self._reranker is None and self.reranker_error is None:
            from mediasift.models.encoder import ModelUnavailable
            from mediasift.models.registry import chosen_reranker

            try:
                name = chosen_reranker(self.settings.reranker, self._device, self.settings.model)
                if self._host is not None:
                    from mediasift.models.remote import RemoteReranker

                    self._reranker = RemoteReranker(self._host)
                else:
                    from mediasift.models.rerank import Reranker

                    self._limit_threads()
                    self._reranker = Reranker.load(name, self.settings.device)
            except ModelUnavailable as exc:
                self.reranker_error = str(exc)
        return self._reranker

    def _space_index(self, space, role: str) -> tuple[int, VectorIndex]:
        space_id = self.catalog.ensure_space(space.model_id, space.revision, space.dim, role)
        if space_id not in self._indexes:
            index = VectorIndex(self.index_dir, space_id, space.dim)
            index.open(self.catalog)
            self._indexes[space_id] = index
        return space_id, self._indexes[space_id]

    def vector_index(self) -> VectorIndex | None:
        """The index of the visual model's space, opened (and repaired) on first use."""
        if self.encoder() is None:
            return None
        self._space_id, index = self._space_index(self._encoder.space, VISUAL)
        return index

    def text_index(self) -> VectorIndex | None:
        """The index of the text model's space, opened (and repaired) on first use."""
        if self.text_encoder() is None:
            return None
        self._text_space_id, index = self._space_index(self._text_encoder.space, TEXT)
        return index

    def pipeline(self, progress: Progress | None = None) -> Pipeline:
        """A pipeline over the available models, not yet started."""
        from mediasift.pipeline.engine import Pipeline
        from mediasift.pipeline.probe import Workers

        self.vector_index()
        self.text_index()
        work = Workers(
            self.catalog, self.thumbs, self._encoder, self._space_id, self._text_encoder,
            self.ocr(), self.speech(), self.settings.max_pages, self.settings.document_seconds,
        )  # fmt: skip
        return Pipeline(
            work, dict(self._indexes), self._text_space_id,
            decode_workers=1 if self.settings.throttle else self.settings.decode_workers,
            batch_size=self.settings.batch_size,
            progress=progress,
        )  # fmt: skip

    def folder_rows(self, folders: list[str] | None) -> list[dict]:
        """The catalog rows of these library folders (None: all); unknown ones are an error."""
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
        from mediasift.pipeline.indexer import run_once

        rows = self.folder_rows(folders)
        lock = self._claim("mediasift index")
        try:
            summary = run_once(self.pipeline(progress), rows)
        finally:
            lock.release()
        summary.model_error = self.model_error
        summary.text_model_error = self.text_model_error
        return summary

    def watch(self, progress: Progress | None = None, settle: float = 0.5) -> Watch:
        """Start watching and indexing every library folder in the background (see
        pipeline.watcher.Watch); ``stop()`` the result."""
        from mediasift.ipc import Server
        from mediasift.pipeline.watcher import Watch
        from mediasift.serving import Requests

        if self.settings.throttle:
            self.settings.threads = 1
        lock = self._claim("mediasift watch")
        try:
            self._host_models()
            pipeline = self.pipeline(progress)
            rows = self.folder_rows(None)
            watch = Watch(pipeline, rows, lock, settle, self.settings.pause_on_battery,
                          self._host).start()  # fmt: skip
        except BaseException:
            lock.release()
            raise
        try:
            watch.server = Server(self.home, Requests(self, watch).answer).start()
        except BaseException:
            watch.stop()  # releases the lock too
            raise
        return watch

    def _host_models(self) -> None:
        """From now on the models run in a model process that ends when idle (models.host):
        a watching indexer lives all day, and torch must not (models loaded here go)."""
        from mediasift.models.host import HostConfig, ModelHost

        if self._host is not None:  # a watch before this one: today's settings apply
            self._host.close()
        config = HostConfig(self.settings.model, self.settings.text_model, self.settings.device,
                            self.settings.threads, OCR_MAX_LINES,
                            logging.getLogger().getEffectiveLevel(),
                            self.settings.reranker)  # fmt: skip
        self._host = ModelHost(config, self.settings.release_after)
        self._encoder = self._text_encoder = self._ocr = self._speech = self._reranker = None
        self.model_error = self.text_model_error = self.reranker_error = None
        self._towers.clear()

    def _claim(self, what: str) -> WriterLock:
        """The library's writer lock, or IndexerRunning naming the process that holds it."""
        try:
            return WriterLock(self.home).acquire(what)
        except LibraryLocked as exc:
            raise IndexerRunning(f"This library is being indexed by {exc.holder}.") from None

    def indexer(self) -> str | None:
        """Which process indexes this library now, in words; None when none does."""
        return WriterLock(self.home).holder()

    def refresh(self) -> bool:
        """For a process that only reads (the window): catch the opened vector indexes up with
        what the indexer committed since the last call. True when there was anything new."""
        version = self.catalog.data_version()
        if version == self._seen_version:
            return False
        self._seen_version = version
        for space_id in self._indexes.keys() - self.catalog.space_ids():  # pruned
            del self._indexes[space_id]
        for index in list(self._indexes.values()):
            index.catch_up(self.catalog)
        return True

    # --- search ---------------------------------------------------------------------------

    def _look(self) -> tuple[VectorSignal, Space] | None:
        """The visual space searches read, as a signal, or None without a visual model."""
        found = self._query_encoder(VISUAL)
        if found is None:
            return None
        space, encode, floor = found
        _, index = self._space_index(space, VISUAL)
        if self.settings.min_score is not None:
            floor = self.settings.min_score
        return VectorSignal(index, encode, floor, floor + LOOK_SPREAD), space

    def _meaning(self) -> tuple[VectorSignal, Space] | None:
        """The text space searches read, as a signal, or None without a text model."""
        found = self._query_encoder(TEXT)
        if found is None:
            return None
        space, encode, floor = found
        _, index = self._space_index(space, TEXT)
        return VectorSignal(index, encode, floor, TEXT_CEILING, TEXT_OVERFETCH), space

    def search(
        self,
        text: str,
        n: int = 20,
        filters: Filters = NO_FILTERS,
        mode: str = "calibrated",
        only: frozenset[str] | None = None,
        cwd: str | None = None,
    ) -> Response:
        """Files matching a typed query (its syntax: ``search.query``), every signal fused.

        ``cwd``: the folder relative ``in:`` folders are taken from (the asking process's).
        """
        try:
            query = parse_query(text)
        except QueryError as exc:
            raise LibraryError(str(exc)) from exc
        if cwd is not None:
            query = replace(query, folders=tuple(os.path.join(cwd, f) for f in query.folders))
        self._open_towers()
        signals, missing, models = {}, {}, {}
        for name, found, error in (
            ("look", self._look(), self.model_error),
            ("meaning", self._meaning(), self.text_model_error),
        ):
            if found is None:
                missing[name] = error or f"no model for {name}"
            else:
                signals[name], space = found
                models[name] = space.model_id
        response = search(self.catalog, text, query, signals, n, filters, mode, self.thumbs, only)
        response.missing, response.spaces = missing, models
        return response

    def run(self, request: dict) -> Response:
        """A search, similar or rerank request as :mod:`mediasift.ipc` carries it: the CLI runs
        it here when no indexer answers it, and the indexer runs it for the CLI and the window
        (mediasift.serving)."""
        if request["op"] == "rerank":
            response = Response.from_dict(request["response"])
            return self.rerank_here(request["query"], response, request["top"])
        filters = Filters.from_dict(request["filters"])
        if request["op"] == "similar":
            return self.similar(request["file"], request["n"], filters)
        if request["op"] == "search":
            return self.search(request["query"], request["n"], filters, cwd=request["cwd"])
        raise KeyError(request["op"])

    def rerank(
        self, text: str, response: Response, top: int = RERANK_TOP, alone: bool = True
    ) -> Response:
        """The second pass of a search for ``text``: ``response`` with its first ``top``
        results reordered by the reranker (search.rerank). The running indexer does it in its
        model process when there is one; else this process, unless ``alone`` is False (the
        window, which loads no model). RerankUnavailable when there is no reranker (the
        CPU's default); LibraryError when nothing could rerank now."""
        if self._host is None:
            from mediasift.ipc import ask

            if not alone and self.indexer() is None:  # said before serialising any result
                raise LibraryError(NO_RERANKING_INDEXER)
            head = replace(response, results=response.results[:top])  # all it reorders
            request = {"op": "rerank", "query": text, "top": top, "response": head.as_dict(),
                       "models": self.settings.models()}  # fmt: skip
            reply = ask(self.home, request, timeout=RERANK_TIMEOUT_S)
            if reply is not None:
                if "unavailable" in reply:
                    raise RerankUnavailable(reply["unavailable"])
                if "error" in reply:
                    raise LibraryError(reply["error"])
                reranked = Response.from_dict(reply["response"])
                reranked.results += response.results[top:]
                return reranked
            if not alone:
                raise LibraryError(NO_RERANKING_INDEXER)
        return self.rerank_here(text, response, top)

    def rerank_here(self, text: str, response: Response, top: int = RERANK_TOP) -> Response:
        """``rerank`` by this process's reranker (in its model process when watching)."""
        from mediasift.models.encoder import ModelUnavailable
        from mediasift.search.rerank import candidates, reorder

        reranker = self.reranker()
        if reranker is None:
            raise RerankUnavailable(self.reranker_error)
        try:
            wanted = parse_query(text).text  # the words, without kind:, after: and the like
        except QueryError as exc:
            raise LibraryError(str(exc)) from exc
        head = response.results[:top]
        if not wanted or not head:
            return response
        started = time.monotonic()
        try:
            scores = reranker.rerank(wanted, candidates(self.catalog, head))
        except (ModelUnavailable, RuntimeError) as exc:  # its process ended, out of memory
            log.warning("Reranking %r failed: %s", wanted, exc)
            raise LibraryError(f"Reranking failed: {exc}") from exc
        log.info("Reranked %d results in %.2f s", len(head), time.monotonic() - started)
        by_path = dict(zip((result.path for result in head), scores.tolist(), strict=True))
        return reorder(response, by_path, top, reranker.model_id)

    def similar(self, path: str | Path, n: int = 20, filters: Filters = NO_FILTERS) -> Response:
        """Files that look like ``path``, an indexed file or any image on disk."""
        found = self._look()
        if found is None:
            raise LibraryError(self.model_error or "No model is available for search.")
        look, space = found
        target = Path(path).expanduser().resolve()
        row = self.catalog.file_by_path(str(target))
        vector = None
        if row is not None:
            vector = self.catalog.file_vector(row["id"], look.index.space_id)
        if vector is None:
            vector = self._encode_file(target, look.index.space_id, space)
        exclude = row["id"] if row else None
        results = nearest(self.catalog, look, vector, n, filters, exclude, self.thumbs)
        response = Response(str(target), results)
        if not results:
            response.message = "Nothing else indexed looks like it."
        return response

    def _encode_file(self, path: Path, space_id: int, space: Space):
        """The vector in ``space`` of an image on disk: an identical indexed file's, else
        encoded now (when the visual model is that space's)."""
        from mediasift.media.errors import MediaError
        from mediasift.media.image import decode_image
        from mediasift.pipeline.probe import file_digest

        try:
            twin = self.catalog.twin_with_vector(file_digest(str(path)), space_id)
            if twin is not None:
                return self.catalog.file_vector(twin["id"], space_id)
            encoder = self.encoder()  # a query tower reads text only: images need the model
            if encoder is None:
                raise LibraryError(self.model_error or "No model is available for images.")
            if encoder.space != space:
                raise LibraryError(
                    f"{path.name} is not indexed yet with the model searches use while the"
                    " new visual model indexes the library; try again when it is done."
                )
            decoded = decode_image(path, encoder.image_size)
        except (OSError, MediaError) as exc:
            raise LibraryError(f"Cannot read {path}: {exc}") from exc
        return encoder.encode_prepared([encoder.prepare_image(decoded.image)])[0]

    # --- duplicates -----------------------------------------------------------------------

    def _visual_index(self) -> VectorIndex | None:
        """The index of the visual space searches read, opened without loading its model (a
        duplicate scan reads stored vectors only); None when no picture has a vector yet."""
        from mediasift.index.spaces import search_order

        for candidate in search_order(self.library_spaces(VISUAL)):
            if self.catalog.rows("SELECT 1 FROM vectors WHERE space_id = ? LIMIT 1",
                                 (candidate.id,)):  # fmt: skip
                return self._space_index(candidate.space, VISUAL)[1]
        return None

    def dupes(
        self,
        tiers: set[str] | None = None,
        rules: KeeperRules | None = None,
        progress: Progress | None = None,
    ) -> list[Group]:
        """Tiered groups of near-duplicate pictures, each with evidence and proposed keeper
        (see mediasift.dedup.model). Cancel through ``progress``: raises dedup.Cancelled."""
        from mediasift.dedup import KeeperRules
        from mediasift.dedup.scan import scan

        return scan(self.catalog, rules or KeeperRules(), self._visual_index(), tiers, progress)

    def not_duplicates(self, paths: list[str]) -> int:
        """Remember that these files are not duplicates of one another, on every later scan
        (by content: it holds after moves and re-indexing); returns the pairs recorded."""
        from mediasift.catalog.dedup import add_not_duplicates

        digests = []
        for path in paths:
            row = self.catalog.file_by_path(str(Path(path).expanduser().resolve()))
            if row is None or row["hash"] is None:
                raise LibraryError(f"Not an indexed file: {path}")
            digests.append(row["hash"])
        return add_not_duplicates(self.catalog, digests)

    def plan(self, groups: list[Group], destination: str = "quarantine") -> dict:
        """A cleanup plan (JSON-ready, editable) keeping each group's keeper; ``destination``
        is "quarantine" (a folder in the library home) or "trash" (the OS trash)."""
        from mediasift.dedup.actions import make_plan

        return make_plan(groups, destination)

    def apply(self, plan: dict, dry_run: bool = True) -> Report:
        """Carry out a plan: a dry run (what would move, bytes freed) unless ``dry_run`` is
        False. Raises dedup.PlanRefused for a plan reaching outside the library."""
        if dry_run:
            return self.apply_here(plan, dry_run=True)
        return self._as_writer("apply", {"plan": plan}, lambda: self.apply_here(plan, False),
                               _report)  # fmt: skip

    def undo(self) -> Report | None:
        """Put back every file of the last applied plan, in place and in the index (no
        re-encoding); None when there is nothing to undo."""
        return self._as_writer("undo", {}, self.undo_here, _report)

    def apply_here(self, plan: dict, dry_run: bool) -> Report:
        """``apply`` by this process, which must be the library's writer (or a dry run)."""
        from mediasift.dedup.actions import apply_plan

        return apply_plan(self.catalog, self.home, self.thumbs, plan,
                          list(self._indexes.values()), dry_run)  # fmt: skip

    def undo_here(self) -> Report | None:
        """``undo`` by this process, which must be the library's writer."""
        from mediasift.dedup.actions import undo_last

        return undo_last(self.catalog, self.thumbs, list(self._indexes.values()))

    def _as_writer(self, op: str, request: dict, act: Callable[[], T],
                   reply_value: Callable[[dict], T]) -> T:  # fmt: skip
        """Run a change as the library's one writer: here, under the writer lock; or, while an
        indexer holds it, by that indexer (over its socket), in order with its own writes, so
        a window or a terminal can clean up while indexing goes on."""
        from mediasift.dedup import PlanRefused
        from mediasift.ipc import ask

        try:
            lock = self._claim(f"mediasift {op}")
        except IndexerRunning:
            reply = ask(self.home, {"op": op, **request}, timeout=HAND_OVER_TIMEOUT_S)
            if reply is None:
                raise
            if "refused" in reply:
                raise PlanRefused(reply["refused"]) from None
            if "error" in reply:
                raise LibraryError(reply["error"]) from None
            return reply_value(reply)
        try:
            return act()
        finally:
            self.save_indexes()
            lock.release()

    # --- model switches ------------------------------------------------------------------

    def prune(self, dry_run: bool = False) -> list[dict]:
        """Remove the spaces no search needs any more (index.spaces.prunable): their vectors
        and index files; returns what went (or would go), each with the bytes it held. Query
        towers stay: they are a cache shared by every library (config.cache_dir)."""
        if dry_run:
            return self.prune_here(dry_run=True)
        return self._as_writer("prune", {}, lambda: self.prune_here(dry_run=False),
                               lambda reply: reply["pruned"])  # fmt: skip

    def prune_here(self, dry_run: bool) -> list[dict]:
        """``prune`` by this process, which must be the library's writer (or a dry run)."""
        from mediasift.catalog.stages import embed_stage, text_stage
        from mediasift.index.spaces import prunable

        counts = {row["id"]: row["vectors"] for row in self.catalog.spaces()}
        gone = []
        for role in (VISUAL, TEXT):
            for candidate in prunable(self.library_spaces(role)):
                files = [path for path in VectorIndex.files(self.index_dir, candidate.id)
                         if path.exists()]  # fmt: skip
                vectors = counts.get(candidate.id, 0)
                held = vectors * candidate.space.dim * 4 + sum(p.stat().st_size for p in files)
                gone.append({
                    "model_id": candidate.space.model_id, "role": role,
                    "ready": candidate.ready, "vectors": vectors, "bytes": held,
                })  # fmt: skip
                if dry_run:
                    continue
                self._indexes.pop(candidate.id, None)
                self.catalog.remove_space(
                    candidate.id, [embed_stage(candidate.id), text_stage(candidate.id)]
                )
                for path in files:
                    path.unlink(missing_ok=True)
                log.info("Pruned the %s space of %s", role, candidate.space.key)
        if gone and not dry_run:
            self.catalog.vacuum()  # the vectors' pages go back to the disk
        return gone

    def switching(self) -> dict[str, dict]:
        """Each role whose chosen model's space is being built while another answers: the
        model searched meanwhile, the one being built, and how many files it still lacks."""
        from mediasift.index.spaces import search_order

        found = {}
        for role in (VISUAL, TEXT):
            ordered = search_order(self.library_spaces(role))
            building = next((s for s in ordered if s.chosen and not s.ready), None)
            reading = next((s for s in ordered if s.ready), None)
            if building is None or reading is None or building.id < reading.id:
                continue
            found[role] = {"searching": reading.space.model_id,
                           "building": building.space.model_id,
                           "files_left": self.catalog.files_lacking(building.id)}  # fmt: skip
        return found

    def save_indexes(self) -> None:
        for index in self._indexes.values():
            index.save(self.catalog)

    # --- reports --------------------------------------------------------------------------

    def status(self) -> dict:
        counts = self.catalog.counts()
        return {
            "library": str(self.home),
            "folders": self.folders(),
            **counts,
            "spaces": [
                {
                    **{k: s[k] for k in ("model_id", "revision", "dim", "role", "vectors")},
                    "ready": s["ready_at"] is not None,
                }
                for s in self.catalog.spaces()
            ],
            "switching": self.switching(),
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
        text = self.text_encoder()
        report["text_model_ok"] = text is not None
        report["text_model_error"] = self.text_model_error
        if text is not None:
            report["text_space"] = {"model_id": text.space.model_id, "dim": text.space.dim}
            report["text_index_vectors"] = self.text_index().live_count
        report["query_towers"] = {
            role: f"{tower.info.precision}, cosine {tower.info.cosine} to the model"
            if tower
            else "none: searches load the model with torch"
            for role, tower in ((role, self.query_tower(role)) for role in (VISUAL, TEXT))
        }
        speech = self.speech()
        report["speech_model"] = speech.model if speech else "off (transcription is turned off)"
        report["speech_model_ok"] = speech is not None and speech.ready()
        report["speech_model_error"] = speech.error if speech else None
        report.update(self._reranker_report())
        report["optional_tools"] = optional_tools()
        return report

    def _reranker_report(self) -> dict:
        """Which reranker a typed search's second look uses and whether it is here, without
        loading it (a 2B model): or none, and why."""
        from mediasift.models.download import cached_snapshot
        from mediasift.models.encoder import ModelUnavailable
        from mediasift.models.registry import chosen_reranker

        try:
            name = chosen_reranker(self.settings.reranker, self._device, self.settings.model)
        except ModelUnavailable as exc:
            return {"reranker": None, "reranker_note": str(exc)}
        here = Path(name).expanduser().is_dir() or cached_snapshot(name) is not None
        return {"reranker": name, "reranker_here": here}
