"""Image towers: CLIP's picture side on ONNX Runtime, made once, checked against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from transformers import CLIPModel

from mediasift.models import image_export
from mediasift.models.encoder import l2_normalize
from mediasift.models.image_export import IMAGE_MIN_COSINE, probe_pixels
from mediasift.models.loading import load_encoder
from mediasift.models.towers import MODEL_FILE, image_towers_dir, tower_dir


@pytest.fixture(scope="module", autouse=True)
def _own_cache(tmp_path_factory):
    """Towers made here, so the first load in this module is the one that makes them."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDIASIFT_CACHE", str(tmp_path_factory.mktemp("image-towers")))
        yield


@pytest.fixture(scope="module")
def clip(tiny_clip):
    return load_encoder(str(tiny_clip), device="cpu")


@pytest.fixture(scope="module")
def pixels(clip) -> np.ndarray:
    """Real photographs (the shipped probes) prepared for the tiny model."""
    return probe_pixels(clip.prepare_image)


def _torch_vectors(folder, pixels: np.ndarray) -> np.ndarray:
    """What the torch fp32 model, loaded on its own, makes of ``pixels``."""
    model = CLIPModel.from_pretrained(str(folder)).eval()
    with torch.inference_mode():
        features = model.get_image_features(pixel_values=torch.from_numpy(pixels))
    return l2_normalize(features.pooler_output.numpy())


def test_cpu_images_go_through_a_tower_close_to_torch(clip, tiny_clip, pixels):
    tower = clip.image_tower
    assert tower is not None and tower.space == clip.space
    assert tower.info.precision == "int8" and tower.info.cosine >= IMAGE_MIN_COSINE
    assert (tower_dir(clip.space, image_towers_dir()) / MODEL_FILE).is_file()
    # The torch vision weights are gone: images can only have been encoded by the tower.
    assert clip.model.vision_model is None and clip.model.visual_projection is None
    vectors = clip.encode_prepared(list(pixels))
    assert vectors.shape == (len(pixels), clip.space.dim)
    cosines = np.sum(vectors * _torch_vectors(tiny_clip, pixels), axis=1)
    assert cosines.min() >= IMAGE_MIN_COSINE
    assert float(vectors[0] @ vectors[2]) < 0.999  # different photos stay apart


def test_second_load_opens_the_tower_without_exporting(clip, tiny_clip, pixels, monkeypatch):
    def no_export(*args, **kwargs):
        raise AssertionError("exported again")

    monkeypatch.setattr(image_export, "export_onnx", no_export)
    again = load_encoder(str(tiny_clip), device="cpu")
    assert again.image_tower is not None and again.image_tower.info == clip.image_tower.info
    np.testing.assert_allclose(
        again.encode_prepared(list(pixels[:4])), clip.encode_prepared(list(pixels[:4])), atol=1e-6
    )


def test_failed_export_falls_back_to_torch_and_is_remembered(
    tiny_clip, pixels, tmp_path, monkeypatch
):
    monkeypatch.setenv("MEDIASIFT_CACHE", str(tmp_path))
    calls = []

    def broken_export(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("unsupported operator")

    monkeypatch.setattr(image_export, "export_onnx", broken_export)
    encoder = load_encoder(str(tiny_clip), device="cpu")
    assert encoder.image_tower is None and encoder.model.vision_model is not None
    vectors = encoder.encode_prepared(list(pixels))
    np.testing.assert_allclose(vectors, _torch_vectors(tiny_clip, pixels), atol=1e-5)
    folder = tower_dir(encoder.space, image_towers_dir())
    assert "unsupported operator" in folder.with_name(folder.name + ".failed").read_text()
    assert load_encoder(str(tiny_clip), device="cpu").image_tower is None
    assert len(calls) == 1  # not tried again with the same torch and onnxruntime


def test_tower_too_far_from_the_model_is_not_used(tiny_clip, tmp_path, monkeypatch):
    monkeypatch.setenv("MEDIASIFT_CACHE", str(tmp_path))
    monkeypatch.setattr(image_export, "IMAGE_MIN_COSINE", 1.01)  # nothing can be that close
    encoder = load_encoder(str(tiny_clip), device="cpu")
    assert encoder.image_tower is None and encoder.model.vision_model is not None
    folder = tower_dir(encoder.space, image_towers_dir())
    assert not folder.exists()
    assert "differs" in folder.with_name(folder.name + ".failed").read_text()
