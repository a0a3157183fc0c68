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


def thumb_path(cache_dir: Path, digest: str) -> Path:
    return cache_dir / digest[:2] / f"{digest}.jpg"


def thumbnail_jpeg(image: Image.Image) -> bytes:
    """The thumbnail of an image, as JPEG bytes."""
    from PIL import Image

    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=85)
    return out.getvalue()


def write_thumbnail(cache_dir: Path, digest: str, jpeg: bytes) -> Path:
    """Write a thumbnail atomically (temp file + rename); an existing one is kept."""
    target = thumb_path(cache_dir, digest)
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
