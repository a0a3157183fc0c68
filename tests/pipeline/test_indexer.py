"""Indexing through the Library facade: real files, real SQLite, real hnswlib, tiny real model."""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from helpers import write_image

from mediasift.library import Library


def _reasons(summary) -> dict[str, str]:
    return {Path(f["path"]).name: f["reason"] for f in summary.failed}


def _vector_ids(lib: Library) -> dict[str, int]:
    rows = lib.catalog.db.query(
        "SELECT f.name, v.id FROM vectors v JOIN segments s ON s.id = v.segment_id"
        " JOIN files f ON f.id = s.file_id"
    )
    return {r["name"]: r["id"] for r in rows}


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_header_only(path: Path, width: int, height: int) -> None:
    """A small PNG whose header claims a huge size (a decompression bomb's calling card)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\0" * 1024))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body + _chunk(b"IEND", b""))


def test_index_then_search_finds_every_image(library, photos):
    library.add_folder(photos)
    summary = library.index()
    assert (summary.new, summary.encoded, summary.failed) == (12, 12, [])
    hits = library.search("anything", n=50).results
    assert {Path(r.path).name for r in hits} == {p.name for p in photos.rglob("*.*")}
    assert all(-1.0 <= r.score <= 1.0 for r in hits)


def test_second_run_skips_unchanged_and_reencodes_changed(library, photos):
    library.add_folder(photos)
    library.index()
    again = library.index()
    assert (again.unchanged, again.new, again.encoded) == (12, 0, 0)
    write_image(photos / "img00.jpg", 999)
    os.utime(photos / "img00.jpg", (1, 1))
    changed = library.index()
    assert (changed.new, changed.encoded, changed.unchanged) == (1, 1, 11)


def test_bad_files_are_reported_and_never_stop_the_run(library, photos, monkeypatch):
    bad = photos / "bad"
    bad.mkdir()
    (bad / "random.jpg").write_bytes(os.urandom(4096))
    good = write_image(bad / "whole.jpg", 5, size=(400, 300))
    (bad / "truncated.jpg").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    (bad / "empty.png").write_bytes(b"")
    _png_header_only(bad / "huge.png", 100_000, 100_000)
    (bad / "notes.txt").write_text("not media, silently ignored")
    long_name = "x" * 240 + ".jpg"
    write_image(bad / long_name, 6)
    os.close(os.open(os.path.join(os.fsencode(bad), b"caf\xe9.jpg"), os.O_CREAT | os.O_WRONLY))
    locked = write_image(bad / "locked.jpg", 7)
    if os.geteuid() == 0:  # root reads anything: make the open itself fail
        real_open = open

        def deny(path, *args, **kwargs):
            if str(path) == str(locked):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr("builtins.open", deny)
    else:
        locked.chmod(0)
    library.add_folder(photos)
    summary = library.index()
    reasons = _reasons(summary)
    assert "not a valid image" in reasons["random.jpg"]
    assert "truncated" in reasons["truncated.jpg"]
    assert "empty" in reasons["empty.png"]
    assert "too large" in reasons["huge.png"]
    assert "permission denied" in reasons["locked.jpg"]
    assert "UTF-8" in reasons["caf\ufffd.jpg"]
    assert long_name not in reasons and "notes.txt" not in reasons
    assert summary.new == 12 + 2  # the photos, whole.jpg and the long name
    assert summary.ignored == 1
    # Failures are remembered: an unchanged bad file is not retried on every run.
    again = library.index()
    assert again.encoded == 0
    assert library.status()["files_failed"] == 5


def test_rename_and_move_keep_vectors_without_reencoding(library, photos):
    library.add_folder(photos)
    library.index()
    before = _vector_ids(library)
    (photos / "moved").mkdir()
    for i in range(8):
        os.rename(photos / f"img{i:02d}.jpg", photos / "moved" / f"renamed{i:02d}.jpg")
    summary = library.index()
    assert (summary.moved, summary.encoded, summary.removed, summary.new) == (8, 0, 0, 0)
    after = _vector_ids(library)
    assert sorted(after.values()) == sorted(before.values())
    assert after["renamed03.jpg"] == before["img03.jpg"]
    names = {Path(r.path).name for r in library.search("x", n=50).results}
    assert "renamed03.jpg" in names and "img03.jpg" not in names


def test_identical_copy_reuses_work(library, photos):
    library.add_folder(photos)
    library.index()
    shutil.copy2(photos / "img01.jpg", photos / "copy-of-img01.jpg")
    summary = library.index()
    assert (summary.new, summary.encoded) == (1, 0)
    similar = library.similar(photos / "img01.jpg", n=3).results
    assert similar[0].path.endswith("copy-of-img01.jpg")
    assert similar[0].score == pytest.approx(1.0, abs=1e-3)


def test_deleted_file_leaves_catalog_index_and_results(library, photos):
    library.add_folder(photos)
    library.index()
    (photos / "img04.jpg").unlink()
    summary = library.index()
    assert summary.removed == 1
    assert library.vector_index().live_count == 11
    names = {Path(r.path).name for r in library.search("x", n=50).results}
    assert "img04.jpg" not in names and len(names) == 11


def test_removed_folder_forgets_its_files_but_keeps_them_on_disk(library, photos):
    library.add_folder(photos)
    library.index()
    assert library.remove_folder(photos) == 12
    assert library.search("x").results == []
    assert len(list(photos.rglob("*.*"))) == 12


def test_corrupt_or_missing_index_is_rebuilt_from_sqlite(tmp_path, settings, photos):
    home = tmp_path / "home"
    with Library(home, settings) as lib:
        lib.add_folder(photos)
        lib.index()
        index_file = lib.vector_index().path
    data = bytearray(index_file.read_bytes())
    data[100:400] = os.urandom(300)
    index_file.write_bytes(bytes(data))
    with Library(home, settings) as lib:
        assert len(lib.search("x", n=50).results) == 12
        assert lib.vector_index().rebuilt
    index_file.unlink()
    with Library(home, settings) as lib:
        assert len(lib.search("x", n=50).results) == 12
        assert lib.vector_index().rebuilt


def test_stale_index_catches_up_without_rebuild(tmp_path, settings, photos):
    home = tmp_path / "home"
    with Library(home, settings) as lib:
        lib.add_folder(photos)
        lib.index()
        index_file, meta_file = lib.vector_index().path, lib.vector_index().meta_path
    saved = index_file.read_bytes(), meta_file.read_bytes()
    write_image(photos / "late.jpg", 77)
    (photos / "img02.jpg").unlink()
    with Library(home, settings) as lib:
        lib.index()
    # Put back the index as it was before that run, as if the process died before saving.
    index_file.write_bytes(saved[0])
    meta_file.write_bytes(saved[1])
    with Library(home, settings) as lib:
        names = {Path(r.path).name for r in lib.search("x", n=50).results}
        assert not lib.vector_index().rebuilt
        assert "late.jpg" in names and "img02.jpg" not in names and len(names) == 12


def test_filters_by_folder_kind_and_date(library, photos):
    from PIL import Image

    from mediasift.search.engine import Filters

    dated = photos / "dated.jpg"
    image = Image.open(write_image(photos / "tmp.png", 50))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2019:06:01 12:00:00"
    image.convert("RGB").save(dated, exif=exif)
    (photos / "tmp.png").unlink()
    library.add_folder(photos)
    library.index()
    sub = library.search("x", 50, Filters(folders=(str(photos / "sub"),))).results
    assert sorted(Path(r.path).name for r in sub) == [f"shot{i:02d}.png" for i in range(8, 12)]
    old = library.search("x", 50, Filters(before=1577836800)).results  # before 2020
    assert [Path(r.path).name for r in old] == ["dated.jpg"]
    assert library.search("x", 50, Filters(kinds=("video",))).results == []
    assert len(library.search("x", 50, Filters(kinds=("image",))).results) == 13


def test_weak_matches_are_not_shown(tmp_path, settings, photos):
    settings.min_score = 1.5  # nothing can reach it
    with Library(tmp_path / "home", settings) as lib:
        lib.add_folder(photos)
        lib.index()
        response = lib.search("a cat on a sofa")
    assert response.results == []
    assert "No good match" in response.message


def test_model_unavailable_still_indexes_metadata(tmp_path, photos, monkeypatch):
    from mediasift.config import Settings
    from mediasift.library import LibraryError

    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-hf"))
    offline = Settings(model="openai/clip-vit-base-patch32", text_model="org/absent", ocr=False)
    with Library(tmp_path / "home", offline) as lib:
        lib.add_folder(photos)
        summary = lib.index()
        assert summary.new == 12 and summary.encoded == 0
        assert "cannot be reached" in summary.model_error
        assert "cannot be reached" in summary.text_model_error
        assert lib.status()["files_indexed"] == 12
        response = lib.search("img03")  # names answer; the response says what is missing
        assert [Path(r.path).name for r in response.results] == ["img03.jpg"]
        assert response.results[0].why == ["name"]
        assert set(response.missing) == {"look", "meaning"}
        with pytest.raises(LibraryError, match="cannot be reached"):
            lib.similar(photos / "img03.jpg")
    thumbs = list((tmp_path / "home" / "thumbs").rglob("*.jpg"))
    assert len(thumbs) == 12


def test_missing_library_folder_keeps_its_files(library, photos, tmp_path):
    library.add_folder(photos)
    library.index()
    photos.rename(tmp_path / "unplugged")  # as if the drive were unmounted
    summary = library.index()
    assert summary.removed == 0
    assert "missing" in summary.failed[0]["reason"]
    assert library.status()["files_indexed"] == 12


def test_cancel_stops_soon_and_the_next_run_finishes(library, tmp_path):
    from mediasift.pipeline.progress import Progress

    folder = tmp_path / "many"
    for i in range(200):
        write_image(folder / f"m{i:03d}.png", i, size=(32, 24))
    library.add_folder(folder)
    progress = Progress()
    progress.listeners.append(lambda p: p.done >= 20 and p.cancel())
    summary = library.index(progress=progress)
    assert summary.cancelled and 20 <= summary.encoded < 200
    state = progress.as_dict()
    assert state["done"] >= 20 and state["stages"]["embed"]["done"] == summary.encoded
    rest = library.index()
    assert rest.encoded == 200 - summary.encoded and rest.unchanged == summary.encoded
    assert library.catalog.counts()["vectors"] == 200
