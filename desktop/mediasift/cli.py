"""The ``mediasift`` command: argument parsing and printing only; the work is in Library."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shlex
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mediasift.config import Settings, data_dir

if TYPE_CHECKING:  # --help, argument errors and light commands must not pay for these
    from mediasift.library import Library
    from mediasift.pipeline.progress import Progress
    from mediasift.search.engine import Response

log = logging.getLogger(__name__)

#: What works with any model missing (offline, say), said once after the missing models'
#: messages; tests/test_offline_index.py holds it true.
STILL_WORKS = (
    "Meanwhile file names, dates, the words in documents, slides and screenshots, and copies of "
    "pictures and documents are found; each model reads the files once it is here."
)
#: What a missing model's role leaves unsearched, in the user's words.
_SEARCHED_BY = {"look": "how things look", "meaning": "what text means", "speech": "what is said"}


def _date(text: str) -> float:
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (use YYYY-MM-DD): {text}") from exc


def _add_search_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-n", type=int, default=20, help="number of results (default 20)")
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.add_argument("--folder", help="only files under this folder")
    parser.add_argument(
        "--kind",
        action="append",
        help="only this kind: image, screenshot, pdf, slides, video, audio",
    )
    parser.add_argument("--after", type=_date, help="taken on or after YYYY-MM-DD")
    parser.add_argument("--before", type=_date, help="taken before YYYY-MM-DD")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mediasift",
        description="Find your own images, screenshots, slide decks, PDFs, clips and recordings "
        "by describing them.",
    )
    parser.add_argument("--model", help="hub id or local folder of the visual embedding model")
    parser.add_argument("--text-model", help="hub id or local folder of the text embedding model")
    parser.add_argument("--speech-model", help="hub id or local folder of the speech model")
    parser.add_argument(
        "--reranker", help='hub id or local folder of the reranker, or "off" (default: on a GPU)'
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    sub = parser.add_subparsers(dest="command", required=True)

    folders = sub.add_parser("folders", help="manage library folders")
    fsub = folders.add_subparsers(dest="action", required=True)
    for action, text in (("add", "watch and index"), ("remove", "forget (files stay on disk)")):
        p = fsub.add_parser(action, help=f"{text} folders")
        p.add_argument("paths", nargs="+")
    fsub.add_parser("list", help="list library folders").add_argument("--json", action="store_true")

    index = sub.add_parser("index", help="index library folders (adding any given)")
    index.add_argument("folders", nargs="*")
    index.add_argument("--json", action="store_true", help="print the summary as JSON")

    watch = sub.add_parser("watch", help="keep the library up to date until interrupted")
    watch.add_argument("--settle", type=float, default=0.5, help="seconds a file must be still")
    watch.add_argument("--throttle", action="store_true", help="one core, to leave room")
    watch.add_argument("--json", action="store_true", help="print events as JSON lines")

    search = sub.add_parser(
        "search",
        help="find files by a description",
        description="Find files by what they show, say or are called. Query syntax: "
        "kind:slides|pdf|screenshot|image|video|audio  before:2024-06  after:2024-01-15  "
        'in:FOLDER  "exact phrase"  -word (exclude)  name:PART',
    )
    search.add_argument("query")
    _add_search_options(search)
    search.add_argument(
        "--rerank",
        action="store_true",
        help="reorder the first results with the reranker (by the running indexer if any)",
    )

    similar = sub.add_parser("similar", help="find files that look like FILE")
    similar.add_argument("file")
    _add_search_options(similar)

    opener = sub.add_parser(
        "open", help="open a result; a clip or recording at a time (mpv or VLC where installed)"
    )
    opener.add_argument("path")
    opener.add_argument("--at", metavar="TIME", help="start here: 01:42, 1:02:03 or seconds")

    desktop = sub.add_parser("install-desktop", help="add MediaSift to the desktop's launcher")
    desktop.add_argument("--uninstall", action="store_true", help="remove it again")

    _add_dupes_parsers(sub)

    for name, text in (("status", "library counts and failures"), ("doctor", "health check")):
        sub.add_parser(name, help=text).add_argument("--json", action="store_true")

    from mediasift.bench.cli import add_bench_parser
    from mediasift.evaluation.cli import add_eval_parser
    from mediasift.models_cli import add_models_parser

    add_bench_parser(sub)
    add_models_parser(sub)
    add_eval_parser(sub)
    return parser


def _add_dupes_parsers(sub: argparse._SubParsersAction) -> None:
    from mediasift.dedup import DEFAULT_RULES, TIERS

    dupes = sub.add_parser("dupes", help="near-duplicate pictures, tier by tier, and cleanup")

    def choice_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--tier", action="append", choices=TIERS, help="only this tier")
        parser.add_argument(
            "--rule", action="append", metavar="RULE",
            help="keeper rule, first decides: resolution, sharpness, size, metadata, format, "
            "older, newer, folder:PATH, format:EXT (default: the settings' order, first "
            f"{', '.join(DEFAULT_RULES)})",
        )  # fmt: skip
        parser.add_argument("--protect", action="append", metavar="FOLDER",
                            help="never propose removing files under FOLDER")  # fmt: skip

    choice_options(dupes)
    dupes.add_argument("--json", action="store_true", help="print the groups as JSON")
    dsub = dupes.add_subparsers(dest="action")
    plan = dsub.add_parser("plan", help="write an editable cleanup plan (bulk tiers only)")
    choice_options(plan)
    plan.add_argument("--out", type=Path, required=True, help="the plan file to write")
    plan.add_argument(
        "--to", choices=("quarantine", "trash"), default="quarantine",
        help="where removed files go (default: the library's quarantine)",
    )  # fmt: skip
    apply = dsub.add_parser("apply", help="carry out a plan (a dry run unless --yes)")
    apply.add_argument("plan", type=Path)
    apply.add_argument("--yes", action="store_true", help="really move the files")
    apply.add_argument("--json", action="store_true", help="print the report as JSON")
    sub.add_parser("undo", help="put back the files of the last applied cleanup").add_argument(
        "--json", action="store_true"
    )


def _dupes(lib: Library, args) -> int:
    from mediasift.dedup import BULK_TIERS, KeeperRules, PlanRefused

    if args.action == "apply":
        try:
            plan = json.loads(args.plan.read_text())
            report = lib.apply(plan, dry_run=not args.yes)
        except (OSError, ValueError, KeyError, TypeError, PlanRefused) as exc:
            print(f"mediasift: cannot apply {args.plan}: {exc}", file=sys.stderr)
            return 2
        return _print_cleanup(report, args.json)
    settings = lib.settings
    try:  # the settings' protected folders always hold; --protect adds to them
        rules = KeeperRules(tuple(args.rule or settings.keeper_rules),
                            tuple(settings.protected) + tuple(args.protect or ()))  # fmt: skip
    except ValueError as exc:
        print(f"mediasift: {exc}", file=sys.stderr)
        return 2
    tiers = set(args.tier) if args.tier else None
    if args.action == "plan":
        tiers = (tiers or BULK_TIERS) & BULK_TIERS  # "keep one" only where it is safe in bulk
    groups = lib.dupes(tiers, rules)
    if args.action == "plan":
        plan = lib.plan(groups, args.to)
        args.out.write_text(json.dumps(plan, indent=2, ensure_ascii=False) + "\n")
        moving = sum(len(g["move"]) for g in plan["groups"])
        then = f"mediasift dupes apply {shlex.quote(str(args.out))}"
        print(f"Wrote {args.out}: {moving} files in {len(plan['groups'])} groups to the "
              f"{args.to}. Edit it, then: {then}")  # fmt: skip
    elif args.json:
        _print_json([g.as_dict() for g in groups])
    else:
        for group in groups:
            print(f"[{group.tier}] keep {group.member(group.keeper).path}")
            for m in group.members:
                if m.file_id != group.keeper:
                    ev = m.evidence or group.member(group.keeper).evidence
                    why = ev.reason if ev else "the group's representative"
                    lock = " (protected)" if m.protected else ""
                    print(f"    {m.path}{lock}: {why}")
        print(f"{len(groups)} groups", file=sys.stderr)
    return 0


def _print_cleanup(report, as_json: bool) -> int:
    if report is None:
        print("Nothing to undo.")
        return 0
    if as_json:
        _print_json(report.as_dict())
        return 0
    verb = "Would move" if report.dry_run else "Moved" if report.destination else "Restored"
    where = f" to the {report.destination}" if report.destination else ""
    print(f"{verb} {len(report.files)} files{where}, {report.bytes / 1e6:.1f} MB")
    for skipped in report.skipped:
        print(f"  skipped {skipped['path']}: {skipped['reason']}")
    if report.dry_run and report.files:
        print("Dry run: add --yes to do it (undo with: mediasift undo)")
    return 0


def _print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def _print_response(response: Response, as_json: bool) -> None:
    if as_json:
        _print_json([r.as_dict() for r in response.results])
    else:
        for r in response.results:
            where = f"  ({r.locator})" if r.locator else ""
            why = f"  [{', '.join(r.why)}]" if r.why else ""
            print(f"{r.score:6.3f}  {r.path}{where}{why}")
            if r.snippet:
                print(f"        {r.snippet}")
            if r.moments:
                print(f"        also at {', '.join(m['locator'] for m in r.moments)}")
            if r.start is not None:
                print(f"        mediasift open {shlex.quote(r.path)} --at {r.locator}")
    if response.message:
        print(response.message, file=sys.stderr)
    _print_missing(response.missing, sys.stderr)


def _missing_models(lib: Library) -> dict[str, str | None]:
    """Why each role's model is missing; None where it is here (or not needed yet: the speech
    model loads with the first recording)."""
    speech = lib.speech()
    return {"look": lib.model_error, "meaning": lib.text_model_error,
            "speech": speech.error if speech else None}  # fmt: skip


def _print_missing(missing: dict[str, str | None], file=None, promise: bool = True) -> None:
    """Each missing model's message (what, why, how to get it), then, once, what still works."""
    missing = {role: reason for role, reason in missing.items() if reason}
    for role, reason in missing.items():
        print(f"Not searchable by {_SEARCHED_BY.get(role, role)} yet: {reason}", file=file)
    if missing and promise:
        print(STILL_WORKS, file=file)


