"""Safe cleanup: a plan a person can read and edit, a dry run, apply with checks, and undo.

A plan (JSON) lists, per group, the keeper and the files to move away, each with the content
hash, size and mtime that were reviewed; a file that changed since is skipped, with the reason.
Files go to the OS trash or to the quarantine folder in the library home: nothing is ever
deleted. Every applied plan is journalled with each moved file's catalog record, so undo puts
every file back at its path, byte-identical, and back in the index without re-encoding.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from mediasift.catalog import Catalog
from mediasift.catalog.dedup import (
    journal_move,
    journal_plan,
    last_plan,
    mark_restored,
    mark_undone,
)
from mediasift.dedup.model import Group, PlanRefused, Report
from mediasift.dedup.records import export_file, import_file
from mediasift.dedup.trash import trash, untrash
from mediasift.index.vectors import VectorIndex
from mediasift.pipeline.probe import file_digest

log = logging.getLogger(__name__)

DESTINATIONS = ("quarantine", "trash")
PLAN_VERSION = 1


def make_plan(groups: Sequence[Group], destination: str = "quarantine") -> dict:
    """A plan that keeps each group's keeper and moves its other unprotected members."""
    if destination not in DESTINATIONS:
        raise PlanRefused(f"Unknown destination {destination!r} (use one of {DESTINATIONS})")
    return {
        "version": PLAN_VERSION,
        "destination": destination,
        "groups": [
            {
                "tier": g.tier,
                "keeper": g.member(g.keeper).path,
                "move": [
                    {"path": m.path, "hash": m.hash, "size": m.size, "mtime": m.mtime}
                    for m in g.removable()
                ],
            }
            for g in groups
            if g.removable()
        ],
    }


def _entries(plan: dict, folders: Sequence[str]) -> list[dict]:
    """The plan's files to move, after refusing any plan that reaches outside the library
    or would move a group's keeper."""
    if plan.get("version") != PLAN_VERSION or plan.get("destination") not in DESTINATIONS:
        raise PlanRefused("Not a MediaSift cleanup plan (version or destination missing)")
    roots = [Path(f) for f in folders]
    entries = []
    for group in plan["groups"]:
        for entry in group["move"]:
            path = Path(os.path.abspath(entry["path"]))
            real = path.resolve()
            if not any(real.is_relative_to(r) and path.is_relative_to(r) for r in roots):
                raise PlanRefused(f"{entry['path']} is outside the library folders")
            if entry["path"] == group.get("keeper"):
                raise PlanRefused(f"{entry['path']} is its group's keeper")
            entries.append({**entry, "path": str(path)})
    return entries


def _why_not(entry: dict) -> str | None:
    """Why a file must be skipped: gone, or not what was reviewed."""
    try:
        st = os.stat(entry["path"])
    except FileNotFoundError:
        return "no longer there"
    if st.st_size != entry["size"] or st.st_mtime != entry["mtime"]:
        return "changed since it was reviewed (size or modification time)"
    if file_digest(entry["path"]) != entry["hash"]:
        return "changed since it was reviewed (content)"
    return None


def apply_plan(
    catalog: Catalog, home: Path, thumbs: Path, plan: dict, indexes: Sequence[VectorIndex],
    dry_run: bool = True,
) -> Report:  # fmt: skip
    """Carry out a plan (or only say what it would do)."""
    entries = _entries(plan, [r["path"] for r in catalog.folders()])
    report = Report(dry_run, plan["destination"])
    ready = []
    for entry in entries:
        reason = _why_not(entry)
        if reason is None and catalog.file_by_path(entry["path"]) is None:
            reason = "not in the library index"
        if reason:
            report.skipped.append({"path": entry["path"], "reason": reason})
        else:
            ready.append(entry)
    report.files = [e["path"] for e in ready]
    report.bytes = sum(e["size"] for e in ready)
    if dry_run or not ready:
        return report
    plan_id = journal_plan(catalog, plan)
    quarantine = home / "quarantine" / str(plan_id)
    for n, entry in enumerate(ready):
        path = Path(entry["path"])
        row = catalog.file_by_path(str(path))
        record = export_file(catalog, thumbs, row["id"])
        if plan["destination"] == "trash":
            moved_to = trash(path)
        else:
            moved_to = quarantine / str(n) / path.name
            moved_to.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, moved_to)
        with catalog.transaction():
            journal_move(catalog, plan_id, str(path), str(moved_to), plan["destination"],
                         entry["hash"], record)  # fmt: skip
            gone = catalog.delete_files([row["id"]])
        for index in indexes:
            index.remove(gone)
    log.info("Plan %d: moved %d files to the %s", plan_id, len(ready), plan["destination"])
    return report


def undo_last(catalog: Catalog, thumbs: Path, indexes: Sequence[VectorIndex]) -> Report | None:
    """Put back every file of the last applied plan; None when there is nothing to undo."""
    found = last_plan(catalog)
    if found is None:
        return None
    plan_id, moves = found
    report = Report(False)
    by_space = {index.space_id: index for index in indexes}
    folders = catalog.folders()
    for move in moves:
        original, moved_to = Path(move["path"]), Path(move["moved_to"])
        reason = None
        if original.exists():
            reason = "a file is at its original path again"
        elif not moved_to.exists():
            reason = f"no longer in the {move['destination']} ({moved_to})"
        elif file_digest(str(moved_to)) != move["hash"]:
            reason = f"changed while in the {move['destination']}"
        if reason:
            report.skipped.append({"path": move["path"], "reason": reason})
            continue
        original.parent.mkdir(parents=True, exist_ok=True)
        if move["destination"] == "trash":
            untrash(moved_to, original)
        else:
            shutil.move(moved_to, original)
        folder = next((f for f in folders if original.is_relative_to(f["path"])), None)
        if folder is not None:  # a folder removed meanwhile: the file is back, not indexed
            st = original.stat()
            added = import_file(catalog, thumbs, folder["id"], str(original), st.st_size,
                                st.st_mtime, move["record"])  # fmt: skip
            for space_id, ids in added.items():
                if space_id in by_space:
                    by_space[space_id].add(*catalog.vectors(space_id, ids))
        mark_restored(catalog, move["id"])
        report.files.append(move["path"])
        report.bytes += original.stat().st_size
    if not report.skipped:
        mark_undone(catalog, plan_id)
    log.info("Undid plan %d: %d files back, %d skipped", plan_id, len(report.files),
             len(report.skipped))  # fmt: skip
    return report
