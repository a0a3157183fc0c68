"""The ``dupes``, ``dupes plan``, ``dupes apply`` and ``undo`` commands, end to end."""

from __future__ import annotations

import json

from mediasift.bench.dupeset import make_set
from mediasift.cli import main
from mediasift.config import Settings
from mediasift.library import Library


def test_dupes_plan_apply_undo(tmp_path, settings, monkeypatch, capsys):
    monkeypatch.setattr(Settings, "load", classmethod(lambda cls: settings))
    made = make_set(tmp_path / "photos", originals=1, size=(320, 240))
    with Library(settings=settings) as lib:
        lib.add_folder(tmp_path / "photos")
        lib.index()
    capsys.readouterr()
    assert main(["dupes", "--json"]) == 0
    groups = json.loads(capsys.readouterr().out)
    assert len(groups) == 1 and len(groups[0]["files"]) == len(made)
    assert groups[0]["tier"] == "edited" and groups[0]["keeper"]
    assert all("evidence" in f and "path" in f for f in groups[0]["files"])

    plan = tmp_path / "plan.json"
    assert main(["dupes", "plan", "--out", str(plan)]) == 0
    assert main(["dupes", "apply", str(plan)]) == 0
    assert "Would move 7 files" in capsys.readouterr().out
    assert all(m.path.exists() for m in made)
    assert main(["dupes", "apply", str(plan), "--yes"]) == 0
    assert sum(m.path.exists() for m in made) == 1
    assert main(["undo"]) == 0
    assert all(m.path.exists() for m in made)
    assert "Restored 7 files" in capsys.readouterr().out
