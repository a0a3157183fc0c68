"""The SQLite catalog: migrations, WAL, cascades, moves and copies of work."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from mediasift.catalog import Catalog, Segment, VectorItem
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
    segment = catalog.put_segment(file_id, Segment(0, "image"))
    (vid,), _ = catalog.add_vectors(space, [VectorItem(segment, np.ones(4))])
    catalog.set_stage(file_id, "embed:1", "done")
    assert catalog.delete_files([file_id]) == [vid]
    counts = catalog.counts()
    assert (counts["files"], counts["segments"], counts["vectors"]) == (0, 0, 0)
    assert catalog.file_ids_with_stage("embed:1") == set()


def test_deleted_rows_release_their_content_hashes(tmp_path):
    catalog = Catalog(tmp_path / "c.sqlite3")
    folder = catalog.add_folder("/pics")
    a = catalog.insert_file(folder, "/pics/a.jpg", 10, 1.0, hash="shared")
    catalog.insert_file(folder, "/pics/copy.jpg", 10, 1.0, hash="shared")
    b = catalog.insert_file(folder, "/pics/b.jpg", 10, 1.0, hash="own")
    catalog.insert_file(folder, "/pics/c.txt", 3, 1.0, status="ignored")  # no hash
    catalog.delete_files([a, b])
    released = catalog.released_hashes()
    assert released == {"shared", "own"}
    assert catalog.held_hashes(released) == {"shared"}  # the copy still holds it
    assert catalog.released_hashes() == set()  # each is told once


def test_copy_work_and_folder_move(tmp_path):
    catalog = Catalog(tmp_path / "c.sqlite3")
    folder = catalog.add_folder("/pics")
    space = catalog.ensure_space("m", "r", 4)
    src = catalog.insert_file(folder, "/pics/old/a.jpg", 10, 1.0, status="indexed")
    segment = catalog.put_segment(src, Segment(0, "image"))
    catalog.add_vectors(space, [VectorItem(segment, np.arange(4, dtype=np.float32))])
    dst = catalog.insert_file(folder, "/pics/old/b.jpg", 10, 1.0, status="indexed")
    new_ids = catalog.copy_work(src, dst)
    assert len(new_ids[space]) == 1
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


def test_library_of_schema_2_keeps_its_vectors_and_gains_text_search(tmp_path):
    """A library made before text segments: vector ids (the index labels) and the id
    sequence survive the rebuild of the vectors table; file names become searchable."""
    from mediasift.catalog.schema import MIGRATIONS

    path = tmp_path / "c.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0] + MIGRATIONS[1] + "PRAGMA user_version=2;")
    conn.executescript(
        "INSERT INTO folders(path, added_at) VALUES ('/pics', 0);"
        "INSERT INTO files(folder_id, path, name, size, mtime, status)"
        " VALUES (1, '/pics/Q3Revenue/IMG_2043.jpg', 'IMG_2043.jpg', 1, 0, 'indexed');"
        "INSERT INTO segments(file_id, ord, kind) VALUES (1, 0, 'image');"
        "INSERT INTO spaces(model_id, revision, dim, created_at) VALUES ('m', 'r', 2, 0);"
        "INSERT INTO vectors(id, segment_id, space_id, vector)"
        " VALUES (7, 1, 1, x'000000000000803f');"
        "UPDATE sqlite_sequence SET seq = 9 WHERE name = 'vectors';"
    )
    conn.commit()
    conn.close()
    catalog = Catalog(path)
    ids, matrix = catalog.vectors(1)
    assert ids.tolist() == [7]
    np.testing.assert_array_equal(matrix, [[0.0, 1.0]])
    segment = catalog.put_segment(1, Segment(1, "ocr", text="quarterly numbers"))
    (new_id,), _ = catalog.add_vectors(1, [VectorItem(segment, np.ones(2))])
    assert new_id == 10  # never a label the old index may still hold as deleted
    names = catalog.rows("SELECT rowid FROM name_fts WHERE name_fts MATCH '2043 AND revenue'")
    assert [r["rowid"] for r in names] == [1]
    words = catalog.rows("SELECT rowid FROM segment_fts WHERE segment_fts MATCH 'quarterly'")
    assert [r["rowid"] for r in words] == [segment]


def test_segment_text_index_follows_updates_and_cascades(tmp_path):
    catalog = Catalog(tmp_path / "c.sqlite3")
    folder = catalog.add_folder("/docs")
    file_id = catalog.insert_file(folder, "/docs/deck.pptx", 1, 1.0, status="indexed")
    catalog.put_segment(file_id, Segment(0, "slide", text="lease deposit terms"))

    def matches(word: str) -> int:
        return len(catalog.rows("SELECT rowid FROM segment_fts WHERE segment_fts MATCH ?", [word]))

    assert matches("deposit") == 1
    catalog.put_segment(file_id, Segment(0, "slide", text="budget review"))
    assert (matches("deposit"), matches("budget")) == (0, 1)
    catalog.delete_files([file_id])
    assert matches("budget") == 0
    assert catalog.rows("SELECT count(*) AS n FROM name_fts")[0]["n"] == 0
