"""Thumbnail cache on disk, keyed by content hash, so renames and copies share one thumbnail.

The indexer makes a thumbnail's JPEG in a decode worker and its writer thread writes it with
the file's row, and deletes it with the last row holding that content (pipeline.writer).
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # PIL loads with the first thumbnail made: search only reads paths
    from PIL import Image

THUMB_SIDE = 256


def thumb_file(cache_dir: Path | str, digest: str, part: int | None = None) -> str:
    """The thumbnail of a file's content, or of one part of it (a clip's scene). A string:
    a search names one per result, and a Path parses and interns every part of its name on
    the search thread, holding the GIL the window's painting waits for."""
    name = digest if part is None else f"{digest}.{part}"
    return os.path.join(cache_dir, digest[:2], f"{name}.jpg")


def thumb_path(cache_dir: Path, digest: str, part: int | None = None) -> Path:
    return Path(thumb_file(cache_dir, digest, part))


def content_of(thumb: Path) -> str:
    """The content hash a thumbnail belongs to (its own, or its file's for a part)."""
    return thumb.name.split(".", 1)[0]


def thumbs_of(cache_dir: Path, digest: str) -> list[Path]:
    """Every thumbnail of one content: the file's and its parts'."""
    return [
        thumb_path(cache_dir, digest),
        *thumb_path(cache_dir, digest).parent.glob(f"{digest}.*.jpg"),
    ]


def thumbnail_jpeg(image: Image.Image) -> bytes:
    """The thumbnail of an image, as JPEG bytes."""
    from PIL import Image

    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=85)
    return out.getvalue()


def write_thumbnail(cache_dir: Path, digest: str, jpeg: bytes, part: int | None = None) -> Path:
    """Write a thumbnail atomically (temp file + rename); an existing one is kept."""
    target = thumb_path(cache_dir, digest, part)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(jpeg)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def save_thumbnail(image: Image.Image, cache_dir: Path, digest: str) -> Path:
    """Make and write a thumbnail in one go, unless one exists (tools and benchmarks)."""
    target = thumb_path(cache_dir, digest)
    return target if target.exists() else write_thumbnail(cache_dir, digest, thumbnail_jpeg(image))
