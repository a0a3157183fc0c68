"""Crash safety: SIGKILL ``mediasift index`` at random moments and check the library each time.

The claim under test: killing the process at any moment (during start-up, encoding, a catalog
write or an index save) never corrupts the library. On restart the catalog and the vector
index agree, finished work is kept (same vector ids) and interrupted work is redone once (the
vectors table's AUTOINCREMENT counter ends equal to the number of files: no vector was ever
written twice).

How:

1. a folder of small distinct photo-like JPEGs (decoding costs something) and a model, by
   default the tiny random CLIP: a run is then mostly start-up, so many kills fit in minutes;
2. a first, uninterrupted run indexes a fifth of the photos: it times start-up, writing and
   wrap-up, and leaves a saved index (a library indexed yesterday); then the rest arrive;
3. each round starts ``mediasift -v index FOLDER`` and SIGKILLs it during start-up (at a
   uniform time), among the writes (once a random number of further files is in the catalog,
   which this process polls) or in the wrap-up after the last write (stop, final save, exit);
4. after each kill the library is checked in this process, opened the way the app opens it;
5. a last uninterrupted run must finish the job. Real kills rarely land inside the few
   milliseconds of ``VectorIndex.save``, so a copy of the library is also taken through every
   point at which a kill can interrupt a save, and reopened.

Indexing is fast next to start-up here (imports and model load), so timing alone would put
nearly every kill in start-up or after the work is done; aiming at the n-th write is what
makes kills land among encodes and writes.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import math
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NoReturn, TypedDict
from unittest import mock

import numpy as np

from mediasift.bench.data import photo
from mediasift.catalog import Catalog
from mediasift.index import vectors as vectors_module
from mediasift.index.vectors import VectorIndex

log = logging.getLogger(__name__)

#: What the indexer logs (at -v) once start-up is over and it starts submitting files.
INDEXING_MARKER = "Reconcile:"
PHOTO_SIZE = (320, 240)
#: How often a kill waiting for the n-th write polls the catalog.
POLL_S = 0.002
TINY_MODEL_NOTE = "tiny random CLIP built locally (keeps each run short; speed is not measured)"


# --- checking a library --------------------------------------------------------------------


class LibraryCheck(TypedDict):
    """What ``check_library`` found; every list holds readable problem descriptions."""

    vectors: dict[str, int]  # path -> vector id of every finished file (the bench's one space)
    corrupted: list[str]  # integrity failure, unopenable catalog or index, broken invariants
    lost: list[str]  # finished before the kill, now missing or re-encoded
    disagreements: list[str]  # the index as opened differs from the catalog
    duplicates: int  # vectors written more than once
    rebuilt: int  # spaces whose saved index was missing or unusable: rebuilt from SQLite
    caught_up: int  # spaces whose saved index lagged the catalog: caught up on open


def _rows(catalog: Catalog, sql: str, params: tuple = ()) -> list[tuple]:
    return catalog.db.conn.execute(sql, params).fetchall()


@contextlib.contextmanager
def _open_catalog(home: Path) -> Iterator[Catalog]:
    catalog = Catalog(home / "catalog.sqlite3")
    try:
        yield catalog
    finally:
        catalog.close()


def _catalog_problems(catalog: Catalog) -> list[str]:
    """Invariants the writer keeps by writing a file's vector and stage in one transaction."""
    problems = []
    orphans = _rows(
        catalog,
        "SELECT v.id FROM vectors v LEFT JOIN segments s ON s.id = v.segment_id"
        " LEFT JOIN files f ON f.id = s.file_id WHERE f.id IS NULL",
    )
    if orphans:
        problems.append(f"{len(orphans)} vectors belong to no file")
    # The stage name mirrors mediasift.pipeline.probe.embed_stage: 'embed:<space id>'.
    stage_without_vector = _rows(
        catalog,
        "SELECT st.file_id FROM stages st JOIN spaces sp ON st.stage = 'embed:' || sp.id"
        " WHERE st.status = 'done' AND NOT EXISTS (SELECT 1 FROM vectors v"
        " JOIN segments s ON s.id = v.segment_id"
        " WHERE s.file_id = st.file_id AND v.space_id = sp.id)",
    )
    if stage_without_vector:
        problems.append(
            f"{len(stage_without_vector)} files are marked embedded but have no vector"
            " (they would never be encoded again)"
        )
    vector_without_stage = _rows(
        catalog,
        "SELECT v.id FROM vectors v JOIN segments s ON s.id = v.segment_id"
        " JOIN spaces sp ON sp.id = v.space_id AND sp.role = 'visual'"
        " WHERE NOT EXISTS (SELECT 1 FROM stages st WHERE st.file_id = s.file_id"
        " AND st.stage = 'embed:' || v.space_id AND st.status = 'done')",
    )
    if vector_without_stage:
        problems.append(
            f"{len(vector_without_stage)} vectors lack their 'embed' stage"
            " (their files would be encoded again)"
        )
    return problems


