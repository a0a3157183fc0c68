"""Catalog queries of duplicate finding: pictures with their hashes, "not duplicates"
decisions, and the journal of applied cleanup plans."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

import numpy as np

from mediasift.catalog.store import Catalog, Hashes, unpack_turns, unsigned

_PICTURES = (
    "SELECT f.id AS file_id, f.path, f.hash, f.size, f.mtime, f.width, f.height, f.captured_at,"
    " s.id AS segment_id, s.phash, s.dhash, s.phash_turns, s.colour, s.sharpness"
    " FROM files f JOIN segments s ON s.file_id = f.id AND s.ord = 0 AND s.kind = 'image'"
    " WHERE f.status = 'indexed' AND f.hash IS NOT NULL"
)


def pictures(catalog: Catalog) -> list[dict]:
    """Every indexed picture with its image segment's hashes (None where not computed yet)."""
    rows = catalog.rows(_PICTURES + " ORDER BY f.id")
    for row in rows:
        if row["phash"] is not None:
            row["phash"], row["dhash"] = unsigned(row["phash"]), unsigned(row["dhash"])
            row["turns"] = unpack_turns(row.pop("phash_turns"))
    return rows


def store_hashes(catalog: Catalog, hashes: Iterable[tuple[int, Hashes]]) -> None:
    """Hashes of some segments, in one transaction."""
    with catalog.transaction():
        for segment_id, found in hashes:
            catalog.set_hashes(segment_id, found)


def picture_vectors(catalog: Catalog, space_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(vector ids, file ids, unit vectors) of the pictures' image segments in one space, in
    one query: index labels to files, and the vectors to ask the index with."""
    rows = catalog.tuples(
        "SELECT v.id, s.file_id, v.vector FROM vectors v JOIN segments s ON s.id = v.segment_id"
        " WHERE v.space_id = ? AND s.ord = 0 AND s.kind = 'image' AND v.chunk = 0 ORDER BY v.id",
        (space_id,),
    )
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    files = np.array([r[1] for r in rows], dtype=np.int64)
    if not rows:
        return ids, files, np.empty((0, 0), np.float32)
    matrix = np.frombuffer(b"".join(r[2] for r in rows), np.float32).reshape(len(rows), -1)
    return ids, files, matrix


def add_not_duplicates(catalog: Catalog, digests: Iterable[str]) -> int:
    """Remember that these contents are not duplicates of one another (every pair)."""
    unique = sorted(set(digests))
    pairs = [(a, b) for n, a in enumerate(unique) for b in unique[n + 1 :]]
    with catalog.transaction() as conn:
        conn.executemany(
            "INSERT OR IGNORE INTO not_duplicates(hash_a, hash_b, decided_at) VALUES (?, ?, ?)",
            [(a, b, time.time()) for a, b in pairs],
        )
    return len(pairs)


def not_duplicates(catalog: Catalog) -> set[frozenset[str]]:
    return {frozenset(r) for r in catalog.tuples("SELECT hash_a, hash_b FROM not_duplicates")}


def journal_plan(catalog: Catalog, plan: dict) -> int:
    with catalog.transaction() as conn:
        return conn.execute(
            "INSERT INTO cleanup_plans(applied_at, plan) VALUES (?, ?)",
            (time.time(), json.dumps(plan)),
        ).lastrowid


def journal_move(catalog: Catalog, plan_id: int, path: str, moved_to: str, destination: str,
                 digest: str, record: dict) -> None:  # fmt: skip
    with catalog.transaction() as conn:
        conn.execute(
            "INSERT INTO cleanup_moves(plan_id, path, moved_to, destination, hash, record)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (plan_id, path, moved_to, destination, digest, json.dumps(record)),
        )


def last_plan(catalog: Catalog) -> tuple[int, list[dict]] | None:
    """The newest applied plan not undone yet, with its moves not restored yet."""
    plan_id = catalog.tuples(
        "SELECT id FROM cleanup_plans WHERE undone_at IS NULL ORDER BY id DESC LIMIT 1"
    )
    if not plan_id:
        return None
    moves = catalog.rows(
        "SELECT * FROM cleanup_moves WHERE plan_id = ? AND restored_at IS NULL ORDER BY id",
        (plan_id[0][0],),
    )
    for move in moves:
        move["record"] = json.loads(move["record"])
    return plan_id[0][0], moves


def mark_restored(catalog: Catalog, move_id: int) -> None:
    with catalog.transaction() as conn:
        conn.execute(
            "UPDATE cleanup_moves SET restored_at = ? WHERE id = ?", (time.time(), move_id)
        )


def mark_undone(catalog: Catalog, plan_id: int) -> None:
    with catalog.transaction() as conn:
        conn.execute("UPDATE cleanup_plans SET undone_at = ? WHERE id = ?", (time.time(), plan_id))
