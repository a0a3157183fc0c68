"""The ``mediasift`` command end to end, in-process: real library, tiny local model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mediasift.cli import main


@pytest.fixture
def cli(monkeypatch, tiny_clip, minilm, capsys):
    monkeypatch.setenv("MEDIASIFT_MODEL", str(tiny_clip))
    monkeypatch.setenv("MEDIASIFT_TEXT_MODEL", str(minilm))

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_index_search_similar_status_as_json(cli, photos):
    (photos / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0garbage")
    code, out, _ = cli("index", str(photos), "--json")
    summary = json.loads(out)
    assert code == 0
    assert (summary["new"], summary["unchanged"], summary["moved"], summary["removed"]) == (
        12, 0, 0, 0,
    )  # fmt: skip
    assert [Path(f["path"]).name for f in summary["failed"]] == ["broken.jpg"]
    assert summary["failed"][0]["reason"]

    code, out, _ = cli("search", "img03", "-n", "5", "--json")
    results = json.loads(out)  # a random tiny model: only a name is sure to be found
    assert code == 0 and 1 <= len(results) <= 5
    assert Path(results[0]["path"]).name == "img03.jpg" and "name" in results[0]["why"]
    assert all({"path", "score"} <= r.keys() for r in results)

    code, out, _ = cli("similar", str(photos / "img03.jpg"), "-n", "3", "--json")
    similar = json.loads(out)
    assert len(similar) == 3 and all(r["path"] != str(photos / "img03.jpg") for r in similar)

    code, out, _ = cli("status", "--json")
    status = json.loads(out)
    assert status["files_indexed"] == 12 and status["files_failed"] == 1
    assert status["folders"] == [str(photos.resolve())]


def test_folders_add_list_remove(cli, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    assert cli("folders", "add", str(a), str(b))[0] == 0
    assert json.loads(cli("folders", "list", "--json")[1]) == [str(a), str(b)]
    assert cli("folders", "remove", str(a))[0] == 0
    assert json.loads(cli("folders", "list", "--json")[1]) == [str(b)]
    code, _, err = cli("folders", "add", str(tmp_path / "missing"))
    assert code == 2 and "Not a folder" in err


def test_unreachable_hub_gives_one_clear_message(cli, photos, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-hf"))
    monkeypatch.setenv("MEDIASIFT_MODEL", "openai/clip-vit-base-patch32")
    code, out, err = cli("index", str(photos))
    assert code == 0 and "12 new" in out
    assert out.count("cannot be reached") == 1 and "cannot be reached" not in err
    code, out, err = cli("search", "shot09")  # names still answer without the visual model
    assert code == 0 and out.split()[1].endswith("shot09.png") and "name" in out
    assert err.count("cannot be reached") == 1 and "Traceback" not in err
    code, _, err = cli("similar", str(photos / "img01.jpg"))
    assert code == 2 and "cannot be reached" in err


def test_model_flag_beats_environment(cli, tiny_clip, photos, monkeypatch):
    monkeypatch.setenv("MEDIASIFT_MODEL", "/nonexistent/model")
    code, out, _ = cli("--model", str(tiny_clip), "index", str(photos), "--json")
    assert code == 0 and json.loads(out)["encoded"] == 12


def test_doctor_says_whether_speech_can_be_transcribed(cli, photos, whisper_model):
    report = json.loads(cli("doctor", "--json")[1])  # the default model, from an offline hub
    assert (
        not report["speech_model_ok"] and "could not be downloaded" in report["speech_model_error"]
    )
    report = json.loads(cli("--speech-model", str(whisper_model), "doctor", "--json")[1])
    assert report["speech_model_ok"] and report["speech_model"] == str(whisper_model)


def test_doctor_reports_health(cli, photos):
    cli("index", str(photos))
    code, out, _ = cli("doctor", "--json")
    report = json.loads(out)
    assert code == 0
    assert report["model_ok"] and report["catalog_ok"] and report["index_vectors"] == 12
    assert report["text_model_ok"] and report["text_space"]["dim"] == 384
    towers = report["query_towers"]  # both models exported for torch-free searches
    assert set(towers) == {"visual", "text"} and all("cosine" in t for t in towers.values())
    tools = report["optional_tools"]
    assert tools["ocr"].startswith("rapidocr")
    assert (
        tools["libreoffice"] == shutil.which("soffice")
        or "install LibreOffice" in tools["libreoffice"]
    )
    assert "cpu" in report["device"].lower() or "cuda" in report["device"].lower()
    # No reranker on the processor by default, and doctor says why without loading one.
    assert report["reranker"] is None and "--reranker" in report["reranker_note"]
