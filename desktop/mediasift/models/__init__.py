"""Embedding models: registry, device choice, CLIP and VLM encoders, loading.

Import :func:`load_encoder` from here; torch and transformers load only when it is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .encoder import Encoder, ModelUnavailable, Space
from .registry import MODELS, ModelSpec, default_model_id, get_spec

if TYPE_CHECKING:
    from .loading import load_encoder

__all__ = [
    "MODELS",
    "Encoder",
    "ModelSpec",
    "ModelUnavailable",
    "Space",
    "default_model_id",
    "get_spec",
    "load_encoder",
]


def __getattr__(name: str) -> Any:
    if name == "load_encoder":
        from .loading import load_encoder

        return load_encoder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
