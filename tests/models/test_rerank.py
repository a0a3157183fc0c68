"""The reranker through the production path, with a tiny random Qwen3-VL-Reranker built here:
``Reranker.load(folder)`` -> ``CrossEncoder(folder)`` -> Qwen3-VL with its language-model head,
the reranker's chat template, and the yes/no logit score, as Qwen/Qwen3-VL-Reranker-2B loads."""

from __future__ import annotations

from importlib.util import find_spec

import numpy as np
import pytest
from helpers import needs_torchvision
from PIL import Image

from mediasift.models import ModelUnavailable
from mediasift.models.random_qwen import RERANK_INSTRUCTION
from mediasift.models.registry import DEFAULT_CUDA_RERANKER, default_reranker
from mediasift.models.rerank import Reranker

QUERY = "a red kite over the beach"


def _picture(seed: int, size: tuple[int, int] = (120, 90)) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


@pytest.fixture(scope="module")
def reranker(tiny_reranker_dir) -> Reranker:
    return Reranker.load(str(tiny_reranker_dir), device="cpu")


def _rendered(reranker: Reranker, candidate, prompt: str | None = None) -> str:
    transformer = reranker.model[0]
    features = transformer.preprocess(
        [({"text": QUERY}, reranker._typed(candidate))], prompt=prompt
    )
    return transformer.processor.tokenizer.decode(features["input_ids"][0])


def test_off_on_the_cpu_unless_chosen():
    assert default_reranker("cpu") is None
    assert default_reranker("cuda:0") == DEFAULT_CUDA_RERANKER
    assert default_reranker("cuda", "openai/clip-vit-base-patch32") is None  # no VLM there
    assert default_reranker("cuda", "Qwen/Qwen3-VL-Embedding-2B") == DEFAULT_CUDA_RERANKER
    with pytest.raises(ModelUnavailable, match="Reranking is off on cpu"):
        Reranker.load(None, device="cpu")
    with pytest.raises(ModelUnavailable, match="Reranking is turned off"):
        Reranker.load("off", device="cpu")


def test_a_missing_folder_is_reported(tmp_path):
    with pytest.raises(ModelUnavailable, match="Reranker folder"):
        Reranker.load(str(tmp_path / "nowhere"), device="cpu")


@needs_torchvision
def test_the_folder_loads_as_the_hub_model_does(reranker, tiny_reranker_dir):
    assert reranker.model_id == str(tiny_reranker_dir.resolve())
    transformer, score = reranker.model
    assert type(transformer.auto_model).__name__ == "Qwen3VLForConditionalGeneration"
    assert type(score).__name__ == "LogitScore"
    yes, no = transformer.processor.tokenizer.convert_tokens_to_ids(["yes", "no"])
    assert (score.true_token_id, score.false_token_id) == (yes, no)


@needs_torchvision
def test_pictures_and_text_are_scored_in_order(reranker):
    candidates = [_picture(1), "the kite is red", _picture(2, (400, 60)), "photo.jpg"]
    scores = reranker.rerank(QUERY, candidates)
    assert scores.shape == (4,) and scores.dtype == np.float32
    assert np.all((scores > 0) & (scores < 1))  # P("yes") against "no"
    assert len({round(float(s), 6) for s in scores}) == 4
    backwards = reranker.rerank(QUERY, candidates[::-1])
    np.testing.assert_allclose(backwards[::-1], scores, atol=1e-5)
    alone = reranker.rerank(QUERY, candidates[:1])
    np.testing.assert_allclose(alone, scores[:1], atol=1e-5)
    assert reranker.rerank(QUERY, []).shape == (0,)


@needs_torchvision
def test_the_model_reads_query_candidate_and_instruction(reranker):
    seen = _rendered(reranker, _picture(3))
    assert f"<Instruct>: {RERANK_INSTRUCTION}\n<Query>: {QUERY}\n<Document>: " in seen
    assert "<|vision_start|><|image_pad|>" in seen and "</think>" in seen
    # A path-like string stays text: Sentence Transformers would otherwise open it as a picture.
    assert "<Document>: photo.jpg<|im_end|>" in _rendered(reranker, "photo.jpg")
    assert "<Instruct>: Find the slide.\n" in _rendered(reranker, "x", prompt="Find the slide.")


@needs_torchvision
def test_an_instruction_changes_the_scores(tiny_reranker_dir, reranker):
    guided = Reranker.load(str(tiny_reranker_dir), device="cpu", instruction="Find the slide.")
    candidates = [_picture(4), "quarterly revenue"]
    assert not np.allclose(guided.rerank(QUERY, candidates), reranker.rerank(QUERY, candidates))


@needs_torchvision
def test_big_pictures_are_shrunk_and_other_things_refused(reranker):
    scores = reranker.rerank(QUERY, [_picture(5, (4000, 3000))])
    assert scores.shape == (1,)
    assert max(reranker._typed(_picture(5, (4000, 3000)))["image"].size) == 768
    with pytest.raises(TypeError, match="PIL images or text"):
        reranker.rerank(QUERY, [b"bytes"])


@pytest.mark.skipif(find_spec("torchvision") is not None, reason="torchvision is installed")
def test_without_torchvision_the_user_is_told_what_is_missing(tiny_reranker_dir):
    with pytest.raises(ModelUnavailable, match=r"Reranker .* needs torchvision") as exc:
        Reranker.load(str(tiny_reranker_dir), device="cpu")
    assert "\n" not in str(exc.value)
