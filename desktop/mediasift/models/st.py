"""Opening Sentence Transformers model folders: shared by the VLM, the text encoder and the
reranker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from .encoder import ModelUnavailable


def open_sentence_transformer(folder: Path, device: str, **model_kwargs: Any) -> tuple[Any, int]:
    """(model in eval mode, embedding dimension), from local files only.

    Models that do not declare their dimension are asked with one probe sentence.
    """
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # the files are local: no bar to watch
    model = SentenceTransformer(
        str(folder), device=device, local_files_only=True, model_kwargs=model_kwargs or None
    )
    model.eval()
    dim = model.get_embedding_dimension()
    if not dim:
        with torch.inference_mode():
            dim = model.encode(["probe"], convert_to_numpy=True).shape[1]
    return model, int(dim)


def missing_library(label: str, model_id: str, exc: ImportError) -> ModelUnavailable:
    """One line for the user when loading a model needs a library that is not installed.

    torchvision gets its own advice: transformers builds Qwen3-VL's processor only together with
    its video part, which needs torchvision, although MediaSift hands it decoded pictures only.
    """
    from .loading import _first_line

    if "torchvision" in str(exc).lower():
        return ModelUnavailable(
            f"{label} '{model_id}' needs torchvision, which is not installed; it comes with the "
            "CUDA build of torch (MEDIASIFT_TORCH=cuda packaging/install.sh installs both)."
        )
    return ModelUnavailable(
        f"{label} '{model_id}' needs a library that is not installed ({_first_line(exc)})."
    )
