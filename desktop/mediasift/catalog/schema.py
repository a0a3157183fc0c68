"""Versioned schema migrations, applied in order; ``PRAGMA user_version`` records the last one.

Never edit a released migration: add the next one. Each runs in one transaction.
"""

from __future__ import annotations

import logging
import sqlite3

from mediasift.catalog.names import name_terms

log = logging.getLogger(__name__)

MIGRATIONS: list[str] = [
    # 1: folders, files, segments, spaces, vectors (source of truth), per-file stages.
    """
    CREATE TABLE folders (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        added_at REAL NOT NULL
    );
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
        path TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime REAL NOT NULL,
        hash TEXT,
        kind TEXT,
        width INTEGER,
        height INTEGER,
        captured_at REAL,
        status TEXT NOT NULL DEFAULT 'pending',
        error TEXT,
        indexed_at REAL
    );
    CREATE INDEX files_hash ON files(hash);
    CREATE INDEX files_folder ON files(folder_id);
    CREATE TABLE segments (
        id INTEGER PRIMARY KEY,
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        ord INTEGER NOT NULL,
        kind TEXT NOT NULL,
        start REAL,
        "end" REAL,
        label TEXT,
        text TEXT,
        UNIQUE(file_id, ord)
    );
    CREATE TABLE spaces (
        id INTEGER PRIMARY KEY,
        model_id TEXT NOT NULL,
        revision TEXT NOT NULL,
        dim INTEGER NOT NULL,
        created_at REAL NOT NULL,
        UNIQUE(model_id, revision, dim)
    );
    CREATE TABLE vectors (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
        space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
        vector BLOB NOT NULL,
        UNIQUE(segment_id, space_id)
    );
    CREATE INDEX vectors_space ON vectors(space_id, id);
    CREATE TABLE stages (
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        stage TEXT NOT NULL,
        status TEXT NOT NULL,
        error TEXT,
        updated_at REAL NOT NULL,
        PRIMARY KEY(file_id, stage)
    );
    """,
    # 2: the device a folder lives on, so an unmounted drive is not taken for emptied folders.
    """
    ALTER TABLE folders ADD COLUMN device INTEGER;
    """,
    # 3: text everywhere. Segments gain OCR lines (with boxes); a segment may have several
    # vectors per space (one per text chunk, with the chunk's span in the segment's text);
    # spaces say their role; full-text indexes over segment text and file names. The vectors
    # table is rebuilt keeping every id (the hnswlib labels), so nothing is re-encoded.
    """
    ALTER TABLE segments ADD COLUMN lines TEXT;
    ALTER TABLE spaces ADD COLUMN role TEXT NOT NULL DEFAULT 'visual';
    CREATE TABLE vectors_v3 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
        space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
        chunk INTEGER NOT NULL DEFAULT 0,
        span_start INTEGER,
        span_end INTEGER,
        vector BLOB NOT NULL,
        UNIQUE(segment_id, space_id, chunk)
    );
    INSERT INTO vectors_v3(id, segment_id, space_id, vector)
        SELECT id, segment_id, space_id, vector FROM vectors ORDER BY id;
    CREATE TEMP TABLE vectors_seq AS
        SELECT seq FROM sqlite_sequence WHERE name = 'vectors';
    DROP TABLE vectors;
    ALTER TABLE vectors_v3 RENAME TO vectors;
    CREATE INDEX vectors_space ON vectors(space_id, id);
    CREATE INDEX vectors_segment ON vectors(segment_id);
    UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM vectors_seq), 0))
        WHERE name = 'vectors';
    DROP TABLE vectors_seq;
    CREATE INDEX segments_file ON segments(file_id, ord);
    CREATE VIRTUAL TABLE segment_fts USING fts5(
        text, content='segments', content_rowid='id', prefix='1 2 3',
        tokenize='unicode61 remove_diacritics 2'
    );
    INSERT INTO segment_fts(rowid, text) SELECT id, text FROM segments WHERE text IS NOT NULL;
    CREATE TRIGGER segments_fts_insert AFTER INSERT ON segments WHEN new.text IS NOT NULL BEGIN
        INSERT INTO segment_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER segments_fts_delete AFTER DELETE ON segments WHEN old.text IS NOT NULL BEGIN
        INSERT INTO segment_fts(segment_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    CREATE TRIGGER segments_fts_update AFTER UPDATE OF text ON segments BEGIN
        INSERT INTO segment_fts(segment_fts, rowid, text)
            SELECT 'delete', old.id, old.text WHERE old.text IS NOT NULL;
        INSERT INTO segment_fts(rowid, text) SELECT new.id, new.text WHERE new.text IS NOT NULL;
    END;
    CREATE VIRTUAL TABLE name_fts USING fts5(
        name, folder, prefix='1 2 3', tokenize='unicode61 remove_diacritics 2'
    );
    INSERT INTO name_fts(rowid, name, folder) SELECT id, ms_name(path), ms_folder(path) FROM files;
    """,
    # 4: clips and recordings: their length in seconds.
    """
    ALTER TABLE files ADD COLUMN duration REAL;
    """,
    # 5: duplicates. Perceptual hashes per image segment (a rescan never recomputes them);
    # "not duplicates" decisions by content hash (they survive moves and re-indexing); the
    # journal of applied cleanup plans, holding each moved file's rows and vectors so that
    # undo puts it back in the index without re-encoding.
    """
    ALTER TABLE segments ADD COLUMN phash INTEGER;
    ALTER TABLE segments ADD COLUMN dhash INTEGER;
    ALTER TABLE segments ADD COLUMN phash_turns BLOB;
    ALTER TABLE segments ADD COLUMN colour INTEGER;
    ALTER TABLE segments ADD COLUMN sharpness REAL;
    CREATE TABLE not_duplicates (
        hash_a TEXT NOT NULL,
        hash_b TEXT NOT NULL,
        decided_at REAL NOT NULL,
        PRIMARY KEY(hash_a, hash_b)
    );
    CREATE TABLE cleanup_plans (
        id INTEGER PRIMARY KEY,
        applied_at REAL NOT NULL,
        undone_at REAL,
        plan TEXT NOT NULL
    );
    CREATE TABLE cleanup_moves (
        id INTEGER PRIMARY KEY,
        plan_id INTEGER NOT NULL REFERENCES cleanup_plans(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        moved_to TEXT NOT NULL,
        destination TEXT NOT NULL,
        hash TEXT NOT NULL,
        record TEXT NOT NULL,
        restored_at REAL
    );
    CREATE INDEX cleanup_moves_plan ON cleanup_moves(plan_id);
    """,
    # 6: model switches. A space is ready once it holds every indexed file; until then
    # searches keep reading the ready space it replaces. The spaces already here were filled
    # by the indexer that made them, so they count as ready.
    """
    ALTER TABLE spaces ADD COLUMN ready_at REAL;
    UPDATE spaces SET ready_at = created_at;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the database up to SCHEMA_VERSION; refuse a database from a newer MediaSift."""
    # What SQL cannot compute itself, for migrations to call.
    conn.create_function("ms_name", 1, lambda path: name_terms(path)[0], deterministic=True)
    conn.create_function("ms_folder", 1, lambda path: name_terms(path)[1], deterministic=True)
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        raise RuntimeError(
            f"This library was written by a newer MediaSift (schema {current}, "
            f"this version knows {SCHEMA_VERSION}). Update MediaSift to open it."
        )
    for version in range(current + 1, SCHEMA_VERSION + 1):
        log.info("Migrating catalog to schema %d", version)
        try:
            conn.executescript(
                "BEGIN;" + MIGRATIONS[version - 1] + f"PRAGMA user_version={version};COMMIT;"
            )
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
