"""What ``mediasift models`` lists: every known model per role, what it costs, whether it is here.

Facts come from the registry; "here" is looked up in the Hugging Face cache (a complete
snapshot, or bytes of an interrupted download), and the local folders the settings name are
listed too, since they are models this computer already has.
"""

from __future__ import annotations

from pathlib import Path

from mediasift.config import Settings

from .download import cached_snapshot, folder_bytes, partial_bytes
from .registry import (
    CATALOGUE,
    DEFAULT_CPU_MODEL,
    DEFAULT_CPU_SPEECH_MODEL,
    DEFAULT_CUDA_MODEL,
    DEFAULT_CUDA_RERANKER,
    DEFAULT_CUDA_SPEECH_MODEL,
    DEFAULT_TEXT_MODEL,
    ModelSpec,
    reranking_off,
)

#: Which registry defaults each role uses, and on which device.
DEFAULTS = {
    DEFAULT_CPU_MODEL: "CPU default",
    DEFAULT_CUDA_MODEL: "GPU default",
    DEFAULT_TEXT_MODEL: "default",
    DEFAULT_CPU_SPEECH_MODEL: "CPU default",
    DEFAULT_CUDA_SPEECH_MODEL: "GPU default",
    DEFAULT_CUDA_RERANKER: "GPU default",
}


def _state(model_id: str) -> tuple[str, int | None]:
    """("downloaded" | "partial" | "not downloaded", bytes on disk or None)."""
    folder = cached_snapshot(model_id)
    if folder is not None:
        return "downloaded", folder_bytes(folder)
    partial = partial_bytes(model_id)
    return ("partial", partial) if partial else ("not downloaded", None)


def _row(spec: ModelSpec, chosen: set[str]) -> dict:
    state, on_disk = _state(spec.id)
    return {
        "role": spec.role,
        "id": spec.id,
        "dim": spec.dim,
        "size_mb": spec.size_mb,
        "languages": spec.languages,
        "vram_gb": spec.vram_gb,
        "cpu_speed": spec.cpu_speed,
        "state": state,
        "on_disk_mb": round(on_disk / 1e6, 1) if on_disk is not None else None,
        "default": DEFAULTS.get(spec.id),
        "chosen": spec.id in chosen,
        "note": spec.note,
    }


def _folder_row(role: str, folder: Path) -> dict:
    size = folder_bytes(folder)
    return {
        "role": role, "id": str(folder), "dim": None, "size_mb": round(size / 1e6),
        "languages": None, "vram_gb": None, "cpu_speed": None, "state": "local folder",
        "on_disk_mb": round(size / 1e6, 1), "default": None, "chosen": True,
        "note": "a local folder named in the settings",
    }  # fmt: skip


def catalogue(settings: Settings) -> list[dict]:
    """One row per known model (role order), then the settings' local model folders."""
    reranker = None if reranking_off(settings.reranker) else settings.reranker
    named = {"visual": settings.model, "text": settings.text_model,
             "speech": settings.speech_model, "reranker": reranker}  # fmt: skip
    chosen = {name for name in named.values() if name}
    rows = [_row(spec, chosen) for spec in CATALOGUE]
    for role, name in named.items():
        if name and Path(name).expanduser().is_dir():
            rows.append(_folder_row(role, Path(name).expanduser().resolve()))
    return rows