def _duplicates(catalog: Catalog, deleted: int) -> int:
    """Vectors written more than once: extra vectors per part of a file (segment and text
    chunk) and space, plus ids used up.

    Apart from the ``deleted`` vectors removed on purpose, nothing deletes vectors here, so
    the AUTOINCREMENT counter exceeding the row count means a vector was replaced: its file
    was encoded into the catalog twice.
    """
    extra = _rows(
        catalog,
        "SELECT count(*) - 1 FROM vectors v JOIN segments s ON s.id = v.segment_id"
        " GROUP BY s.file_id, s.ord, v.space_id, v.chunk HAVING count(*) > 1",
    )
    count = _rows(catalog, "SELECT count(*) FROM vectors")[0][0]
    seq = _rows(catalog, "SELECT seq FROM sqlite_sequence WHERE name = 'vectors'")
    return sum(n for (n,) in extra) + max(0, (seq[0][0] if seq else 0) - count - deleted)


def _saved_meta(index: VectorIndex) -> dict | None:
    try:
        return json.loads(index.meta_path.read_text())
    except (OSError, ValueError):
        return None


def _open_index(catalog: Catalog, index_dir: Path, space: dict) -> tuple[VectorIndex, bool]:
    """Open a space's index as the app does; also say whether it had to catch up on open."""
    index = VectorIndex(index_dir, space["id"], space["dim"])
    meta = _saved_meta(index)
    index.open(catalog)
    caught_up = (
        not index.rebuilt
        and meta is not None
        and (index._index.element_count, len(index._deleted))
        != (meta["count"], len(meta["deleted"]))
    )
    return index, caught_up


def _index_disagreement(catalog: Catalog, index: VectorIndex) -> str | None:
    """How the opened index differs from the catalog (labels, then stored vectors), if it does."""
    ids, matrix = catalog.vectors(index.space_id)
    live = set(index._index.get_ids_list()) - index._deleted
    wanted = set(ids.tolist())
    if live != wanted or index.live_count != len(wanted):
        return (
            f"space {index.space_id}: index has {len(live - wanted)} labels the catalog lacks,"
            f" lacks {len(wanted - live)} of its vectors (live count {index.live_count})"
        )
    if len(ids) and not np.array_equal(index._index.get_items(ids.tolist()), matrix):
        return f"space {index.space_id}: index labels point at vectors other than the catalog's"
    return None


def _check_indexes(catalog: Catalog, index_dir: Path, check: LibraryCheck) -> None:
    for space in catalog.spaces():
        try:
            index, caught_up = _open_index(catalog, index_dir, space)
        except Exception as exc:  # any failure to open is a library the user cannot use
            check["corrupted"].append(f"space {space['id']}: index cannot be opened: {exc!r}")
            continue
        check["rebuilt"] += index.rebuilt
        check["caught_up"] += caught_up
        if problem := _index_disagreement(catalog, index):
            check["disagreements"].append(problem)


def _finished(catalog: Catalog) -> dict[str, int]:
    rows = _rows(
        catalog,
        "SELECT f.path, v.id FROM vectors v JOIN segments s ON s.id = v.segment_id"
        " JOIN files f ON f.id = s.file_id",
    )
    return dict(rows)