def _hand_over(lib: Library, args, holder: str) -> int:
    """``index`` while another process indexes the library: that one takes the folders (one
    writer at a time), watching and indexing them as its own."""
    from mediasift.ipc import ask
    from mediasift.library import LibraryError

    folders = [str(Path(f).expanduser().resolve()) for f in args.folders]
    reply = ask(lib.home, {"op": "index", "folders": folders})
    if reply is None or "indexing" not in reply:
        why = (reply or {}).get("error") or "it did not answer"
        raise LibraryError(f"This library is being indexed by {holder}; it did not take the "
                           f"folders ({why}). Try again once it has stopped.")  # fmt: skip
    if args.json:
        _print_json({"handed_to": holder, "folders": reply["indexing"]})
    else:
        what = ", ".join(reply["indexing"]) or "every library folder"
        print(f"Handed to {holder}: it indexes {what} and keeps the library up to date.")
    return 0


def _index(lib: Library, args) -> int:
    holder = lib.indexer()
    if holder is not None:
        return _hand_over(lib, args, holder)
    for folder in args.folders:
        if str(Path(folder).expanduser().resolve()) not in lib.folders():
            lib.add_folder(folder)
    from tqdm import tqdm

    from mediasift.pipeline.progress import Progress

    progress = Progress()
    bar = tqdm(total=0, unit="file", disable=args.json or None, file=sys.stderr)

    def redraw(p: Progress) -> None:
        bar.total = p.total
        bar.update(p.done - bar.n)
        bar.set_postfix_str(Path(p.current).name[-30:], refresh=False)

    progress.listeners.append(redraw)
    try:
        summary = lib.index(args.folders or None, progress)
    except KeyboardInterrupt:
        progress.cancel()
        raise
    finally:
        bar.close()
    missing = _missing_models(lib)
    if args.json:
        _print_json({**summary.as_dict(), "speech_model_error": missing["speech"]})
    else:
        print(
            f"{summary.new} new, {summary.unchanged} unchanged, {summary.moved} moved, "
            f"{summary.removed} removed, {len(summary.failed)} failed "
            f"({summary.encoded} encoded in {summary.seconds:.1f} s)"
        )
        for failure in summary.failed:
            print(f"  failed: {failure['path']}: {failure['reason']}")
        for notice in summary.notices:
            print(f"  note: {notice['path']}: {notice['notice']}")
        _print_missing(missing)
    return 0


