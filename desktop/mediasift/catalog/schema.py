"""Versioned schema migrations, applied in order; ``PRAGMA user_version`` records the last one.

Never edit a released migration: add the next one. Each runs in one transaction.
"""

from __future__ import annotations

import logging
import sqlite3

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
]

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the database up to SCHEMA_VERSION; refuse a database from a newer MediaSift."""
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
