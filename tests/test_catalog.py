"""The SQLite catalog: migrations, WAL, cascades, moves and copies of work."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from mediasift.catalog import Catalog
from mediasift.catalog.schema import SCHEMA_VERSION


def test_new_catalog_is_migrated_and_in_wal_mode(tmp_path):
    catalog = Catalog(tmp_path / "c.sqlite3")
    conn = catalog.db.conn
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"folders", "files", "segments", "spaces", "vectors", "stages"} <= set(
        catalog.db.table_names()
    )


def test_catalog_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "c.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(RuntimeError, match="newer MediaSift"):
        Catalog(path)


def test_deleting_a_file_cascades_and_reports_vector_ids(tmp_path):
    catalog = Catalog(tmp_path / "c.sqlite3")
    folder = catalog.add_folder("/pics")
    space = catalog.ensure_space("m", "r", 4)
    file_id = catalog.insert_file(folder, "/pics/a.jpg", 10, 1.0, status="indexed")
    (vid,) = catalog.add_vectors(space, [(catalog.image_segment(file_id), np.ones(4))])
    catalog.set_stage(file_id, "embed:1", "done")
    assert catalog.delete_files([file_id]) == [vid]
    counts = catalog.counts()
    assert (counts["files"], counts["segments"], counts["vectors"]) == (0, 0, 0)
    assert catalog.file_ids_with_stage("embed:1") == set()


def test_copy_work_and_folder_move(tmp_path):
    catalog = Catalog(tmp_path / "c.sqlite3")
    folder = catalog.add_folder("/pics")
    space = catalog.ensure_space("m", "r", 4)
    src = catalog.insert_file(folder, "/pics/old/a.jpg", 10, 1.0, status="indexed")
    catalog.add_vectors(space, [(catalog.image_segment(src), np.arange(4, dtype=np.float32))])
    dst = catalog.insert_file(folder, "/pics/old/b.jpg", 10, 1.0, status="indexed")
    new_ids = catalog.copy_work(src, dst)
    assert len(new_ids) == 1
    np.testing.assert_array_equal(catalog.file_vector(dst, space), np.arange(4))
    sibling = catalog.insert_file(folder, "/pics/older/c.jpg", 10, 1.0, status="indexed")
    leftover = catalog.insert_file(folder, "/pics/new/a.jpg", 10, 1.0, status="indexed")
    moved, stale = catalog.move_tree("/pics/old", "/pics/new", folder)
    assert (moved, stale) == (2, [])
    assert catalog.file_by_path("/pics/new/b.jpg")["id"] == dst
    assert catalog.file_by_path("/pics/older/c.jpg")["id"] == sibling  # a prefix, not inside
    assert catalog.file_by_id(leftover) is None  # a deleted folder's row, replaced by the move


def test_failed_commit_leaves_no_open_transaction(tmp_path, monkeypatch):
    catalog = Catalog(tmp_path / "c.sqlite3")
    folder = catalog.add_folder("/pics")
    with pytest.raises(sqlite3.IntegrityError), catalog.transaction():
        catalog.insert_file(folder, "/pics/a.jpg", 1, 1.0, status="indexed")
        catalog.insert_file(folder, "/pics/a.jpg", 1, 1.0, status="indexed")  # UNIQUE(path)
    assert not catalog.db.conn.in_transaction
    catalog.insert_file(folder, "/pics/b.jpg", 1, 1.0, status="indexed")
    other = sqlite3.connect(tmp_path / "c.sqlite3")  # another process sees it committed
    assert other.execute("SELECT count(*) FROM files").fetchone()[0] == 1


def test_older_catalog_is_migrated_in_place(tmp_path):
    from mediasift.catalog.schema import MIGRATIONS

    path = tmp_path / "c.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0] + "PRAGMA user_version=1;")
    conn.execute("INSERT INTO folders(path, added_at) VALUES ('/kept', 0)")
    conn.commit()
    conn.close()
    catalog = Catalog(path)
    assert catalog.folders() == [{"id": 1, "path": "/kept", "added_at": 0.0, "device": None}]
    assert catalog.db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
