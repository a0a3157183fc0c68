"""Put the app in the desktop's launcher: its .desktop file, icons and AppStream metainfo,
installed under the user's XDG data folder (``mediasift install-desktop``), and removed again
(``--uninstall``); and the login entry that keeps indexing in the background when the user asks
for it (:func:`set_autostart`). Nothing outside those folders is touched."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

from mediasift.config import default_data_dir

log = logging.getLogger(__name__)

APP_ID = "io.github.mediasift.MediaSift"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def _exec_line(script: str, module: str, *args: str) -> str:
    """How a desktop entry starts ``script`` of this installation (or ``python -m module``),
    quoted as the Desktop Entry spec wants. A frozen build is one
    program: with arguments it is asked for its indexer (see mediasift.app.main)."""
    if getattr(sys, "frozen", False):
        parts = [sys.executable, *(["--indexer"] if args else [])]
    elif (installed := Path(sys.executable).with_name(script)).is_file():
        parts = [str(installed), *args]
    else:
        parts = [sys.executable, "-m", module, *args]
    return " ".join(map(_exec_argument, parts))


#: Characters that make an Exec argument need quotes (Desktop Entry spec, "Exec key").
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def _exec_argument(argument: str) -> str:
    """One argument as the Exec key wants it: quoted where needed, with ``"`` `` ` `` ``$``
    and ``\\`` escaped inside the quotes, ``%`` doubled, and backslashes escaped once more
    for the key's string value."""
    if _RESERVED & set(argument):
        for char in '\\"`$':
            argument = argument.replace(char, "\\" + char)
        argument = f'"{argument}"'
    return argument.replace("%", "%%").replace("\\", "\\\\")


def _app_command() -> str:
    return _exec_line("mediasift-gui", "mediasift.app.main")


def autostart_path() -> Path:
    return config_home() / "autostart" / f"{APP_ID}.Indexer.desktop"


def set_autostart(on: bool, home: Path | None = None) -> None:
    """Start the indexer of the library in ``home`` at login (XDG autostart), or stop doing
    so. The entry names the library's folder unless it is the default one."""
    path = autostart_path()
    if not on:
        path.unlink(missing_ok=True)
        return
    command = _exec_line("mediasift", "mediasift.cli", "watch")
    if home is not None and home.resolve() != default_data_dir().resolve():
        command = f"env {_exec_argument(f'MEDIASIFT_HOME={home}')} {command}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "[Desktop Entry]\nType=Application\nName=MediaSift indexer\n"
        "Comment=Keeps the MediaSift library up to date in the background\n"
        f"Exec={command}\nIcon={APP_ID}\nTerminal=false\nNoDisplay=true\n"
        "X-GNOME-Autostart-enabled=true\n",
        encoding="utf-8",
    )


def _files(data: Path) -> dict[Path, str]:
    """Installed path -> resource name (the .desktop file is rewritten on the way)."""
    icons = data / "icons" / "hicolor"
    files = {
        data / "applications" / f"{APP_ID}.desktop": f"{APP_ID}.desktop",
        data / "metainfo" / f"{APP_ID}.metainfo.xml": f"{APP_ID}.metainfo.xml",
        icons / "scalable" / "apps" / f"{APP_ID}.svg": f"{APP_ID}.svg",
    }
    for size in ICON_SIZES:
        files[icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png"] = f"icons/{size}.png"
    return files


def install(data: Path | None = None) -> list[Path]:
    """Install every file; returns their paths. The launcher entry runs this installation."""
    data = data or data_home()
    source = resources.files("mediasift.resources")
    for target, name in _files(data).items():
        target.parent.mkdir(parents=True, exist_ok=True)
        content = source.joinpath(name).read_bytes()
        if target.suffix == ".desktop":
            lines = content.decode("utf-8").splitlines()
            lines = [f"Exec={_app_command()}" if ln.startswith("Exec=") else ln for ln in lines]
            content = ("\n".join(lines) + "\n").encode("utf-8")
        target.write_bytes(content)
    _refresh_caches(data)
    return list(_files(data))


def uninstall(data: Path | None = None) -> list[Path]:
    """Remove what :func:`install` put there; returns the paths that were removed."""
    data = data or data_home()
    removed = [path for path in _files(data) if path.is_file()]
    for path in removed:
        path.unlink()
    _refresh_caches(data)
    return removed


def _refresh_caches(data: Path) -> None:
    """Tell the desktop now rather than at next login, where its tools are installed."""
    for command in (
        ["update-desktop-database", "-q", str(data / "applications")],
        ["gtk-update-icon-cache", "-q", "-t", str(data / "icons" / "hicolor")],
    ):
        if shutil.which(command[0]):
            result = subprocess.run(command, capture_output=True, text=True, timeout=60)
            if result.returncode:
                log.info("%s: %s", command[0], result.stderr.strip())