def _status_line(p: Progress) -> str:
    eta = f" · ETA {p.eta:.0f} s" if p.eta and p.queued else ""
    state = "paused" if p.paused else "watching"
    return (
        f"{state} · queued {p.queued} · done {p.done} ({p.failed} failed)"
        f" · {p.rate:.1f} files/s{eta} · {Path(p.current).name[-40:]}"
    )


def _json_line(message: dict) -> None:
    """One JSON line in one write: the writer thread's events and the main thread's progress
    never interleave (``print`` writes the newline apart)."""
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _watch(lib: Library, args) -> int:
    import signal
    import threading

    from mediasift.pipeline.progress import Progress
    from mediasift.priority import run_in_background

    run_in_background()  # before any thread starts: they all inherit it
    lib.settings.throttle = lib.settings.throttle or args.throttle
    progress = Progress()
    stop, changed = threading.Event(), threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: (stop.set(), changed.set()))
    progress.listeners.append(lambda _: changed.set())
    live = sys.stderr.isatty() and not args.json

    def show(event) -> None:
        if args.json:
            with contextlib.suppress(OSError):  # a reader that went away (the window closed)
                _json_line(event.__dict__)
        else:
            detail = f": {event.detail}" if event.detail else ""
            print(f"\r\033[K{event.kind} {event.path}{detail}", file=sys.stderr)

    progress.event_listeners.append(show)
    watch = lib.watch(progress, settle=args.settle)
    last, said = None, set()
    changed.set()  # the state at start, once
    try:
        while not stop.is_set():
            changed.wait()  # idle, this thread sleeps: it draws only what changed
            changed.clear()
            missing = {role: why for role, why in _missing_models(lib).items()
                       if why and role not in said}  # fmt: skip
            if missing and not args.json:  # each model once, as it is found missing
                print("\r\033[K", end="", file=sys.stderr)
                _print_missing(missing, sys.stderr, promise=not said)
                said.update(missing)
            if live:
                print(f"\r\033[K{_status_line(progress)}", end="", file=sys.stderr, flush=True)
            elif args.json and (state := {"kind": "progress", **progress.status()}) != last:
                with contextlib.suppress(OSError):
                    _json_line(state)  # what the window's status bar shows
                last = state
            stop.wait(0.5)  # at most two updates a second
    except KeyboardInterrupt:
        pass
    finally:
        watch.stop()
    print(file=sys.stderr)
    return 0


