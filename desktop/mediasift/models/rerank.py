"""Reranking the top of a search with a multimodal cross-encoder (Qwen3-VL-Reranker on CUDA).

A cross-encoder reads the query and one candidate together, so it judges relevance far better
than the distance between two vectors, at the price of one model pass per candidate: it only
ever sees the few results a person looks at. Off by default on the CPU, where a pass of a
2-billion-parameter model per candidate takes seconds. Loaded through Sentence Transformers'
``CrossEncoder`` from a hub id or a local folder, like the other models.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from PIL import Image

from .device import choose_device
from .loading import resolve_model, unloadable
from .pixels import FitWithin
from .registry import RERANKER_ROLE, chosen_reranker

logger = logging.getLogger(__name__)

# Longest side of a candidate picture. Qwen3-VL spends one token per 32x32 px: 768 px is ~430
# tokens at 4:3, so twenty candidates make one modest batch.
DEFAULT_MAX_SIDE = 768

#: A decoded picture (a photo, a video frame, a rendered slide) or a piece of text.
Candidate = Image.Image | str


class Reranker:
    """Scores (query, candidate) pairs with a cross-encoder; higher is more relevant.

    ``instruction`` replaces the model's default task description (Qwen3-VL-Reranker reads it
    as its "Instruct" line). Safe to call from several threads: calls take turns.
    """

    def __init__(
        self,
        model: Any,
        model_id: str,
        instruction: str | None = None,
        max_side: int = DEFAULT_MAX_SIDE,
        batch_size: int = 8,
    ) -> None:
        self.model = model
        self.model_id = model_id
        self.instruction = instruction
        self.fit = FitWithin(max_side)
        self.batch_size = batch_size
        # The processor's fast tokenizer raises "Already borrowed" when two threads use it.
        self._lock = threading.Lock()

    @classmethod
    def load(
        cls,
        name: str | None = None,
        device: str | None = None,
        instruction: str | None = None,
        visual_model: str | None = None,
    ) -> Reranker:
        """Load a reranker by hub id or local folder; None means the default for the device
        and the visual model (registry.chosen_reranker), "off" none.

        Raises :class:`ModelUnavailable` (one clear message) when there is none to be had,
        including on the CPU when no reranker was chosen explicitly.
        """
        from sentence_transformers import CrossEncoder

        from .st import missing_library

        device = choose_device(device)
        name = chosen_reranker(name, lambda: device, visual_model)
        folder, model_id, _revision = resolve_model(name, RERANKER_ROLE)
        model_kwargs = {"dtype": torch.bfloat16} if device.startswith("cuda") else None
        logger.info("Loading reranker %s on %s", model_id, device)
        try:
            model = CrossEncoder(
                str(folder), device=device, local_files_only=True, model_kwargs=model_kwargs
            )
        except ImportError as exc:
            raise missing_library(RERANKER_ROLE.label, model_id, exc) from exc
        except (OSError, ValueError, RuntimeError, KeyError, TypeError, AttributeError) as exc:
            raise unloadable(RERANKER_ROLE.label, model_id, folder, exc) from exc
        model.eval()
        return cls(model, model_id, instruction)

    def rerank(self, query: str, candidates: Sequence[Candidate]) -> np.ndarray:
        """Relevance of each candidate to ``query``: float32 in [0, 1], in the candidates' order.

        Pictures are shrunk to ``max_side`` first. A string is always read as text: Sentence
        Transformers would otherwise open one that looks like an image path.
        """
        if not candidates:
            return np.zeros(0, dtype=np.float32)
        pairs = [({"text": str(query)}, self._typed(candidate)) for candidate in candidates]
        with self._lock, torch.inference_mode():
            scores = self.model.predict(
                pairs,
                prompt=self.instruction,
                batch_size=self.batch_size,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(scores, dtype=np.float32).reshape(len(candidates))

    def _typed(self, candidate: Candidate) -> dict[str, Any]:
        if isinstance(candidate, Image.Image):
            return {"image": self.fit(candidate)}
        if isinstance(candidate, str):
            return {"text": candidate}
        raise TypeError(f"rerank takes PIL images or text, got {type(candidate).__name__}")
