"""A file's catalog rows (file, segments, vectors, stages) and thumbnails as one JSON record:
journalled when a cleanup moves the file away, and put back as they were by undo, so the
file returns to the index without being decoded or encoded again."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np

from mediasift.catalog import Catalog
from mediasift.catalog.store import Segment, VectorItem
from mediasift.media.thumbs import thumbs_of, write_thumbnail

_FACTS = ("hash", "kind", "width", "height", "captured_at", "duration", "status", "error")
_SEGMENT = ("ord", "kind", "label", "text", "start", "end", "lines")
_HASHES = ("phash", "dhash", "colour", "sharpness")


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def export_file(catalog: Catalog, thumbs: Path, file_id: int) -> dict:
    row = catalog.file_by_id(file_id)
    segments = []
    for seg in catalog.segments(file_id):
        vectors = catalog.rows(
            "SELECT space_id, chunk, span_start, span_end, vector FROM vectors"
            " WHERE segment_id = ? ORDER BY id", (seg["id"],),
        )  # fmt: skip
        for vector in vectors:
            vector["vector"] = _b64(vector["vector"])
        segments.append({**{k: seg[k] for k in _SEGMENT + _HASHES},
                         "phash_turns": _b64(seg["phash_turns"]), "vectors": vectors})  # fmt: skip
    stages = catalog.rows("SELECT stage, status, error FROM stages WHERE file_id = ?", (file_id,))
    pictures = {
        p.name: _b64(p.read_bytes()) for p in thumbs_of(thumbs, row["hash"] or "") if p.exists()
    }
    return {"facts": {k: row[k] for k in _FACTS}, "segments": segments, "stages": stages,
            "thumbnails": pictures}  # fmt: skip


def import_file(
    catalog: Catalog, thumbs: Path, folder_id: int, path: str, size: int, mtime: float,
    record: dict,
) -> dict[int, list[int]]:  # fmt: skip
    """Recreate a file's rows from its record (one transaction); returns new vector ids by
    space, for the open indexes."""
    added: dict[int, list[int]] = {}
    digest = record["facts"]["hash"]
    for name, data in record["thumbnails"].items():
        part = name.removesuffix(".jpg").partition(".")[2]
        write_thumbnail(thumbs, digest, base64.b64decode(data), int(part) if part else None)
    with catalog.transaction() as conn:
        file_id = catalog.insert_file(folder_id, path, size, mtime, **record["facts"])
        for seg in record["segments"]:
            segment_id = catalog.put_segment(file_id, Segment(**{k: seg[k] for k in _SEGMENT}))
            conn.execute(
                "UPDATE segments SET phash=?, dhash=?, phash_turns=?, colour=?, sharpness=?"
                " WHERE id = ?",
                (*(seg[k] for k in ("phash", "dhash")), _unb64(seg["phash_turns"]),
                 seg["colour"], seg["sharpness"], segment_id),
            )  # fmt: skip
            by_space: dict[int, list[VectorItem]] = {}
            for v in seg["vectors"]:
                vector = np.frombuffer(base64.b64decode(v["vector"]), np.float32)
                by_space.setdefault(v["space_id"], []).append(
                    VectorItem(segment_id, vector, v["chunk"], v["span_start"], v["span_end"])
                )
            for space_id, items in by_space.items():
                added.setdefault(space_id, []).extend(catalog.add_vectors(space_id, items)[0])
        for stage in record["stages"]:
            catalog.set_stage(file_id, stage["stage"], stage["status"], stage["error"])
    return added


def _unb64(data: str | None) -> bytes | None:
    return None if data is None else base64.b64decode(data)
