"""Folder walking: what is skipped silently, what is reported, and symlink loops."""

from __future__ import annotations

import os

from mediasift.pipeline.scanner import is_ignored, scan


def test_skips_hidden_temporary_and_partial_files(tmp_path):
    for name in ["a.jpg", ".hidden.jpg", "b.jpg.part", "c.crdownload", "~$deck.pptx", "d.jpg~",
                 ".#e.jpg", "f.swp", "g.tmp"]:  # fmt: skip
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "h.jpg").write_bytes(b"x")
    found = [os.path.basename(e.path) for e in scan(tmp_path, [])]
    assert found == ["a.jpg"]
    assert not is_ignored("holiday.JPG") and is_ignored("video.mp4.PART")


def test_symlink_loop_is_walked_once(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "pic.jpg").write_bytes(b"x")
    (tmp_path / "a" / "loop").symlink_to(tmp_path)
    problems = []
    paths = [e.path for e in scan(tmp_path, problems)]
    assert [os.path.basename(p) for p in paths] == ["pic.jpg"]
    assert problems == []


def test_reports_non_utf8_names(tmp_path):
    raw = os.path.join(os.fsencode(tmp_path), b"bad\xff.jpg")
    with open(raw, "wb") as fh:
        fh.write(b"x")
    problems = []
    assert list(scan(tmp_path, problems)) == []
    assert len(problems) == 1 and "UTF-8" in problems[0].reason
