"""Reading speed of the text stages: PDF pages, OCR of screenshots, photos skipped by the gate.

Embedding is excluded: these are the costs of getting text out of files, on this machine.
"""

from __future__ import annotations

import io
import logging
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from mediasift.bench.data import photo
from mediasift.bench.watch import screenshot_png
from mediasift.media.document import read_document
from mediasift.media.ocr import OcrEngine

log = logging.getLogger(__name__)

PARAGRAPH = (
    "The committee reviewed the quarterly figures and agreed to move the launch to the second "
    "week of March, after the security review and the translation of the user guide. "
)


def text_pdf(path: Path, pages: int) -> Path:
    """A text PDF: a heading and a few paragraphs per page, like a report."""
    from fpdf import FPDF

    pdf = FPDF()
    for page in range(pages):
        pdf.add_page()
        pdf.set_font("helvetica", "B", 18)
        pdf.cell(0, 12, f"Section {page + 1}: findings", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=11)
        pdf.multi_cell(0, 6, PARAGRAPH * 8)
    pdf.output(str(path))
    return path


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 2) if seconds > 0 else float("inf")


def bench_text(pages: int, screenshots: int, photos: int, side: int = 224) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        pdf = text_pdf(Path(tmp) / "report.pdf", pages)
        started = time.perf_counter()
        document = read_document(pdf, "pdf", side, max_pages=pages)
        pdf_s = time.perf_counter() - started
    rng = np.random.default_rng(3)
    shots = [
        Image.open(io.BytesIO(screenshot_png(rng, i))).convert("RGB") for i in range(screenshots)
    ]
    pictures = [photo(rng, 1920, 1080) for _ in range(photos)]
    engine = OcrEngine()
    engine.read(shots[0])  # load the models outside the clock
    started = time.perf_counter()
    lines = [len(engine.read(shot)) for shot in shots]
    ocr_s = time.perf_counter() - started
    started = time.perf_counter()
    read_photos = sum(bool(engine.read(picture)) for picture in pictures)
    gate_s = time.perf_counter() - started
    ocr_rate, skip_rate = _rate(screenshots, ocr_s), _rate(photos, gate_s)
    return {
        "pdf_pages": len(document.pages),
        "pdf_pages_per_s": _rate(len(document.pages), pdf_s),
        "pdf_render_side_px": side,
        "ocr_screenshots": screenshots,
        "ocr_screenshot_px": "1920x1080",
        "ocr_lines_per_screenshot": round(float(np.mean(lines)), 1),
        "ocr_screenshots_per_s": ocr_rate,
        "photos": photos,
        "photos_with_text_found": read_photos,
        "photos_skipped_per_s": skip_rate,
        "skip_vs_ocr_ratio": round(skip_rate / ocr_rate, 1),
    }