def _open(path: str, at: str | None) -> int:
    from mediasift.players import PLAYERS, open_at, parse_time

    try:
        command = open_at(path, parse_time(at) if at else None)
    except (ValueError, OSError) as exc:
        print(f"mediasift: cannot open {path}: {exc}", file=sys.stderr)
        return 2
    if at and Path(command[0]).name not in PLAYERS:
        print(f"Opened from the start: install mpv or VLC to open at {at}", file=sys.stderr)
    return 0


def _open_window() -> int:
    """``mediasift`` alone opens the window, where there is a screen to open it on."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    ):
        build_parser().print_help(sys.stderr)
        print("\nmediasift: no display to open the window on; use a command above", file=sys.stderr)
        return 2
    from mediasift.app.main import main as window

    return window(["mediasift"])


def _search(settings: Settings, args) -> int:
    """``search`` and ``similar``: asked of the running indexer when there is one (its models
    are warm), else answered here; the same answer is printed either way."""
    from dataclasses import asdict

    from mediasift.ipc import ask
    from mediasift.library import Library, LibraryError
    from mediasift.search.engine import Filters, Response

    folders = (str(Path(args.folder).expanduser().resolve()),) if args.folder else ()
    filters = Filters(folders, tuple(args.kind or ()), args.after, args.before)
    request = {"op": args.command, "n": args.n, "filters": asdict(filters), "cwd": os.getcwd()}
    if args.command == "search":
        request["query"] = args.query
    else:
        request["file"] = str(Path(args.file).expanduser().resolve())
    reply = ask(data_dir(), {**request, "models": settings.models()})  # None: none answered
    if reply is not None and "error" in reply:
        raise LibraryError(reply["error"])
    response = None if reply is None else Response.from_dict(reply["response"])
    rerank = getattr(args, "rerank", False)  # search only
    if response is None or rerank:
        with Library(settings=settings) as lib:
            if response is None:
                response = lib.run(request)
            if rerank:
                response = _reranked(lib, args.query, response)
    _print_response(response, args.json)
    return 0


def _reranked(lib: Library, query: str, response: Response) -> Response:
    """The second pass (Library.rerank); without a reranker, the first pass and why."""
    from mediasift.library import LibraryError

    try:
        return lib.rerank(query, response)
    except LibraryError as exc:
        print(f"Not reranked: {exc}", file=sys.stderr)
        return response


def _run(lib: Library, args) -> int:
    if args.command == "folders":
        if args.action == "add":
            for path in args.paths:
                print(f"Added {lib.add_folder(path)}")
        elif args.action == "remove":
            for path in args.paths:
                print(f"Removed {path} ({lib.remove_folder(path)} index entries)")
        elif args.json:
            _print_json(lib.folders())
        else:
            print("\n".join(lib.folders()) or "No folders yet: mediasift folders add FOLDER")
        return 0
    if args.command == "index":
        return _index(lib, args)
    if args.command == "watch":
        return _watch(lib, args)
    if args.command == "dupes":
        return _dupes(lib, args)
    if args.command == "undo":
        return _print_cleanup(lib.undo(), args.json)
    report = lib.status() if args.command == "status" else lib.doctor()
    if args.json:
        _print_json(report)
    else:
        _print_report(report)
    return 0 if report.get("catalog_ok", True) else 1


def _install_desktop(remove: bool) -> int:
    from mediasift import desktop_entry

    if remove:
        gone = desktop_entry.uninstall()
        print(f"Removed {len(gone)} files from {desktop_entry.data_home()}")
    else:
        placed = desktop_entry.install()
        print(f"MediaSift is in the launcher: {len(placed)} files in {desktop_entry.data_home()}")
    return 0


def _print_report(report: dict) -> None:
    """Plain lines for people: lists one item per line, records as 'key value' pairs."""
    for key, value in report.items():
        label = key.replace("_", " ")
        if isinstance(value, list):
            print(f"{label}: {len(value) if value else 'none'}")
            for item in value:
                if isinstance(item, dict):
                    item = "  ".join(f"{v}" for v in item.values())
                print(f"  {item}")
        elif isinstance(value, dict):
            print(f"{label}: " + ", ".join(f"{k} {v}" for k, v in value.items()))
        else:
            print(f"{label}: {value}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        return _open_window()
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=(logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)],
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.command == "bench":
        return args.run(args)
    if args.command == "install-desktop":
        return _install_desktop(args.uninstall)
    if args.command == "open":
        return _open(args.path, args.at)
    settings = Settings.load()
    if args.model:
        settings.model = args.model
    if args.text_model:
        settings.text_model = args.text_model
    if args.speech_model:
        settings.speech_model = args.speech_model
    if args.reranker:
        settings.reranker = args.reranker
    if args.command in ("models", "eval"):
        return args.run(args, settings)
    if args.command in ("search", "similar") and settings.threads is None:
        settings.threads = 1  # a search alone: one query, one thread (see Settings.threads)
    from mediasift.library import Library, LibraryError

    try:
        if args.command in ("search", "similar"):
            return _search(settings, args)
        with Library(settings=settings) as lib:
            return _run(lib, args)
    except LibraryError as exc:
        print(f"mediasift: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mediasift: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
