"""The models of a models.host child as the indexer uses them in-process: an Encoder, the text
model's encode and chunk calls, OCR and the reranker. Images are prepared here (``preparer``,
torch-free); everything that needs the model is one call to the child."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from mediasift.models.child import OCR, RERANKER, TEXT, VISUAL
from mediasift.models.host import ModelHost

if TYPE_CHECKING:
    from collections.abc import Sequence

    from PIL import Image

    from mediasift.media.ocr import Line
    from mediasift.models.rerank import Candidate


class _Model:
    """A model in the child: its space and "no good match" cosine, as the child describes
    them (``described`` keeps the rest of its description)."""

    role: str

    def __init__(self, host: ModelHost) -> None:
        self.host = host
        self.described = host.describe(self.role)
        self.space = self.described["space"]
        self.min_score = self.described["min_score"]


class RemoteEncoder(_Model):
    """The visual model: an :class:`~mediasift.models.encoder.Encoder`."""

    role = VISUAL

    def __init__(self, host: ModelHost) -> None:
        super().__init__(host)
        self.image_size = self.described["image_size"]
        self.preparer = self.described["preparer"]

    def prepare_image(self, image: Image.Image) -> Any:
        return self.preparer(image)

    def encode_prepared(self, items: list[Any]) -> np.ndarray:
        return self.host.call(VISUAL, "encode_prepared", items)

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        return self.host.call(VISUAL, "encode_texts", texts)


class RemoteTextEncoder(_Model):
    """The text model, as the pipeline and search call it (models.text.TextEncoder)."""

    role = TEXT

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        return self.host.call(TEXT, "encode_documents", texts)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.host.call(TEXT, "encode_queries", texts)

    def chunk_spans(self, text: str) -> list[tuple[int, int]]:
        return self.host.call(TEXT, "chunk_spans", text)


class RemoteOcr:
    """Text in images (media.ocr.OcrEngine.read)."""

    def __init__(self, host: ModelHost) -> None:
        self.host = host
        host.describe(OCR)  # ModelUnavailable, saying what is missing, when OCR cannot run

    def read(self, image: Image.Image) -> list[Line]:
        return self.host.call(OCR, "read", image)


class RemoteReranker:
    """The reranker (models.rerank.Reranker.rerank): pictures are pickled across as decoded."""

    def __init__(self, host: ModelHost) -> None:
        self.host = host
        # ModelUnavailable, saying why, when there is none (the CPU's default, a bad folder).
        self.model_id = host.describe(RERANKER)["model_id"]

    def rerank(self, query: str, candidates: Sequence[Candidate]) -> np.ndarray:
        return self.host.call(RERANKER, "rerank", query, candidates)
