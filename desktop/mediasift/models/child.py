"""The model process's side of models.host: each model loaded on its first call, and one
thread per pipe answering (role, method, arguments) until the indexer closes the pipe.

The visual and text models are loaded as ``mediasift index`` loads them (their query towers
made too when missing, so the indexer's searches run on ONNX Runtime without this process);
OCR builds its engines per thread, as in-process; the reranker loads with the first search
reranked. A model that cannot be loaded says why on
every call.
"""

from __future__ import annotations

import logging
import os
import threading
from multiprocessing.connection import Connection
from typing import Any

from mediasift.models.host import HostConfig

log = logging.getLogger(__name__)

VISUAL, TEXT, OCR, DEVICE, RERANKER = "visual", "text", "ocr", "device", "reranker"
#: What each role answers: nothing else of a model is reachable through a pipe.
METHODS = {
    VISUAL: {"describe", "encode_prepared", "encode_texts"},
    TEXT: {"describe", "encode_documents", "encode_queries", "chunk_spans"},
    OCR: {"describe", "read"},
    DEVICE: {"describe"},
    RERANKER: {"describe", "rerank"},
}


def serve(config: HostConfig, connections: list[Connection]) -> None:
    """The child's entry point: answer on every pipe until all are closed."""
    logging.basicConfig(level=config.log_level, format="%(name)s: %(message)s")
    models = Models(config)
    threads = [
        threading.Thread(target=_answer, args=(models, conn), name=f"pipe-{i}")
        for i, conn in enumerate(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    logging.shutdown()
    # Nothing is left to save: skip the interpreter's teardown of torch, seconds of it.
    os._exit(0)


def _answer(models: Models, conn: Connection) -> None:
    while True:
        try:
            role, method, args = conn.recv()
        except (EOFError, OSError):
            return  # the indexer let go of this pipe
        try:
            reply: tuple[str, Any] = ("ok", models.run(role, method, args))
        except Exception as exc:  # the caller decides what a failure means
            log.debug("%s.%s failed", role, method, exc_info=True)
            reply = ("error", (type(exc).__name__, str(exc)))
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


class Models:
    def __init__(self, config: HostConfig) -> None:
        self.config = config
        self._loaded: dict[str, Any] = {}
        self._errors: dict[str, Exception] = {}
        self._locks = {role: threading.Lock() for role in METHODS}

    def run(self, role: str, method: str, args: tuple) -> Any:
        if method not in METHODS.get(role, ()):
            raise ValueError(f"{role}.{method} is not served")
        model = self._get(role)
        if method == "describe":
            return _describe(role, model)
        return getattr(model, method)(*args)

    def _get(self, role: str) -> Any:
        with self._locks[role]:  # one load, however many pipes ask at once
            if role in self._errors:
                raise self._errors[role]
            if role not in self._loaded:
                try:
                    self._loaded[role] = self._load(role)
                except Exception as exc:
                    self._errors[role] = exc
                    raise
            return self._loaded[role]

    def _load(self, role: str) -> Any:
        if role == OCR:
            from mediasift.media.ocr import OcrEngine, ocr_available

            missing = ocr_available()
            if missing:
                from mediasift.models.encoder import ModelUnavailable

                raise ModelUnavailable(missing)
            return OcrEngine(max_lines=self.config.ocr_lines)
        if self.config.threads:
            import torch

            torch.set_num_threads(self.config.threads)
        if role == DEVICE:
            from mediasift.models.device import choose_device

            return choose_device(self.config.device)
        if role == RERANKER:
            from mediasift.models.rerank import Reranker

            return Reranker.load(self.config.reranker, self.config.device,
                                 visual_model=self.config.model)  # fmt: skip
        from mediasift.models.export import ensure_tower
        from mediasift.models.towers import MANIFEST, tower_dir

        if role == VISUAL:
            from mediasift.models.loading import load_encoder

            model = load_encoder(self.config.model, self.config.device)
        else:
            from mediasift.models.text import load_text_encoder

            model = load_text_encoder(self.config.text_model)
        if not (tower_dir(model.space) / MANIFEST).is_file():  # made once, opened by searches
            ensure_tower(model, model.min_score)
        return model


def _describe(role: str, model: Any) -> dict:
    if role == VISUAL:
        return {"space": model.space, "min_score": model.min_score,
                "image_size": model.image_size, "preparer": model.preparer}  # fmt: skip
    if role == TEXT:
        return {"space": model.space, "min_score": model.min_score}
    if role == DEVICE:
        return {"device": model}
    if role == RERANKER:
        return {"model_id": model.model_id}
    return {}
