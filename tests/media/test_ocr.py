"""OCR: real rapidocr models from its wheel, offline, on images drawn here with Pillow."""

from __future__ import annotations

import io
import itertools
import logging
import re
import threading

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from mediasift.media import ocr
from mediasift.media.ocr import Line, OcrEngine, ocr_available

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

SHOT_LINES = [
    "Permission denied while opening the settings file",
    "Quarterly revenue grew by twelve percent",
    "Click Save to keep your changes",
    "Connection timed out after thirty seconds",
]


@pytest.fixture(scope="session")
def offline():
    """rapidocr's downloader made to fail loudly: the models must come from its wheel."""
    from rapidocr.utils.download_file import DownloadFile

    def refuse(*args, **kwargs):
        raise AssertionError("rapidocr tried to download a model")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DownloadFile, "run", refuse)
        yield


@pytest.fixture(scope="session")
def engine(offline) -> OcrEngine:
    return OcrEngine()


def _font(px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, px)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


@pytest.fixture(scope="module")
def screenshot() -> Image.Image:
    """A 1280x720 window: a title bar, four known lines, and a row of two separate labels."""
    image = Image.new("RGB", (1280, 720), (246, 246, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1280, 36), fill=(40, 44, 52))
    for i, text in enumerate(SHOT_LINES):
        draw.text((80, 90 + i * 60), text, fill=(20, 20, 20), font=_font(22))
    draw.text((80, 500), "Status ready", fill=(20, 20, 20), font=_font(22))
    draw.text((800, 500), "Battery full", fill=(20, 20, 20), font=_font(22))
    return image


