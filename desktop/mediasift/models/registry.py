"""Models MediaSift knows by name, and which one to use by default.

The registry only holds facts that cannot be read from a model folder before downloading it
(kind, expected dimension, a sensible score cut-off, download size, languages, what it needs to
run), so unknown models still load when their folder says what they are, and ``mediasift
models`` can tell a person what each known one costs before it is downloaded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

logger = logging.getLogger(__name__)

ModelKind = Literal["clip", "vlm"]
#: What a model does here: the visual space, the text space, speech to text, reranking.
Role = Literal["visual", "text", "speech", "reranker"]
ROLES: tuple[Role, ...] = ("visual", "text", "speech", "reranker")


@dataclass(frozen=True)
class ModelSpec:
    """A known model: what it is, how wide its vectors are, when a hit is too weak to show, and
    what it costs: download size, GPU memory, and how fast it runs on a laptop's processor."""

    id: str
    kind: ModelKind | None  # how the visual loader reads it; None for the other roles
    dim: int | None  # vector width; None where the model gives no vectors (speech)
    min_score: float | None
    note: str
    role: Role = "visual"
    size_mb: int = 0  # the files downloaded (one weight format, as loading picks them)
    languages: str = "English"
    vram_gb: float = 0.0  # GPU memory it needs there, weights and work space
    cpu_speed: str = "fast"  # "fast", "medium", "slow" on 2-4 cores, or "GPU only"


@dataclass(frozen=True)
class ModelRole:
    """How messages name a role's model and the settings that choose it.

    Every role's model can be missing (offline, never downloaded); its message names the model
    and says how to get it, and the front end says once what still works without it.
    """

    label: str
    option: str
    env: str

    def how_to_get(self, model_id: str) -> str:
        """The sentence that tells the user how to have ``model_id`` here."""
        return (
            f"Get it with `mediasift models get {model_id}` while online, or point MediaSift "
            f"at a local copy with {self.option} FOLDER or {self.env}."
        )


VISUAL_ROLE = ModelRole("Model", "--model", "MEDIASIFT_MODEL")
TEXT_ROLE = ModelRole("Text model", "--text-model", "MEDIASIFT_TEXT_MODEL")
SPEECH_ROLE = ModelRole("Speech model", "--speech-model", "MEDIASIFT_SPEECH_MODEL")
RERANKER_ROLE = ModelRole("Reranker", "--reranker", "MEDIASIFT_RERANKER")


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
        size_mb=605,
        vram_gb=1.0,
    ),
    ModelSpec(
        id="openai/clip-vit-base-patch16",
        kind="clip",
        dim=512,
        min_score=0.2,
        note="CLIP ViT-B/16 (OpenAI), ~600 MB; finer detail, about 4x slower on CPU than B/32.",
        size_mb=599,
        vram_gb=1.0,
        cpu_speed="slow",
    ),
    ModelSpec(
        id="laion/CLIP-ViT-B-32-laion2B-s34B-b79K",
        kind="clip",
        dim=512,
        min_score=0.2,
        note="CLIP ViT-B/32 trained on LAION-2B; same speed as B/32, better zero-shot accuracy.",
        size_mb=605,
        vram_gb=1.0,
    ),
    ModelSpec(
        id="Qwen/Qwen3-VL-Embedding-2B",
        kind="vlm",
        dim=2048,
        min_score=0.3,
        note="Qwen3-VL multimodal embedder through Sentence Transformers, ~4 GB; "
        "the CUDA default (needs ~8 GB of GPU memory).",
        size_mb=4300,
        languages="multilingual (30+)",
        vram_gb=8.0,
        cpu_speed="GPU only",
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

# Reranking the top of a search (models.rerank): the embedder's own reranker where it runs.
DEFAULT_CUDA_RERANKER = "Qwen/Qwen3-VL-Reranker-2B"


#: The other roles' models, for the catalogue (``mediasift models``) and downloads.
_OTHER_MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        id=DEFAULT_TEXT_MODEL,
        kind=None,
        dim=DEFAULT_TEXT_DIM,
        min_score=DEFAULT_TEXT_MIN_SCORE,
        note="MiniLM-L6 sentence embeddings; page, slide, OCR and transcript text. The default.",
        role="text",
        size_mb=91,
        vram_gb=0.3,
    ),
    ModelSpec(
        id="sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2",
        kind=None,
        dim=384,
        min_score=DEFAULT_TEXT_MIN_SCORE,
        note="MiniLM-L12 trained on parallel text: queries and documents in different languages.",
        role="text",
        size_mb=471,
        languages="multilingual (50+)",
        vram_gb=0.6,
        cpu_speed="medium",
    ),
    ModelSpec(
        id=DEFAULT_CPU_SPEECH_MODEL,
        kind=None,
        dim=None,
        min_score=None,
        note="Whisper base (CTranslate2, int8 on the CPU), about 0.2x real time on 2 cores.",
        role="speech",
        size_mb=145,
        languages="multilingual (99)",
        vram_gb=0.5,
    ),
    ModelSpec(
        id=DEFAULT_CUDA_SPEECH_MODEL,
        kind=None,
        dim=None,
        min_score=None,
        note="Whisper large-v3 turbo (CTranslate2, float16): near large-v3 accuracy, much faster.",
        role="speech",
        size_mb=1620,
        languages="multilingual (99)",
        vram_gb=2.5,
        cpu_speed="slow",
    ),
    ModelSpec(
        id=DEFAULT_CUDA_RERANKER,
        kind=None,
        dim=None,
        min_score=None,
        note="Qwen3-VL reranker: a second look at the first results of a typed search; the GPU "
        "default with the Qwen3-VL embedder (the same 2B backbone, so about its size).",
        role="reranker",
        size_mb=4300,
        languages="multilingual (30+)",
        vram_gb=8.0,
        cpu_speed="GPU only",
    ),
)

