"""Opening a result at its moment: the player that takes a start time gets it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from mediasift.cli import main
from mediasift.players import open_command, parse_time


def test_times_read_as_people_write_them():
    assert parse_time("01:42") == 102
    assert parse_time("1:02:03") == 3723
    assert parse_time("7.5") == 7.5
    for bad in ("", "1:2:3:4", "ab", "-3", "1:x"):
        with pytest.raises(ValueError):
            parse_time(bad)


def _fake_player(folder: Path, name: str, log: Path) -> None:
    """An executable named like the player that records how it was called."""
    folder.mkdir(exist_ok=True)
    script = folder / name
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{log}"\n')
    script.chmod(0o755)


def test_open_starts_an_installed_player_at_the_moment(tmp_path, monkeypatch):
    clip = tmp_path / "talk.mp4"
    clip.write_bytes(b"x")
    bin_dir, called = tmp_path / "bin", tmp_path / "called.txt"
    _fake_player(bin_dir, "vlc", called)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert open_command(str(clip), 102)[1:] == ["--start-time=102.0", str(clip)]
    assert main(["open", str(clip), "--at", "01:42"]) == 0
    deadline = time.monotonic() + 10
    while not called.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert called.read_text().split() == ["--start-time=102.0", str(clip)]
    _fake_player(bin_dir, "mpv", called)  # mpv first where both are installed
    assert open_command(str(clip), 5)[1:] == ["--start=5.0", str(clip)]


def test_open_without_a_player_or_file_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # neither mpv nor vlc
    assert open_command("/x/a.mp4", 3) == ["xdg-open", "/x/a.mp4"]
    assert main(["open", str(tmp_path / "gone.mp4"), "--at", "00:03"]) == 2
    assert "cannot open" in capsys.readouterr().err
    assert main(["open", str(tmp_path / "gone.mp4"), "--at", "soon"]) == 2
