"""A file that matches in several places: the best part is the result's, the others are listed."""

from __future__ import annotations

from helpers import write_pdf

from mediasift.config import Settings
from mediasift.library import Library
from mediasift.search.engine import Response


def test_other_matching_pages_are_listed_after_the_best(tmp_path, tiny_clip, minilm):
    pages = [
        "Agenda for the offsite",
        "The lease deposit is due in March",
        "Catering and rooms",
        "Reminder: the lease deposit is refundable",
        "Travel",
    ]
    write_pdf(tmp_path / "files" / "plan.pdf", pages)
    # The tiny visual model's own score floor: its random scores stay noise, as a real model's
    # would for a page of words (the shared fixture has no floor, and every page would match).
    settings = Settings(model=str(tiny_clip), text_model=str(minilm), ocr=False)
    with Library(tmp_path / "home", settings) as lib:
        lib.add_folder(tmp_path / "files")
        lib.index()
        response = lib.search('"lease deposit"', n=5)
    (result,) = response.results
    assert result.locator in ("page 2", "page 4")
    others = [m["locator"] for m in result.moments]
    assert others == [{"page 2": "page 4", "page 4": "page 2"}[result.locator]]
    assert "page 1" not in others and "page 5" not in others
    sent = Response.from_dict(response.as_dict())  # as the indexer's socket carries it
    assert sent.results[0].moments == result.moments
    assert response.as_dict()["results"][0]["start"] is None  # pages have no time