#: Every known model, each role's in order: what ``mediasift models`` lists.
CATALOGUE: tuple[ModelSpec, ...] = tuple(
    sorted(_MODELS + _OTHER_MODELS, key=lambda spec: ROLES.index(spec.role))
)


#: The reranker setting that turns reranking off everywhere.
RERANKER_OFF = "off"


def reranking_off(setting: str | None) -> bool:
    """Whether the reranker setting turns reranking off (None or "" mean the default)."""
    return (setting or "").strip().lower() == RERANKER_OFF


def default_reranker(device: str, visual_model: str | None = None) -> str | None:
    """The reranker used when none is chosen: Qwen3-VL-Reranker where the Qwen3-VL embedder
    runs on CUDA (the default visual model there, or a known VLM), none elsewhere."""
    if not device.startswith("cuda"):
        return None
    spec = get_spec(visual_model) if visual_model else None
    return DEFAULT_CUDA_RERANKER if visual_model is None or (spec and spec.kind == "vlm") else None


def chosen_reranker(
    setting: str | None, device: Callable[[], str], visual_model: str | None = None
) -> str:
    """The reranker to load for a setting: the one named, else the default. ``device`` is
    asked only for the default (finding it imports torch). ModelUnavailable, saying why and
    how to choose one, when reranking is off."""
    from .encoder import ModelUnavailable

    if reranking_off(setting):
        raise ModelUnavailable(f'Reranking is turned off (reranker = "{RERANKER_OFF}").')
    name = (setting or "").strip()
    if name:
        return name
    where = device()
    name = default_reranker(where, visual_model)
    if name is None:
        why = (
            f"with the visual model {visual_model}: the default reranker comes with the "
            "Qwen3-VL embedder"
            if where.startswith("cuda")
            else f"on {where}: a pass of a 2B model per result takes seconds there"
        )
        raise ModelUnavailable(
            f"Reranking is off {why}. Choose a reranker with {RERANKER_ROLE.option} "
            f"or {RERANKER_ROLE.env} to use one anyway."
        )
    return name


def default_speech_model(device: str) -> str:
    return DEFAULT_CUDA_SPEECH_MODEL if device.startswith("cuda") else DEFAULT_CPU_SPEECH_MODEL


def get_spec(model_id: str) -> ModelSpec | None:
    """Return the known spec for a hub id (case-insensitive, as the hub is), or None."""
    spec = MODELS.get(model_id)
    if spec is not None:
        return spec
    lowered = model_id.lower()
    return next((s for s in _MODELS if s.id.lower() == lowered), None)


def find_spec(model_id: str) -> ModelSpec | None:
    """The catalogue entry for a hub id in any role (case-insensitive), or None."""
    lowered = model_id.lower()
    return next((s for s in CATALOGUE if s.id.lower() == lowered), None)


def default_model_id(device: str) -> str:
    """The model to use when the user chose none: the VLM on CUDA, CLIP everywhere else."""
    return DEFAULT_CUDA_MODEL if device.startswith("cuda") else DEFAULT_CPU_MODEL
