"""Crash safety: ``mediasift index`` SIGKILLed at random moments never harms the library.

The first test runs the crash bench itself (real child processes, real kills) at a small size;
the others prove its checks can fail, by handing ``check_library`` a damaged library.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mediasift.bench.crash import bench_crash, check_library
from mediasift.index.vectors import VectorIndex
from mediasift.library import Library

KILLS, FILES = 6, 120


def test_killed_indexer_keeps_the_library_whole(tiny_clip, tmp_path):
    figures = bench_crash(KILLS, FILES, str(tiny_clip), workdir=tmp_path)

    assert figures["corrupted_libraries"] == 0
    assert figures["lost_finished_files"] == 0
    assert figures["index_disagreements"] == 0
    assert figures["duplicate_vectors"] == 0
    assert figures["runs_failed_by_themselves"] == 0
    assert figures["save_kill_points_reopened_ok"] == figures["save_kill_points_checked"] > 0
    assert figures["final_files_indexed"] == figures["final_vectors"] == FILES
    assert figures["final_vector_sequence"] == FILES  # each file encoded into the catalog once
    # The kills really interrupted indexing, not only start-up (a vacuous pass otherwise).
    assert figures["kills_during_indexing"] >= 1


@pytest.fixture
def indexed(library: Library, photos: Path) -> tuple[Library, dict[str, int]]:
    """A small indexed library and its path -> vector id map, checked clean."""
    library.add_folder(photos)
    library.index()
    check = check_library(library.home, {})
    assert check["corrupted"] == check["disagreements"] == [] and check["duplicates"] == 0
    assert len(check["vectors"]) == 12
    return library, check["vectors"]


def test_check_finds_a_lost_vector(indexed):
    library, before = indexed
    library.catalog.db.conn.execute("DELETE FROM vectors WHERE id = (SELECT min(id) FROM vectors)")

    check = check_library(library.home, before)

    assert any("marked embedded but have no vector" in p for p in check["corrupted"])
    assert len(check["lost"]) == 1


def test_check_finds_a_file_encoded_twice(indexed):
    library, before = indexed
    library.catalog.db.conn.execute(
        "INSERT OR REPLACE INTO vectors(segment_id, space_id, vector)"
        " SELECT segment_id, space_id, vector FROM vectors ORDER BY id LIMIT 1"
    )

    check = check_library(library.home, before)

    assert check["duplicates"] == 1
    assert len(check["lost"]) == 1  # its finished vector was replaced by a new one


def test_check_finds_an_index_that_disagrees(indexed, monkeypatch):
    library, before = indexed
    library.catalog.db.conn.execute("DELETE FROM files WHERE id = (SELECT min(id) FROM files)")
    monkeypatch.setattr(VectorIndex, "_reconcile", lambda self, catalog: None)

    check = check_library(library.home, before, deleted=1)

    assert len(check["disagreements"]) == 1


def test_a_clean_run_after_a_crash_leaves_a_current_index(indexed):
    library, _ = indexed
    for saved in (library.home / "index").iterdir():
        saved.unlink()  # what a kill after the writes, before the first save, leaves
    with Library(library.home, library.settings) as restarted:
        restarted.index()

    check = check_library(library.home, {})

    assert check["rebuilt"] == check["caught_up"] == 0
