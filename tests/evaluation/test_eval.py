"""``mediasift eval`` on a small generated set, with the real MiniLM and OCR: the same figures
as ``bench retrieval`` for the same set, and the same again from QUERIES.jsonl via the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from mediasift.bench.retrieval import RUNS, bench_retrieval
from mediasift.cli import main
from mediasift.config import Settings
from mediasift.evaluation.run import evaluate_indexed
from mediasift.evaluation.synthetic import synthetic_set

SHOTS, DISTRACTORS = 3, 1


@pytest.fixture(scope="module")
def measured(tmp_path_factory, tiny_clip, minilm) -> tuple[Path, dict, dict]:
    """The bench's figures and eval's for one set, sharing its library (indexed once)."""
    root = tmp_path_factory.mktemp("set")
    bench = bench_retrieval(str(tiny_clip), str(minilm), SHOTS, DISTRACTORS, keep=root)
    folders, queries = synthetic_set(root, SHOTS, DISTRACTORS, memos=0, clips=0)
    settings = Settings(model=str(tiny_clip), text_model=str(minilm), ocr=True)
    return root, bench, evaluate_indexed(root / "home", settings, folders, queries)


def test_eval_agrees_with_the_retrieval_bench(measured):
    _, bench, figures = measured
    assert figures["queries"] == bench["labelled_queries"] == SHOTS + 15
    assert figures["indexing"]["files"] == 0  # the bench's library, caught up: nothing new
    for name, _, _ in RUNS:
        assert set(figures[name]) == {"all", "screenshot", "slide", "pdf"}
        for group, measured_here in figures[name].items():
            assert measured_here == bench[name][group], (name, group)
    assert figures["meaning"]["all"]["recall@5"] > 0.3  # real text meaning finds things
    assert set(figures["spaces"]) == {"look", "meaning"}
    assert 0 < figures["query_ms"]["p50"] <= figures["query_ms"]["p95"]


def test_eval_command_reads_queries_jsonl(measured, monkeypatch, capsys, tiny_clip, minilm):
    root, _, figures = measured
    labels = json.loads((root / "labels.json").read_text())
    lines = [{"query": item["query"], "kind": item["group"],
              "expect": [{"path": item["path"]} | ({"page": item["locator"] + 1}
                                                   if item["locator"] is not None else {})]}
             for item in labels]  # fmt: skip
    queries = root / "queries.jsonl"
    queries.write_text("".join(json.dumps(line) + "\n" for line in lines))
    monkeypatch.setenv("MEDIASIFT_HOME", str(root / "home"))
    chart = root / "chart.png"
    argv = ["--model", str(tiny_clip), "--text-model", str(minilm), "eval", str(queries)]
    assert main([*argv, "--json", "--chart", str(chart)]) == 0
    ((label, answered),) = json.loads(capsys.readouterr().out).items()
    assert label == str(tiny_clip)
    for name, _, _ in RUNS:
        assert answered[name] == figures[name]
    with Image.open(chart) as image:
        assert image.width > 1000 and len(image.getcolors(1 << 16)) > 4  # bars, not a blank
    assert main(argv) == 0
    table = capsys.readouterr().out
    assert "recall@1" in table and "blend" in table and "query latency" in table
    assert main(["eval"]) == 2  # neither a file nor --synthetic
