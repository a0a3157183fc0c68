"""Open a file in the user's own app, a clip or recording at the matching moment.

Desktop "open" (xdg-open, macOS open) cannot pass a start time, so where a player that
takes one is installed (mpv, VLC) it is used for time media; otherwise the file opens in the
default app from its start.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)

#: Players that start at a time: program, and its arguments for ``seconds`` and ``path``.
PLAYERS = {
    "mpv": lambda seconds, path: [f"--start={seconds:.1f}", path],
    "vlc": lambda seconds, path: [f"--start-time={seconds:.1f}", path],
}


def parse_time(text: str) -> float:
    """'01:42', '1:02:03' or '102.5' in seconds; ValueError for anything else."""
    parts = text.strip().split(":")
    if not 1 <= len(parts) <= 3 or any(not p.replace(".", "", 1).isdigit() for p in parts):
        raise ValueError(f"not a time: {text!r} (use 01:42, 1:02:03 or seconds)")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def open_command(path: str, at: float | None = None) -> list[str]:
    """The command that opens ``path`` (at ``at`` seconds where a player allows it)."""
    if at is not None:
        for program, arguments in PLAYERS.items():
            if found := shutil.which(program):
                return [found, *arguments(at, path)]
    if sys.platform == "darwin":
        return ["open", path]
    return ["xdg-open", path]


def open_at(path: str, at: float | None = None) -> list[str]:
    """Open ``path`` and return the command used; never waits for the app to close."""
    if not Path(path).exists():
        raise FileNotFoundError(path)
    command = open_command(str(Path(path).resolve()), at)  # "-x.mp4" is no option to a player
    log.info("Opening with %s", command)
    subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    return command
