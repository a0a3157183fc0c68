"""ClipEncoder loaded from a tiny random CLIP folder through load_encoder."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from PIL import Image

from mediasift.models import Encoder, Space
from mediasift.models.clip import ClipEncoder


def _photo(seed: int, size: tuple[int, int] = (500, 375)) -> Image.Image:
    """A smooth random picture (noise upscaled), closer to a photo than pure noise."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
    return Image.fromarray(small).resize(size, Image.Resampling.BICUBIC)


def _odd_images() -> list[Image.Image]:
    rgba = Image.new("RGBA", (64, 48), (255, 0, 0, 128))
    palette = _photo(3, (50, 40)).convert("P")
    deep = Image.fromarray((np.arange(40 * 30, dtype=np.uint16) * 50).reshape(30, 40))
    return [
        _photo(1, (40, 900)),  # tall
        _photo(2, (1, 300)),  # 1 pixel wide
        _photo(4, (2000, 3)),  # 3 pixels high panorama
        Image.new("RGB", (1, 1), (10, 200, 30)),
        rgba,
        _photo(5).convert("L"),
        palette,
        deep,  # 16-bit greyscale
    ]


def test_loads_through_load_encoder_with_a_local_space(clip_encoder, tiny_clip_dir):
    assert isinstance(clip_encoder, ClipEncoder)
    assert isinstance(clip_encoder, Encoder)
    space = clip_encoder.space
    assert isinstance(space, Space)
    assert space.model_id == str(tiny_clip_dir.resolve())
    assert space.dim == 32
    assert re.fullmatch(r"[0-9a-f]{12}", space.revision)
    assert clip_encoder.image_size == 32
    assert 0 < clip_encoder.min_score < 1


def test_image_vectors_have_the_right_shape_and_unit_length(clip_encoder):
    items = [clip_encoder.prepare_image(_photo(seed)) for seed in range(3)]
    vectors = clip_encoder.encode_prepared(items)
    assert vectors.shape == (3, 32)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_same_image_gives_the_same_vector_in_any_batch(clip_encoder):
    alone = clip_encoder.encode_prepared([clip_encoder.prepare_image(_photo(7))])
    batch = clip_encoder.encode_prepared([clip_encoder.prepare_image(_photo(s)) for s in (8, 7, 9)])
    # The int8 image tower scales activations per batch, so batch mates move a vector a little
    # (different pictures are below 0.99 here).
    assert float(alone[0] @ batch[1]) > 0.9995


def test_different_images_give_different_vectors(clip_encoder):
    a, b = clip_encoder.encode_prepared(
        [clip_encoder.prepare_image(_photo(10)), clip_encoder.prepare_image(_photo(11))]
    )
    assert float(a @ b) < 0.9999


def test_odd_images_prepare_and_encode_in_one_batch(clip_encoder):
    items = [clip_encoder.prepare_image(image) for image in _odd_images()]
    for item in items:
        assert item.shape == (3, 32, 32)
        assert item.dtype == np.float32
        assert np.isfinite(item).all()
    vectors = clip_encoder.encode_prepared(items)
    assert vectors.shape == (len(items), 32)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_transparent_pixels_count_as_white(clip_encoder):
    clear = clip_encoder.prepare_image(Image.new("RGBA", (40, 40), (0, 0, 0, 0)))
    white = clip_encoder.prepare_image(Image.new("RGB", (40, 40), (255, 255, 255)))
    np.testing.assert_allclose(clear, white, atol=1e-6)


def test_prepare_image_matches_the_transformers_image_processor(clip_encoder, tiny_clip_dir):
    from transformers import CLIPImageProcessor

    processor = CLIPImageProcessor.from_pretrained(str(tiny_clip_dir))
    for image in (_photo(12, (500, 375)), _photo(13, (300, 600))):
        expected = processor(images=image, return_tensors="np")["pixel_values"][0]
        got = clip_encoder.prepare_image(image)
        assert got.shape == expected.shape
        # Same resize/crop/normalization; only sub-pixel resampling differences remain.
        assert float(np.abs(got - expected).mean()) < 0.01


def test_prepare_image_is_thread_safe(clip_encoder):
    images = [_photo(seed) for seed in range(16)]
    serial = [clip_encoder.prepare_image(image) for image in images]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(clip_encoder.prepare_image, images))
    for a, b in zip(serial, parallel, strict=True):
        np.testing.assert_array_equal(a, b)


def test_text_vectors(clip_encoder):
    vectors = clip_encoder.encode_texts(["a cat on the sofa", "the permission error dialog"])
    assert vectors.shape == (2, 32)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert float(vectors[0] @ vectors[1]) < 0.9999
    again = clip_encoder.encode_texts(["a cat on the sofa"])
    # int8 dynamic quantization scales activations per batch: alone vs batched differs slightly.
    assert float(again[0] @ vectors[0]) > 0.995
    np.testing.assert_array_equal(clip_encoder.encode_texts(["a cat on the sofa"]), again)
    long_query = clip_encoder.encode_texts(["word " * 500])  # longer than 77 tokens
    assert long_query.shape == (1, 32)


def test_empty_inputs_give_empty_arrays(clip_encoder):
    assert clip_encoder.encode_prepared([]).shape == (0, 32)
    assert clip_encoder.encode_texts([]).shape == (0, 32)


def test_text_queries_while_images_encode(clip_encoder):
    items = [clip_encoder.prepare_image(_photo(seed)) for seed in range(8)]
    queries = [f"query number {i}" for i in range(8)]
    expected_images = clip_encoder.encode_prepared(items)
    expected_texts = [clip_encoder.encode_texts([q])[0] for q in queries]
    with ThreadPoolExecutor(max_workers=3) as pool:
        image_jobs = [pool.submit(clip_encoder.encode_prepared, items) for _ in range(3)]
        text_jobs = [pool.submit(clip_encoder.encode_texts, [q]) for q in queries]
        for job in image_jobs:
            np.testing.assert_allclose(job.result(), expected_images, atol=1e-5)
        for i, job in enumerate(text_jobs):
            np.testing.assert_allclose(job.result()[0], expected_texts[i], atol=1e-5)


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "LA", "L", "P", "CMYK", "1", "I;16", "F"])
def test_every_common_mode_prepares(clip_encoder, mode):
    image = _photo(20, (45, 30)).convert(mode) if mode not in ("I;16", "F") else None
    if image is None:
        arr = np.linspace(0, 1000, 45 * 30).reshape(30, 45)
        image = Image.fromarray(arr.astype(np.uint16 if mode == "I;16" else np.float32))
    item = clip_encoder.prepare_image(image)
    assert item.shape == (3, 32, 32)
    assert np.isfinite(item).all()
    assert float(item.std()) > 0  # not flattened to one colour


def test_cpu_queries_use_an_int8_text_tower_close_to_fp32(clip_encoder, tiny_clip_dir):
    from transformers import AutoTokenizer, CLIPModel

    fc1 = clip_encoder.model.text_model.encoder.layers[0].mlp.fc1
    assert "quantized" in type(fc1).__module__
    full = CLIPModel.from_pretrained(str(tiny_clip_dir)).eval()
    tokens = AutoTokenizer.from_pretrained(str(tiny_clip_dir))(["a cat"], return_tensors="pt")
    with torch.inference_mode():
        reference = full.get_text_features(**tokens).pooler_output[0].numpy()
    reference /= np.linalg.norm(reference)
    assert float(clip_encoder.encode_texts(["a cat"])[0] @ reference) > 0.99
