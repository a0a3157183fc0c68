"""Opening a Sentence Transformers model folder: shared by the VLM and the text encoder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch


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
