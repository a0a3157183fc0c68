"""Blended search end to end: real PDFs and decks, real OCR, real MiniLM, real FTS5 and hnswlib.

One library is indexed per module (it is the slow part); each test asks it something a person
would, and checks the file, the part of it and the reason it gives.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_deck, write_image, write_pdf, write_screenshot

from mediasift.config import Settings
from mediasift.library import Library, LibraryError

MAX_PAGES = 40


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, tiny_clip, minilm):
    root = tmp_path_factory.mktemp("blend")
    docs = root / "docs"
    write_pdf(docs / "contract.pdf", [
        "The lease deposit is two months of rent, returned at move-out.",
        "Quarterly revenue grew by twelve percent in the third quarter.",
        "Our hiking trip to the mountains in July.",
    ])  # fmt: skip
    write_deck(docs / "Q3-Revenue-final.pptx", [
        ("Roadmap", "Ship the mobile app in spring", "remember the zebra crossing demo"),
        ("Budget", "Marketing spend cut by half", "ask finance for the numbers"),
    ])  # fmt: skip
    write_screenshot(docs / "Screenshot 2024-05-02.png", ["Permission denied", "Error 13"])
    write_screenshot(docs / "notes.png", ["Lunch with Sam on Friday", "Buy oat milk"])
    write_image(docs / "IMG_2043.png", 1)
    write_image(docs / "holiday.jpg", 2, size=(640, 480))
    write_pdf(docs / "huge.pdf", [f"page {i}" for i in range(2000)])
    bad = docs / "bad"
    good = write_pdf(bad / "whole.pdf", ["a page"])
    (bad / "truncated.pdf").write_bytes(good.read_bytes()[:200])
    (bad / "junk.pptx").write_bytes(Path(write_zip_of_junk(root / "junk.zip")).read_bytes())
    (bad / "talk.key").write_bytes(b"PK\x03\x04 not really")
    settings = Settings(model=str(tiny_clip), text_model=str(minilm), ocr=True,
                        max_pages=MAX_PAGES)  # fmt: skip
    with Library(root / "home", settings) as lib:
        lib.add_folder(docs)
        summary = lib.index()
        yield lib, docs, summary


def write_zip_of_junk(path: Path) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<not pptx")
        archive.writestr("ppt/presentation.xml", "garbage")
    return path


def _names(response) -> list[str]:
    return [Path(r.path).name for r in response.results]


def test_a_paraphrase_finds_the_screenshot_by_its_text(indexed):
    lib, *_ = indexed
    response = lib.search("access was refused")
    top = response.results[0]
    assert Path(top.path).name == "Screenshot 2024-05-02.png"
    assert "meaning" in top.why and top.kind == "screenshot"
    assert top.line is not None and "permission" in top.line["text"].lower()
    x0, y0, x1, y1 = top.line["box"]
    assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 0.5  # the first line, in the upper half
    assert top.thumbnail and Path(top.thumbnail).is_file()


def test_a_word_from_speaker_notes_finds_that_slide(indexed):
    lib, *_ = indexed
    top = lib.search("zebra").results[0]
    assert Path(top.path).name == "Q3-Revenue-final.pptx"
    assert top.locator == "slide 1" and top.segment["index"] == 0
    assert "words" in top.why and "«zebra»" in top.snippet


def test_search_as_you_type_matches_a_prefix(indexed):
    lib, *_ = indexed
    assert _names(lib.search("zeb"))[0] == "Q3-Revenue-final.pptx"


def test_a_page_is_found_by_meaning_with_its_locator(indexed):
    lib, *_ = indexed
    top = lib.search("security deposit for renting an apartment").results[0]
    assert (Path(top.path).name, top.locator) == ("contract.pdf", "page 1")


def test_part_of_a_file_name_finds_the_file(indexed):
    lib, *_ = indexed
    top = lib.search("2043").results[0]
    assert Path(top.path).name == "IMG_2043.png" and top.why[0] == "name"
    revenue = lib.search("revenue")
    assert "Q3-Revenue-final.pptx" in _names(revenue)
    deck = next(r for r in revenue.results if r.path.endswith(".pptx"))
    assert "name" in deck.why


def test_an_excluded_word_removes_results(indexed):
    lib, *_ = indexed
    assert "contract.pdf" in _names(lib.search("mountains"))
    assert "contract.pdf" not in _names(lib.search("mountains -hiking"))


def test_phrases_and_filters(indexed):
    lib, *_ = indexed
    assert _names(lib.search('"two months of rent"')) == ["contract.pdf"]
    assert "contract.pdf" not in _names(lib.search('"rent of months"'))
    slides = lib.search("kind:slides revenue")
    assert _names(slides) == ["Q3-Revenue-final.pptx"]
    assert set(_names(lib.search("kind:screenshot denied"))) == {"Screenshot 2024-05-02.png"}


def test_a_query_of_filters_only_lists_the_newest_matching_files(indexed):
    lib, *_ = indexed
    response = lib.search("kind:pdf")
    assert set(_names(response)) == {"contract.pdf", "huge.pdf", "whole.pdf"}
    assert all(r.why == ["filter"] for r in response.results)


def test_a_malformed_query_gets_a_plain_message(indexed):
    lib, *_ = indexed
    with pytest.raises(LibraryError, match="kind"):
        lib.search("kind:spreadsheet budget")


def test_bad_documents_are_reported_and_skipped(indexed):
    _, _, summary = indexed
    reasons = {Path(f["path"]).name: f["reason"] for f in summary.failed}
    assert set(reasons) == {"truncated.pdf", "junk.pptx", "talk.key"}
    assert "Keynote" in reasons["talk.key"]
    assert "PowerPoint" in reasons["junk.pptx"]


def test_a_huge_pdf_is_read_only_up_to_the_page_limit(indexed):
    lib, docs, summary = indexed
    notices = {Path(n["path"]).name: n["notice"] for n in summary.notices}
    assert "first 40 of 2,000 pages" in notices["huge.pdf"]
    row = lib.catalog.file_by_path(str(docs / "huge.pdf"))
    assert len(lib.catalog.segments(row["id"])) == MAX_PAGES


def test_photos_without_text_get_no_ocr_segment(indexed):
    lib, docs, _ = indexed
    photo = lib.catalog.file_by_path(str(docs / "holiday.jpg"))
    shot = lib.catalog.file_by_path(str(docs / "notes.png"))
    assert [s["kind"] for s in lib.catalog.segments(photo["id"])] == ["image"]
    assert [s["kind"] for s in lib.catalog.segments(shot["id"])] == ["image", "ocr"]


def test_json_results_carry_what_a_window_needs(indexed):
    lib, *_ = indexed
    result = lib.search("oat milk").results[0].as_dict()
    assert Path(result["path"]).name == "notes.png"
    assert {"why", "snippet", "locator", "line", "thumbnail", "captured_at", "size"} <= set(result)
    assert result["size"] > 0


def test_hits_resolve_more_ids_than_sqlite_can_bind_at_once(indexed):
    lib, *_ = indexed
    ids = [v for v in lib.catalog.vector_ids(1).tolist()] + list(range(10**6, 10**6 + 11000))
    assert len(lib.catalog.hits(ids)) == len(lib.catalog.vector_ids(1))


def test_text_model_arriving_later_embeds_stored_text_without_rereading(
    tmp_path, tiny_clip, minilm, monkeypatch
):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-hf"))
    docs = tmp_path / "docs"
    write_pdf(docs / "lease.pdf", ["The lease deposit is two months of rent."])
    offline = Settings(model=str(tiny_clip), text_model="org/absent", ocr=False)
    with Library(tmp_path / "home", offline) as lib:
        lib.add_folder(docs)
        lib.index()
        response = lib.search("deposit")  # words answer without the text model
        assert _names(response) == ["lease.pdf"] and "meaning" in response.missing
    online = Settings(model=str(tiny_clip), text_model=str(minilm), ocr=False)
    with Library(tmp_path / "home", online) as lib:
        summary = lib.index()
        assert (summary.new, summary.encoded) == (0, 0)  # nothing decoded again
        top = lib.search("money paid up front when renting a flat").results[0]
        assert Path(top.path).name == "lease.pdf" and "meaning" in top.why
