"""Document readers: PDF pages and PPTX/ODP slides, their errors, bounds, and kind sniffing.

Every file is made here (fpdf2, python-pptx, hand-written ODF XML); nothing is downloaded.
LibreOffice is exercised through a stand-in script that writes a PDF the way ``soffice`` would,
plus one real run that is skipped where LibreOffice is not installed.
"""

from __future__ import annotations

import io
import shutil
import stat
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image
from pptx import Presentation
from pptx.util import Inches

from mediasift.media import document
from mediasift.media.document import Document, read_document
from mediasift.media.errors import MediaError
from mediasift.media.kinds import claims_media, sniff_kind, unsupported_reason

MIN_SIDE = 224
ODP_MIME = "application/vnd.oasis.opendocument.presentation"


def _pdf(path: Path, texts: list[str], **encryption: str) -> Path:
    pdf = FPDF()
    pdf.set_font("helvetica", size=14)
    for text in texts:
        pdf.add_page()
        pdf.multi_cell(0, 10, text)
    if encryption:
        pdf.set_encryption(**encryption)
    pdf.output(str(path))
    return path


def _png(size: tuple[int, int], color: str) -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    buf.seek(0)
    return buf


def _dominant(image: Image.Image) -> tuple[int, int, int]:
    return image.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))


