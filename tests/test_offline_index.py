"""A first ``mediasift index`` with no model anywhere (the hub switched off, an empty cache), run
as a person runs it: each missing model is named once with how to get it, what still works is
said once, and it is true: names, words and copies are found."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers import write_image, write_pdf

from mediasift.bench.speech import tone_chord
from mediasift.cli import STILL_WORKS
from mediasift.models.device import choose_device
from mediasift.models.registry import DEFAULT_TEXT_MODEL, default_model_id, default_speech_model


def _mediasift(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mediasift.cli", *args], env=env,
                          capture_output=True, text=True, timeout=180)  # fmt: skip


def test_offline_index_says_once_what_is_missing_and_what_still_works(tmp_path):
    files = tmp_path / "files"
    write_image(files / "holiday_beach.jpg", 1, size=(320, 240))
    shutil.copy(files / "holiday_beach.jpg", files / "holiday_beach copy.jpg")
    write_pdf(files / "lease.pdf", ["The lease deposit is due on the first of May."])
    tone_chord(files / "memo.wav", 3)  # a recording: the speech model is asked for too
    env = {key: value for key, value in os.environ.items() if not key.startswith("MEDIASIFT_")}
    env.update(MEDIASIFT_HOME=str(tmp_path / "home"), HF_HOME=str(tmp_path / "empty-hf"),
               MEDIASIFT_CACHE=str(tmp_path / "cache"), HF_HUB_OFFLINE="1")  # fmt: skip

    indexed = _mediasift(env, "index", str(files))
    said = indexed.stdout + indexed.stderr
    assert indexed.returncode == 0 and "4 new" in said, said
    device = choose_device()
    for model in (default_model_id(device), DEFAULT_TEXT_MODEL, default_speech_model(device)):
        assert said.count(f"'{model}' is not on this computer") == 1, said
        assert said.count(f"`mediasift models get {model}`") == 1, said
    assert said.count(STILL_WORKS) == 1 and "WARNING" not in said and "Traceback" not in said

    # The promise: names, words and copies work without any model.
    found = json.loads(_mediasift(env, "search", "holiday", "--json").stdout)
    assert {Path(r["path"]).name for r in found} == {"holiday_beach.jpg", "holiday_beach copy.jpg"}
    assert all("name" in r["why"] for r in found)
    found = json.loads(_mediasift(env, "search", "deposit", "--json").stdout)
    assert [Path(r["path"]).name for r in found] == ["lease.pdf"]
    (group,) = json.loads(_mediasift(env, "dupes", "--json").stdout)
    copies = {Path(f["path"]).name for f in group["files"]}
    assert group["tier"] == "exact" and copies == {"holiday_beach.jpg", "holiday_beach copy.jpg"}
