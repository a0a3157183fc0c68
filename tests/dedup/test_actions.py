"""Cleanup plans: dry run, apply with checks, refusal of paths outside the library, and undo
that restores every byte and path and the index entries without re-encoding."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from mediasift.bench.dupeset import make_set
from mediasift.dedup import PlanRefused
from mediasift.library import IndexerRunning, Library


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def indexed(library, tmp_path):
    made = make_set(tmp_path / "photos", originals=2, size=(320, 240))
    library.add_folder(tmp_path / "photos")
    library.index()
    return library, made


def _vectors(library) -> dict[str, bytes]:
    rows = library.catalog.tuples(
        "SELECT f.path, v.vector FROM vectors v JOIN segments s ON s.id = v.segment_id"
        " JOIN files f ON f.id = s.file_id ORDER BY f.path, v.id"
    )
    return {path: vector for path, vector in rows}


@pytest.mark.parametrize("destination", ["quarantine", "trash"])
def test_apply_then_undo_restores_every_byte_path_and_vector(
    indexed, destination, tmp_path, monkeypatch
):
    from send2trash import plat_other

    monkeypatch.setattr(plat_other, "HOMETRASH_B", os.fsencode(tmp_path / "Trash"))
    monkeypatch.setattr(plat_other, "XDG_DATA_HOME", os.fsencode(tmp_path))
    library, made = indexed
    before = {m.path: _digest(m.path) for m in made}
    vectors = _vectors(library)
    plan = library.plan(library.dupes(), destination)
    moving = [e["path"] for g in plan["groups"] for e in g["move"]]
    assert len(moving) == 14  # 2 scenes x 7 copies

    dry = library.apply(plan)
    assert dry.dry_run and dry.bytes == sum(os.path.getsize(p) for p in moving)
    assert all(os.path.exists(p) for p in moving)

    done = library.apply(plan, dry_run=False)
    assert sorted(done.files) == sorted(moving) and not done.skipped
    assert not any(os.path.exists(p) for p in moving)
    assert not any(library.catalog.file_by_path(p) for p in moving)
    assert library.search("anything", n=100).results  # the index still answers

    undone = library.undo()
    assert sorted(undone.files) == sorted(moving) and undone.reencoded == 0
    assert {m.path: _digest(m.path) for m in made} == before
    assert _vectors(library) == vectors  # the same vectors, not computed again
    summary = library.index()
    assert summary.new == 0 and summary.encoded == 0  # nothing to read again
    assert library.undo() is None


def test_a_file_changed_after_review_is_skipped(indexed):
    library = indexed[0]
    plan = library.plan(library.dupes())
    changed = Path(plan["groups"][0]["move"][0]["path"])
    changed.write_bytes(changed.read_bytes() + b"edited")
    report = library.apply(plan, dry_run=False)
    assert changed.exists() and str(changed) not in report.files
    assert [s["path"] for s in report.skipped] == [str(changed)]
    assert "changed" in report.skipped[0]["reason"]


def test_a_plan_reaching_outside_the_library_is_refused(indexed, tmp_path):
    library, made = indexed
    outside = tmp_path / "elsewhere.jpg"
    outside.write_bytes(b"x")
    plan = library.plan(library.dupes())
    plan["groups"][0]["move"].append(
        {"path": str(outside), "hash": _digest(outside), "size": 1, "mtime": 0.0}
    )
    with pytest.raises(PlanRefused, match="outside"):
        library.apply(plan, dry_run=False)
    plan["groups"][0]["move"][-1]["path"] = str(tmp_path / "photos" / ".." / "elsewhere.jpg")
    with pytest.raises(PlanRefused, match="outside"):
        library.apply(plan)
    assert outside.exists() and all(m.path.exists() for m in made)


def test_a_cleanup_while_an_indexer_runs_is_done_by_that_indexer(indexed, settings, tmp_path):
    """The window cleans up while its indexer holds the library: the plan goes over the
    socket to the indexer's writer, and so does undo, refusals included."""
    library = indexed[0]
    plan = library.plan(library.dupes())
    moving = [e["path"] for g in plan["groups"] for e in g["move"]]
    with Library(library.home, settings) as indexer:
        watch = indexer.watch()
        try:
            with pytest.raises(IndexerRunning):
                library.index()  # the indexer holds the library: no second writer
            done = library.apply(plan, dry_run=False)
            assert sorted(done.files) == sorted(moving)
            assert not any(os.path.exists(p) for p in moving)
            assert not any(indexer.catalog.file_by_path(p) for p in moving)

            outside = dict(
                plan,
                groups=[
                    {
                        "keeper": "",
                        "move": [
                            {"path": str(tmp_path / "x.jpg"), "hash": "", "size": 0, "mtime": 0.0}
                        ],
                    }
                ],
            )
            with pytest.raises(PlanRefused, match="outside"):
                library.apply(outside, dry_run=False)

            undone = library.undo()
            assert sorted(undone.files) == sorted(moving) and not undone.skipped
            watch.pipeline.wait_idle(10)
            assert all(indexer.catalog.file_by_path(p) for p in moving)
        finally:
            watch.stop()
    assert all(os.path.exists(p) for p in moving)
