"""Test helpers importable from any test module (tests/ is on pytest's pythonpath)."""

from __future__ import annotations

import time
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

#: Qwen3-VL models load only where torchvision is installed (transformers builds their processor
#: with its video part); .ci/run runs their tests again in an environment that has it.
needs_torchvision = pytest.mark.skipif(
    find_spec("torchvision") is None,
    reason="Qwen3-VL needs torchvision; packaging/vlm-test-env.sh makes an environment with it",
)


def write_image(path: Path, seed: int, size=(96, 72), fmt: str | None = None, **save) -> Path:
    """A distinct random RGB image per seed, saved in the format the suffix (or fmt) says."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (size[1] // 8 + 1, size[0] // 8 + 1, 3), dtype=np.uint8)
    image = Image.fromarray(pixels).resize(size, Image.Resampling.NEAREST)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, fmt, **save)
    return path


def wait_for(predicate, timeout: float = 20.0, what: str = "condition") -> None:
    """Wait until ``predicate()`` holds (checked every 50 ms); AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def write_screenshot(path: Path, lines: list[str], size=(1280, 720), font_size: int = 28) -> Path:
    """A window-like screenshot: a title bar and the given lines of dark text on white."""
    from PIL import ImageDraw, ImageFont

    image = Image.new("RGB", size, (250, 250, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0], 40), fill=(60, 60, 70))
    font = ImageFont.truetype(FONT, font_size)
    for i, line in enumerate(lines):
        draw.text((80, 120 + i * int(font_size * 1.8)), line, fill=(20, 20, 20), font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def write_pdf(path: Path, pages: list[str]) -> Path:
    """A text PDF, one page per string."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=14)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 10, text)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def write_deck(path: Path, slides: list[tuple[str, str, str]]) -> Path:
    """A PPTX with (title, body, speaker notes) per slide."""
    from pptx import Presentation

    deck = Presentation()
    for title, body, notes in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
        slide.notes_slide.notes_text_frame.text = notes
    path.parent.mkdir(parents=True, exist_ok=True)
    deck.save(path)
    return path
