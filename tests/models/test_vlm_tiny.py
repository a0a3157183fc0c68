"""A tiny random Qwen3-VL-Embedding through the production path: ``load_encoder(folder)`` ->
``SentenceTransformer(folder)`` -> Qwen3-VL weights, ``Qwen3VLProcessor`` and its chat template,
last-token pooling, as Qwen/Qwen3-VL-Embedding-2B loads. Pictures, queries and video frames.

The model loads only with torchvision (transformers builds the processor with its video part),
which the default environment lacks: there the test that runs is the one for the message a user
gets; .ci/run runs the rest in packaging/vlm-test-env.sh's environment.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest
from helpers import needs_torchvision, write_image
from PIL import Image

from mediasift.bench.clips import Shot, write_scene_clip
from mediasift.config import Settings
from mediasift.library import Library
from mediasift.media.video import cut_scenes
from mediasift.models import ModelUnavailable, load_encoder
from mediasift.models.loading import folder_revision
from mediasift.models.random_qwen import DOCUMENT_INSTRUCTION, QUERY_INSTRUCTION
from mediasift.models.vlm import VlmEncoder

DIM = 32


def _picture(seed: int, size: tuple[int, int] = (120, 90)) -> Image.Image:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    return Image.fromarray(small).resize(size, Image.Resampling.BICUBIC)


@pytest.fixture(scope="module")
def qwen(tiny_qwen_dir) -> VlmEncoder:
    return load_encoder(str(tiny_qwen_dir), device="cpu")


def _rendered(encoder: VlmEncoder, inputs: list, prompt: str | None = None) -> str:
    """What the model reads for the first input, special tokens and all."""
    transformer = encoder.model[0]
    features = transformer.preprocess(inputs, prompt=prompt)
    return transformer.processor.tokenizer.decode(features["input_ids"][0])


@pytest.mark.skipif(find_spec("torchvision") is not None, reason="torchvision is installed")
def test_without_torchvision_the_user_is_told_what_is_missing(tiny_qwen_dir):
    with pytest.raises(ModelUnavailable, match="needs torchvision, which is not installed") as exc:
        load_encoder(str(tiny_qwen_dir), device="cpu")
    assert "\n" not in str(exc.value)


@needs_torchvision
def test_the_folder_loads_as_the_hub_model_does(qwen, tiny_qwen_dir):
    assert isinstance(qwen, VlmEncoder)
    space = qwen.space
    assert (space.model_id, space.dim) == (str(tiny_qwen_dir.resolve()), DIM)
    assert space.revision == folder_revision(tiny_qwen_dir.resolve())
    transformer, pooling, _normalize = qwen.model
    assert type(transformer.auto_model).__name__ == "Qwen3VLModel"
    assert type(transformer.processor).__name__ == "Qwen3VLProcessor"
    assert pooling.pooling_mode == "lasttoken"
    assert qwen.query_prompt_name == "query"


@needs_torchvision
def test_pictures_become_unit_vectors_that_depend_on_the_pixels(qwen):
    pictures = [_picture(1), _picture(2, (300, 40)), Image.new("RGBA", (50, 50), (0, 0, 255, 90))]
    vectors = qwen.encode_prepared([qwen.prepare_image(p) for p in pictures])
    assert vectors.shape == (3, DIM) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert float(vectors[0] @ vectors[1]) < 0.9999
    alone = qwen.encode_prepared([qwen.prepare_image(pictures[0])])
    np.testing.assert_allclose(alone[0], vectors[0], atol=1e-5)  # batching changes nothing
    seen = _rendered(qwen, [qwen.prepare_image(pictures[0])])
    assert seen.startswith(f"<|im_start|>system\n{DOCUMENT_INSTRUCTION}<|im_end|>")
    assert "<|vision_start|><|image_pad|>" in seen and seen.endswith("<|im_start|>assistant\n")


@needs_torchvision
def test_the_same_folder_gives_the_same_vectors_after_a_reload(qwen, tiny_qwen_dir):
    again = load_encoder(str(tiny_qwen_dir), device="cpu")
    picture = qwen.prepare_image(_picture(5))
    np.testing.assert_array_equal(qwen.encode_prepared([picture]), again.encode_prepared([picture]))
    np.testing.assert_array_equal(qwen.encode_texts(["kite"]), again.encode_texts(["kite"]))
    assert again.space == qwen.space


@needs_torchvision
def test_queries_carry_the_query_instruction_into_the_picture_space(qwen):
    queries = qwen.encode_texts(["a red kite", "budget meeting"])
    assert queries.shape == (2, DIM)
    np.testing.assert_allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)
    prompted = qwen.model.encode(["a red kite"], prompt=QUERY_INSTRUCTION)
    np.testing.assert_allclose(queries[0], prompted[0] / np.linalg.norm(prompted[0]), atol=1e-5)
    seen = _rendered(qwen, ["a red kite"], prompt=QUERY_INSTRUCTION)
    assert seen.startswith(f"<|im_start|>system\n{QUERY_INSTRUCTION}<|im_end|>")
    as_document = qwen.model.encode_document(["a red kite"], normalize_embeddings=True)
    assert not np.allclose(queries[0], as_document[0], atol=1e-4)
    pictures = qwen.encode_prepared([qwen.prepare_image(_picture(i)) for i in range(3)])
    scores = queries @ pictures.T  # one space: every query scores against every picture
    assert scores.shape == (2, 3) and np.all(np.abs(scores) <= 1.0 + 1e-5)


@needs_torchvision
def test_video_frames_go_through_the_picture_path(qwen, tmp_path):
    """The indexer embeds one PyAV-decoded frame per scene as a picture: the model's own video
    input (and so its torchvision video processor) is never used."""
    clip = tmp_path / "two scenes.mp4"
    write_scene_clip(clip, [Shot("shapes", 1.5, 1), Shot("text", 1.5, 2)], size=(320, 180))
    frames = [scene.frames[0] for scene in cut_scenes(clip, max_side=qwen.image_size)]
    assert len(frames) == 2
    vectors = qwen.encode_prepared([qwen.prepare_image(frame) for frame in frames])
    assert vectors.shape == (2, DIM)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert float(vectors[0] @ vectors[1]) < 0.9999


@needs_torchvision
def test_a_library_indexes_pictures_and_clip_scenes_and_answers_queries(tiny_qwen_dir, tmp_path):
    """The indexer's own path: pictures prepared in its process, the model in its child."""
    folder = tmp_path / "media"
    write_image(folder / "photo.jpg", 1)
    write_scene_clip(
        folder / "clip.mp4", [Shot("shapes", 1.5, 1), Shot("text", 1.5, 2)], (320, 180)
    )
    settings = Settings(model=str(tiny_qwen_dir), min_score=-1.0, ocr=False, transcribe=False)
    with Library(tmp_path / "home", settings) as lib:
        lib.add_folder(folder)
        summary = lib.index()
        counts = lib.catalog.rows(
            "SELECT f.kind, count(v.segment_id) AS n FROM files f JOIN segments s"
            " ON s.file_id = f.id JOIN vectors v ON v.segment_id = s.id GROUP BY f.kind"
        )
        found = lib.search("a red kite", n=5).results
    assert summary.failed == []
    assert {row["kind"]: row["n"] for row in counts} == {"image": 1, "video": 2}
    assert {Path(hit.path).name for hit in found} == {"photo.jpg", "clip.mp4"}
