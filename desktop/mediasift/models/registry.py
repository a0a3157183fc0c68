"""Models MediaSift knows by name, and which one to use by default.

The registry only holds facts that cannot be read from a model folder before downloading it
(kind, expected dimension, a sensible score cut-off), so unknown models still load when their
folder says what they are.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

logger = logging.getLogger(__name__)

ModelKind = Literal["clip", "vlm"]


@dataclass(frozen=True)
class ModelSpec:
    """A known model: what it is, how wide its vectors are, and when a hit is too weak to show."""

    id: str
    kind: ModelKind
    dim: int
    min_score: float
    note: str


DEFAULT_CPU_MODEL = "openai/clip-vit-base-patch32"
DEFAULT_CUDA_MODEL = "Qwen/Qwen3-VL-Embedding-2B"

# Cut-offs: CLIP text->image cosines of real matches sit around 0.25-0.35 and unrelated pairs
# around 0.1-0.2; the Qwen3-VL embedder spreads scores wider. These are starting points that
# search may tune; they only decide when to say "no good match", never the ranking.
DEFAULT_MIN_SCORE: dict[ModelKind, float] = {"clip": 0.2, "vlm": 0.3}

_MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        id="openai/clip-vit-base-patch32",
        kind="clip",
        dim=512,
        min_score=0.2,
        note="CLIP ViT-B/32 (OpenAI), ~600 MB; the fast CPU default.",
    ),
    ModelSpec(
        id="openai/clip-vit-base-patch16",
        kind="clip",
        dim=512,
        min_score=0.2,
        note="CLIP ViT-B/16 (OpenAI), ~600 MB; finer detail, about 4x slower on CPU than B/32.",
    ),
    ModelSpec(
        id="laion/CLIP-ViT-B-32-laion2B-s34B-b79K",
        kind="clip",
        dim=512,
        min_score=0.2,
        note="CLIP ViT-B/32 trained on LAION-2B; same speed as B/32, better zero-shot accuracy.",
    ),
    ModelSpec(
        id="Qwen/Qwen3-VL-Embedding-2B",
        kind="vlm",
        dim=2048,
        min_score=0.3,
        note="Qwen3-VL multimodal embedder through Sentence Transformers, ~4 GB; "
        "the CUDA default (needs ~8 GB of GPU memory).",
    ),
)

MODELS: dict[str, ModelSpec] = {spec.id: spec for spec in _MODELS}

# The text space (page, slide, OCR and transcript text): a small Sentence Transformers model
# that runs on the CPU next to the visual model. 384-d, 256 tokens, ~90 MB.
DEFAULT_TEXT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_TEXT_DIM = 384
# MiniLM query-to-passage cosines measured here: real matches ~0.3-0.7 ("permission error" vs an
# SSH "Permission denied" line 0.47, "Q3 revenue chart" vs a results slide 0.60), unrelated text
# mostly below 0.15 and loosely topical text up to ~0.25. Like the visual cut-offs this only
# decides when to say "no good match"; other text models (e5, bge) score higher and may need more.
DEFAULT_TEXT_MIN_SCORE = 0.25


# Speech (faster-whisper, CTranslate2 weights): Whisper base on the CPU (int8, ~150 MB, about
# 0.2x real time on 2 cores); on a GPU large-v3 turbo (float16, ~1.6 GB): near large-v3 accuracy
# at several times its speed and half its memory, which the GPU shares with the visual model.
DEFAULT_CPU_SPEECH_MODEL = "Systran/faster-whisper-base"
DEFAULT_CUDA_SPEECH_MODEL = "mobiuslabsgmbh/faster-whisper-large-v3-turbo"


def default_speech_model(device: str) -> str:
    return DEFAULT_CUDA_SPEECH_MODEL if device.startswith("cuda") else DEFAULT_CPU_SPEECH_MODEL


def get_spec(model_id: str) -> ModelSpec | None:
    """Return the known spec for a hub id (case-insensitive, as the hub is), or None."""
    spec = MODELS.get(model_id)
    if spec is not None:
        return spec
    lowered = model_id.lower()
    return next((s for s in _MODELS if s.id.lower() == lowered), None)


def default_model_id(device: str) -> str:
    """The model to use when the user chose none: the VLM on CUDA, CLIP everywhere else."""
    return DEFAULT_CUDA_MODEL if device.startswith("cuda") else DEFAULT_CPU_MODEL
