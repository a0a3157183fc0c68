"""``mediasift models``: the catalogue of known models, ``models get ID`` to download one, and
``models prune`` to remove the library's spaces of models it no longer searches with.

Kept out of the ``models`` package, whose import loads numpy: ``mediasift --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys

from mediasift.config import Settings


def add_models_parser(sub: argparse._SubParsersAction) -> None:
    models = sub.add_parser("models", help="known models: size, needs, downloaded; get one")
    models.add_argument("--json", action="store_true", help="print the catalogue as JSON")
    models.set_defaults(run=_list, action=None)
    msub = models.add_subparsers(dest="action")
    get = msub.add_parser(
        "get", help="download a model (progress, Ctrl+C keeps what came, a rerun resumes)"
    )
    get.add_argument("id", help="hub id (org/name), or a local model folder to check")
    get.add_argument("--json", action="store_true", help="print the outcome as JSON")
    get.set_defaults(run=_get)
    prune = msub.add_parser(
        "prune", help="remove the vectors of models this library no longer searches with"
    )
    prune.add_argument("--dry-run", action="store_true", help="say what would go, remove nothing")
    prune.add_argument("--json", action="store_true", help="print what went as JSON")
    prune.set_defaults(run=_prune)


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} MB"


def _list(args: argparse.Namespace, settings: Settings) -> int:
    from mediasift.models.catalogue import catalogue

    rows = catalogue(settings)
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    header = ("ROLE", "MODEL", "DIM", "SIZE", "LANGUAGES", "GPU MEM", "CPU", "HERE")
    table = [header]
    for row in rows:
        here = row["state"] + (f" ({_mb(row['on_disk_mb'])})" if row["state"] == "partial" else "")
        marks = [m for m in (row["default"], "chosen" if row["chosen"] else None) if m]
        table.append((
            row["role"], row["id"] + (f" [{', '.join(marks)}]" if marks else ""),
            str(row["dim"] or "-"), _mb(row["size_mb"]), row["languages"] or "-",
            f"{row['vram_gb']:g} GB" if row["vram_gb"] else "-", row["cpu_speed"] or "-", here,
        ))  # fmt: skip
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
    print("\nDownload one with: mediasift models get ID   (or point --model at a local folder)")
    return 0


def _get(args: argparse.Namespace, settings: Settings) -> int:
    import signal
    import threading

    from tqdm import tqdm

    from mediasift.models.download import Cancelled, DownloadError, fetch

    bar = tqdm(unit="B", unit_scale=True, unit_divisor=1024, disable=args.json or None,
               file=sys.stderr, desc=args.id.split("/")[-1][:30])  # fmt: skip
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def draw(event) -> None:  # tqdm shows bytes, rate and time left
        bar.total = event.total
        bar.update(event.done - bar.n)

    try:
        result = fetch(args.id, on_progress=draw, cancel=stop)
    except KeyboardInterrupt:
        bar.close()
        from mediasift.models.download import partial_bytes

        kept = partial_bytes(args.id) / 1e6
        print(f"Stopped; {kept:,.1f} MB kept. Run the same command to resume.", file=sys.stderr)
        return 130
    except (Cancelled, DownloadError) as exc:
        bar.close()
        print(f"mediasift: {exc}", file=sys.stderr)
        return 130 if isinstance(exc, Cancelled) else 2
    bar.close()
    if args.json:
        json.dump({**result.__dict__, "folder": str(result.folder)}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    where = {"hub": "Downloaded", "cache": "Already downloaded", "folder": "Usable local folder"}
    print(f"{where[result.source]}: {result.model_id} ({result.total_bytes / 1e6:,.1f} MB) "
          f"in {result.folder}")  # fmt: skip
    if result.source == "hub":
        print(f"  fetched {result.fetched_bytes / 1e6:,.1f} MB, resumed "
              f"{result.resumed_bytes / 1e6:,.1f} MB from an earlier try, re-downloaded "
              f"{result.redownloaded_bytes / 1e6:,.1f} MB, reused "
              f"{result.reused_bytes / 1e6:,.1f} MB already here")  # fmt: skip
        for check in result.checked:
            print(f"  verified {check}")
    if result.source == "folder":
        print(f"  use it with --model, --text-model or --speech-model {result.folder}")
    return 0


def _prune(args: argparse.Namespace, settings: Settings) -> int:
    from mediasift.library import Library

    with Library(settings=settings) as lib:
        gone = lib.prune(dry_run=args.dry_run)
    if args.json:
        json.dump({"dry_run": args.dry_run, "pruned": gone}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if not gone:
        print("Nothing to prune: every space is in use (or being built by a model switch).")
        return 0
    verb = "Would remove" if args.dry_run else "Removed"
    for space in gone:
        state = "" if space["ready"] else ", an unfinished switch"
        print(f"{verb} the {space['role']} space of {space['model_id']}: "
              f"{space['vectors']:,} vectors, {_mb(space['bytes'] / 1e6)}{state}")  # fmt: skip
    return 0
