"""Model downloads against the fake hub (tests/fake_hub.py): progress, resume, checks, room,
offline, sideloading."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path

import pytest
from fake_hub import COMMIT, CONFIG, REPO, WEIGHTS, FakeHub

from mediasift.cli import main
from mediasift.models import download
from mediasift.models.download import Cancelled, DownloadError, NotEnoughSpace, Offline, fetch
from mediasift.models.encoder import ModelUnavailable
from mediasift.models.loading import resolve_model


def test_download_reports_progress_checks_and_loads_offline(hub, monkeypatch):
    events = []
    result = fetch(REPO, on_progress=events.append)
    total = len(CONFIG) + len(WEIGHTS)
    assert result.source == "hub" and result.revision == COMMIT
    assert result.total_bytes == result.fetched_bytes == total
    assert result.redownloaded_bytes == result.resumed_bytes == 0
    assert sorted(result.checked) == ["config.json: size + git-sha1",
                                      "model.safetensors: size + sha256"]  # fmt: skip
    dones = [e.done for e in events]
    assert dones == sorted(dones) and dones[-1] == total and len(events) >= 48
    assert events[-1].rate > 0 and events[-1].eta == 0
    folder = result.folder
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors"]
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS
    # What huggingface_hub and the loader read, with the hub switched off:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert download.cached_snapshot(REPO) == folder
    assert resolve_model(REPO)[0] == folder and resolve_model(REPO)[2] == COMMIT
    again = fetch(REPO)
    assert again.source == "cache" and again.fetched_bytes == 0 and again.folder == folder


def test_cancel_keeps_the_partial_and_a_rerun_resumes(hub):
    stop = threading.Event()

    def cancel_after_a_megabyte(event) -> None:
        if event.done > 1 << 20:
            stop.set()

    with pytest.raises(Cancelled, match="resume"):
        fetch(REPO, on_progress=cancel_after_a_megabyte, cancel=stop)
    kept = download.partial_bytes(REPO)
    assert 1 << 20 <= kept < len(WEIGHTS)
    assert download.cached_snapshot(REPO) is None  # not mistaken for a complete download

    FakeHub.served.clear()
    result = fetch(REPO)
    assert result.resumed_bytes == kept and result.redownloaded_bytes == 0
    assert result.fetched_bytes == len(WEIGHTS) - kept == sum(FakeHub.served)
    assert (result.folder / "model.safetensors").read_bytes() == WEIGHTS
    assert download.partial_bytes(REPO) == 0


def test_ctrl_c_keeps_the_partial(hub):
    def interrupt(event) -> None:
        if event.done > 1 << 20:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch(REPO, on_progress=interrupt)
    kept = download.partial_bytes(REPO)
    assert kept >= 1 << 20
    assert fetch(REPO).resumed_bytes == kept


def test_a_dropped_connection_says_so_and_keeps_the_partial(hub, monkeypatch):
    monkeypatch.setattr(FakeHub, "cut_after", 1 << 20)
    with pytest.raises(DownloadError, match=r"broke off.*Run it again to resume"):
        fetch(REPO)
    assert download.partial_bytes(REPO) == 1 << 20
    monkeypatch.setattr(FakeHub, "cut_after", None)
    assert fetch(REPO).resumed_bytes == 1 << 20


def test_the_loader_fetches_the_same_way(hub, monkeypatch):
    monkeypatch.setattr(FakeHub, "cut_after", 1 << 20)
    with pytest.raises(ModelUnavailable, match=r"download of 'acme/tiny-clip' broke off"):
        resolve_model(REPO)
    monkeypatch.setattr(FakeHub, "cut_after", None)
    folder, model_id, revision = resolve_model(REPO)  # resumes what the broken try kept
    assert (model_id, revision) == (REPO, COMMIT)
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS
    assert sum(FakeHub.served) == len(CONFIG) + len(WEIGHTS)  # each byte once, README never


def test_models_commands(hub, capsys):
    clip = "openai/clip-vit-base-patch32"
    assert main(["models", "get", clip]) == 0
    out = capsys.readouterr().out
    assert f"Downloaded: {clip}" in out and "verified model.safetensors: size + sha256" in out
    assert "re-downloaded 0.0 MB" in out
    assert main(["models", "--json"]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert {row["role"] for row in rows.values()} == {"visual", "text", "speech", "reranker"}
    assert rows["Qwen/Qwen3-VL-Reranker-2B"]["default"] == "GPU default"
    assert rows[clip]["state"] == "downloaded" and rows[clip]["default"] == "CPU default"
    assert rows["openai/clip-vit-base-patch16"]["state"] == "not downloaded"
    assert rows["Qwen/Qwen3-VL-Embedding-2B"]["vram_gb"] == 8.0
    assert main(["models"]) == 0
    assert "ROLE" in capsys.readouterr().out
    assert main(["models", "get", "openai/clip-vit-base-patch16"]) == 0  # the fake hub has it
    capsys.readouterr()
    main(["models", "get", "/no/such/folder"])
    assert "does not exist" in capsys.readouterr().err


def test_damaged_partial_is_caught_and_removed(hub):
    blobs = download.storage_folder(REPO) / "blobs"
    blobs.mkdir(parents=True)
    sha = hashlib.sha256(WEIGHTS).hexdigest()
    (blobs / f"{sha}.incomplete").write_bytes(b"x" * 1000)  # not this file's first bytes
    with pytest.raises(DownloadError, match="damaged"):
        fetch(REPO)
    assert download.partial_bytes(REPO) == 0
    assert fetch(REPO).fetched_bytes == len(WEIGHTS)


def test_refuses_when_the_disk_is_too_full(hub, monkeypatch):
    monkeypatch.setattr(download, "free_bytes", lambda path: 50 << 20)
    with pytest.raises(NotEnoughSpace, match="MB more on disk") as refused:
        fetch(REPO)
    assert "nothing was downloaded" in str(refused.value)
    assert FakeHub.served == [] and download.partial_bytes(REPO) == 0


def test_offline_says_so_at_once(hub, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    started = time.monotonic()
    with pytest.raises(Offline, match=r"HF_HUB_OFFLINE.*not in the Hugging Face cache"):
        fetch(REPO)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(Offline, match="cannot be reached"):
        fetch(REPO)
    assert time.monotonic() - started < download.CONNECT_TIMEOUT


def test_sideloading_a_local_folder(tiny_clip, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    result = fetch(str(tiny_clip))
    assert result.source == "folder" and result.folder == tiny_clip.resolve()
    assert result.fetched_bytes == 0 and result.total_bytes > 0
    with pytest.raises(DownloadError, match="not a model folder"):
        fetch(str(Path(tiny_clip).parent))


def test_two_processes_fetching_one_model_take_turns(hub, monkeypatch, caplog):
    """The window's first run and an indexer asking for the same model at once: the second
    waits for the file the first is fetching and then finds it, instead of writing the same
    partial file beside it (which arrived damaged)."""
    import logging
    import os
    import subprocess
    import sys

    monkeypatch.setattr(FakeHub, "hold_after", 1 << 20)
    monkeypatch.setattr(FakeHub, "go_on", threading.Event())
    first = subprocess.Popen(
        [sys.executable, "-c", f"from mediasift.models.download import fetch; fetch({REPO!r})"],
        env={**os.environ},
    )
    try:
        deadline = time.monotonic() + 60
        while download.partial_bytes(REPO) < 1 << 20 and time.monotonic() < deadline:
            time.sleep(0.05)  # the other process holds the weights' lock, a megabyte in
        results = []
        second = threading.Thread(target=lambda: results.append(fetch(REPO)))
        with caplog.at_level(logging.INFO, logger=download.__name__):
            second.start()
            while "waiting for another process" not in caplog.text:
                assert time.monotonic() < deadline and second.is_alive(), caplog.text
                time.sleep(0.05)
        FakeHub.go_on.set()
        assert first.wait(timeout=60) == 0
        second.join(timeout=60)
    finally:
        FakeHub.go_on.set()
        first.kill()
    (result,) = results
    assert result.reused_bytes == result.total_bytes  # all fetched by the first, meanwhile
    assert result.fetched_bytes == result.resumed_bytes == 0
    assert (result.folder / "model.safetensors").read_bytes() == WEIGHTS
    assert FakeHub.served.count(len(WEIGHTS)) == 1  # the weights were sent once, to the first
