"""Document reading: PDF pages and presentation slides, each as its text plus a small picture.

A deck is indexed as one segment per page or slide. The picture is rendered at the size the
model needs (a 224-pixel page renders in a few milliseconds; the same page at print resolution
costs a hundred times that), and the work per file is bounded by a page cap and a time budget
so one 5,000-page scan cannot hold up a whole library.

Slides are rendered through LibreOffice when it is installed (it is the only faithful renderer
of PowerPoint and OpenDocument layouts); without it the slide's largest picture stands in for
it, which still lets "the slide with the dog photo" be found.

PDFium is not thread-safe, not even across different documents, so every call into it holds
:data:`PDFIUM_LOCK` (per page, so parallel readers interleave instead of waiting for a deck).
"""

from __future__ import annotations

import functools
import io
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from mediasift.media.errors import MediaError
from mediasift.media.image import MAX_PIXELS, to_rgb
from mediasift.media.kinds import zip_presentation

log = logging.getLogger(__name__)

#: Held around every PDFium call; other modules that use pypdfium2 must hold it too.
PDFIUM_LOCK = threading.RLock()
#: Longest side of a rendered page; a 1 x 200-inch banner page is not rendered at 224 x 45,000.
MAX_RENDER_SIDE = 4096
#: Pictures smaller than this on their short side (bullets, icons) never stand for a slide.
MIN_PICTURE_SIDE = 32
#: python-pptx loads every part of a deck into memory; larger decks are refused up front.
MAX_UNPACKED_BYTES = 1024**3
#: ODP ``content.xml`` larger than this is refused (it is parsed whole).
MAX_ODP_CONTENT_BYTES = 200 * 1024**2
#: An embedded picture larger than this is not read (no slide photo needs it).
MAX_PICTURE_BYTES = 200 * 1024**2
#: Enough of a picture file for Pillow to tell its size.
PICTURE_HEADER_BYTES = 256 * 1024

_PDF_ERRORS = {
    pdfium_c.FPDF_ERR_FILE: "the PDF could not be opened",
    pdfium_c.FPDF_ERR_FORMAT: "not a readable PDF (damaged, truncated or not a PDF)",
    pdfium_c.FPDF_ERR_PASSWORD: "encrypted PDF (password protected)",
    pdfium_c.FPDF_ERR_SECURITY: "encrypted PDF (unsupported security scheme)",
    pdfium_c.FPDF_ERR_PAGE: "not a readable PDF (page tree is damaged)",
}

_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "presentation": "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
}


def _q(prefix: str, name: str) -> str:
    return f"{{{_NS[prefix]}}}{name}"


@dataclass
class Page:
    """One page of a PDF or one slide of a deck: a search segment."""

    index: int  # 0-based page or slide number
    kind: str  # "page" (PDF) or "slide" (PPTX/ODP)
    text: str  # own text; for slides: title, body, tables, then speaker notes as one block
    image: Image.Image | None  # RGB, short side ~min_side; None when nothing can stand for it
    title: str | None = None  # slide title


@dataclass
class Document:
    """What was read from a document, and a notice when the reading was cut short."""

    kind: str  # "pdf" or "slides"
    pages: list[Page]
    page_count: int  # pages/slides in the file
    notice: str | None = None


class _Clock:
    """The time budget of one document read."""

    def __init__(self, budget: float) -> None:
        self.budget = budget
        self.start = time.monotonic()

    def remaining(self) -> float:
        return self.budget - (time.monotonic() - self.start)

    def expired(self) -> bool:
        return self.remaining() <= 0

    def stopped(self, done: int, total: int, unit: str) -> str:
        return f"stopped after {self.budget:g} s: {done:,} of {total:,} {unit} read"


