"""``mediasift bench gpu``: what can be checked without a GPU. It refuses quickly where CUDA is
missing, its 2B model has Qwen3-VL-2B's size, and its measuring runs end to end on a CPU with
tiny models (the figures there mean nothing; the code path is the one a GPU run takes)."""

from __future__ import annotations

import time

import pytest
import torch
from helpers import needs_torchvision
from transformers import Qwen3VLForConditionalGeneration

from mediasift.cli import main
from mediasift.models.random_qwen import (
    build_qwen_tokenizer,
    qwen3_vl_config,
    save_random_qwen3_vl_embedder,
    save_random_qwen3_vl_reranker,
)
from mediasift.models.registry import DEFAULT_CUDA_MODEL, MODELS


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is here")
def test_without_cuda_it_says_so_and_measures_nothing(capsys):
    started = time.monotonic()
    assert main(["bench", "gpu", "--json"]) == 2
    assert time.monotonic() - started < 10
    out, err = capsys.readouterr()
    assert out == "" and "needs a CUDA GPU" in err and "nothing was measured" in err


def test_the_2b_model_has_qwen3_vl_2b_shapes():
    config = qwen3_vl_config("2b", build_qwen_tokenizer())
    with torch.device("meta"):  # shapes only: no memory, no time
        model = Qwen3VLForConditionalGeneration(config)
    parameters = sum(p.numel() for p in model.parameters())  # the tied head counts once
    assert 2.10e9 < parameters < 2.15e9  # 4.3 GB in bfloat16
    assert config.text_config.hidden_size == MODELS[DEFAULT_CUDA_MODEL].dim
    assert config.vision_config.out_hidden_size == config.text_config.hidden_size


@needs_torchvision
def test_the_measurements_run_on_the_cpu_with_tiny_models(tmp_path, monkeypatch):
    from mediasift.bench.gpu import measure

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the bench's clip goes here
    embedder = save_random_qwen3_vl_embedder(tmp_path / "embedder")
    reranker = save_random_qwen3_vl_reranker(tmp_path / "reranker")
    figures = measure(
        "cpu",
        "tiny",
        str(embedder),
        str(reranker),
        images=4,
        batch_size=2,
        queries=3,
        rerank_top=3,
        frame_size=(320, 180),
    )
    assert figures["embedder"] == str(embedder.resolve()) and figures["rerank_top"] == 3
    assert 0 < figures["tokens_per_picture"] <= 16 and 0 < figures["tokens_per_frame"] <= 16
    for key in ("pictures_per_s", "video_frames_per_s", "query_ms_median", "rerank_ms_median"):
        assert figures[key] > 0, key
    assert figures["peak_gib_both_models"] == 0.0  # measured on CUDA only
