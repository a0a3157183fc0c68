"""What kind of media a file is, decided by its content (magic bytes), not only its name.

A PNG saved as ``.txt`` is an image; a text file named ``.jpg`` is not (it fails with a reason).
"""

from __future__ import annotations

from pathlib import Path

import filetype

#: MIME types MediaSift reads as images (Pillow with the HEIF plug-in decodes them all).
IMAGE_MIMES = {
    "image/jpeg",
    "image/png",
    "image/apng",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/tiff",
    "image/heic",
    "image/avif",
}
IMAGE_SUFFIXES = {
    ".jpg", ".jpeg", ".jpe", ".png", ".apng", ".gif", ".webp", ".bmp", ".dib",
    ".tif", ".tiff", ".heic", ".heif", ".avif",
}  # fmt: skip


def sniff_kind(path: Path) -> str | None:
    """'image' for supported image content; None for anything MediaSift does not read.

    Raises OSError when the file cannot be opened (the caller reports it).
    """
    with path.open("rb") as fh:
        head = fh.read(8192)
    found = filetype.guess(head)
    if found is not None and found.mime in IMAGE_MIMES:
        return "image"
    return None


def claims_media(path: Path) -> bool:
    """Whether the name promises media; such a file that fails to sniff is reported, not ignored."""
    return path.suffix.lower() in IMAGE_SUFFIXES