def _photo(size: tuple[int, int] = (1920, 1080), seed: int = 0) -> Image.Image:
    """A photo-like picture: sky and hills in smooth gradients, blurred shapes, sensor noise."""
    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    sky = np.stack([90 + 80 * yy / h, 140 + 60 * yy / h, 220 - 60 * yy / h], -1)
    ground = np.stack([60 + 40 * xx / w, 110 + 30 * yy / h, 50 + 20 * xx / w], -1)
    horizon = h * 0.55 + 40 * np.sin(xx / w * 6.0)
    image = Image.fromarray(np.where((yy < horizon)[..., None], sky, ground).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        cx, cy, r = rng.integers(0, w), rng.integers(0, h), rng.integers(w // 60, w // 8)
        colour = tuple(int(c) for c in rng.integers(30, 230, 3))
        draw.ellipse((cx - r, cy - r * 0.7, cx + r, cy + r * 0.7), fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(w // 300))
    noisy = np.asarray(image).astype(np.float32) + rng.normal(0, 6, (h, w, 3))
    return Image.fromarray(noisy.clip(0, 255).astype(np.uint8))


def test_reads_screenshot_lines_with_boxes_in_reading_order(engine, screenshot):
    lines = engine.read(screenshot)

    assert all(isinstance(line, Line) for line in lines)
    found = [_words(line.text) for line in lines]
    for expected in SHOT_LINES:
        words = _words(expected)
        best = max((len(set(words) & set(got)) for got in found), default=0)
        assert best >= 0.8 * len(words), (expected, [line.text for line in lines])
    for line in lines:
        x0, y0, x1, y1 = line.box
        assert 0.0 <= x0 < x1 <= 1.0 and 0.0 <= y0 < y1 <= 1.0
        assert 0.0 < line.score <= 1.0
    # Reading order: the known lines top to bottom, then the two labels of one row left first.
    texts = [" ".join(words) for words in found]
    order = [
        next(i for i, t in enumerate(texts) if key in t)
        for key in ("permission", "quarterly", "click", "connection", "status", "battery")
    ]
    assert order == sorted(order)
    tops = [lines[i].box[1] for i in order[:5]]
    assert tops == sorted(tops)
    # Boxes sit where the text was drawn (y = 90 + 60 i px of 720; x from 80 px of 1280).
    first = lines[order[0]]
    assert first.box[0] == pytest.approx(80 / 1280, abs=0.02)
    assert first.box[1] == pytest.approx(90 / 720, abs=0.03)
    battery = lines[order[5]]
    assert battery.box[0] == pytest.approx(800 / 1280, abs=0.02)
    assert battery.box[1] == pytest.approx(lines[order[4]].box[1], abs=0.02)


def test_photo_without_text_skips_the_detector(engine, monkeypatch):
    """A photo is rejected by the gate's edge check alone: no model run at all."""
    photo = _photo()

    def no_model(*args, **kwargs):
        raise AssertionError("the text detector ran on a photo without text")

    monkeypatch.setattr(engine, "_detect", no_model)
    assert engine.has_text(photo) is False
    assert engine.read(photo) == []


def test_small_ui_text_passes_the_gate(engine):
    """12 px labels in a 1920x1080 window (menu, sidebar, status bar) are not lost to scaling."""
    image = Image.new("RGB", (1920, 1080), (236, 236, 236))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1920, 26), fill=(250, 250, 250))
    for i, text in enumerate(["File", "Edit", "View", "Tools", "Help"]):
        draw.text((10 + i * 60, 7), text, fill=(30, 30, 30), font=_font(12))
    for i, text in enumerate(["Documents", "Pictures", "Downloads", "Music"]):
        draw.text((16, 60 + i * 24), text, fill=(40, 40, 40), font=_font(12))

    assert engine.has_text(image) is True
    words = {word for line in engine.read(image) for word in _words(line.text)}
    assert {"documents", "pictures", "downloads"} & words


def test_tightly_set_paragraphs_pass_the_gate(engine):
    """12 px lines 14 px apart touch one another and fuse into blocks; they are still text."""
    image = Image.new("RGB", (1920, 1080), "white")
    draw = ImageDraw.Draw(image)
    for i in range(70):
        words = SHOT_LINES[i % 4] + " and " + SHOT_LINES[(i + 1) % 4].lower()
        draw.text((40, 20 + i * 14), words, fill="black", font=_font(12))
    assert engine.has_text(image) is True


def test_dark_text_on_transparency_is_seen(engine):
    """Transparent pixels are black underneath: flattened on white, black text stays visible."""
    image = Image.new("RGBA", (480, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).text((20, 40), "Company logo text", fill="black", font=_font(28))
    assert engine.has_text(image) is True


def test_textured_photo_is_rejected_by_the_detector_check(engine):
    """Branches, grass blades and pebbles pass the edge check but are not text."""
    rng = np.random.default_rng(1)
    photo = _photo(seed=1)
    draw = ImageDraw.Draw(photo)
    for _ in range(60):
        x, y = int(rng.integers(0, 1920)), int(rng.integers(0, 540))
        points = [(x, y)]
        for _ in range(6):
            x, y = x + int(rng.integers(-80, 80)), y + int(rng.integers(-30, 60))
            points.append((x, y))
        draw.line(points, fill=(40, 30, 20), width=int(rng.integers(2, 6)))
    for _ in range(4000):
        x, y, g = (
            int(rng.integers(0, 1920)),
            int(rng.integers(540, 1080)),
            int(rng.integers(60, 200)),
        )
        tip = (x + int(rng.integers(-6, 6)), y - int(rng.integers(8, 30)))
        draw.line([(x, y), tip], fill=(g // 3, g, g // 4), width=1)
    for _ in range(300):
        x, y, r = int(rng.integers(0, 1920)), int(rng.integers(756, 1080)), int(rng.integers(3, 10))
        c = int(rng.integers(100, 230))
        draw.ellipse((x - r, y - r // 2, x + r, y + r // 2), fill=(c, c, c - 20))
    buffer = io.BytesIO()  # photos come as JPEGs, whose blocks the detector notices too
    noisy = np.asarray(photo.filter(ImageFilter.GaussianBlur(0.8))) + rng.normal(
        0, 8, (1080, 1920, 1)
    )
    Image.fromarray(noisy.clip(0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=85)
    photo = Image.open(buffer).convert("RGB")

    assert ocr._candidates(np.asarray(photo))  # the edge check alone would let it through
    assert engine.has_text(photo) is False


@pytest.mark.usefixtures("offline")
def test_many_lines_are_capped_keeping_the_first_in_reading_order():
    """500 short labels in a 10-column grid: only the first max_lines (row by row) are read."""
    image = Image.new("RGB", (1920, 1040), "white")
    draw = ImageDraw.Draw(image)
    for i in range(500):
        row, col = divmod(i, 10)
        draw.text((20 + col * 190, 10 + row * 20), f"n{i}", fill="black", font=_font(13))
    capped = OcrEngine(max_lines=30)

    lines = capped.read(image)

    assert 0 < len(lines) <= 30
    numbers = [int(m.group()) for line in lines if (m := re.search(r"\d+", line.text))]
    assert len(numbers) >= 25
    assert max(numbers) < 40  # the first rows, not a sample of all 50
    in_order = sum(a < b for a, b in itertools.pairwise(numbers))
    assert in_order >= len(numbers) - 3


@pytest.mark.parametrize(
    "image",
    [
        Image.new("RGB", (5, 5), "white"),
        Image.new("RGB", (1, 1)),
        Image.new("RGB", (800, 600), "white"),
        Image.new("L", (640, 480), 128),
        Image.new("RGBA", (300, 200), (0, 0, 0, 0)),
    ],
    ids=["5x5", "1x1", "blank", "gray", "transparent"],
)
def test_tiny_and_blank_images_give_nothing(engine, image):
    assert engine.has_text(image) is False
    assert engine.read(image) == []


def test_concurrent_reads_match_a_serial_read(engine):
    image = Image.new("RGB", (640, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.text((20, 40), "Two threads share one engine", fill="black", font=_font(24))
    draw.text((20, 120), "and read the same words", fill="black", font=_font(24))
    expected = [line.text for line in engine.read(image)]
    assert len(expected) == 2
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def work():
        try:
            results.append([line.text for line in engine.read(image)])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert results == [expected, expected]


def test_large_images_are_reduced_to_max_side(engine, monkeypatch):
    seen = []
    real = engine._detect

    def spy(bgr):
        seen.append(bgr.shape[:2])
        return real(bgr)

    monkeypatch.setattr(engine, "_detect", spy)
    image = Image.new("RGB", (5000, 1000), "white")
    ImageDraw.Draw(image).text((100, 400), "Large scan", fill="black", font=_font(120))
    lines = engine.read(image)
    assert seen and max(max(shape) for shape in seen) <= engine.max_side
    assert [_words(line.text) for line in lines] == [["large", "scan"]]
    assert lines[0].box[0] == pytest.approx(100 / 5000, abs=0.01)


@pytest.mark.usefixtures("offline")
def test_rapidocr_is_quiet_unless_we_debug():
    rapid = logging.getLogger("RapidOCR")
    OcrEngine()._rapidocr()
    assert rapid.getEffectiveLevel() == logging.WARNING
    ours = logging.getLogger("mediasift.media.ocr")
    before = ours.level
    ours.setLevel(logging.DEBUG)
    try:
        OcrEngine()._rapidocr()
        assert rapid.getEffectiveLevel() == logging.DEBUG
    finally:
        ours.setLevel(before)
        OcrEngine()._rapidocr()
    assert rapid.getEffectiveLevel() == logging.WARNING


def test_ocr_available_reports_what_is_missing(monkeypatch):
    assert ocr_available() is None
    real_import = ocr.importlib.import_module

    def fake_import(name, *args):
        if name == "rapidocr":
            raise ImportError("No module named 'rapidocr'")
        return real_import(name, *args)

    monkeypatch.setattr(ocr.importlib, "import_module", fake_import)
    message = ocr_available()
    assert message is not None and "rapidocr" in message