def check_library(home: Path, before: dict[str, int], deleted: int = 0) -> LibraryCheck:
    """Open the library at ``home`` as a restarted app would, and list what is wrong with it.

    ``before`` maps the paths finished at the previous check to their vector ids: each must
    still have the same vector (finished work kept, not re-encoded). ``deleted`` counts the
    vectors removed on purpose since the library was created.
    """
    check = LibraryCheck(
        vectors={}, corrupted=[], lost=[], disagreements=[], duplicates=0, rebuilt=0, caught_up=0
    )
    try:
        catalog = Catalog(home / "catalog.sqlite3")
    except (sqlite3.Error, RuntimeError) as exc:
        check["corrupted"].append(f"catalog cannot be opened: {exc!r}")
        return check
    try:
        if not catalog.integrity_ok():
            check["corrupted"].append("catalog fails PRAGMA quick_check")
            return check
        check["corrupted"] += _catalog_problems(catalog)
        check["duplicates"] = _duplicates(catalog, deleted)
        check["vectors"] = _finished(catalog)
        _check_indexes(catalog, home / "index", check)
    finally:
        catalog.close()
    for path, vector_id in before.items():
        now = check["vectors"].get(path)
        if now != vector_id:
            check["lost"].append(f"{path}: vector {vector_id} is now {now}")
    return check


# --- running and killing the indexer -------------------------------------------------------


