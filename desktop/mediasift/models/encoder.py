"""The encoder interface the rest of MediaSift talks to.

Everything outside ``mediasift.models`` sees only :class:`Space`, :class:`Encoder` and
:class:`ModelUnavailable`, so the pipeline, search and tests never depend on torch,
transformers or Sentence Transformers directly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:  # a search through a query tower never decodes an image
    from PIL import Image

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Space:
    """An embedding space: vectors are comparable only within one.

    ``revision`` is the hub commit hash when known, else a short content hash of the local
    folder, so a changed local model gets a new space instead of mixing incompatible vectors.
    """

    model_id: str
    revision: str
    dim: int

    @property
    def key(self) -> str:
        """A stable one-line name, handy for file names and log lines."""
        return f"{self.model_id}@{self.revision}:{self.dim}"


class ModelUnavailable(RuntimeError):
    """The model could not be loaded; ``str(exc)`` is one clear message for the user."""


@runtime_checkable
class Encoder(Protocol):
    """What the pipeline and search need from an embedding model.

    ``prepare_image`` runs in many decode threads at once and must never touch torch modules;
    ``encode_prepared`` runs on the single encoder thread; ``encode_texts`` may be called from
    another thread while ``encode_prepared`` runs. ``preparer`` is ``prepare_image`` as a
    picklable object (models.pixels): the indexer prepares images in its own process while
    the model runs in another (models.host).
    """

    space: Space
    image_size: int
    min_score: float
    preparer: Callable[[Image.Image], Any]

    def prepare_image(self, image: Image.Image) -> Any: ...

    def encode_prepared(self, items: list[Any]) -> np.ndarray: ...

    def encode_texts(self, texts: list[str]) -> np.ndarray: ...


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    """Return float32 rows of unit length (zero rows stay zero instead of becoming NaN)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"expected a 2-D array of vectors, got shape {vectors.shape}")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.maximum(norms, 1e-12, out=norms)
    return np.ascontiguousarray(vectors / norms, dtype=np.float32)