def read_document(
    path: Path, kind: str, min_side: int, max_pages: int = 500, time_budget: float = 60.0
) -> Document:
    """Read the text and a picture of each page ("pdf") or slide ("slides") of ``path``.

    ``kind`` is what :func:`~mediasift.media.kinds.sniff_kind` said. Only the first
    ``max_pages`` are read, and reading stops once ``time_budget`` seconds are spent (the first
    page is always read); either way the pages read so far are returned with a notice.
    Raises MediaError, with a reason fit for the user, for anything unreadable.
    """
    clock = _Clock(time_budget)
    if kind == "pdf":
        return _read_pdf(path, min_side, max_pages, clock)
    if kind != "slides":
        raise ValueError(f"read_document cannot read kind {kind!r}")
    try:
        with path.open("rb") as fh:
            container = zip_presentation(fh)
    except OSError as exc:
        raise MediaError(_os_reason(exc)) from exc
    if container == "odp":
        return _read_odp(path, min_side, max_pages, clock)
    return _read_pptx(path, min_side, max_pages, clock)


@functools.cache
def office_renderer() -> str | None:
    """Path of LibreOffice's ``soffice`` (or ``libreoffice``) binary, or None when not installed.

    Looks on PATH, then where the macOS and Windows installers put it (neither adds it to PATH).
    """
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    candidates = [Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")]
    for env in ("ProgramFiles", "ProgramFiles(x86)"):
        if os.environ.get(env):
            candidates.append(Path(os.environ[env]) / "LibreOffice" / "program" / "soffice.exe")
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    return None


# -- PDF -------------------------------------------------------------------------------------


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "file vanished before it could be read"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return f"the file could not be read ({exc.strerror or exc})"


@contextmanager
def _open_pdf(path: Path) -> Iterator[pdfium.PdfDocument]:
    """Open a PDF with a plain reason on failure, and always close it.

    Loads through the raw API because pypdfium2's own loader reports a zero-page PDF with
    PDFium's stale last error (and leaks its handle); here a zero-page PDF is told apart.
    """
    encoded = os.fsencode(path.resolve())  # UTF-8 on Windows, the raw name bytes elsewhere
    with PDFIUM_LOCK:
        if not path.is_file():
            raise MediaError("file vanished before it could be read")
        raw = pdfium_c.FPDF_LoadDocument(encoded + b"\x00", None)
        if not raw:
            code = pdfium_c.FPDF_GetLastError()
            raise MediaError(_PDF_ERRORS.get(code, f"not a readable PDF (PDFium error {code})"))
        if pdfium_c.FPDF_GetPageCount(raw) < 1:
            pdfium_c.FPDF_CloseDocument(raw)
            raise MediaError("PDF has no pages")
        doc = pdfium.PdfDocument(raw)
    try:
        yield doc
    finally:
        with PDFIUM_LOCK:
            doc.close()


def _page_scale(width_pt: float, height_pt: float, min_side: int) -> float:
    """Scale that renders the page's short side at ``min_side`` pixels, long side capped."""
    short, long = min(width_pt, height_pt), max(width_pt, height_pt)
    return min(min_side / short, MAX_RENDER_SIDE / long)


def _clean_text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()


def _pdf_page(
    doc: pdfium.PdfDocument, index: int, min_side: int, want_text: bool
) -> tuple[str, Image.Image | None]:
    """Text and picture of one page; a damaged page yields what could be read, not an error."""
    text, image = "", None
    with PDFIUM_LOCK:
        try:
            page = doc[index]
        except pdfium.PdfiumError as exc:
            log.warning("page %d could not be loaded: %s", index + 1, exc)
            return text, image
        try:
            if want_text:
                textpage = page.get_textpage()
                try:
                    text = _clean_text(textpage.get_text_range())
                finally:
                    textpage.close()
            width, height = page.get_size()
            if width > 0 and height > 0:
                bitmap = page.render(scale=_page_scale(width, height, min_side))
                try:
                    # to_pil may share the bitmap's buffer; convert() copies it before it is freed.
                    image = bitmap.to_pil().convert("RGB")
                finally:
                    bitmap.close()
        except (pdfium.PdfiumError, ValueError, OSError) as exc:
            log.warning("page %d could not be read in full: %s", index + 1, exc)
        finally:
            page.close()
    return text, image


def _read_pdf(path: Path, min_side: int, max_pages: int, clock: _Clock) -> Document:
    with _open_pdf(path) as doc:
        total = len(doc)
        limit = min(total, max_pages)
        pages: list[Page] = []
        notice = None
        for index in range(limit):
            if pages and clock.expired():
                notice = clock.stopped(len(pages), total, "pages")
                break
            text, image = _pdf_page(doc, index, min_side, want_text=True)
            pages.append(Page(index, "page", text, image))
    if notice is None and limit < total:
        notice = f"indexed the first {limit:,} of {total:,} pages"
    if notice:
        log.info("%s: %s", path.name, notice)
    return Document("pdf", pages, total, notice)


# -- slides, shared --------------------------------------------------------------------------


@dataclass
class _Slide:
    """Text of one slide plus what could stand for its picture, before images are made."""

    index: int
    text: str
    title: str | None
    hidden: bool
    pictures: list[tuple[int, Callable[[], bytes]]]  # (pixel area, reads its bytes)


def _picture_size(data: bytes) -> tuple[int, int] | None:
    """Pixel size from the header only (no decoding); None for what Pillow cannot open."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return im.size
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        return None


def _decode_picture(data: bytes, min_side: int) -> Image.Image | None:
    """Decode an embedded picture to RGB, reduced to about ``min_side`` on its short side."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.width * im.height > MAX_PIXELS:
                return None
            if im.format == "JPEG":
                im.draft("RGB", (min_side, min_side))
            im.load()
            image = to_rgb(im)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
        log.debug("embedded picture not decodable: %s", exc)
        return None
    short = min(image.size)
    if short >= 2 * min_side:
        image = image.reduce(short // min_side)
    return image


def _largest_picture(
    pictures: list[tuple[int, Callable[[], bytes]]], min_side: int
) -> Image.Image | None:
    for _area, load in sorted(pictures, key=lambda item: item[0], reverse=True):
        image = _decode_picture(load(), min_side)
        if image is not None:
            return image
    return None


def _picture_entry(
    head: bytes, load: Callable[[], bytes]
) -> tuple[int, Callable[[], bytes]] | None:
    """(pixel area, loader) for a picture big enough to stand for a slide, else None."""
    size = _picture_size(head)
    if size is None or min(size) < MIN_PICTURE_SIDE:
        return None
    return size[0] * size[1], load


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill LibreOffice and its children (the launcher forks ``soffice.bin``)."""
    try:
        if sys.platform != "win32":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except OSError:
        pass
    proc.wait()


def _office_pictures(
    path: Path, slides: list[_Slide], slide_count: int, min_side: int, clock: _Clock
) -> dict[int, Image.Image]:
    """Slide index -> rendered picture, via LibreOffice's PDF export; {} when that fails.

    Each run gets a private, temporary LibreOffice profile so it neither clashes with the
    user's open LibreOffice nor with a parallel conversion (a fresh profile costs a few
    seconds at start-up; a shared one would need locking and goes stale when a run is killed).
    The conversion gets most of the remaining time budget; rendering its pages is quick.
    """
    soffice = office_renderer()
    timeout = clock.remaining() * 0.8
    if soffice is None or timeout < 1:
        return {}
    with tempfile.TemporaryDirectory(prefix="mediasift-office-", ignore_cleanup_errors=True) as tmp:
        profile, outdir = Path(tmp) / "profile", Path(tmp) / "out"
        source = path.resolve()
        cmd = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(source),
        ]
        extra: dict[str, Any] = (
            {"start_new_session": True}
            if sys.platform != "win32"
            else {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
        )
        try:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                **extra,
            )  # fmt: skip
        except OSError as exc:
            log.warning("LibreOffice could not be started (%s): %s", soffice, exc)
            return {}
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            log.warning("LibreOffice took longer than %.0f s on %s; gave up", timeout, path.name)
            return {}
        pdf = outdir / f"{source.stem}.pdf"
        if proc.returncode != 0 or not pdf.is_file():
            log.warning(
                "LibreOffice could not convert %s (exit %s): %s",
                path.name, proc.returncode, output.decode("utf-8", "replace")[-500:].strip(),
            )  # fmt: skip
            return {}
        try:
            with _open_pdf(pdf) as doc:
                targets = _page_targets(len(doc), slides, slide_count)
                if targets is None:
                    log.warning(
                        "LibreOffice made %d pages of %d slides in %s; not using them",
                        len(doc), slide_count, path.name,
                    )  # fmt: skip
                    return {}
                pictures: dict[int, Image.Image] = {}
                for page_index, slide_index in targets:
                    if pictures and clock.remaining() < -2:  # a little grace past the budget
                        break
                    _text, image = _pdf_page(doc, page_index, min_side, want_text=False)
                    if image is not None:
                        pictures[slide_index] = image
                return pictures
        except MediaError as exc:
            log.warning("LibreOffice's PDF of %s is unreadable: %s", path.name, exc)
            return {}


def _page_targets(
    pdf_pages: int, slides: list[_Slide], slide_count: int
) -> list[tuple[int, int]] | None:
    """(PDF page, slide index) pairs for the slides read, or None when pages cannot be matched.

    LibreOffice leaves hidden slides out of its PDF, so the pages then match visible slides.
    """
    if pdf_pages == slide_count:
        return [(s.index, s.index) for s in slides]
    visible = [s for s in slides if not s.hidden]
    if len(slides) == slide_count and pdf_pages == len(visible):
        return list(enumerate(s.index for s in visible))
    return None


def _slides_document(
    path: Path,
    slides: list[_Slide],
    slide_count: int,
    stopped: str | None,
    min_side: int,
    clock: _Clock,
) -> Document:
    rendered = _office_pictures(path, slides, slide_count, min_side, clock)
    pages = []
    for slide in slides:
        image = rendered.get(slide.index)
        if image is None and not clock.expired():
            image = _largest_picture(slide.pictures, min_side)
        pages.append(Page(slide.index, "slide", slide.text, image, slide.title))
    notice = stopped
    if notice is None and len(slides) < slide_count:
        notice = f"indexed the first {len(slides):,} of {slide_count:,} slides"
    if notice:
        log.info("%s: %s", path.name, notice)
    return Document("slides", pages, slide_count, notice)


def _join(blocks: Iterable[str | None]) -> str:
    return "\n".join(b.strip() for b in blocks if b and b.strip())


# -- PPTX ------------------------------------------------------------------------------------


def _check_unpacked_size(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except OSError as exc:
        raise MediaError(_os_reason(exc)) from exc
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise MediaError(f"not a readable PowerPoint file (not a ZIP container: {exc})") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise MediaError(f"presentation too large to read ({unpacked / 1024**2:,.0f} MB unpacked)")


def _plain(exc: BaseException) -> str:
    """A short reason from a library exception (KeyError's repr-quoting removed)."""
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    text = text.strip() or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _open_pptx(path: Path) -> Any:
    """The python-pptx Presentation of ``path``; MediaError when it is not a readable deck.

    Goes through the package loader rather than ``pptx.Presentation()``, which refuses the
    slideshow (.ppsx) and template content types that it otherwise reads fine.
    """
    from pptx.package import Package
    from pptx.parts.presentation import PresentationPart

    _check_unpacked_size(path)
    try:
        part = Package.open(str(path)).main_document_part
    except OSError as exc:
        raise MediaError(_os_reason(exc)) from exc
    except Exception as exc:  # python-pptx raises KeyError, lxml and zip errors, ValueError...
        raise MediaError(f"not a readable PowerPoint file ({_plain(exc)})") from exc
    if not isinstance(part, PresentationPart):
        raise MediaError(f"not a readable PowerPoint file (main part is {part.content_type})")
    try:
        return part.presentation
    except Exception as exc:
        raise MediaError(f"not a readable PowerPoint file ({_plain(exc)})") from exc


def _frame_text(text: str) -> str:
    return text.replace("\v", "\n")  # python-pptx writes a line break (<a:br/>) as "\v"


def _pptx_shapes(shapes: Any) -> Iterator[Any]:
    """Every shape, descending into groups (whose shapes python-pptx does not flatten)."""
    from pptx.shapes.group import GroupShape

    for shape in shapes:
        if isinstance(shape, GroupShape):
            yield from _pptx_shapes(shape.shapes)
        else:
            yield shape


def _chart_text(chart: Any) -> list[str]:
    """Chart title, series names and categories: what people remember a chart slide by."""
    blocks = []
    if chart.has_title and chart.chart_title.has_text_frame:
        blocks.append(chart.chart_title.text_frame.text)
    for plot in chart.plots:
        blocks.append(" ".join(str(c) for c in plot.categories if c is not None))
        blocks.extend(series.name or "" for series in plot.series)
    return blocks


def _pptx_slide(slide: Any, index: int) -> _Slide:
    from pptx.shapes.picture import Picture

    title_shape = slide.shapes.title
    title = _frame_text(title_shape.text_frame.text).strip() if title_shape is not None else ""
    blocks: list[str] = [title]
    pictures: list[tuple[int, Callable[[], bytes]]] = []
    for shape in _pptx_shapes(slide.shapes):
        try:
            if title_shape is not None and shape.shape_id == title_shape.shape_id:
                continue
            if shape.has_text_frame:
                blocks.append(_frame_text(shape.text_frame.text))
            elif shape.has_table:
                for row in shape.table.rows:
                    blocks.append("\t".join(_frame_text(cell.text) for cell in row.cells))
            elif shape.has_chart:
                blocks.extend(_chart_text(shape.chart))
            elif isinstance(shape, Picture):
                data = shape.image.blob
                entry = _picture_entry(data, lambda data=data: data)
                if entry is not None:
                    pictures.append(entry)
        except Exception as exc:  # one odd shape (a linked picture, a broken chart) is skipped
            log.debug("slide %d: skipped a shape: %s", index + 1, exc)
    if slide.has_notes_slide:
        notes = slide.notes_slide.notes_text_frame
        if notes is not None:
            blocks.append(_frame_text(notes.text))
    hidden = slide._element.get("show") in ("0", "false")
    return _Slide(index, _join(blocks), title or None, hidden, pictures)


def _read_pptx(path: Path, min_side: int, max_pages: int, clock: _Clock) -> Document:
    prs = _open_pptx(path)
    try:
        deck = list(prs.slides)
    except Exception as exc:
        raise MediaError(f"not a readable PowerPoint file ({_plain(exc)})") from exc
    if not deck:
        raise MediaError("presentation has no slides")
    slides: list[_Slide] = []
    stopped = None
    for index, slide in enumerate(deck[:max_pages]):
        if slides and clock.expired():
            stopped = clock.stopped(len(slides), len(deck), "slides")
            break
        try:
            slides.append(_pptx_slide(slide, index))
        except Exception as exc:  # a damaged slide keeps its place, without text
            log.warning("%s: slide %d unreadable: %s", path.name, index + 1, exc)
            slides.append(_Slide(index, "", None, False, []))
    return _slides_document(path, slides, len(deck), stopped, min_side, clock)


# -- ODP -------------------------------------------------------------------------------------


def _odf_paragraph(elem: ElementTree.Element) -> str:
    """Text of a text:p / text:h, with ODF's encoded spaces, tabs and line breaks restored."""
    parts = [elem.text or ""]
    for child in elem:
        if child.tag == _q("text", "s"):
            parts.append(" " * int(child.get(_q("text", "c"), "1") or 1))
        elif child.tag == _q("text", "tab"):
            parts.append("\t")
        elif child.tag == _q("text", "line-break"):
            parts.append("\n")
        else:
            parts.append(_odf_paragraph(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _odf_texts(elem: ElementTree.Element, skip: set[str]) -> Iterator[str]:
    """Paragraph texts under ``elem`` in document order, leaving out subtrees tagged ``skip``."""
    for child in elem:
        if child.tag in skip:
            continue
        if child.tag in (_q("text", "p"), _q("text", "h")):
            yield _odf_paragraph(child)
        else:
            yield from _odf_texts(child, skip)


def _odf_images(elem: ElementTree.Element, skip: str) -> Iterator[ElementTree.Element]:
    for child in elem:
        if child.tag == skip:
            continue
        if child.tag == _q("draw", "image"):
            yield child
        yield from _odf_images(child, skip)


def _zip_member(zf: zipfile.ZipFile, name: str) -> bytes:
    """A member's bytes, or b"" when it is missing, damaged or too large to be a picture."""
    try:
        if zf.getinfo(name).file_size > MAX_PICTURE_BYTES:
            return b""
        return zf.read(name)
    except (KeyError, zipfile.BadZipFile, zlib.error, ValueError, EOFError, OSError):
        return b""


def _odp_slide(page: ElementTree.Element, index: int, zf: zipfile.ZipFile) -> _Slide:
    notes_tag = _q("presentation", "notes")
    title = ""
    body: list[str] = []
    for frame in page:
        if frame.tag == notes_tag:
            continue
        texts = list(_odf_texts(frame, {notes_tag}))
        if frame.tag == _q("draw", "frame") and frame.get(_q("presentation", "class")) == "title":
            title = title or _join(texts)
        else:
            body.extend(texts)
    notes = page.find(notes_tag)
    notes_text = _join(_odf_texts(notes, set())) if notes is not None else ""
    pictures: list[tuple[int, Callable[[], bytes]]] = []
    for image in _odf_images(page, notes_tag):
        href = image.get(_q("xlink", "href"), "")
        if not href or "://" in href:  # linked, not embedded
            continue
        name = href.removeprefix("./")
        # Only the header is read now; the bytes are read again if this picture is chosen.
        try:
            with zf.open(name) as fh:
                head = fh.read(PICTURE_HEADER_BYTES)
        except (KeyError, zipfile.BadZipFile, zlib.error, ValueError, EOFError, OSError):
            continue
        entry = _picture_entry(head, functools.partial(_zip_member, zf, name))
        if entry is not None:
            pictures.append(entry)
    return _Slide(index, _join([title, *body, notes_text]), title or None, False, pictures)


def _read_odp(path: Path, min_side: int, max_pages: int, clock: _Clock) -> Document:
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("content.xml")
            if info.file_size > MAX_ODP_CONTENT_BYTES:
                raise MediaError(
                    f"presentation too large to read ({info.file_size / 1024**2:,.0f} MB of text)"
                )
            root = ElementTree.fromstring(zf.read(info))
            container = root.find(f"{_q('office', 'body')}/{_q('office', 'presentation')}")
            if container is None:
                raise MediaError("not a readable OpenDocument presentation (no slides part)")
            deck = container.findall(_q("draw", "page"))
            if not deck:
                raise MediaError("presentation has no slides")
            slides: list[_Slide] = []
            stopped = None
            for index, page in enumerate(deck[:max_pages]):
                if slides and clock.expired():
                    stopped = clock.stopped(len(slides), len(deck), "slides")
                    break
                slides.append(_odp_slide(page, index, zf))
            # Still inside the ZIP: the fallback pictures are read from it.
            return _slides_document(path, slides, len(deck), stopped, min_side, clock)
    except MediaError:
        raise
    except OSError as exc:
        raise MediaError(_os_reason(exc)) from exc
    except (KeyError, zipfile.BadZipFile, zlib.error, ValueError, EOFError) as exc:
        raise MediaError(f"not a readable OpenDocument presentation ({_plain(exc)})") from exc
    except ElementTree.ParseError as exc:
        raise MediaError(f"not a readable OpenDocument presentation (bad XML: {exc})") from exc
