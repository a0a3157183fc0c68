"""Walking library folders: which files are candidates, and which paths cannot be indexed.

Skipped silently: hidden files and folders, temporary and partial downloads, editor swap files.
Reported: unreadable folders and names that are not valid UTF-8 (the catalog stores text).
Symlinked folders are followed once; a loop back to a folder already walked is cut.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

TEMP_SUFFIXES = {
    ".part", ".partial", ".crdownload", ".download", ".opdownload", ".filepart", ".tmp",
    ".temp", ".swp", ".swo", ".swx", ".lock", ".!qb", ".!ut",
}  # fmt: skip


BAD_NAME = "file name is not valid UTF-8; rename it to index it"
MISSING_FOLDER = "library folder is missing (unmounted drive or offline share?); files kept"


@dataclass(frozen=True)
class Entry:
    path: str
    size: int
    mtime: float


@dataclass(frozen=True)
class Problem:
    path: str
    reason: str


def is_ignored(name: str) -> bool:
    """Hidden, temporary, partial or lock files that must never be indexed half-written."""
    return (
        name.startswith((".", "~$", ".~lock"))
        or name.endswith("~")
        or (name.startswith("#") and name.endswith("#"))
        or os.path.splitext(name)[1].lower() in TEMP_SUFFIXES
    )


def valid_name(path: str) -> bool:
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def scan(folder: Path, problems: list[Problem]) -> Iterator[Entry]:
    """Yield candidate files under ``folder``; append what cannot be read to ``problems``."""
    seen_dirs: set[tuple[int, int]] = set()
    stack = [str(folder)]
    while stack:
        current = stack.pop()
        try:
            info = os.stat(current)
            if (info.st_dev, info.st_ino) in seen_dirs:
                log.debug("Skipping symlink loop at %s", current)
                continue
            seen_dirs.add((info.st_dev, info.st_ino))
            with os.scandir(current) as it:
                entries = list(it)
        except OSError as exc:
            problems.append(Problem(current, f"folder cannot be read ({exc.strerror or exc})"))
            continue
        for entry in entries:
            if is_ignored(entry.name):
                continue
            if not valid_name(entry.path):
                shown = os.fsencode(entry.path).decode("utf-8", "replace")
                problems.append(
                    Problem(shown, "file name is not valid UTF-8; rename it to index it")
                )
                continue
            try:
                st = entry.stat()  # follows symlinks
            except OSError as exc:
                problems.append(Problem(entry.path, f"cannot be read ({exc.strerror or exc})"))
                continue
            if stat.S_ISDIR(st.st_mode):
                stack.append(entry.path)
            elif stat.S_ISREG(st.st_mode):
                yield Entry(entry.path, st.st_size, st.st_mtime)


def folder_for(folders: list[dict], path: str) -> dict | None:
    """The library folder (catalog row) holding ``path``; the deepest when nested."""
    best = None
    for folder in folders:
        root = folder["path"].rstrip("/")
        if path.startswith(root + "/") and (best is None or len(root) > len(best["path"])):
            best = folder
    return best


def root_available(folder: dict) -> bool:
    """The library folder is there and on the device it was added from (not unmounted)."""
    try:
        st = os.stat(folder["path"])
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and folder.get("device") in (None, st.st_dev)


def vanished(path: str, folders: list[dict] | None = None) -> bool:
    """Truly gone: not merely unreadable, and not on an unmounted drive or offline share
    (then its library folder is unavailable and its files are kept)."""
    if folders is not None:
        root = folder_for(folders, path)
        if root is not None and not root_available(root):
            return False
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False
