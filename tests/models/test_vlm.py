"""VlmEncoder through SentenceTransformer(folder), with a tiny random CLIP saved in ST format.

The tiny model goes through the same ``load_encoder(folder)`` -> ``SentenceTransformer(folder)``
call and the same ``encode_document``/``encode_query`` calls as Qwen3-VL-Embedding does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mediasift.models import load_encoder
from mediasift.models.random_weights import save_random_st_clip
from mediasift.models.vlm import DEFAULT_MAX_SIDE, VlmEncoder


def _picture(seed: int, size: tuple[int, int] = (120, 90)) -> Image.Image:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    return Image.fromarray(small).resize(size, Image.Resampling.BICUBIC)


def test_sentence_transformers_folder_loads_as_vlm(vlm_encoder, tiny_st_dir):
    assert isinstance(vlm_encoder, VlmEncoder)
    assert vlm_encoder.space.model_id == str(tiny_st_dir.resolve())
    assert vlm_encoder.space.dim == 32
    assert vlm_encoder.query_prompt_name == "query"
    assert vlm_encoder.image_size == DEFAULT_MAX_SIDE


def test_images_are_embedded_as_images(vlm_encoder):
    images = [_picture(1), _picture(2, (300, 40)), Image.new("RGBA", (50, 50), (0, 0, 255, 90))]
    prepared = [vlm_encoder.prepare_image(image) for image in images]
    vectors = vlm_encoder.encode_prepared(prepared)
    assert vectors.shape == (3, 32) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert float(vectors[0] @ vectors[1]) < 0.9999
    # Same vector as Sentence Transformers gives the decoded image, and not the text vector of
    # a file name (what ST silently makes of a path it cannot open).
    expected = vlm_encoder.model.encode(prepared[:1], convert_to_numpy=True)
    np.testing.assert_allclose(vectors[0], expected[0] / np.linalg.norm(expected[0]), atol=1e-5)
    as_text = vlm_encoder.model.encode(["picture.jpg"], convert_to_numpy=True)
    assert not np.allclose(vectors[0], as_text[0] / np.linalg.norm(as_text[0]), atol=1e-3)


def test_paths_are_refused(vlm_encoder, tmp_path):
    path = tmp_path / "photo.heic"
    _picture(3).save(tmp_path / "photo.png")
    with pytest.raises(TypeError, match="PIL images"):
        vlm_encoder.encode_prepared([str(path)])
    with pytest.raises(TypeError):
        vlm_encoder.encode_prepared([tmp_path / "photo.png"])


def test_prepare_image_caps_the_longest_side_and_makes_rgb(vlm_encoder):
    wide = vlm_encoder.prepare_image(Image.new("RGBA", (3000, 200), (0, 0, 0, 0)))
    assert wide.mode == "RGB"
    assert wide.size == (DEFAULT_MAX_SIDE, round(200 * DEFAULT_MAX_SIDE / 3000))
    assert wide.getpixel((10, 10)) == (255, 255, 255)  # transparent became white
    small = _picture(4, (64, 48)).convert("L")
    assert vlm_encoder.prepare_image(small).size == (64, 48)


def test_queries_use_the_model_query_prompt(vlm_encoder, query_prompt):
    got = vlm_encoder.encode_texts(["a red kite", "budget meeting"])
    assert got.shape == (2, 32)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    with_prompt = vlm_encoder.model.encode([query_prompt + "a red kite"], convert_to_numpy=True)
    without = vlm_encoder.model.encode(["a red kite"], convert_to_numpy=True)
    np.testing.assert_allclose(got[0], with_prompt[0], atol=1e-5)
    assert not np.allclose(got[0], without[0], atol=1e-3)


def test_model_without_query_prompt_encodes_plain_text(tmp_path: Path):
    encoder = load_encoder(str(save_random_st_clip(tmp_path / "plain", seed=3)), device="cpu")
    assert encoder.query_prompt_name is None
    got = encoder.encode_texts(["a red kite"])
    plain = encoder.model.encode(["a red kite"], convert_to_numpy=True)
    np.testing.assert_allclose(got[0], plain[0], atol=1e-5)


def test_empty_inputs(vlm_encoder):
    assert vlm_encoder.encode_prepared([]).shape == (0, 32)
    assert vlm_encoder.encode_texts([]).shape == (0, 32)
