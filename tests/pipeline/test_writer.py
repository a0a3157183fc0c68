"""The writer's thumbnails: one per content, kept exactly as long as a file row holds it."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from helpers import write_image, write_pdf

from mediasift.catalog import Catalog
from mediasift.media.thumbs import content_of
from mediasift.pipeline.probe import file_digest


def thumbnails(library) -> set[str]:
    """The contents (hashes) the thumbnail cache holds."""
    return {content_of(path) for path in library.thumbs.rglob("*.jpg")}


def test_a_thumbnail_goes_with_the_last_file_holding_its_content(library, tmp_path):
    folder = tmp_path / "pics"
    a = write_image(folder / "a.png", 1)
    copy = folder / "copy.png"
    shutil.copy(a, copy)
    b = write_image(folder / "b.png", 2)
    deck = write_pdf(folder / "deck.pdf", ["Quarterly revenue", "Next steps"])
    library.add_folder(folder)
    library.index()
    first, second, pages = file_digest(str(a)), file_digest(str(b)), file_digest(str(deck))
    assert thumbnails(library) == {first, second, pages}  # the copy shares its twin's

    a.unlink()
    assert library.index().removed == 1
    assert thumbnails(library) == {first, second, pages}  # the copy still holds it
    copy.unlink()
    library.index()
    assert thumbnails(library) == {second, pages}

    write_image(b, 3)  # the content changes: the old look goes, the new one comes
    library.index()
    assert thumbnails(library) == {file_digest(str(b)), pages} and second not in thumbnails(library)

    library.remove_folder(folder)
    assert thumbnails(library) == set()


def test_a_crash_between_thumbnail_and_row_leaves_nothing_behind_for_long(
    library, tmp_path, monkeypatch
):
    folder = tmp_path / "pics"
    lost = write_image(folder / "lost.png", 1)
    kept = write_image(folder / "kept.png", 2)
    library.add_folder(folder)
    put_segment = Catalog.put_segment

    def die_writing_lost(self, file_id, segment):  # the thumbnail is on disk by then
        if self.file_by_id(file_id)["path"] == str(lost):
            raise RuntimeError("the process died here")
        return put_segment(self, file_id, segment)

    monkeypatch.setattr(Catalog, "put_segment", die_writing_lost)
    library.index()
    orphan = file_digest(str(lost))
    assert library.catalog.file_by_path(str(lost)) is None
    assert thumbnails(library) == {orphan, file_digest(str(kept))}  # the crash's leftover

    monkeypatch.undo()
    lost.unlink()  # gone before the next start: nothing will claim its thumbnail
    cut_short = library.thumbs / orphan[:2] / f"{orphan}.part"  # a write cut short, long ago
    cut_short.touch()
    os.utime(cut_short, (time.time() - 3600,) * 2)
    library.index()  # an indexer starts by sweeping
    assert thumbnails(library) == {file_digest(str(kept))}
    assert [p.name for p in Path(library.thumbs).rglob("*") if p.is_file()] == [
        f"{file_digest(str(kept))}.jpg"
    ]
