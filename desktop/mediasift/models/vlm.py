"""Multimodal embedders loaded through Sentence Transformers (Qwen3-VL-Embedding on CUDA).

Sentence Transformers (>= 5.4) loads such a model with a plain ``SentenceTransformer(folder)``
and accepts decoded PIL images in ``encode``. Images are always passed decoded: a path string
with an extension it does not know, or a missing file, is silently embedded as *text*.
Video frames arrive as pictures too (PyAV decodes one per scene), so the model's own video
input is never used; transformers still needs torchvision to build Qwen3-VL's processor.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from .encoder import Space, l2_normalize
from .pixels import FitWithin
from .registry import VISUAL_ROLE

logger = logging.getLogger(__name__)

# Longest image side handed to the model. Qwen3-VL spends one token per 32x32 px, so 1024 px
# (~770 tokens at 4:3) keeps screenshot text legible without the ~1800 tokens of its default cap.
DEFAULT_MAX_SIDE = 1024


class VlmEncoder:
    """A Sentence Transformers multimodal model as an :class:`~mediasift.models.encoder.Encoder`.

    Images go through ``encode_document`` and queries through ``encode_query``, so the model's
    own "document"/"query" prompts (and task routing) apply when it defines them.
    """

    def __init__(
        self,
        model: Any,
        space: Space,
        min_score: float,
        max_side: int = DEFAULT_MAX_SIDE,
    ) -> None:
        self.model = model
        self.space = space
        self.min_score = min_score
        #: Image preparation without torch: the indexer runs it in its own process.
        self.preparer = FitWithin(max_side)
        self.image_size = self.max_side = max_side
        prompts = dict(getattr(model, "prompts", {}) or {})
        # Sentence Transformers 6 pre-fills empty "query"/"document" prompts; only real ones count.
        self.query_prompt_name = "query" if prompts.get("query") else None
        # The model's processor tokenizes both images' chat templates and queries; a fast
        # tokenizer raises "Already borrowed" when two threads use it at once.
        self._lock = threading.Lock()

    @classmethod
    def load(
        cls,
        folder: Path,
        model_id: str,
        revision: str,
        device: str = "cpu",
        min_score: float = 0.3,
        max_side: int = DEFAULT_MAX_SIDE,
    ) -> VlmEncoder:
        """Load a Sentence Transformers model folder; bf16 on CUDA, fp32 elsewhere.

        Raises :class:`ModelUnavailable` when a library the model needs is missing (Qwen3-VL's
        processor needs torchvision).
        """
        from .st import missing_library, open_sentence_transformer

        model_kwargs: dict[str, Any] = {}
        if device.startswith("cuda"):
            model_kwargs["dtype"] = torch.bfloat16
        logger.info("Loading Sentence Transformers model %s on %s", model_id, device)
        try:
            model, dim = open_sentence_transformer(folder, device, **model_kwargs)
        except ImportError as exc:
            raise missing_library(VISUAL_ROLE.label, model_id, exc) from exc
        space = Space(model_id=model_id, revision=revision, dim=int(dim))
        encoder = cls(model, space, min_score, max_side)
        logger.info(
            "Loaded %s: %d-d, prompts %s, query prompt %r",
            model_id,
            space.dim,
            sorted(encoder.model.prompts),
            encoder.query_prompt_name,
        )
        return encoder

    def prepare_image(self, image: Image.Image) -> Image.Image:
        """RGB copy whose longest side is at most ``max_side``. Thread-safe, no torch."""
        return self.preparer(image)

    def encode_prepared(self, items: list[Any]) -> np.ndarray:
        """Encode prepared PIL images as one batch; (n, dim) unit rows."""
        if not items:
            return np.zeros((0, self.space.dim), dtype=np.float32)
        for item in items:
            if not isinstance(item, Image.Image):
                # Never hand Sentence Transformers a str: it would embed the path as text.
                raise TypeError(f"encode_prepared takes PIL images, got {type(item).__name__}")
        with self._lock, torch.inference_mode():
            vectors = self.model.encode_document(
                list(items),
                batch_size=len(items),
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return self._check(vectors, len(items))

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        """Encode queries with the model's query prompt when it has one; (n, dim) unit rows."""
        if not texts:
            return np.zeros((0, self.space.dim), dtype=np.float32)
        with self._lock, torch.inference_mode():
            vectors = self.model.encode_query(
                [str(text) for text in texts],
                prompt_name=self.query_prompt_name,
                batch_size=max(1, len(texts)),
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return self._check(vectors, len(texts))

    def _check(self, vectors: Any, count: int) -> np.ndarray:
        if isinstance(vectors, torch.Tensor):
            vectors = vectors.float().cpu().numpy()
        vectors = l2_normalize(np.asarray(vectors, dtype=np.float32))
        if vectors.shape != (count, self.space.dim):
            raise RuntimeError(
                f"{self.space.model_id} returned vectors of shape {vectors.shape}, "
                f"expected {(count, self.space.dim)}"
            )
        return vectors
