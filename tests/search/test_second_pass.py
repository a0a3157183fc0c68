"""A search's second pass without a reranker model: the reordering, what the reranker would
read of each result, and reranking off by default on the CPU (nothing loaded, the first pass
kept). The real tiny reranker reorders a library in tests/models/test_rerank_library.py."""

from __future__ import annotations

import json
import sys
from dataclasses import replace

import pytest
from helpers import write_image, write_pdf, write_screenshot
from PIL import Image

from mediasift.cli import main
from mediasift.config import Settings
from mediasift.library import Library, LibraryError, RerankUnavailable
from mediasift.media.thumbs import THUMB_SIDE
from mediasift.search.engine import Response, Result
from mediasift.search.rerank import PICTURE_SIDE, candidates, reorder
from mediasift.serving import Requests


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, tiny_clip, minilm):
    """A photo, a screenshot and a two-page PDF, indexed once; the reranker left to default."""
    root = tmp_path_factory.mktemp("rerank")
    files = root / "files"
    write_image(files / "beach.jpg", 1, size=(1600, 1200))
    write_screenshot(files / "login.png", ["Permission denied"])
    write_pdf(files / "lease.pdf", ["The lease deposit is two months of rent.", "Page two."])
    settings = Settings(model=str(tiny_clip), text_model=str(minilm), min_score=-1.0, ocr=False)
    with Library(root / "home", settings) as lib:
        lib.add_folder(files)
        lib.index()
        yield lib, files


def _results(*paths: str) -> list[Result]:
    return [Result(path, 1.0 - i / 10, i, "image") for i, path in enumerate(paths)]


def test_the_top_is_reordered_by_score_and_the_rest_stays_below():
    response = Response("q", _results("a", "b", "c", "d", "e"), spaces={"look": "clip"})
    scores = {"a": 0.1, "b": 0.9, "c": 0.5, "z": 1.0}
    reranked = reorder(response, scores, 3, "tiny")
    assert [r.path for r in reranked.results] == ["b", "c", "a", "d", "e"]
    assert [r.rerank for r in reranked.results] == [0.9, 0.5, 0.1, None, None]
    assert reranked.reranker == "tiny" and reranked.spaces == {"look": "clip"}
    assert [r.score for r in reranked.results[3:]] == [0.7, 0.6]  # the first pass's, untouched
    assert response.reranker is None and response.results[0].path == "a"  # a copy
    ties = reorder(response, dict.fromkeys("abcde", 0.5), 5, "tiny")
    assert [r.path for r in ties.results] == list("abcde")
    assert reorder(response, {"a": 0.1, "c": 0.5}, 3, "tiny") is None  # "b" is new
    assert reorder(response, scores, 20, "tiny") is None  # "d" and "e" too
    round_trip = Response.from_dict(json.loads(json.dumps(reranked.as_dict())))
    assert round_trip == reranked  # as the indexer sends it back


def test_the_reranker_reads_the_picture_or_the_matched_text(indexed):
    lib, files = indexed
    page = next(r for r in lib.search("lease deposit").results if r.kind == "pdf")
    photo, screenshot = (next(r for r in lib.search(n).results if r.path.endswith(n))
                         for n in ("beach.jpg", "login.png"))  # fmt: skip
    assert page.segment["kind"] == "page"
    read = candidates(lib.catalog, [page, photo, screenshot])
    assert read[0] == "The lease deposit is two months of rent."  # the page that matched
    assert isinstance(read[1], Image.Image) and min(read[1].size) >= PICTURE_SIDE  # the file
    assert isinstance(read[2], Image.Image) and read[2].size == (1280, 720)  # words readable
    gone = replace(photo, path=str(files / "gone.jpg"))  # removed since it was indexed
    (thumbnail,) = candidates(lib.catalog, [gone])
    assert isinstance(thumbnail, Image.Image) and max(thumbnail.size) == THUMB_SIDE
    bare = Result(str(files / "notes.mp3"), 1.0, 99, "audio")
    assert candidates(lib.catalog, [bare]) == ["notes.mp3"]  # nothing else to read: its name


def test_off_by_default_on_the_cpu_nothing_loaded_first_pass_kept(indexed, monkeypatch):
    lib, _ = indexed
    for module in ("mediasift.models.rerank", "sentence_transformers"):
        monkeypatch.setitem(sys.modules, module, None)  # importing either would fail
    first = lib.search("lease")
    expected = first.as_dict()
    here = Library(lib.home, lib.settings)
    with pytest.raises(RerankUnavailable, match="Reranking is off on cpu"):
        here.rerank("lease", first)  # no indexer runs: this process would rerank
    assert here.reranker_error and first.as_dict() == expected
    with pytest.raises(LibraryError, match="none answers") as no_indexer:
        Library(lib.home, lib.settings).rerank("lease", first, alone=False)  # the window's
    assert not isinstance(no_indexer.value, RerankUnavailable)  # asked again later
    off = Library(lib.home, replace(lib.settings, reranker="off"))
    with pytest.raises(RerankUnavailable, match="turned off"):
        off.rerank_here("lease", first)


class _CpuModels:
    """A watching library's model process on a CPU: it only says where it runs."""

    def describe(self, role: str) -> dict:
        assert role == "device", f"the model process was asked for the {role}"
        return {"device": "cpu"}


def test_the_indexer_says_there_is_no_reranker_without_loading_one(indexed):
    lib, _ = indexed
    first = lib.search("lease")
    watching = Library(lib.home, lib.settings)
    watching._host = _CpuModels()  # as Library.watch sets it, without starting a process
    answer = Requests(watching, watch=None).answer
    request = {"op": "rerank", "query": "lease", "top": 20, "response": first.as_dict(),
               "models": lib.settings.models()}  # fmt: skip
    assert answer(request) == {"unavailable": watching.reranker_error}
    assert "Reranking is off on cpu" in watching.reranker_error
    other = {**request, "models": {**request["models"], "reranker": "elsewhere"}}
    assert "declined" in answer(other)  # another reranker asked: answered by the asker


def test_search_rerank_on_the_cpu_prints_the_first_pass_and_why(indexed, monkeypatch, capsys):
    lib, _ = indexed
    monkeypatch.setenv("MEDIASIFT_HOME", str(lib.home))
    args = ["--model", lib.settings.model, "--text-model", lib.settings.text_model]
    assert main([*args, "search", "lease deposit", "--json"]) == 0
    first, _ = capsys.readouterr()
    assert main([*args, "search", "lease deposit", "--json", "--rerank"]) == 0
    out, err = capsys.readouterr()
    assert out == first and "Not reranked: Reranking is off on cpu" in err
