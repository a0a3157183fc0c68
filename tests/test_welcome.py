"""The first run's page (offscreen widgets) getting its models from the fake hub
(tests/fake_hub.py): the registry's sizes before Start, progress, cancel and resume, offline."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from fake_hub import WEIGHTS, FakeHub

from mediasift.app import welcome as welcome_module
from mediasift.app.welcome import Welcome, models_text
from mediasift.config import Settings
from mediasift.models import download
from mediasift.models.registry import (
    DEFAULT_CPU_MODEL,
    DEFAULT_CPU_SPEECH_MODEL,
    DEFAULT_CUDA_MODEL,
    DEFAULT_CUDA_RERANKER,
    DEFAULT_TEXT_MODEL,
    find_spec,
)

HUB_MODELS = Settings(model="acme/tiny-clip", text_model="acme/tiny-text", transcribe=False)


@pytest.fixture
def page(qtbot, tmp_path, monkeypatch):
    """A Welcome over HUB_MODELS with one suggested folder, ticked."""
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    (tmp_path / "user" / "Pictures").mkdir(parents=True)
    widget = Welcome(HUB_MODELS)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.fetch.cancel()


def test_the_registry_sizes_are_shown_before_anything_downloads(monkeypatch):
    monkeypatch.setattr(welcome_module, "_gpu", lambda: False)
    text = models_text(Settings())
    sizes = [find_spec(m).size_mb for m in (DEFAULT_CPU_MODEL, DEFAULT_TEXT_MODEL,
                                            DEFAULT_CPU_SPEECH_MODEL)]  # fmt: skip
    assert all(f"({size:,} MB)" in text for size in sizes) and f"{sum(sizes):,} MB" in text
    assert "Speech" not in models_text(Settings(transcribe=False))
    assert "size unknown" in models_text(HUB_MODELS)
    assert "Second look" not in text  # no reranker by default on the processor


def test_on_a_gpu_the_reranker_is_downloaded_too_unless_turned_off(monkeypatch):
    monkeypatch.setattr(welcome_module, "_gpu", lambda: True)
    text = models_text(Settings(transcribe=False))
    sizes = [find_spec(m).size_mb for m in (DEFAULT_CUDA_MODEL, DEFAULT_TEXT_MODEL,
                                            DEFAULT_CUDA_RERANKER)]  # fmt: skip
    assert f"Second look: {DEFAULT_CUDA_RERANKER.split('/')[1]} ({sizes[2]:,} MB)" in text
    assert f"{sum(sizes):,} MB at most" in text
    assert "Second look" not in models_text(Settings(transcribe=False, reranker="off"))


def test_start_gets_the_models_with_progress_then_starts(qtbot, page, hub):
    shown = []
    page.fetch.progress.connect(lambda *_: shown.append(page.fetch_text.text()))
    with qtbot.waitSignal(page.start, timeout=20_000) as started:
        page.start_button.click()
        assert page.cancel_button.isVisible() and not page.start_button.isVisible()
    assert started.args == [[str(Path.home() / "Pictures")]]
    assert any(line.startswith("Getting tiny-clip (1 of 2): ") for line in shown)
    assert shown[-1].startswith("Getting tiny-text (2 of 2): 3.1 MB of 3.1 MB · ")
    assert any("MB/s" in line and "s left" in line for line in shown)  # rate and time left
    assert download.cached_snapshot("acme/tiny-clip") and download.cached_snapshot("acme/tiny-text")
    assert page.start_button.isVisible() and page.fetch_text.text() == ""


def test_cancel_keeps_what_came_and_try_again_resumes(qtbot, page, hub, monkeypatch):
    monkeypatch.setattr(FakeHub, "hold_after", 1 << 20)
    monkeypatch.setattr(FakeHub, "go_on", threading.Event())
    page.start_button.click()
    qtbot.waitUntil(lambda: "1.0 MB of 3.1 MB" in page.fetch_text.text(), timeout=20_000)
    page.cancel_button.click()
    FakeHub.go_on.set()  # the next bytes arrive, and the download stops there
    qtbot.waitUntil(page.without_button.isVisible, timeout=20_000)
    assert "Stopped" in page.fetch_text.text() and page.start_button.text() == "Try again"
    kept = download.partial_bytes("acme/tiny-clip")
    assert 1 << 20 <= kept < len(WEIGHTS)

    monkeypatch.setattr(FakeHub, "hold_after", None)
    FakeHub.served.clear()
    with qtbot.waitSignal(page.start, timeout=20_000):
        page.start_button.click()
    assert FakeHub.served[0] == len(WEIGHTS) - kept  # only the rest was asked for
    assert download.partial_bytes("acme/tiny-clip") == 0


def test_offline_says_so_at_once_and_indexing_can_start_anyway(qtbot, page, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-hf"))  # nothing cached
    page.start_button.click()  # HF_HUB_OFFLINE=1 (tests/conftest.py)
    qtbot.waitUntil(page.without_button.isVisible, timeout=5_000)
    assert "HF_HUB_OFFLINE" in page.fetch_text.text() and "acme/tiny-clip" in page.fetch_text.text()
    with qtbot.waitSignal(page.start, timeout=1_000):
        page.without_button.click()
    assert not page.without_button.isVisible() and page.start_button.text() == "Start"
