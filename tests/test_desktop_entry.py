"""The launcher entry: valid metadata, installed under XDG_DATA_HOME, and removed again."""

from __future__ import annotations

import os
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import pytest
from PIL import Image

from mediasift import desktop_entry
from mediasift.cli import main
from mediasift.desktop_entry import APP_ID, ICON_SIZES

RESOURCES = resources.files("mediasift.resources")


def test_icons_come_in_every_hicolor_size():
    for size in ICON_SIZES:
        with Image.open(RESOURCES / "icons" / f"{size}.png") as icon:
            assert icon.size == (size, size) and icon.mode == "RGBA"
            assert icon.getextrema()[3] == (0, 255)  # transparent corners, opaque body


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils")
def test_desktop_file_is_valid(tmp_path):
    desktop_entry.install(tmp_path)
    installed = tmp_path / "applications" / f"{APP_ID}.desktop"
    result = subprocess.run(
        ["desktop-file-validate", str(installed)], capture_output=True, text=True
    )
    assert result.returncode == 0 and "error" not in result.stdout, result.stdout


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream is not installed")
def test_metainfo_is_valid():
    result = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(RESOURCES / f"{APP_ID}.metainfo.xml")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout


def test_install_desktop_puts_the_app_in_the_launcher_and_uninstall_removes_it(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert main(["install-desktop"]) == 0
    entry = (tmp_path / "applications" / f"{APP_ID}.desktop").read_text()
    command = next(line for line in entry.splitlines() if line.startswith("Exec="))[5:]
    program = command.split()[0].strip('"')
    assert Path(program).is_file() and os.access(program, os.X_OK)  # the launcher can start it
    assert f"Icon={APP_ID}" in entry
    for size in ICON_SIZES:
        assert (tmp_path / f"icons/hicolor/{size}x{size}/apps/{APP_ID}.png").is_file()
    assert (tmp_path / f"icons/hicolor/scalable/apps/{APP_ID}.svg").is_file()
    assert (tmp_path / f"metainfo/{APP_ID}.metainfo.xml").is_file()
    assert main(["install-desktop", "--uninstall"]) == 0
    assert not any(p.is_file() for p in tmp_path.rglob(f"{APP_ID}*"))
    assert "Removed 11 files" in capsys.readouterr().out
