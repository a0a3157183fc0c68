"""Tiny random models built once per test session, loaded through the real loading path."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediasift.models.random_qwen import (
    save_random_qwen3_vl_embedder,
    save_random_qwen3_vl_reranker,
)
from mediasift.models.random_weights import save_random_st_clip

QUERY_PROMPT = "query: "


@pytest.fixture(scope="session")
def query_prompt() -> str:
    return QUERY_PROMPT


@pytest.fixture(scope="session")
def tiny_clip_dir(tiny_clip: Path) -> Path:
    """The session's tiny CLIP (tests/conftest.py), under the name these tests use."""
    return tiny_clip


@pytest.fixture(scope="session")
def tiny_st_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny CLIP saved as a Sentence Transformers model with a "query" prompt."""
    return save_random_st_clip(tmp_path_factory.mktemp("tiny-st"), prompts={"query": QUERY_PROMPT})


@pytest.fixture(scope="session")
def clip_encoder(tiny_clip_dir: Path):
    from mediasift.models import load_encoder

    return load_encoder(str(tiny_clip_dir), device="cpu")


@pytest.fixture(scope="session")
def vlm_encoder(tiny_st_dir: Path):
    from mediasift.models import load_encoder

    return load_encoder(str(tiny_st_dir), device="cpu")


@pytest.fixture(scope="session")
def tiny_qwen_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Qwen3-VL-Embedding folder, laid out as the hub's (made without torchvision)."""
    return save_random_qwen3_vl_embedder(tmp_path_factory.mktemp("tiny-qwen3-vl"))


@pytest.fixture(scope="session")
def tiny_reranker_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Qwen3-VL-Reranker folder, laid out as the hub's."""
    return save_random_qwen3_vl_reranker(tmp_path_factory.mktemp("tiny-qwen3-vl-reranker"))
