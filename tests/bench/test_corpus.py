"""The labelled retrieval set: files that open, honest labels, paraphrases that share few words."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image
from pptx import Presentation

from mediasift.bench.corpus import CORPUS_VERSION, Labelled, build_corpus
from mediasift.bench.messages import DECKS, MESSAGES, PDFS

SHOTS, DISTRACTORS = 10, 10

_STOP = """a an the is are was were be been being am to of in on at for from by with and or not no
    nor my your you i me we our us it its this that these those has have had do does did will can
    could would should may might must there here what which who whom when where why how as into
    about up out off so than then too very just all any some they them their he she his him her
    if but because please now again before after over under while until also only own same such
    each more most other both few one s t don let"""
STOP_WORDS = frozenset(_STOP.split())


def content_words(text: str) -> set[str]:
    """Lower-case words that are not stop words, with a plural ``s`` dropped."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words if w not in STOP_WORDS}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, list[Labelled]]:
    folder = tmp_path_factory.mktemp("corpus")
    return folder, build_corpus(folder, seed=3, screenshots=SHOTS, distractors=DISTRACTORS)


def _deck_text(slide) -> str:
    return " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)


def test_every_file_opens(built):
    folder, _ = built
    shots = sorted(p for p in folder.iterdir() if p.name.startswith("shot_"))
    assert len(shots) == SHOTS + DISTRACTORS
    for path in shots:
        assert re.fullmatch(r"shot_\d{4}\.(png|jpg)", path.name)
        with Image.open(path) as image:
            image.load()
            assert image.width >= 800 and image.height >= 500
            assert image.getextrema() != ((0, 0),) * 3  # not blank
    for deck in DECKS:
        slides = Presentation(str(folder / deck.name)).slides
        assert len(slides) == len(deck.slides)
        assert deck.slides[1].title in _deck_text(slides[1])
    for doc in PDFS:
        pdf = pdfium.PdfDocument(folder / doc.name)
        try:
            assert len(pdf) == len(doc.slides)
            text = pdf[2].get_textpage().get_text_range()
            assert doc.slides[2].title in text
        finally:
            pdf.close()


def test_labels_point_at_existing_files_within_range(built):
    folder, labelled = built
    doc_queries = sum(len(d.queries) for d in DECKS + PDFS)
    assert len(labelled) == SHOTS + doc_queries
    assert [x.group for x in labelled].count("screenshot") == SHOTS
    queries = [x.query for x in labelled]
    assert len(set(queries)) == len(queries)
    for item in labelled:
        path = Path(item.path)
        assert path.is_absolute() and path.is_file() and path.parent == folder.resolve()
        if item.group == "screenshot":
            assert item.locator is None and item.query in {q for _, q in MESSAGES}
        elif item.group == "slide":
            assert 0 <= item.locator < len(Presentation(item.path).slides)
        else:
            assert item.group == "pdf"
            pdf = pdfium.PdfDocument(item.path)
            assert 0 <= item.locator < len(pdf)
            pdf.close()


def test_notes_queries_find_words_only_in_those_notes(built):
    _, labelled = built
    single = [x for x in labelled if x.group == "slide" and " " not in x.query]
    assert 2 <= len(single) <= 4
    everything_else = " ".join(m for pair in MESSAGES for m in pair)
    for item in single:
        deck = Presentation(item.path)
        for i, slide in enumerate(deck.slides):
            assert item.query not in _deck_text(slide)
            notes = slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""
            assert (item.query in notes) == (i == item.locator)
        assert item.query not in everything_else


def test_same_seed_same_bytes(built, tmp_path):
    _, labelled = built
    again = build_corpus(tmp_path / "again", seed=3, screenshots=SHOTS, distractors=DISTRACTORS)
    assert [(x.query, Path(x.path).name) for x in again] == [
        (x.query, Path(x.path).name) for x in labelled
    ]
    first = Path(labelled[0].path)
    assert (tmp_path / "again" / first.name).read_bytes() == first.read_bytes()
    other = build_corpus(tmp_path / "other", seed=4, screenshots=SHOTS, distractors=DISTRACTORS)
    assert {x.query for x in other if x.group == "screenshot"} != {
        x.query for x in labelled if x.group == "screenshot"
    }


def test_message_list_is_large_distinct_and_sized():
    messages = [m for m, _ in MESSAGES]
    queries = [q for _, q in MESSAGES]
    assert len(MESSAGES) >= 120
    assert len({m.lower() for m in messages}) == len(messages)
    assert len({q.lower() for q in queries}) == len(queries)
    for message, query in MESSAGES:
        assert 3 <= len(message.split()) <= 20, message
        assert 3 <= len(query.split()) <= 12, query


def test_queries_share_at_most_one_content_word_with_their_message():
    assert content_words("Printers are out of paper") == {"printer", "paper"}
    offenders = [
        (m, q, shared)
        for m, q in MESSAGES
        if len(shared := content_words(m) & content_words(q)) > 1
    ]
    assert offenders == []


def test_defaults_meet_the_minimums():
    defaults = inspect.signature(build_corpus).parameters
    assert defaults["screenshots"].default >= 120
    assert defaults["distractors"].default >= 200
    assert len(MESSAGES) >= defaults["screenshots"].default
    assert CORPUS_VERSION == 1
    with pytest.raises(ValueError):
        build_corpus(Path("/nonexistent/never-made"), screenshots=len(MESSAGES) + 1)
