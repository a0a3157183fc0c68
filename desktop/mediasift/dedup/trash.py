"""The OS trash (freedesktop spec, through send2trash), and finding a file in it again.

send2trash does not say where a file went, so right after trashing it the trash folders that
could hold it are searched for its ``.trashinfo`` (its original path, the newest); undo moves
that file back and removes the info file, as a file manager's "Restore" does.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import unquote


def _trash_dirs(path: Path) -> list[tuple[Path, Path]]:
    """(trash folder, the folder its relative paths start from) that may hold ``path``."""
    from send2trash import plat_other

    home = Path(os.fsdecode(plat_other.HOMETRASH_B))
    mount = Path(os.fsdecode(plat_other.find_mount_point(os.fsencode(path))))
    uid = str(os.getuid())
    return [(home, home.parent), (mount / ".Trash" / uid, mount), (mount / f".Trash-{uid}", mount)]


def _original(info: Path, top: Path) -> Path | None:
    for line in info.read_text(errors="replace").splitlines():
        if line.startswith("Path="):
            original = Path(unquote(line[5:]))
            return original if original.is_absolute() else top / original
    return None


def trash(path: Path) -> Path:
    """Move ``path`` to the trash; returns where it lies there."""
    from send2trash import send2trash

    send2trash(str(path))
    found = []
    for folder, top in _trash_dirs(path):
        for info in (folder / "info").glob(f"{path.name}*.trashinfo"):
            if _original(info, top) == path:
                found.append((info.stat().st_mtime_ns, folder / "files" / info.name[:-10]))
    if not found:
        raise OSError(f"{path} went to the trash but cannot be found there")
    return max(found)[1]


def untrash(trashed: Path, original: Path) -> None:
    """Put a trashed file back at its original path and drop its trash info."""
    shutil.move(trashed, original)
    (trashed.parent.parent / "info" / f"{trashed.name}.trashinfo").unlink(missing_ok=True)
