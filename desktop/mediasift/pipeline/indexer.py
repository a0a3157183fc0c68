"""Reconciling library folders with the catalog: the one-shot ``index`` run, and the scan a
watch runs at start, for a folder added and after lost events (pipeline.watcher).

A fast scan (size + mtime) finds new, changed and not-yet-embedded files and submits them to
the pipeline; unchanged files cost one stat. It runs on the writer thread, so it compares the
disk with a catalog no write is changing. Rows whose files are gone are removed only once the
pipeline is idle, so a file renamed while the app was closed is matched to its old row by
content hash (a path update) before that row could be taken for a deletion.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from mediasift.catalog import FileState
from mediasift.catalog.stages import embed_stage, text_stage
from mediasift.pipeline.engine import BACKLOG, Pipeline
from mediasift.pipeline.probe import TEXT, Job
from mediasift.pipeline.scanner import MISSING_FOLDER, Problem, root_available, scan
from mediasift.pipeline.writer import IndexSummary, reading_stages

log = logging.getLogger(__name__)


def plan(pipeline: Pipeline, folders: list[dict]) -> tuple[list[Job], list[FileState]]:
    """Jobs for new, changed and not-yet-embedded files, then for later stages a known file
    still lacks (OCR, text vectors); rows no longer seen on disk."""
    catalog, space_id, summary = pipeline.catalog, pipeline.space_id, pipeline.summary
    embedded = catalog.file_ids_with_stage(embed_stage(space_id)) if space_id else set()
    later = _later_stages(pipeline)
    jobs: list[Job] = []
    followups: list[Job] = []
    missing: list[FileState] = []
    problems: list[Problem] = []
    for folder in folders:
        if not root_available(folder):  # unmounted drive, offline share: keep its files
            problems.append(Problem(folder["path"], MISSING_FOLDER))
            continue
        states = catalog.file_states(folder["id"])
        for entry in scan(Path(folder["path"]), problems):
            job = Job(entry.path, folder["id"], entry.size, entry.mtime)
            known = states.pop(entry.path, None)
            if known is None or (known.size, known.mtime) != (entry.size, entry.mtime):
                jobs.append(job)
                continue
            indexed = known.status == "indexed"
            if indexed and space_id is not None and known.id not in embedded:
                job.file_id = known.id
                jobs.append(job)
            else:
                summary.unchanged += 1
            followups += [
                Job(entry.path, folder["id"], entry.size, entry.mtime, known.id, stage=stage)
                for stage, wanting in later
                if indexed and known.id in wanting
            ]
        missing.extend(states.values())
    summary.failed += [{"path": p.path, "reason": p.reason} for p in problems]
    jobs.sort(key=lambda j: -j.mtime)  # newest first: what the user just added
    followups.sort(key=lambda j: -j.mtime)
    return jobs + followups, missing


def _later_stages(pipeline: Pipeline) -> list[tuple[str, set[int]]]:
    """(stage, ids of indexed files still wanting it) for the stages this pipeline can do."""
    catalog, later = pipeline.catalog, []
    for stage, kinds in reading_stages(pipeline.work).items():
        later.append((stage, catalog.file_ids_wanting_stage(stage, kinds)))
    if pipeline.text_space_id is not None:
        later.append(
            (TEXT, catalog.file_ids_with_unembedded_text(text_stage(pipeline.text_space_id)))
        )
    return later


def reconcile(
    pipeline: Pipeline, folders: list[dict], then: Callable[[], None] | None = None
) -> None:
    """Writer thread (``pipeline.call``): queue what changed in these folders; once all of it
    is written, the rows still missing leave the library, then ``then`` is called."""
    jobs, missing = plan(pipeline, folders)
    log.info("Reconcile: %d jobs, %d files unchanged", len(jobs), pipeline.summary.unchanged)
    for job in jobs:
        pipeline.submit(job, BACKLOG)

    def settle() -> None:
        pipeline.writer.remove_missing(missing)
        pipeline.writer.mark_covered()
        if then is not None:
            then()

    pipeline.when_idle(settle)


def run_once(pipeline: Pipeline, folders: list[dict]) -> IndexSummary:
    """The ``index`` command: reconcile, then stop the pipeline (which saves the index)."""
    started = time.monotonic()
    pipeline.start()
    try:
        pipeline.call(lambda: reconcile(pipeline, folders))
        while not pipeline.wait_idle(0.2):
            if pipeline.progress.cancelled:
                break
    finally:
        pipeline.stop()
    summary = pipeline.summary
    summary.cancelled = pipeline.progress.cancelled
    summary.seconds = time.monotonic() - started
    return summary
