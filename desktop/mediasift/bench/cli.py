"""``mediasift bench ...``: benchmarks that print their figures (``--json`` for tools)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _report(args: argparse.Namespace, figures: dict) -> None:
    if args.json:
        json.dump(figures, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for key, value in figures.items():
            print(f"{key}: {value}")


def _index(args: argparse.Namespace) -> int:
    from mediasift.bench.index import bench_index

    _report(args, bench_index(args.images, args.megapixels, args.model, args.batch_size))
    return 0


def _rename(args: argparse.Namespace) -> int:
    from mediasift.bench.index import bench_rename

    _report(args, bench_rename(args.files, args.model))
    return 0


def _crash(args: argparse.Namespace) -> int:
    from mediasift.bench.crash import bench_crash

    figures = bench_crash(args.kills, args.files, args.model)
    _report(args, figures)
    bad = ("corrupted_libraries", "lost_finished_files", "index_disagreements", "duplicate_vectors")
    return 1 if any(figures[key] for key in bad) else 0


def _watch(args: argparse.Namespace) -> int:
    from mediasift.bench.watch import bench_watch

    _report(args, bench_watch(args.files, args.model))
    return 0


def _idle(args: argparse.Namespace) -> int:
    from mediasift.bench.idle import bench_idle

    _report(args, bench_idle(args.model, args.samples, args.idle, args.release_after, args.ocr))
    return 0


def _query(args: argparse.Namespace) -> int:
    from mediasift.bench.query import bench_query

    sizes = [int(s) for s in args.sizes.split(",")]
    figures = bench_query(
        sizes, args.queries, args.model, args.text_model, args.segments_per_file, args.keep
    )
    _report(args, figures)
    return 0


def _retrieval(args: argparse.Namespace) -> int:
    from mediasift.bench.retrieval import bench_retrieval

    figures = bench_retrieval(
        args.model, args.text_model, args.screenshots, args.distractors, args.keep
    )
    _report(args, figures)
    return 0


def _text(args: argparse.Namespace) -> int:
    from mediasift.bench.text import bench_text

    _report(args, bench_text(args.pages, args.screenshots, args.photos))
    return 0


def _cli(args: argparse.Namespace) -> int:
    from mediasift.bench.commands import bench_cli

    _report(args, bench_cli(args.runs, args.items, args.model, args.text_model, args.keep))
    return 0


def _gui(args: argparse.Namespace) -> int:
    from mediasift.bench.gui import bench_gui

    _report(args, bench_gui(args.items, args.runs, args.burst, args.keep))
    return 0


def _media(args: argparse.Namespace) -> int:
    from mediasift.bench.media import bench_media

    _report(args, bench_media(args.minutes, args.memos))
    return 0


def _dupes(args: argparse.Namespace) -> int:
    from mediasift.bench.dupes import bench_dupes

    _report(args, bench_dupes(args.originals, args.lookalikes, args.scale, args.plan_files))
    return 0


def _gpu(args: argparse.Namespace) -> int:
    import torch

    if not torch.cuda.is_available():
        print(
            "mediasift: bench gpu needs a CUDA GPU and none is here (or this torch is a CPU "
            "build): nothing was measured.",
            file=sys.stderr,
        )
        return 2
    from mediasift.bench.gpu import bench_gpu

    figures = bench_gpu(
        args.model, args.reranker, args.images, args.batch_size, args.queries, args.rerank_top
    )
    _report(args, figures)
    return 0


def _switch(args: argparse.Namespace) -> int:
    from mediasift.bench.switch import bench_switch

    figures = bench_switch(args.files, args.model)
    _report(args, figures)
    wrong = figures["wrong_space_answers"] + figures["look_results_off_space"]
    return 1 if wrong else 0


def _cpu(args: argparse.Namespace) -> int:
    from mediasift.bench.cpu import bench_cpu, format_figures

    sizes = [int(s) for s in args.batch_sizes.split(",")]
    figures = bench_cpu(args.model, args.photos, args.images, sizes, args.rounds, args.compile)
    if args.json:
        _report(args, figures)
    else:
        print(format_figures(figures))
    return 0


def add_bench_parser(sub: argparse._SubParsersAction) -> None:
    bench = sub.add_parser("bench", help="measure indexing and query speed")
    bsub = bench.add_subparsers(dest="bench", required=True)

    def bench_command(
        name: str, text: str, run, made_here: str = "a random CLIP ViT-B/32"
    ) -> argparse.ArgumentParser:
        sub = bsub.add_parser(name, help=text)
        sub.add_argument("--model", help=f"model folder or hub id (default: {made_here} made here)")
        sub.add_argument("--json", action="store_true", help="print the figures as JSON")
        sub.set_defaults(run=run)
        return sub

    index = bench_command("index", "pipeline vs model-only images/s on large JPEGs", _index)
    index.add_argument("--images", type=int, default=64)
    index.add_argument("--megapixels", type=float, default=12.0)
    index.add_argument("--batch-size", type=int, default=16)
    rename = bench_command("rename", "re-encodes caused by renaming every indexed file", _rename)
    rename.add_argument("--files", type=int, default=1000)
    crash = bench_command("crash", "SIGKILL the indexer at random, check the library", _crash)
    crash.add_argument("--kills", type=int, default=50)
    crash.add_argument("--files", type=int, default=300)
    watch = bench_command("watch", "new-file latency; a burst into a watched folder", _watch)
    watch.add_argument("--files", type=int, default=10000)
    idle = bench_command(
        "idle", "the indexer at rest (memory, CPU, wake-ups) and closed files to indexed", _idle
    )
    idle.add_argument("--samples", type=int, default=10, help="screenshots timed, models warm")
    idle.add_argument("--idle", type=float, default=60.0, help="seconds of idling measured")
    idle.add_argument(
        "--release-after", type=float, default=10.0, help="the indexer's quiet spell, seconds"
    )
    idle.add_argument(
        "--no-ocr", dest="ocr", action="store_false", help="leave text in images unread"
    )
    query = bench_command("query", "text query latency at several library sizes", _query)
    query.add_argument("--sizes", default="10000,100000", help="comma-separated item counts")
    query.add_argument("--queries", type=int, default=200)
    query.add_argument("--text-model", help="text model (default: the packaged MiniLM)")
    query.add_argument(
        "--segments-per-file", type=int, default=10, help="text segments per file (0: none)"
    )
    query.add_argument("--keep", type=Path, help="build libraries here once, and reuse them")
    retrieval = bench_command(
        "retrieval", "recall@1/5 and MRR per signal and blended, on a generated set", _retrieval
    )
    retrieval.add_argument("--text-model", help="text model (default: the packaged MiniLM)")
    text = bench_command("text", "PDF pages/s, OCR screenshots/s, photos skipped/s", _text)
    text.add_argument("--pages", type=int, default=300)
    text.add_argument("--screenshots", type=int, default=10)
    text.add_argument("--photos", type=int, default=30)
    cli = bench_command("cli", "whole-process times of search and status, fresh each run", _cli)
    cli.add_argument("--runs", type=int, default=10)
    cli.add_argument("--items", type=int, default=10_000)
    cli.add_argument("--text-model", help="text model (default: the packaged MiniLM)")
    cli.add_argument("--keep", type=Path, help="build the library here once, and reuse it")
    gui = bench_command("gui", "the window: first paint, keystroke to results, stalls", _gui)
    gui.add_argument("--items", type=int, default=100_000)
    gui.add_argument("--runs", type=int, default=20, help="first paints, and queries typed")
    gui.add_argument("--burst", type=int, default=2000, help="files dropped for the indexer")
    gui.add_argument("--keep", type=Path, help="build the library here once, and reuse it")
    media = bench_command(
        "media", "clips and recordings: scene cuts, transcription, spoken-phrase search", _media
    )
    media.add_argument("--minutes", type=int, default=60, help="length of the 1080p video")
    media.add_argument("--memos", type=int, default=6, help="voice memos spoken by espeak-ng")
    dupes = bench_command(
        "dupes", "duplicate tiers: pair recall/precision, hashing, 100k grouping, undo", _dupes
    )
    dupes.add_argument("--originals", type=int, default=100, help="each with 7 copies")
    dupes.add_argument("--lookalikes", type=int, default=50, help="pairs of look-alikes")
    dupes.add_argument("--scale", type=int, default=100_000, help="pictures grouped for time")
    dupes.add_argument("--plan-files", type=int, default=1000, help="files in the plan undone")
    switch = bench_command(
        "switch", "search latency while a new visual model's space is built; wrong answers",
        _switch, made_here="a tiny random CLIP",
    )  # fmt: skip
    switch.add_argument("--files", type=int, default=10_000)
    cpu = bench_command(
        "cpu", "CLIP's image side on the CPU: each option's images/s and cosine to fp32", _cpu
    )
    cpu.add_argument("--images", type=int, default=200, help="real photos (views) compared")
    cpu.add_argument("--photos", type=Path, help="a folder of photos (default: packaged ones)")
    cpu.add_argument("--batch-sizes", default="1,16", help="a lone file, and the pipeline's")
    cpu.add_argument("--rounds", type=int, default=5, help="timings per option and batch size")
    cpu.add_argument(
        "--compile", action="store_true", help="also torch.compile (about a minute to compile)"
    )
    retrieval.add_argument("--screenshots", type=int, default=120)
    retrieval.add_argument("--distractors", type=int, default=200)
    retrieval.add_argument("--keep", type=Path, help="build the set and library in this folder")
    gpu = bench_command(
        "gpu",
        "Qwen3-VL on CUDA: pictures/s, video frames/s, query and rerank latency, peak memory",
        _gpu,
        made_here="a random Qwen3-VL-Embedding-2B",
    )
    gpu.add_argument("--reranker", help="reranker folder or hub id (default: a random 2B one)")
    gpu.add_argument("--images", type=int, default=64, help="pictures, and video frames, timed")
    gpu.add_argument("--batch-size", type=int, default=16)
    gpu.add_argument("--queries", type=int, default=50, help="typed queries timed one by one")
    gpu.add_argument("--rerank-top", type=int, default=20, help="results reranked per query")
