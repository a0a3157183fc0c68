"""What kind of media a file is, decided by its content (magic bytes), not only its name.

A PNG saved as ``.txt`` is an image; a text file named ``.jpg`` is not (it fails with a reason).
Documents are sniffed the same way: a PDF by its ``%PDF-`` header, a slide deck by the members
of its ZIP container (only the ZIP's central directory is read, never the slides themselves).
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

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
#: The kinds of file that have a timeline: their parts are moments.
TIME_KINDS = ("video", "audio")
#: Clips and recordings, by their container's magic bytes (PyAV reads them; an MP4 that holds
#: only sound is found to be a recording when it is read).
VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ogv", ".mpg", ".mpeg", ".3gp"}
AUDIO_SUFFIXES = {".mp3", ".m4a", ".aac", ".wav", ".flac", ".ogg", ".oga", ".opus", ".aiff"}
#: Names that promise a document. ``.key`` and ``.ppt`` are claimed only so that they are
#: reported with :func:`unsupported_reason` instead of being silently skipped.
DOCUMENT_SUFFIXES = {".pdf", ".pptx", ".ppsx", ".odp", ".key", ".ppt"}
#: The ``mimetype`` member of OpenDocument presentations (and their templates).
ODP_MIMES = {
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.oasis.opendocument.presentation-template",
}

_UNSUPPORTED = {
    ".key": "Keynote presentations cannot be read; export it to PDF or PowerPoint",
    ".ppt": (
        "legacy PowerPoint (.ppt) files cannot be read; LibreOffice can convert it to .pptx or PDF"
    ),
}
# Acrobat accepts a PDF header anywhere in the first 1024 bytes (some writers prepend junk).
_PDF_HEADER_WINDOW = 1024
# What a broken ZIP can raise while its directory or a tiny member is read.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, ValueError, EOFError, NotImplementedError, KeyError)


def sniff_kind(path: Path) -> str | None:
    """'image', 'pdf', 'slides', 'video' or 'audio' for content MediaSift reads; None for
    anything else.

    Raises OSError when the file cannot be opened (the caller reports it).
    """
    with path.open("rb") as fh:
        head = fh.read(8192)
        found = filetype.guess(head)
        if found is not None and found.mime in IMAGE_MIMES:
            return "image"
        if found is not None and found.mime.split("/")[0] in ("video", "audio"):
            return found.mime.split("/")[0]
        if b"%PDF-" in head[:_PDF_HEADER_WINDOW]:
            return "pdf"
        if head.startswith(b"PK\x03\x04") and zip_presentation(fh) is not None:
            return "slides"
    return None


def zip_presentation(fh: BinaryIO) -> str | None:
    """'pptx' or 'odp' when the open ZIP file ``fh`` is a slide deck, else None.

    Reads the central directory (and ODF's tiny ``mimetype`` member), so it stays cheap even
    for decks with hundreds of megabytes of embedded video.
    """
    try:
        with zipfile.ZipFile(fh) as zf:
            names = set(zf.namelist())
            if "[Content_Types].xml" in names and any(n.startswith("ppt/") for n in names):
                return "pptx"
            if "mimetype" in names and zf.getinfo("mimetype").file_size < 200:
                mime = zf.read("mimetype").decode("ascii", "replace").strip()
                if mime in ODP_MIMES:
                    return "odp"
    except _ZIP_ERRORS:
        return None
    return None


def claims_media(path: Path) -> bool:
    """Whether the name promises media; such a file that fails to sniff is reported, not ignored."""
    suffix = path.suffix.lower()
    return any(
        suffix in names
        for names in (IMAGE_SUFFIXES, DOCUMENT_SUFFIXES, VIDEO_SUFFIXES, AUDIO_SUFFIXES)
    )


def unsupported_reason(path: Path) -> str | None:
    """A plain message for a document format MediaSift knowingly cannot read, else None.

    Decided by name only: call it when :func:`sniff_kind` returned None, so that a ``.ppt``
    that is really a renamed ``.pptx`` is still read.
    """
    return _UNSUPPORTED.get(path.suffix.lower())
