"""Query towers: the models' text sides exported to ONNX give the torch model's vectors."""

from __future__ import annotations

import numpy as np
import pytest

from mediasift.models.encoder import Space
from mediasift.models.export import ensure_tower
from mediasift.models.loading import load_encoder
from mediasift.models.text import load_text_encoder
from mediasift.models.towers import MIN_COSINE, MODEL_FILE, open_tower, tower_dir

QUERIES = [
    "a dog catching a frisbee",
    "Kündigungsfrist für die Wohnung",
    "the screenshot with the permission error",
    "x",
    "receipt  from   the hardware store, 2023!",
]


@pytest.fixture(scope="module", autouse=True)
def _own_cache(tmp_path_factory):
    """Towers made here, not ones other tests' libraries made first (with other settings)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDIASIFT_CACHE", str(tmp_path_factory.mktemp("towers")))
        yield


@pytest.fixture(scope="module")
def clip(tiny_clip):
    return load_encoder(str(tiny_clip))


@pytest.fixture(scope="module")
def text(minilm):
    return load_text_encoder(str(minilm))


@pytest.mark.parametrize("which", ["clip", "text"])
def test_tower_gives_the_torch_models_query_vectors(request, which):
    encoder = request.getfixturevalue(which)
    reference = encoder.tower_source().reference(QUERIES)  # fp32 torch, as the model means
    tower = ensure_tower(encoder, 0.25)
    assert tower is not None and tower.space == encoder.space and tower.min_score == 0.25
    vectors = np.stack([tower.encode_query(q) for q in QUERIES])
    assert vectors.shape == (len(QUERIES), encoder.space.dim)
    cosines = np.sum(vectors * reference, axis=1)
    assert cosines.min() >= MIN_COSINE
    # Different queries stay different: the tower does not answer one vector for everything.
    assert float(vectors[0] @ vectors[2]) < 0.99
    # Opened again from the cache (no torch needed), it answers the same.
    again = open_tower(encoder.space)
    assert np.allclose(again.encode_query(QUERIES[2]), vectors[2], atol=1e-6)
    # A query asked again (each refresh while the indexer commits) is not encoded again, and
    # the vector kept for it cannot be changed by whoever gets it.
    assert again.encode_query(QUERIES[2]) is again.encode_query(QUERIES[2])
    with pytest.raises(ValueError):
        again.encode_query(QUERIES[2])[0] = 1.0


def test_damaged_tower_is_ignored_then_made_again(text):
    assert ensure_tower(text, 0.25) is not None
    model = tower_dir(text.space) / MODEL_FILE
    model.write_bytes(b"not an onnx file")
    assert open_tower(text.space) is None  # logged, never raised: search goes on without it
    remade = ensure_tower(text, 0.25)
    assert remade is not None and model.stat().st_size > 1000


def test_encoder_without_a_tower_source_gets_none():
    class Vlm:  # like the VLM encoder: no tower_source, so its queries keep the torch path
        space = Space("some/vlm", "abc", 8)

    assert ensure_tower(Vlm(), 0.3) is None
    assert not tower_dir(Vlm.space).exists()


def test_failed_export_is_remembered_until_torch_or_onnxruntime_change(text):
    calls = []

    class Broken:
        space = Space("broken/model", "r1", text.space.dim)

        def tower_source(self):
            calls.append(1)
            source = text.tower_source()
            source.embed = lambda features: 1 / 0
            return source

    assert ensure_tower(Broken(), 0.25) is None
    marker = tower_dir(Broken.space).with_name(tower_dir(Broken.space).name + ".failed")
    assert "export failed" in marker.read_text()
    assert ensure_tower(Broken(), 0.25) is None and len(calls) == 1  # not retried
    marker.write_text("torch 0.1, onnxruntime 0.1\nthe ONNX export failed: old")
    assert ensure_tower(Broken(), 0.25) is None and len(calls) == 2  # new versions: tried again
