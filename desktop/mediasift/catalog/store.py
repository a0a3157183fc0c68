"""The catalog: one SQLite database (WAL) holding folders, files, segments, vectors and stages.

It is the source of truth; vector index files are caches rebuilt from it. One connection is
shared by the threads of a process behind a lock, so a write transaction is never interleaved
with another thread's statements. Other processes read the same file safely through WAL.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlite_utils

from mediasift.catalog.names import name_terms
from mediasift.catalog.schema import migrate
from mediasift.catalog.stages import embed_stage, text_stage


@dataclass(frozen=True)
class FileState:
    """What a scan compares against: a file is unchanged when size and mtime are equal."""

    id: int
    path: str
    size: int
    mtime: float
    hash: str | None
    status: str


@dataclass(frozen=True)
class Hit:
    """A vector label resolved to its file and segment, for search results."""

    vector_id: int
    file_id: int
    segment_id: int
    chunk: int
    span_start: int | None
    span_end: int | None


@dataclass(frozen=True)
class Hashes:
    """What duplicate finding reads of a picture, computed once when it is decoded: 64-bit
    perceptual hashes (DCT ``phash`` upright and turned 90/180/270 degrees, gradient
    ``dhash``), its mean colour (0xRRGGBB) and sharpness (Laplacian variance, small grey)."""

    phash: int
    dhash: int
    turns: tuple[int, int, int]
    colour: int
    sharpness: float


def _signed(value: int) -> int:
    """A 64-bit hash as SQLite's signed INTEGER."""
    return value - (1 << 64) if value >= 1 << 63 else value


def unsigned(value: int) -> int:
    """A 64-bit hash read back from SQLite."""
    return value & ((1 << 64) - 1)


def pack_turns(turns: Sequence[int]) -> bytes:
    return b"".join(t.to_bytes(8, "big") for t in turns)


def unpack_turns(blob: bytes) -> tuple[int, int, int]:
    return tuple(int.from_bytes(blob[i : i + 8], "big") for i in range(0, 24, 8))


@dataclass(frozen=True)
class Segment:
    """One part of a file as stored: an image, a page, a slide, a scene, a transcript chunk,
    or the OCR text of an image. ``lines`` are OCR lines as (text, x0, y0, x1, y1), the box
    in fractions of the image."""

    ord: int
    kind: str
    label: str | None = None
    text: str | None = None
    start: float | None = None
    end: float | None = None
    lines: list | None = None
    #: A picture's hashes (image segments), stored with it by the writer.
    hashes: Hashes | None = None


@dataclass(frozen=True)
class VectorItem:
    """One vector to store: a segment's visual vector, or one chunk of its text."""

    segment_id: int
    vector: np.ndarray
    chunk: int = 0
    span_start: int | None = None  # the chunk's characters in the segment's text
    span_end: int | None = None


def under(folder: str) -> tuple[str, str]:
    """SQL range bounds matching every path strictly inside ``folder`` (index-friendly LIKE)."""
    prefix = folder.rstrip("/") + "/"
    return prefix, prefix[:-1] + chr(ord("/") + 1)


def _in_chunks(ids: Sequence[int]) -> Iterator[tuple[list[int], str]]:
    """(ids, "?,?,…") pieces small enough for SQLite's limit on bound parameters."""
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        yield chunk, ",".join("?" * len(chunk))


