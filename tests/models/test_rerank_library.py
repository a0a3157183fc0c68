"""A search's second pass with the tiny random Qwen3-VL-Reranker, loaded as the real one is: in
this process when no indexer runs, and in the running indexer's model process (asked over its
socket, as the window asks) when one does; both reorder the same results alike."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import needs_torchvision, write_image, write_pdf, write_screenshot

from mediasift.config import Settings
from mediasift.library import Library
from mediasift.pipeline.progress import Progress
from mediasift.search.query import parse_query
from mediasift.search.rerank import candidates

pytestmark = needs_torchvision

QUERY = "the lease deposit in kind:pdf or a photo of the beach"
TOP = 4


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, tiny_clip, minilm, tiny_reranker_dir):
    """Photos, a screenshot and a PDF, indexed once, with the tiny reranker chosen."""
    root = tmp_path_factory.mktemp("rerank-library")
    files = root / "files"
    for seed in range(3):
        write_image(files / f"beach{seed}.jpg", seed, size=(640, 480))
    write_screenshot(files / "login.png", ["Permission denied"])
    write_pdf(files / "lease.pdf", ["The lease deposit is two months of rent.", "Page two."])
    settings = Settings(model=str(tiny_clip), text_model=str(minilm), min_score=-1.0, ocr=False,
                        transcribe=False, reranker=str(tiny_reranker_dir))  # fmt: skip
    with Library(root / "home", settings) as lib:
        lib.add_folder(files)
        lib.index()
        yield lib


@pytest.fixture(scope="module")
def first(indexed):
    """The first pass: every file (the query's words or the tiny model's nearest)."""
    response = indexed.search("lease beach photo login", n=10)
    assert len(response.results) == 5
    return response


def _scores(response) -> dict[str, float]:
    return {r.path: r.rerank for r in response.results if r.rerank is not None}


def test_the_top_is_reordered_by_the_rerankers_own_scores(indexed, first, tiny_reranker_dir):
    reranked = indexed.rerank(QUERY, first, top=TOP)  # no indexer runs: here
    reranker = indexed.reranker()
    assert reranked.reranker == reranker.model_id == str(tiny_reranker_dir.resolve())
    head = first.results[:TOP]
    words = parse_query(QUERY).text  # what it reads of the query: no kind:pdf
    assert words == "the lease deposit in or a photo of the beach"
    expected = reranker.rerank(words, candidates(indexed.catalog, head))
    order = [head[i].path for i in np.argsort(-expected, kind="stable")]
    assert [r.path for r in reranked.results[:TOP]] == order != [r.path for r in head]
    np.testing.assert_allclose([_scores(reranked)[p] for p in order], np.sort(expected)[::-1],
                               atol=1e-4)  # fmt: skip
    assert reranked.results[TOP:] == first.results[TOP:]  # the rest below, as they were
    assert first.reranker is None  # the first pass is left as it was shown


def test_the_running_indexer_reranks_in_its_model_process(indexed, first):
    here = indexed.rerank(QUERY, first, top=TOP)
    with Library(indexed.home, indexed.settings) as watching:
        watch = watching.watch(Progress(), settle=0.2)
        try:
            assert watch.reconciled.wait(60)
            with Library(indexed.home, indexed.settings) as window:  # as the window asks
                there = window.rerank(QUERY, first, top=TOP, alone=False)
            assert window.reranker_error is None and window._reranker is None  # none loaded
            assert "reranker" in watching._host._descriptions  # loaded in the model process
            assert watching._host.process.is_alive()
        finally:
            watch.stop()
    assert there.reranker == here.reranker and there.results[TOP:] == first.results[TOP:]
    scores, theirs = _scores(here), _scores(there)
    assert theirs.keys() == scores.keys()
    np.testing.assert_allclose([theirs[p] for p in scores], list(scores.values()), atol=1e-4)
    assert list(theirs.values()) == sorted(theirs.values(), reverse=True)
