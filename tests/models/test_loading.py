"""load_encoder: local folders, spaces, the hub cache, and every way a model can be missing."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from mediasift.models import ModelUnavailable, default_model_id, get_spec, load_encoder
from mediasift.models.device import choose_device, describe_device
from mediasift.models.loading import files_to_download, folder_revision
from mediasift.models.random_weights import save_random_clip

MISSING_ID = "mediasift-test/no-such-model"


@pytest.fixture
def empty_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty hub cache and a hub endpoint that refuses connections."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    return tmp_path / "hf" / "hub"


def _assert_clear_unreachable_message(exc: ModelUnavailable, model_id: str) -> None:
    message = str(exc)
    assert f"Model '{model_id}' is not on this computer" in message
    assert "model hub cannot be reached" in message
    assert "--model FOLDER" in message and "MEDIASIFT_MODEL" in message
    assert f"`mediasift models get {model_id}`" in message  # how to get it, said once
    assert "\n" not in message


def test_unreachable_hub_raises_a_clear_message(empty_hub):
    with pytest.raises(ModelUnavailable) as info:
        load_encoder(MISSING_ID, device="cpu")
    _assert_clear_unreachable_message(info.value, MISSING_ID)


def test_offline_mode_raises_the_same_message(empty_hub, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailable) as info:
        load_encoder("openai/clip-vit-base-patch32", device="cpu")
    _assert_clear_unreachable_message(info.value, "openai/clip-vit-base-patch32")


def test_default_model_offline_says_which_model_is_missing(empty_hub, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailable) as info:
        load_encoder(None, device="cpu")
    _assert_clear_unreachable_message(info.value, default_model_id("cpu"))


def test_cached_hub_model_loads_offline(empty_hub, monkeypatch, tiny_clip_dir):
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = empty_hub / "models--mediasift-test--tiny-clip"
    shutil.copytree(tiny_clip_dir, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    encoder = load_encoder("mediasift-test/tiny-clip", device="cpu")
    assert encoder.space.model_id == "mediasift-test/tiny-clip"
    assert encoder.space.revision == commit
    assert encoder.encode_texts(["hello"]).shape == (1, encoder.space.dim)


def test_missing_folder_raises(tmp_path):
    missing = tmp_path / "models" / "clip"
    with pytest.raises(ModelUnavailable, match="does not exist"):
        load_encoder(str(missing), device="cpu")


def test_a_file_is_not_a_model_folder(tmp_path):
    file = tmp_path / "model.bin"
    file.write_bytes(b"x")
    with pytest.raises(ModelUnavailable, match="not a model folder"):
        load_encoder(str(file), device="cpu")


def test_folder_without_a_model_raises(tmp_path):
    with pytest.raises(ModelUnavailable, match="not a model MediaSift can use"):
        load_encoder(str(tmp_path), device="cpu")


def test_clip_folder_without_weights_raises(tmp_path, tiny_clip_dir):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_clip_dir, broken)
    (broken / "model.safetensors").unlink()
    with pytest.raises(ModelUnavailable, match="could not be loaded"):
        load_encoder(str(broken), device="cpu")


def test_revision_follows_the_folder_contents(tmp_path):
    folder = save_random_clip(tmp_path / "clip", seed=1)
    first = load_encoder(str(folder), device="cpu").space
    assert load_encoder(str(folder), device="cpu").space == first
    assert folder_revision(folder) == first.revision

    save_random_clip(folder, seed=2)  # same shapes and sizes, different weights
    second = load_encoder(str(folder), device="cpu").space
    assert second.revision != first.revision
    assert second.model_id == first.model_id and second.dim == first.dim


def test_revision_changes_with_the_config(tmp_path, tiny_clip_dir):
    copy = tmp_path / "copy"
    shutil.copytree(tiny_clip_dir, copy)
    assert folder_revision(copy) == folder_revision(tiny_clip_dir)
    config = copy / "config.json"
    config.write_text(config.read_text().replace("{", '{\n  "note": "edited",', 1))
    assert folder_revision(copy) != folder_revision(tiny_clip_dir)


def test_download_list_takes_one_weight_format():
    siblings = [
        SimpleNamespace(rfilename=name)
        for name in (
            "config.json",
            "preprocessor_config.json",
            "tokenizer.json",
            "merges.txt",
            "README.md",
            "model.safetensors",
            "pytorch_model.bin",
            "tf_model.h5",
            "flax_model.msgpack",
            "open_clip_model.safetensors",
            "onnx/model.onnx",
            "onnx/config.json",
            "1_Pooling/config.json",
        )
    ]
    assert files_to_download(siblings) == [
        "1_Pooling/config.json",
        "config.json",
        "merges.txt",
        "model.safetensors",
        "preprocessor_config.json",
        "tokenizer.json",
    ]
    only_bin = [s for s in siblings if not s.rfilename.endswith(".safetensors")]
    assert "pytorch_model.bin" in files_to_download(only_bin)


def test_registry_and_defaults():
    assert default_model_id("cpu") == "openai/clip-vit-base-patch32"
    assert default_model_id("mps") == "openai/clip-vit-base-patch32"
    assert default_model_id("cuda") == "Qwen/Qwen3-VL-Embedding-2B"
    qwen = get_spec("qwen/qwen3-vl-embedding-2b")
    assert qwen is not None and qwen.kind == "vlm" and qwen.dim == 2048
    for model_id in (
        "openai/clip-vit-base-patch32",
        "openai/clip-vit-base-patch16",
        "laion/CLIP-ViT-B-32-laion2B-s34B-b79K",
    ):
        spec = get_spec(model_id)
        assert spec is not None and spec.kind == "clip" and spec.dim == 512
    assert get_spec("someone/unknown") is None


def test_device_choice(monkeypatch):
    from mediasift.models import device

    def machine(cuda: bool, mps: bool) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
        monkeypatch.setattr(device, "_mps_available", lambda: mps)

    machine(cuda=False, mps=False)
    assert choose_device() == "cpu"
    assert choose_device("cuda") == choose_device("mps") == "cpu"  # missing: the best there is
    assert choose_device("no-such-device") == "cpu"
    machine(cuda=False, mps=True)
    assert choose_device() == choose_device("cuda:1") == choose_device(" MPS ") == "mps"
    assert choose_device("cpu") == "cpu"
    machine(cuda=True, mps=True)
    assert choose_device() == "cuda" and choose_device("cuda:1") == "cuda:1"
    assert choose_device("mps") == "mps" and choose_device("cpu") == "cpu"
    line = describe_device("cpu")
    assert line.startswith("cpu:") and "torch" in line and "\n" not in line