class Catalog:
    """Typed queries over the catalog database; every method is one short transaction."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        migrate(conn)
        self.db = sqlite_utils.Database(conn)
        self._lock = threading.RLock()
        self._depth = 0  # transaction nesting of the thread holding the lock
        self._released: set[str] = set()  # content hashes of rows deleted (see released_hashes)

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error; nested calls join the outer one.

        Nesting is counted per thread rather than read from ``in_transaction``, so a failed
        COMMIT (disk full) can never leave a transaction that later calls silently join.
        """
        with self._lock:
            conn = self.db.conn
            if self._depth:
                self._depth += 1
                try:
                    yield conn
                finally:
                    self._depth -= 1
                return
            conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                self._depth = 0

    def _rows(self, sql: str, params: Sequence | dict = ()) -> list[dict]:
        with self._lock:
            return list(self.db.query(sql, params))

    def _scalar(self, sql: str, params: Sequence = ()):
        with self._lock:
            row = self.db.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def data_version(self) -> int:
        """Changes whenever another connection (another process) commits: a cheap "has the
        indexer written anything since?" for a reader such as the window."""
        return int(self._scalar("PRAGMA data_version"))

    # --- folders -------------------------------------------------------------------------

    def add_folder(self, path: str, device: int | None = None) -> int:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO folders(path, added_at, device) VALUES (?, ?, ?)",
                (path, time.time(), device),
            )
            return conn.execute("SELECT id FROM folders WHERE path = ?", (path,)).fetchone()[0]

    def remove_folder(self, path: str) -> list[int] | None:
        """Forget a folder and everything indexed in it; returns the vector ids that went away."""
        with self.transaction() as conn:
            row = conn.execute("SELECT id FROM folders WHERE path = ?", (path,)).fetchone()
            if row is None:
                return None
            ids = [r[0] for r in conn.execute("SELECT id FROM files WHERE folder_id = ?", row)]
            gone = self.delete_files(ids)
            conn.execute("DELETE FROM folders WHERE id = ?", row)
            return gone

    def folders(self) -> list[dict]:
        return self._rows("SELECT id, path, added_at, device FROM folders ORDER BY path")

    # --- files ---------------------------------------------------------------------------

    def file_states(self, folder_id: int) -> dict[str, FileState]:
        rows = self._rows(
            "SELECT id, path, size, mtime, hash, status FROM files WHERE folder_id = ?",
            (folder_id,),
        )
        return {r["path"]: FileState(**r) for r in rows}

    def file_by_path(self, path: str) -> dict | None:
        rows = self._rows("SELECT * FROM files WHERE path = ?", (path,))
        return rows[0] if rows else None

    def files_with_hash(self, digest: str) -> list[dict]:
        return self._rows("SELECT * FROM files WHERE hash = ? ORDER BY id", (digest,))

    def twin_with_vector(self, digest: str, space_id: int | None) -> dict | None:
        """An identical, successfully read file with a vector in the space (any such file
        when there is no space: without a model there is no vector to want)."""
        rows = self._rows(
            "SELECT f.* FROM files f WHERE f.hash = ? AND f.status = 'indexed' AND (? IS NULL"
            " OR EXISTS (SELECT 1 FROM segments s JOIN vectors v ON v.segment_id = s.id"
            "  WHERE s.file_id = f.id AND v.space_id = ?)) ORDER BY f.id LIMIT 1",
            (digest, space_id, space_id),
        )
        return rows[0] if rows else None

    def paths_under(self, folder: str) -> list[str]:
        rows = self._rows("SELECT path FROM files WHERE path >= ? AND path < ?", under(folder))
        return [r["path"] for r in rows]

    def files_within(self, path: str) -> list[dict]:
        """(id, path) rows of the file at ``path`` and of every file under it (a folder)."""
        return self._rows(
            "SELECT id, path FROM files WHERE path = ? OR (path >= ? AND path < ?)",
            (path, *under(path)),
        )

    def file_by_id(self, file_id: int) -> dict | None:
        rows = self._rows("SELECT * FROM files WHERE id = ?", (file_id,))
        return rows[0] if rows else None

    def insert_file(self, folder_id: int, path: str, size: int, mtime: float, **facts) -> int:
        """Add a file row with its facts (status, hash, kind, dimensions...)."""
        values = {"folder_id": folder_id, "path": path, "name": Path(path).name, "size": size,
                  "mtime": mtime, "indexed_at": time.time(), **facts}  # fmt: skip
        cols = ", ".join(values)
        with self.transaction() as conn:
            cur = conn.execute(
                f"INSERT INTO files({cols}) VALUES ({','.join('?' * len(values))})",
                tuple(values.values()),
            )
            self._name_changed(cur.lastrowid, path)
            return cur.lastrowid

    def _name_changed(self, file_id: int, path: str) -> None:
        self.db.conn.execute("DELETE FROM name_fts WHERE rowid = ?", (file_id,))
        self.db.conn.execute(
            "INSERT INTO name_fts(rowid, name, folder) VALUES (?, ?, ?)",
            (file_id, *name_terms(path)),
        )

    def delete_path(self, path: str) -> list[int] | None:
        """Forget the file at ``path``; returns the vector ids removed, None if it was unknown."""
        with self.transaction() as conn:
            row = conn.execute("SELECT id FROM files WHERE path = ?", (path,)).fetchone()
            return self.delete_files([row[0]]) if row else None

    def move_file(self, file_id: int, folder_id: int, path: str, size: int, mtime: float) -> None:
        """A renamed or moved file keeps its id, segments and vectors."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE files SET folder_id=?, path=?, name=?, size=?, mtime=? WHERE id=?",
                (folder_id, path, Path(path).name, size, mtime, file_id),
            )
            self._name_changed(file_id, path)

    def move_tree(self, old: str, new: str, folder_id: int) -> tuple[int, list[int]]:
        """Rewrite every path under folder ``old`` to lie under ``new``: one cheap update.

        A folder can only be renamed onto a missing or empty one, so rows still under ``new``
        are leftovers of a deleted folder: they go first. Returns (paths moved, vector ids
        of the leftovers removed).
        """
        low, high = under(old)
        with self.transaction() as conn:
            stale = [r[0] for r in conn.execute(
                "SELECT id FROM files WHERE path >= ? AND path < ?", under(new)
            )]  # fmt: skip
            gone = self.delete_files(stale)
            cur = conn.execute(
                "UPDATE files SET path = ? || substr(path, ?), folder_id = ?"
                " WHERE path >= ? AND path < ?",
                (new.rstrip("/"), len(old.rstrip("/")) + 1, folder_id, low, high),
            )
            for file_id, path in conn.execute(
                "SELECT id, path FROM files WHERE path >= ? AND path < ?", under(new)
            ).fetchall():
                self._name_changed(file_id, path)
            return cur.rowcount, gone

    def delete_files(self, file_ids: Iterable[int]) -> list[int]:
        """Delete files (segments, vectors and stages cascade); returns the vector ids removed.
        Their content hashes are noted for ``released_hashes``."""
        ids = list(file_ids)
        gone: list[int] = []
        with self.transaction() as conn:
            for chunk, marks in _in_chunks(ids):
                self._released.update(
                    r[0]
                    for r in conn.execute(
                        f"SELECT hash FROM files WHERE id IN ({marks}) AND hash IS NOT NULL", chunk
                    )
                )
                gone += [
                    r[0]
                    for r in conn.execute(
                        "SELECT v.id FROM vectors v JOIN segments s ON s.id = v.segment_id"
                        f" WHERE s.file_id IN ({marks})",
                        chunk,
                    )
                ]
                conn.execute(f"DELETE FROM files WHERE id IN ({marks})", chunk)
                conn.execute(f"DELETE FROM name_fts WHERE rowid IN ({marks})", chunk)
        return gone

    def released_hashes(self) -> set[str]:
        """The content hashes of the rows deleted since the last call (rows of a transaction
        rolled back included: ask ``held_hashes`` which are really unused)."""
        with self._lock:
            released, self._released = self._released, set()
        return released

    def held_hashes(self, digests: Iterable[str]) -> set[str]:
        """Those of ``digests`` that some file row holds."""
        held: set[str] = set()
        for chunk, marks in _in_chunks(list(digests)):
            held.update(r[0] for r in self.tuples(
                f"SELECT DISTINCT hash FROM files WHERE hash IN ({marks})", chunk
            ))  # fmt: skip
        return held

    def copy_work(self, src_file_id: int, dst_file_id: int) -> dict[int, list[int]]:
        """Give an identical copy the segments, vectors and stages of its twin; returns the
        new vector ids by space."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM segments WHERE file_id = ?", (dst_file_id,))
            conn.execute(
                'INSERT INTO segments(file_id, ord, kind, start, "end", label, text, lines,'
                " phash, dhash, phash_turns, colour, sharpness)"
                ' SELECT ?, ord, kind, start, "end", label, text, lines,'
                " phash, dhash, phash_turns, colour, sharpness FROM segments WHERE file_id = ?",
                (dst_file_id, src_file_id),
            )
            conn.execute(
                "INSERT INTO vectors(segment_id, space_id, chunk, span_start, span_end, vector)"
                " SELECT d.id, v.space_id, v.chunk, v.span_start, v.span_end, v.vector"
                " FROM segments s JOIN vectors v ON v.segment_id = s.id"
                " JOIN segments d ON d.file_id = ? AND d.ord = s.ord"
                " WHERE s.file_id = ? ORDER BY v.id",
                (dst_file_id, src_file_id),
            )
            conn.execute(
                "INSERT OR REPLACE INTO stages(file_id, stage, status, error, updated_at)"
                " SELECT ?, stage, status, error, ? FROM stages WHERE file_id = ?",
                (dst_file_id, time.time(), src_file_id),
            )
            copied: dict[int, list[int]] = {}
            for space_id, vector_id in conn.execute(
                "SELECT v.space_id, v.id FROM vectors v JOIN segments s ON s.id = v.segment_id"
                " WHERE s.file_id = ? ORDER BY v.id", (dst_file_id,)
            ):  # fmt: skip
                copied.setdefault(space_id, []).append(vector_id)
            return copied

    # --- segments, spaces, vectors -------------------------------------------------------

    def ensure_space(self, model_id: str, revision: str, dim: int, role: str = "visual") -> int:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO spaces(model_id, revision, dim, created_at, role)"
                " VALUES (?, ?, ?, ?, ?)",
                (model_id, revision, dim, time.time(), role),
            )
            return conn.execute(
                "SELECT id FROM spaces WHERE model_id=? AND revision=? AND dim=?",
                (model_id, revision, dim),
            ).fetchone()[0]

    def mark_ready(self, space_id: int) -> bool:
        """Record that the space holds every indexed file; True when it was not yet ready."""
        with self.transaction() as conn:
            return (
                conn.execute(
                    "UPDATE spaces SET ready_at = ? WHERE id = ? AND ready_at IS NULL",
                    (time.time(), space_id),
                ).rowcount
                > 0
            )

    def vacuum(self) -> None:
        """Give freed pages back to the disk (after a large removal), WAL included."""
        with self._lock:
            self.db.conn.execute("VACUUM")
            self.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def space_ids(self) -> set[int]:
        return {row["id"] for row in self._rows("SELECT id FROM spaces")}

    def space_ready(self, space_id: int) -> bool:
        return bool(self._scalar("SELECT ready_at FROM spaces WHERE id = ?", (space_id,)))

    def remove_space(self, space_id: int, stages: Sequence[str]) -> None:
        """Forget a space: its vectors (by cascade) and the stages that recorded them."""
        marks = ",".join("?" * len(stages))
        with self.transaction() as conn:
            conn.execute(f"DELETE FROM stages WHERE stage IN ({marks})", tuple(stages))
            conn.execute("DELETE FROM spaces WHERE id = ?", (space_id,))

    def files_lacking(self, space_id: int) -> int:
        """How many indexed files still lack their vectors in the space: every file for a
        visual space, the files holding text for a text space."""
        if self._scalar("SELECT role FROM spaces WHERE id = ?", (space_id,)) == "text":
            return len(self.file_ids_with_unembedded_text(text_stage(space_id)))
        return self._scalar(
            "SELECT count(*) FROM files f WHERE status = 'indexed' AND NOT EXISTS (SELECT 1"
            " FROM stages s WHERE s.file_id = f.id AND s.stage = ? AND s.status = 'done')",
            (embed_stage(space_id),),
        )

    def spaces(self) -> list[dict]:
        return self._rows(
            "SELECT s.*, (SELECT count(*) FROM vectors v WHERE v.space_id = s.id) AS vectors"
            " FROM spaces s ORDER BY s.id"
        )

    def put_segment(self, file_id: int, segment: Segment) -> int:
        """Create or update the file's segment at ``segment.ord``; its vectors are kept."""
        lines = None if segment.lines is None else json.dumps(segment.lines)
        values = (segment.kind, segment.label, segment.text, segment.start, segment.end, lines)
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT id FROM segments WHERE file_id = ? AND ord = ?", (file_id, segment.ord)
            ).fetchone()
            if row is None:
                return conn.execute(
                    'INSERT INTO segments(kind, label, text, start, "end", lines, file_id, ord)'
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (*values, file_id, segment.ord),
                ).lastrowid
            conn.execute(
                'UPDATE segments SET kind=?, label=?, text=?, start=?, "end"=?, lines=?'
                " WHERE id = ?",
                (*values, row[0]),
            )
            return row[0]

    def set_hashes(self, segment_id: int, hashes: Hashes) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE segments SET phash=?, dhash=?, phash_turns=?, colour=?, sharpness=?"
                " WHERE id = ?",
                (_signed(hashes.phash), _signed(hashes.dhash), pack_turns(hashes.turns),
                 hashes.colour, hashes.sharpness, segment_id),
            )  # fmt: skip

    def segments(self, file_id: int, with_text: bool = False) -> list[dict]:
        """A file's segments in order (``lines`` decoded); only those with text if asked."""
        rows = self._rows(
            "SELECT * FROM segments WHERE file_id = ?"
            + (" AND text IS NOT NULL AND text != ''" if with_text else "")
            + " ORDER BY ord",
            (file_id,),
        )
        for row in rows:
            row["lines"] = json.loads(row["lines"]) if row["lines"] else None
        return rows

    def add_vectors(
        self, space_id: int, items: Sequence[VectorItem]
    ) -> tuple[list[int], list[int]]:
        """Store a space's vectors for some segments, replacing what those segments had there
        (a re-chunked text leaves no stale chunks behind).

        Returns (new vector ids, replaced vector ids): the index labels to add and to drop.
        """
        ids: list[int] = []
        old: list[int] = []
        with self.transaction() as conn:
            for segment_id in dict.fromkeys(item.segment_id for item in items):
                where = (segment_id, space_id)
                sql = "FROM vectors WHERE segment_id = ? AND space_id = ?"
                old += [r[0] for r in conn.execute("SELECT id " + sql, where)]
                conn.execute("DELETE " + sql, where)
            for item in items:
                cur = conn.execute(
                    "INSERT INTO vectors(segment_id, space_id, chunk, span_start, span_end, vector)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (item.segment_id, space_id, item.chunk, item.span_start, item.span_end,
                     np.asarray(item.vector, dtype=np.float32).tobytes()),
                )  # fmt: skip
                ids.append(cur.lastrowid)
        return ids, old

    def vectors(
        self, space_id: int, ids: Sequence[int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(ids, matrix) of a space's vectors, all of them or those with the given ids."""
        sql = "SELECT id, vector FROM vectors WHERE space_id = ?"
        with self._lock:
            if ids is None:
                rows = self.db.conn.execute(sql + " ORDER BY id", (space_id,)).fetchall()
            else:
                rows = []
                for chunk, marks in _in_chunks(ids):
                    rows += self.db.conn.execute(
                        sql + f" AND id IN ({marks})", (space_id, *chunk)
                    ).fetchall()
        return self._as_matrix(space_id, rows)

    def _as_matrix(self, space_id: int, rows: list) -> tuple[np.ndarray, np.ndarray]:
        dim = self._scalar("SELECT dim FROM spaces WHERE id = ?", (space_id,))
        if not rows:
            return np.empty(0, dtype=np.int64), np.empty((0, dim), dtype=np.float32)
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32)
        return ids, matrix.reshape(len(rows), dim)

    def vector_ids(self, space_id: int) -> np.ndarray:
        """Streamed, not fetched as a list: 100k row tuples alive at once made the window's
        garbage collector's full passes take ~0.4 s."""
        with self._lock:
            rows = self.db.conn.execute("SELECT id FROM vectors WHERE space_id = ?", (space_id,))
            return np.fromiter((r[0] for r in rows), dtype=np.int64)

    def vectors_since(self, space_id: int, after: int) -> tuple[np.ndarray, np.ndarray, int]:
        """(ids, matrix) of the space's vectors with ids above ``after``, and how many vectors
        it holds, read in one snapshot: a reader catching up learns that nothing was removed
        when the count adds up (ids only grow), without reading every id."""
        with self._lock:
            conn = self.db.conn
            snapshot = not conn.in_transaction
            if snapshot:
                conn.execute("BEGIN")
            try:
                total = conn.execute(
                    "SELECT count(*) FROM vectors WHERE space_id = ?", (space_id,)
                ).fetchone()[0]
                rows = conn.execute(
                    "SELECT id, vector FROM vectors WHERE space_id = ? AND id > ? ORDER BY id",
                    (space_id, after),
                ).fetchall()
            finally:
                if snapshot:
                    conn.execute("COMMIT")
        return (*self._as_matrix(space_id, rows), total)

    def file_vector(self, file_id: int, space_id: int) -> np.ndarray | None:
        blob = self._scalar(
            "SELECT v.vector FROM vectors v JOIN segments s ON s.id = v.segment_id"
            " WHERE s.file_id = ? AND v.space_id = ? ORDER BY s.ord LIMIT 1",
            (file_id, space_id),
        )
        return None if blob is None else np.frombuffer(blob, dtype=np.float32)

    def hits(self, vector_ids: Sequence[int]) -> dict[int, Hit]:
        """Resolve index labels to segments; labels whose vectors are gone are simply absent."""
        rows = []
        for chunk, marks in _in_chunks(list(vector_ids)):
            rows += self.tuples(
                "SELECT v.id, s.file_id, v.segment_id, v.chunk, v.span_start, v.span_end"
                f" FROM vectors v JOIN segments s ON s.id = v.segment_id WHERE v.id IN ({marks})",
                chunk,
            )
        return {row[0]: Hit(*row) for row in rows}

    def by_ids(self, table: str, ids: Iterable[int]) -> dict[int, dict]:
        """Rows of ``files`` or ``segments`` by id (segments with ``lines`` decoded)."""
        assert table in ("files", "segments")
        found: dict[int, dict] = {}
        for chunk, marks in _in_chunks(list(ids)):
            for row in self._rows(f"SELECT * FROM {table} WHERE id IN ({marks})", chunk):
                if table == "segments":
                    row["lines"] = json.loads(row["lines"]) if row["lines"] else None
                found[row["id"]] = row
        return found

    def tuples(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """A read-only query as plain tuples: the fast path for search on every keystroke."""
        with self._lock:
            return self.db.conn.execute(sql, params).fetchall()

    def rows(self, sql: str, params: Sequence | dict = ()) -> list[dict]:
        """A read-only query for the search modules (lexical index, filters)."""
        return self._rows(sql, params)

    def vector_ids_where(self, space_id: int, where: str, params: Sequence) -> set[int]:
        """Vector ids of a space whose file matches a filter clause over ``f`` (files)."""
        with self._lock:
            rows = self.db.conn.execute(
                "SELECT v.id FROM vectors v JOIN segments s ON s.id = v.segment_id"
                f" JOIN files f ON f.id = s.file_id WHERE v.space_id = ? AND ({where})",
                (space_id, *params),
            ).fetchall()
        return {r[0] for r in rows}

    # --- stages --------------------------------------------------------------------------

    def set_stage(self, file_id: int, stage: str, status: str, error: str | None = None) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO stages(file_id, stage, status, error, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (file_id, stage, status, error, time.time()),
            )

    def stage_done(self, file_id: int, stage: str) -> bool:
        return bool(self._scalar(
            "SELECT 1 FROM stages WHERE file_id = ? AND stage = ? AND status = 'done'",
            (file_id, stage),
        ))  # fmt: skip

    def file_ids_with_stage(self, stage: str) -> set[int]:
        with self._lock:
            rows = self.db.conn.execute(
                "SELECT file_id FROM stages WHERE stage = ? AND status = 'done'", (stage,)
            ).fetchall()
        return {r[0] for r in rows}

    def file_ids_wanting_stage(self, stage: str, kinds: Sequence[str]) -> set[int]:
        """Indexed files of these kinds with no record of ``stage`` (done or failed)."""
        marks = ",".join("?" * len(kinds))
        with self._lock:
            rows = self.db.conn.execute(
                f"SELECT id FROM files f WHERE status = 'indexed' AND kind IN ({marks})"
                " AND NOT EXISTS (SELECT 1 FROM stages s WHERE s.file_id = f.id AND s.stage = ?)",
                (*kinds, stage),
            ).fetchall()
        return {r[0] for r in rows}

    def file_ids_with_unembedded_text(self, stage: str) -> set[int]:
        """Indexed files holding segment text whose text ``stage`` is not done."""
        with self._lock:
            rows = self.db.conn.execute(
                "SELECT DISTINCT s.file_id FROM segments s JOIN files f ON f.id = s.file_id"
                " WHERE f.status = 'indexed' AND s.text IS NOT NULL AND s.text != ''"
                " AND NOT EXISTS (SELECT 1 FROM stages t WHERE t.file_id = s.file_id"
                "  AND t.stage = ? AND t.status = 'done')",
                (stage,),
            ).fetchall()
        return {r[0] for r in rows}

    # --- status --------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with self._lock:
            by_status = dict(
                self.db.conn.execute("SELECT status, count(*) FROM files GROUP BY status")
            )
            return {
                "files": sum(by_status.values()),
                **{f"files_{k}": v for k, v in by_status.items()},
                "segments": self._scalar("SELECT count(*) FROM segments"),
                "vectors": self._scalar("SELECT count(*) FROM vectors"),
            }

    def failures(self, limit: int = 50) -> list[dict]:
        return self._rows(
            "SELECT path, error FROM files WHERE status = 'failed' ORDER BY path LIMIT ?", (limit,)
        )

    def integrity_ok(self) -> bool:
        return self._scalar("PRAGMA quick_check") == "ok"