@pytest.fixture(scope="session")
def text_pdf(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    return _pdf(path, ["Quarterly revenue grew", "Permission denied error", "Dog jumps into lake"])


@pytest.fixture(scope="session")
def long_pdf(tmp_path_factory) -> Path:
    return _pdf(tmp_path_factory.mktemp("pdf") / "long.pdf", [f"page {i}" for i in range(2000)])


@pytest.fixture(scope="session")
def deck(tmp_path_factory) -> Path:
    """Three slides: text of every kind; two pictures; a hidden slide with nothing but a title."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(10), Inches(7.5)
    one = prs.slides.add_slide(prs.slide_layouts[1])  # title and content
    one.shapes.title.text = "Q3 revenue"
    one.placeholders[1].text_frame.text = "Revenue grew in every region"
    table = one.shapes.add_table(2, 2, Inches(1), Inches(4), Inches(4), Inches(1)).table
    table.cell(0, 0).text, table.cell(1, 1).text = "Region", "Lapland 42"
    group = one.shapes.add_group_shape()
    caption = group.shapes.add_textbox(Inches(6), Inches(5), Inches(2), Inches(1))
    caption.text_frame.text = "grouped caption"
    one.notes_slide.notes_text_frame.text = "say the budget is final"

    two = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    two.shapes.add_picture(_png((120, 90), "red"), Inches(0), Inches(0))
    two.shapes.add_picture(_png((900, 600), "blue"), Inches(2), Inches(2))

    three = prs.slides.add_slide(prs.slide_layouts[5])  # title only
    three.shapes.title.text = "Backup slide"
    three._element.set("show", "0")
    path = tmp_path_factory.mktemp("pptx") / "deck.pptx"
    prs.save(path)
    return path


def _odp(path: Path, pages: str) -> Path:
    content = f"""<?xml version="1.0" encoding="UTF-8"?>
    <office:document-content
        xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
        xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
        xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"
        xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
        xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
        xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.3">
      <office:body><office:presentation>{pages}</office:presentation></office:body>
    </office:document-content>"""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", ODP_MIME, compress_type=zipfile.ZIP_STORED)
        zf.writestr("content.xml", textwrap.dedent(content))
        zf.writestr("Pictures/photo.png", _png((400, 300), "green").getvalue())
        zf.writestr("META-INF/manifest.xml", "<manifest/>")
    return path


ODP_PAGES = """
<draw:page draw:name="page1">
  <draw:frame presentation:class="title"><draw:text-box>
    <text:p>Launch <text:span>plan</text:span></text:p></draw:text-box></draw:frame>
  <draw:frame presentation:class="outline"><draw:text-box>
    <text:p>ship<text:s text:c="2"/>it<text:line-break/>on Friday</text:p>
  </draw:text-box></draw:frame>
  <draw:frame><table:table><table:table-row><table:table-cell>
    <text:p>cell Oslo</text:p></table:table-cell></table:table-row></table:table></draw:frame>
  <presentation:notes><draw:frame><draw:text-box>
    <text:p>remember the demo</text:p></draw:text-box></draw:frame></presentation:notes>
</draw:page>
<draw:page draw:name="page2">
  <draw:frame><draw:image xlink:href="Pictures/photo.png"/></draw:frame>
</draw:page>
"""


@pytest.fixture
def no_office(monkeypatch):
    monkeypatch.setattr(document, "office_renderer", lambda: None)


# -- PDF ---------------------------------------------------------------------------------------


def test_pdf_gives_one_page_each_with_text_and_a_small_render(text_pdf):
    doc = read_document(text_pdf, "pdf", MIN_SIDE)
    assert (doc.kind, doc.page_count, doc.notice) == ("pdf", 3, None)
    assert [p.index for p in doc.pages] == [0, 1, 2]
    assert [p.text for p in doc.pages] == [
        "Quarterly revenue grew",
        "Permission denied error",
        "Dog jumps into lake",
    ]
    for page in doc.pages:
        assert page.kind == "page" and page.image is not None and page.image.mode == "RGB"
        width, height = page.image.size
        assert MIN_SIDE <= min(width, height) <= MIN_SIDE + 2  # not rendered at print size
        assert max(width, height) == pytest.approx(MIN_SIDE * 297 / 210, abs=2)  # A4 shape
        assert _dominant(page.image) > (200, 200, 200)  # a white page with some ink


def test_pdf_render_size_follows_min_side(text_pdf):
    page = read_document(text_pdf, "pdf", 64, max_pages=1).pages[0]
    assert min(page.image.size) == 64


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: _pdf(p, ["secret"], owner_password="o", user_password="u"), "encrypted PDF"),
        (lambda p: p.write_bytes(b"hello, I am only text"), "not a readable PDF"),
        (lambda p: p.write_bytes(_pdf(p, ["cut short"]).read_bytes()[:300]), "not a readable PDF"),
    ],
    ids=["encrypted", "not-a-pdf", "truncated"],
)
def test_unreadable_pdfs_raise_media_error(tmp_path, make, message):
    path = tmp_path / "bad.pdf"
    make(path)
    with pytest.raises(MediaError, match=message):
        read_document(path, "pdf", MIN_SIDE)


def test_encrypted_pdf_says_password(tmp_path):
    path = _pdf(tmp_path / "locked.pdf", ["x"], owner_password="o", user_password="u")
    with pytest.raises(MediaError) as caught:
        read_document(path, "pdf", MIN_SIDE)
    assert str(caught.value) == "encrypted PDF (password protected)"


def test_zero_page_pdf_says_so(tmp_path):
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"]
    data, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(data))
        data += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(data)
    data += b"xref\n0 3\n0000000000 65535 f \n"
    data += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    data += f"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path = tmp_path / "empty.pdf"
    path.write_bytes(data)
    with pytest.raises(MediaError, match=r"^PDF has no pages$"):
        read_document(path, "pdf", MIN_SIDE)


def test_missing_pdf_is_a_media_error(tmp_path):
    with pytest.raises(MediaError, match="vanished"):
        read_document(tmp_path / "gone.pdf", "pdf", MIN_SIDE)


def test_long_pdf_reads_only_max_pages_quickly(long_pdf):
    start = time.perf_counter()
    doc = read_document(long_pdf, "pdf", MIN_SIDE, max_pages=50)
    elapsed = time.perf_counter() - start
    assert len(doc.pages) == 50 and doc.page_count == 2000
    assert doc.pages[-1].text == "page 49"
    assert doc.notice == "indexed the first 50 of 2,000 pages"
    assert elapsed < 5.0


def test_time_budget_stops_early_and_keeps_pages_read(long_pdf):
    doc = read_document(long_pdf, "pdf", MIN_SIDE, max_pages=2000, time_budget=0.05)
    assert 1 <= len(doc.pages) < 2000
    assert doc.notice == f"stopped after 0.05 s: {len(doc.pages):,} of 2,000 pages read"
    assert doc.pages[-1].text == f"page {len(doc.pages) - 1}"


# -- PPTX --------------------------------------------------------------------------------------


def test_pptx_slide_text_has_title_body_table_group_and_notes_last(deck, no_office):
    doc = read_document(deck, "slides", MIN_SIDE)
    assert (doc.kind, doc.page_count, len(doc.pages)) == ("slides", 3, 3)
    first = doc.pages[0]
    assert (first.index, first.kind, first.title) == (0, "slide", "Q3 revenue")
    lines = first.text.splitlines()
    assert lines[0] == "Q3 revenue"
    for expected in ("Revenue grew in every region", "Lapland 42", "Region", "grouped caption"):
        assert any(expected in line for line in lines), expected
    assert lines[-1] == "say the budget is final"
    assert first.text.count("Q3 revenue") == 1  # the title is not repeated as body text
    assert doc.pages[2].title == "Backup slide"  # hidden slides are still read
    assert doc.pages[1].title is None and doc.pages[1].text == ""


def test_pptx_without_office_uses_the_largest_picture(deck, no_office):
    doc = read_document(deck, "slides", MIN_SIDE)
    assert doc.pages[0].image is None  # no picture on it: nothing stands for it
    image = doc.pages[1].image
    assert image is not None and image.mode == "RGB"
    assert _dominant(image) == (0, 0, 255)  # the 900x600 blue, not the 120x90 red
    assert MIN_SIDE <= min(image.size) < 2 * MIN_SIDE  # reduced from 600


def test_ppsx_slideshow_is_read(deck, tmp_path, no_office):
    """python-pptx's Presentation() refuses the slideshow content type; the reader does not."""
    ppsx = tmp_path / "show.ppsx"
    with zipfile.ZipFile(deck) as src, zipfile.ZipFile(ppsx, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"presentation.main+xml", b"slideshow.main+xml")
            dst.writestr(info, data)
    assert sniff_kind(ppsx) == "slides"
    assert read_document(ppsx, "slides", MIN_SIDE).pages[0].title == "Q3 revenue"


def test_pptx_max_pages_and_time_budget(deck, no_office):
    capped = read_document(deck, "slides", MIN_SIDE, max_pages=2)
    assert len(capped.pages) == 2 and capped.notice == "indexed the first 2 of 3 slides"
    stopped = read_document(deck, "slides", MIN_SIDE, time_budget=0)
    assert len(stopped.pages) == 1 and stopped.notice == "stopped after 0 s: 1 of 3 slides read"


def test_zip_of_junk_is_not_a_powerpoint_file(tmp_path):
    path = tmp_path / "junk.pptx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "not a deck")
        zf.writestr("ppt/nothing.bin", b"\x00\x01")
    with pytest.raises(MediaError, match=r"^not a readable PowerPoint file \("):
        read_document(path, "slides", MIN_SIDE)


def test_non_zip_slides_file_is_not_a_powerpoint_file(tmp_path):
    path = tmp_path / "fake.pptx"
    path.write_bytes(b"PK\x03\x04 but then nothing a ZIP needs")
    with pytest.raises(MediaError, match=r"^not a readable PowerPoint file"):
        read_document(path, "slides", MIN_SIDE)


def test_deck_with_no_slides(tmp_path):
    path = tmp_path / "empty.pptx"
    Presentation().save(path)
    with pytest.raises(MediaError, match=r"^presentation has no slides$"):
        read_document(path, "slides", MIN_SIDE)


# -- ODP ---------------------------------------------------------------------------------------


def test_odp_slide_text_title_table_notes_and_picture(tmp_path, no_office):
    path = _odp(tmp_path / "plan.odp", ODP_PAGES)
    assert sniff_kind(path) == "slides"
    doc = read_document(path, "slides", MIN_SIDE)
    assert (doc.kind, doc.page_count, len(doc.pages)) == ("slides", 2, 2)
    first = doc.pages[0]
    assert first.title == "Launch plan"
    assert first.text.splitlines() == [
        "Launch plan",
        "ship  it",
        "on Friday",
        "cell Oslo",
        "remember the demo",
    ]
    assert first.image is None
    assert _dominant(doc.pages[1].image) == (0, 128, 0)  # the embedded picture stands for it


def test_odp_errors(tmp_path):
    with pytest.raises(MediaError, match=r"^presentation has no slides$"):
        read_document(_odp(tmp_path / "empty.odp", ""), "slides", MIN_SIDE)
    broken = _odp(tmp_path / "broken.odp", "<draw:page><text:p>unclosed</draw:page>")
    with pytest.raises(MediaError, match=r"^not a readable OpenDocument presentation"):
        read_document(broken, "slides", MIN_SIDE)


# -- LibreOffice -------------------------------------------------------------------------------

FAKE_SOFFICE = """\
#!{python}
# Stands in for LibreOffice: records its arguments, then writes one coloured page per slide.
import os, sys, time
from pathlib import Path
from fpdf import FPDF

Path(os.environ["FAKE_SOFFICE_LOG"]).write_text("\\n".join(sys.argv[1:]))
time.sleep(float(os.environ.get("FAKE_SOFFICE_SLEEP", "0")))
outdir = Path(sys.argv[sys.argv.index("--outdir") + 1])
outdir.mkdir(parents=True, exist_ok=True)
pdf = FPDF(orientation="L", format=(190.5, 254))
for colour in os.environ["FAKE_SOFFICE_PAGES"].split(","):
    pdf.add_page()
    pdf.set_fill_color(*[int(c) for c in colour.split()])
    pdf.rect(0, 0, 254, 190.5, style="F")
pdf.output(str(outdir / (Path(sys.argv[-1]).stem + ".pdf")))
"""


@pytest.fixture
def fake_soffice(tmp_path, monkeypatch) -> Path:
    script = tmp_path / "soffice"
    script.write_text(FAKE_SOFFICE.format(python=sys.executable))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "soffice-args.txt"
    monkeypatch.setenv("FAKE_SOFFICE_LOG", str(log))
    monkeypatch.setattr(document, "office_renderer", lambda: str(script))
    return log


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in is a shebang script")
def test_office_render_maps_pages_to_visible_slides(deck, fake_soffice, monkeypatch):
    # LibreOffice leaves the hidden third slide out: two pages for three slides.
    monkeypatch.setenv("FAKE_SOFFICE_PAGES", "255 255 0,255 0 255")
    doc = read_document(deck, "slides", MIN_SIDE)
    args = fake_soffice.read_text().splitlines()
    assert args[0].startswith("-env:UserInstallation=file:///")  # a private profile
    assert "--headless" in args and args[args.index("--convert-to") + 1] == "pdf"
    assert args[-1] == str(deck.resolve())
    assert _dominant(doc.pages[0].image) == (255, 255, 0)
    assert _dominant(doc.pages[1].image) == (255, 0, 255)  # rendered, not the blue picture
    assert min(doc.pages[0].image.size) == MIN_SIDE
    assert doc.pages[2].image is None  # hidden: not in the PDF, and it has no picture


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in is a shebang script")
def test_office_timeout_falls_back_to_pictures(deck, fake_soffice, monkeypatch):
    monkeypatch.setenv("FAKE_SOFFICE_PAGES", "255 255 0,255 0 255,0 0 0")
    monkeypatch.setenv("FAKE_SOFFICE_SLEEP", "30")
    start = time.perf_counter()
    doc = read_document(deck, "slides", MIN_SIDE, time_budget=1.5)
    assert time.perf_counter() - start < 5  # killed at the budget, not waited for
    assert doc.pages[0].text.startswith("Q3 revenue")
    assert _dominant(doc.pages[1].image) == (0, 0, 255)  # the largest picture again


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_real_libreoffice_renders_every_slide(deck):
    document.office_renderer.cache_clear()
    doc: Document = read_document(deck, "slides", MIN_SIDE, time_budget=120)
    assert doc.pages[0].image is not None and min(doc.pages[0].image.size) >= MIN_SIDE
    assert doc.pages[1].image is not None


# -- kinds -------------------------------------------------------------------------------------


def test_sniff_kind_by_content(tmp_path, text_pdf, deck):
    assert sniff_kind(text_pdf) == "pdf"
    assert sniff_kind(deck) == "slides"
    assert sniff_kind(_odp(tmp_path / "a.odp", ODP_PAGES)) == "slides"
    png = tmp_path / "shot.png"
    Image.new("RGB", (8, 8)).save(png)
    assert sniff_kind(png) == "image"
    renamed = tmp_path / "deck.bin"
    renamed.write_bytes(deck.read_bytes())
    assert sniff_kind(renamed) == "slides"
    text = tmp_path / "notes.pdf"
    text.write_text("just some text, named like a PDF")
    assert sniff_kind(text) is None
    other_zip = tmp_path / "letter.docx"
    with zipfile.ZipFile(other_zip, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w/>")
    assert sniff_kind(other_zip) is None


def test_claims_and_unsupported_reasons():
    for name in ("a.pdf", "a.PPTX", "a.ppsx", "a.odp", "a.key", "a.ppt", "a.jpg"):
        assert claims_media(Path(name)), name
    assert not claims_media(Path("a.txt"))
    assert unsupported_reason(Path("talk.key")) == (
        "Keynote presentations cannot be read; export it to PDF or PowerPoint"
    )
    assert "LibreOffice" in unsupported_reason(Path("old.PPT"))
    assert unsupported_reason(Path("fine.pdf")) is None
