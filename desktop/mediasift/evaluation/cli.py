"""``mediasift eval``: retrieval quality on your own labelled queries or a generated set."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from mediasift.config import Settings


def add_eval_parser(sub: argparse._SubParsersAction) -> None:
    ev = sub.add_parser(
        "eval",
        help="recall@1/5/10, MRR, nDCG per kind and signal, on labelled queries",
        description="Measure search on QUERIES.jsonl (one JSON object a line: "
        '{"query": "...", "expect": ["file", {"path": "deck.pptx", "page": 3}, '
        '{"path": "memo.m4a", "at": "01:42"}]}) against your library, or on a generated set.',
    )
    ev.add_argument("queries", nargs="?", type=Path, help="labelled queries (JSON lines)")
    ev.add_argument("--synthetic", action="store_true", help="generate a labelled set and use it")
    ev.add_argument("--models", help="visual models to compare, comma-separated (each indexes "
                    "the same files in its own temporary library)")  # fmt: skip
    ev.add_argument("--json", action="store_true", help="print the figures as JSON")
    ev.add_argument("--chart", type=Path, metavar="PNG", help="also draw the figures")
    ev.add_argument("--screenshots", type=int, default=40, help="--synthetic: labelled ones")
    ev.add_argument("--distractors", type=int, default=60, help="--synthetic: unlabelled ones")
    ev.add_argument("--memos", type=int, default=4, help="--synthetic: voice memos (espeak-ng)")
    ev.add_argument("--clips", type=int, default=2, help="--synthetic: clips with speech")
    ev.add_argument("--keep", type=Path, help="--synthetic: build the set and libraries here once")
    ev.set_defaults(run=_eval)


def _measure(args: argparse.Namespace, settings: Settings, root: Path) -> dict[str, dict]:
    from mediasift.evaluation.labels import read_queries
    from mediasift.evaluation.run import compare, evaluate, label
    from mediasift.evaluation.synthetic import synthetic_set
    from mediasift.library import Library

    models = [m.strip() for m in args.models.split(",") if m.strip()] if args.models else None
    if args.synthetic:
        folders, queries = synthetic_set(root, args.screenshots, args.distractors, args.memos,
                                         args.clips)  # fmt: skip
        return compare(settings, models or [settings.model], folders, queries, args.keep)
    queries = read_queries(args.queries)
    with Library(settings=settings) as lib:
        if not models:
            return {label(settings.model): evaluate(lib, queries)}
        folders = [Path(folder) for folder in lib.folders()]
    return compare(settings, models, folders, queries)


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from mediasift.evaluation.report import chart, table

    if args.synthetic == (args.queries is not None):
        print("mediasift eval: give QUERIES.jsonl or --synthetic (one of them)", file=sys.stderr)
        return 2
    try:
        with tempfile.TemporaryDirectory(prefix="mediasift-set-") as tmp:
            results = _measure(args, settings, args.keep or Path(tmp))
    except (OSError, ValueError) as exc:
        print(f"mediasift eval: {exc}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(table(results))
    if args.chart:
        print(f"Chart: {chart(results, args.chart)}", file=sys.stderr)
    return 0
