"""Thumbnail cache on disk, keyed by content hash, so renames and copies share one thumbnail."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # PIL loads with the first thumbnail written: search only reads paths
    from PIL import Image

THUMB_SIDE = 256


def thumb_path(cache_dir: Path, digest: str) -> Path:
    return cache_dir / digest[:2] / f"{digest}.jpg"


def save_thumbnail(image: Image.Image, cache_dir: Path, digest: str) -> Path:
    """Write a JPEG thumbnail atomically (temp file + rename); an existing one is kept."""
    target = thumb_path(cache_dir, digest)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    from PIL import Image

    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.BILINEAR)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            thumb.save(fh, "JPEG", quality=85)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