class IndexRun:
    """One ``mediasift -v index FOLDER`` child process, watched through its log on stderr.

    Times are wall-clock (``time.time()``) so they compare with the catalog's ``indexed_at``.
    """

    def __init__(self, folder: Path, home: Path, model: str):
        env = {
            **os.environ,
            "MEDIASIFT_HOME": str(home),
            "MEDIASIFT_MODEL": model,
            "HF_HUB_OFFLINE": "1",
        }
        command = [sys.executable, "-m", "mediasift.cli", "-v", "index", str(folder)]
        self.home = home
        self.started = time.time()
        self.indexing_at: float | None = None
        self.indexing = threading.Event()
        self.tail: collections.deque[str] = collections.deque(maxlen=20)
        self.proc = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()

    def _read_log(self) -> None:
        """Drain stderr (a full pipe would stall the child) and note when indexing begins."""
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.tail.append(line.rstrip())
            if INDEXING_MARKER in line and not self.indexing.is_set():
                self.indexing_at = time.time()
                self.indexing.set()

    def reaches(self, catalog_path: Path, vectors: int, timeout: float) -> bool:
        """Wait until indexing began and the catalog holds ``vectors`` vectors.

        False when the child exited (or hung) first. The catalog is polled through a read-only
        connection, as any other reader of a live library would.
        """
        deadline = time.monotonic() + timeout
        while not self.indexing.wait(0.05):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                return False
        with contextlib.closing(
            sqlite3.connect(f"{catalog_path.as_uri()}?mode=ro", uri=True)
        ) as db:
            while _vector_count(db) < vectors:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    return False
                time.sleep(POLL_S)
        return True

    def exited_within(self, seconds: float) -> bool:
        try:
            self.proc.wait(timeout=max(seconds, 0.0))
        except subprocess.TimeoutExpired:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL: no handler, no cleanup, no final save."""
        self.proc.kill()

    def end(self) -> int:
        """Reap the child and its log reader; returns the exit code."""
        code = self.proc.wait()
        self._reader.join()
        return code


@dataclass
class Timing:
    """Where an uninterrupted run spends its time, in seconds."""

    startup_s: float  # start to the indexing marker: imports, model, catalog, index open
    per_file_s: float  # the marker to the last write, per file: scan, decode, encode, write
    wrap_up_s: float  # the last write to exit: stop, final index save, teardown


def _vector_count(db: sqlite3.Connection) -> int:
    try:
        return db.execute("SELECT count(*) FROM vectors").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet, or busy for a moment
        return -1


def first_run(folder: Path, home: Path, model: str, files: int) -> Timing:
    """Index the first ``files`` photos uninterrupted, timing where later kills can land.

    It also leaves a saved index behind, like a library indexed yesterday: later kills then
    exercise an index that lags the catalog (caught up on open), not only a missing one.
    """
    run = IndexRun(folder, home, model)
    code = run.end()
    ended = time.time()
    if code != 0 or run.indexing_at is None:
        raise RuntimeError("the first, uninterrupted run failed:\n" + "\n".join(run.tail))
    with _open_catalog(home) as catalog:
        last_write = _rows(catalog, "SELECT max(indexed_at) FROM files")[0][0] or ended
    return Timing(
        run.indexing_at - run.started,
        max(last_write - run.indexing_at, 0.0) / files,
        max(ended - last_write, 0.0),
    )


@dataclass
class Round:
    """How one round ended: killed (before or after indexing began), or exited by itself."""

    killed: bool
    reached_indexing: bool
    seconds: float  # from process start to the kill (or the exit)
    exit_code: int
    log_tail: list[str] = field(default_factory=list)


def choose_aim(rng: random.Random, number: int, kills: int) -> str:
    """Start-up, writing, or wrap-up (after the last file is written: stop, final save, exit).

    A wrap-up kill lets its run write everything left, so wrap-up kills come only in the
    second half of the rounds: the first half keeps work left for kills among the writes.
    """
    if number <= kills // 2:
        return rng.choices(("startup", "writing"), weights=(1, 2))[0]
    return rng.choices(("startup", "writing", "wrap-up"), weights=(1, 2, 1))[0]


def kill_round(
    rng: random.Random,
    aim: str,
    run: IndexRun,
    timing: Timing,
    indexed: int,
    files: int,
    per_kill: int,
) -> Round:
    """SIGKILL the run at a random moment of the phase aimed at.

    Start-up: uniform in 0.3 s .. the start-up time. Writing: once 0 .. ``per_kill`` more files
    are written, so kills keep landing among encodes and writes until the last files. Wrap-up:
    uniform over the first run's wrap-up time after the last file is written. A run that ends
    first is left alone; one that hangs is killed when the wait times out.
    """
    if aim == "startup":
        run.exited_within(rng.uniform(0.3, timing.startup_s))
    else:
        if aim == "writing":
            # Then up to one file's time more: the kill falls anywhere in the next file's work.
            target = min(files, indexed + rng.randint(0, per_kill))
            after = rng.uniform(0.0, timing.per_file_s)
        else:
            target, after = files, rng.uniform(0.0, timing.wrap_up_s)
        # A loaded machine is slow: allow far more than the first run took.
        timeout = 10 * (timing.startup_s + timing.per_file_s * files) + 30
        if run.reaches(run.home / "catalog.sqlite3", target, timeout):
            run.exited_within(after)
    killed = run.proc.poll() is None
    if killed:
        run.kill()
    code = run.end()
    return Round(killed, run.indexing.is_set(), time.time() - run.started, code, list(run.tail))


def _phase(result: Round, indexed: int, files: int) -> str:
    """Where a kill landed, judged by what happened rather than by what was aimed at."""
    if not result.killed:
        return "finished"
    if not result.reached_indexing:
        return "startup"
    return "indexing" if indexed < files else "after_indexing"


# --- kills inside VectorIndex.save ---------------------------------------------------------


class _Killed(Exception):
    """Stands for a SIGKILL inside ``VectorIndex.save``: nothing after the raise point runs."""


class _OsDyingAtRename:
    """``os`` for vectors.py that performs ``renames`` renames, then dies at the next one."""

    def __init__(self, renames: int):
        self.renames = renames

    def __getattr__(self, name: str):
        return getattr(os, name)

    def replace(self, src, dst) -> None:
        if self.renames == 0:
            raise _Killed
        self.renames -= 1
        os.replace(src, dst)


def _tear(path: Path) -> NoReturn:
    """The checksum step sees the temp index cut in half, as a kill mid-write leaves it."""
    with path.open("r+b") as fh:
        fh.truncate(path.stat().st_size // 2)
    raise _Killed


SAVE_KILL_POINTS = {
    "index temp file half written": lambda: mock.patch.object(vectors_module, "_crc32", _tear),
    "temp files written, not renamed": lambda: mock.patch.object(
        vectors_module, "os", _OsDyingAtRename(0)
    ),
    "index renamed, sidecar not": lambda: mock.patch.object(
        vectors_module, "os", _OsDyingAtRename(1)
    ),
}


def _interrupted_save(home: Path, point: str, forget: int = 5) -> list[int]:
    """Save cleanly, forget a few files (so the next save differs), then die mid-save.

    Returns the vector ids that went away with the forgotten files.
    """
    gone: list[int] = []
    with _open_catalog(home) as catalog:
        for space in catalog.spaces():
            index = VectorIndex(home / "index", space["id"], space["dim"])
            index.open(catalog)
            index.save(catalog)
            ids = [r[0] for r in _rows(catalog, "SELECT id FROM files LIMIT ?", (forget,))]
            removed = catalog.delete_files(ids)
            index.remove(removed)
            gone += removed
            with SAVE_KILL_POINTS[point](), contextlib.suppress(_Killed):
                index.save(catalog)
    return gone


def check_torn_saves(home: Path, scratch: Path, before: dict[str, int]) -> dict[str, LibraryCheck]:
    """Reopen a copy of the library after a kill at each point of ``VectorIndex.save``."""
    results = {}
    for number, point in enumerate(SAVE_KILL_POINTS):
        copy = scratch / f"torn-save-{number}"
        shutil.copytree(home, copy)
        gone = set(_interrupted_save(copy, point))
        leftovers = sorted(p.name for p in (copy / "index").glob("*.tmp"))
        kept = {path: vid for path, vid in before.items() if vid not in gone}
        check = check_library(copy, kept, deleted=len(gone))
        log.info("Save killed (%s), leftovers %s: %s", point, leftovers, _verdict(check))
        results[point] = check
        shutil.rmtree(copy)
    return results


# --- the bench -----------------------------------------------------------------------------


def make_photos(folder: Path, count: int, seed: int) -> None:
    """``count`` distinct small JPEGs (distinct content, so no file reuses another's work)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        photo(rng, *PHOTO_SIZE).save(folder / f"photo-{i:05d}.jpg", "JPEG", quality=90)


def move_photos(source: Path, folder: Path, count: int) -> None:
    """New photos arrive in the library folder (renamed in, so never seen half written)."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.jpg"))[:count]:
        path.rename(folder / path.name)


def _verdict(check: LibraryCheck) -> str:
    problems = check["corrupted"] + check["lost"] + check["disagreements"]
    if check["duplicates"]:
        problems.append(f"{check['duplicates']} duplicate vectors")
    return "; ".join(problems[:5]) or "ok"


@dataclass
class Tally:
    """Figures summed over every check of the bench."""

    corrupted: int = 0
    lost: int = 0
    disagreements: int = 0
    duplicates: int = 0
    rebuilt: int = 0
    caught_up: int = 0

    def add(self, check: LibraryCheck, repairs: bool = True) -> None:
        """Count a check's problems, and its index repairs unless they were staged."""
        self.corrupted += bool(check["corrupted"])
        self.lost += len(check["lost"])
        self.disagreements += bool(check["disagreements"])
        self.duplicates = max(self.duplicates, check["duplicates"])  # a state, not an event
        if repairs:
            self.rebuilt += check["rebuilt"]
            self.caught_up += check["caught_up"]


def _kill_loop(
    kills: int,
    files: int,
    folder: Path,
    home: Path,
    model: str,
    timing: Timing,
    seed: int,
    before: dict[str, int],
) -> tuple[Tally, collections.Counter, dict[str, int], int]:
    """Kill, check, repeat; returns the tally, where kills landed, the last map, failed runs."""
    rng = random.Random(seed)
    tally, phases, failed = Tally(), collections.Counter(), 0
    per_kill = math.ceil(3 * (files - len(before)) / kills)  # work lasts through most rounds
    for number in range(1, kills + 1):
        aim = choose_aim(rng, number, kills)
        run = IndexRun(folder, home, model)
        result = kill_round(rng, aim, run, timing, len(before), files, per_kill)
        if not result.killed and result.exit_code != 0:
            failed += 1
            log.warning("Run %d failed by itself:\n%s", number, "\n".join(result.log_tail))
        check = check_library(home, before)
        tally.add(check)
        phase = _phase(result, len(check["vectors"]), files)
        phases[phase] += 1
        log.info(
            "Kill %d/%d aimed at %s: %s at %.2f s, %d -> %d files indexed: %s",
            number, kills, aim, phase, result.seconds, len(before), len(check["vectors"]),
            _verdict(check),
        )  # fmt: skip
        before = check["vectors"]
    return tally, phases, before, failed


def _final_run(folder: Path, home: Path, model: str) -> int:
    run = IndexRun(folder, home, model)
    code = run.end()
    if code != 0:
        log.warning("Final run failed:\n%s", "\n".join(run.tail))
    return code


def _final_counts(home: Path, folder: Path) -> dict[str, int]:
    """Every image with exactly one vector, and no vector id used twice over all the runs."""
    with _open_catalog(home) as catalog:
        per_file = _rows(
            catalog,
            "SELECT f.path, count(v.id) FROM files f LEFT JOIN segments s ON s.file_id = f.id"
            " LEFT JOIN vectors v ON v.segment_id = s.id GROUP BY f.id",
        )
        seq = _rows(catalog, "SELECT seq FROM sqlite_sequence WHERE name = 'vectors'")
        vectors = _rows(catalog, "SELECT count(*) FROM vectors")[0][0]
    images = {str(p) for p in folder.resolve().glob("*.jpg")}
    return {
        "final_files_indexed": sum(path in images and n == 1 for path, n in per_file),
        "final_vectors": vectors,
        "final_vector_sequence": seq[0][0] if seq else 0,
    }


def bench_crash(
    kills: int, files: int, model: str | None, seed: int = 0, workdir: Path | None = None
) -> dict:
    """SIGKILL ``mediasift index`` ``kills`` times over ``files`` images; check after each."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mediasift-crash-", dir=workdir) as tmp:
        work = Path(tmp)
        incoming, folder, home = work / "incoming", work / "photos", work / "home"
        make_photos(incoming, files, seed)
        model_note = model
        if model is None:
            from mediasift.models.random_weights import save_random_clip

            model = str(save_random_clip(work / "tiny-clip", "tiny"))
            model_note = TINY_MODEL_NOTE
        first = max(1, files // 5)
        move_photos(incoming, folder, first)
        timing = first_run(folder, home, model, first)
        log.info("First run, %d files: %s", first, timing)
        start = check_library(home, {})
        move_photos(incoming, folder, files - first)
        tally, phases, before, failed = _kill_loop(
            kills, files, folder, home, model, timing, seed, start["vectors"]
        )
        tally.add(start)
        final_code = _final_run(folder, home, model)
        final = check_library(home, before)
        tally.add(final)
        log.info("After the final run: %s", _verdict(final))
        torn = check_torn_saves(home, work, final["vectors"])
        for check in torn.values():
            tally.add(check, repairs=False)
        counts = _final_counts(home, folder)
        thumb_parts = sum(1 for _ in (home / "thumbs").rglob("*.part"))
    return {
        "kills": kills,
        "files": files,
        "model": model_note,
        "corrupted_libraries": tally.corrupted,
        "lost_finished_files": tally.lost,
        "index_disagreements": tally.disagreements,
        "duplicate_vectors": tally.duplicates,
        "index_rebuilds_seen": tally.rebuilt,
        "index_catch_ups_seen": tally.caught_up,
        # After a clean run the saved index should be current: opening needs no repair.
        "index_current_after_final_run": final["rebuilt"] + final["caught_up"] == 0,
        "kills_during_startup": phases["startup"],
        "kills_during_indexing": phases["indexing"],
        "kills_after_indexing": phases["after_indexing"],
        "runs_finished_before_kill": phases["finished"],
        "runs_failed_by_themselves": failed + (final_code != 0),
        "save_kill_points_reopened_ok": sum(_verdict(c) == "ok" for c in torn.values()),
        "save_kill_points_checked": len(torn),
        "first_run_files": first,
        "first_run_s": {k: round(v, 4) for k, v in asdict(timing).items()},
        **counts,
        "thumbnail_temp_files_left": thumb_parts,
        "seconds": round(time.monotonic() - started, 1),
    }
