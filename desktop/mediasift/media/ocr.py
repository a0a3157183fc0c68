"""Text in images (screenshots, slides, photos of signs) through rapidocr's PP-OCR models.

Full OCR of a 1080p screenshot costs ~3 s in one call on one core (~1.5 s per image with two
threads on 2 cores), and most photos hold no text, so every image first goes through a gate:

1. Edge candidates (no model; ~5 ms at 1080p): on a grayscale copy, sharp contrast steps
   (morphological gradient) closed along the line direction give blobs; blobs of a text line's
   shape made of several pieces (letters), or dense blocks of letter-sized pieces (tight
   paragraphs), are candidates. Smooth photos give none and stop here. This runs at up to
   ``max_side`` (the resolution OCR itself uses), because downscaling erases 12 px UI text.
2. Detector check (~0.1 s): the padded candidate crops, packed into one small mosaic at native
   resolution, go through the text detector alone; a box of text-like shape, confident enough
   and inside one crop, means text. Textured photos (grass, branches) stop here.

Recognition then runs on at most ``max_lines`` lines, taken in reading order, of the image reduced
to ``max_side``, so a page of tiny text or a huge scan costs bounded time. The detector misses
small, sparse text on large inputs, so edge candidates it left uncovered get a second look in
small regions around them.

Each calling thread gets its own rapidocr engine with one onnxruntime thread per core (see
``_intra_op_threads``): a lone call, the live case, is ~1.8x faster than with half the cores.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

log = logging.getLogger(__name__)

#: x, y, width, height in pixels.
Box = tuple[int, int, int, int]
#: x0, y0, x1, y1 in pixels.
Rect = tuple[int, int, int, int]

#: A contrast step between neighbouring pixels (0..255 gray) at least this large may be a stroke
#: edge. Sensor noise stays well below it; anti-aliased 12 px text in light gray reaches ~90.
_EDGE_STEP = 48
#: Horizontal closing that joins the letters of a word or line into one blob.
_JOIN = (9, 1)
#: Blob height range (pixels at the working resolution) of a text line.
_MIN_LINE_H, _MAX_LINE_H = 6, 150
#: A text line is at least this much wider than tall and its blob at least this full.
_MIN_ASPECT = 1.5
_MIN_FILL = 0.4
#: Letters per candidate: a lone contour (a pebble, a branch) is not a word.
_MIN_PIECES = 2
#: Paragraphs set tightly fuse into blocks: a block is a candidate when it is this full and
#: holds this many letter-sized pieces.
_MIN_BLOCK_FILL = 0.3
_MIN_BLOCK_PIECES = 12
#: A second, coarser pass catches large or soft text (slide titles, photographed signs).
_COARSE = 3
#: The mosaic of candidate crops for the detector check: width, and area budget in pixels.
#: Detector time grows with area: ~0.12 MP keeps the check under 10% of a full OCR.
_MOSAIC_W = 640
_MOSAIC_H = 96
_MOSAIC_AREA = 640 * 192
_GUTTER = 8
#: Margin around a candidate, in line heights: the detector needs context, and a real text box
#: (the line plus ~0.4 line height each side) then stays clear of the crop's edges.
_PAD = 0.75
#: A gate box taller than this share of its crop is the crop itself, not a line in it.
_MAX_BOX_IN_TILE = 0.85
#: Detector boxes shorter than this (pixels) or less elongated are not text lines.
_MIN_BOX_H = 5.0
#: Detector confidence a gate box needs: text lines score 0.5-0.9 (bold light text on dark
#: cards scores lowest), texture read as text ~0.55. One box this sure is enough...
_GATE_SCORE = 0.65
#: ...else this many boxes at rapidocr's own box floor (texture rarely gives several).
_LINE_SCORE = 0.5
_WEAK_LINES = 2
#: rapidocr's own recognition floor: lower scores are mostly noise read from texture.
_MIN_SCORE = 0.5
#: Regions around missed candidates that get a second detector look, at most, and their
#: largest share of the image's area.
_MAX_REGIONS = 32
_MAX_REGION_SHARE = 0.3
#: Small images are enlarged (at most 2x) so their short side reaches this, as rapidocr does.
_DET_MIN_SIDE = 736


@dataclass(frozen=True)
class Line:
    """One recognised line of text."""

    text: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of width/height
    score: float  # recognition confidence 0..1


def ocr_available() -> str | None:
    """None when OCR can run here; otherwise what is missing, in words (for ``doctor``)."""
    missing = []
    for module in ("onnxruntime", "rapidocr"):
        try:
            importlib.import_module(module)
        except Exception as exc:  # a broken native library raises more than ImportError
            missing.append(f"{module} ({exc.__class__.__name__}: {exc})")
    if missing:
        return "OCR unavailable: cannot import " + ", ".join(missing)
    try:
        _bundled_models()
    except Exception as exc:
        return f"OCR unavailable: {exc}"
    return None


def _bundled_models() -> dict[str, Path]:
    """Paths of the detection and recognition models shipped inside the rapidocr wheel.

    rapidocr downloads a model it does not find; passing explicit paths makes a missing file an
    error here instead of a network request.
    """
    import rapidocr
    from rapidocr.inference_engine.base import FileInfo, InferSession
    from rapidocr.main import DEFAULT_CFG_PATH
    from rapidocr.utils.parse_parameters import ParseParams

    cfg = ParseParams.load(DEFAULT_CFG_PATH)
    root = Path(rapidocr.__file__).resolve().parent / "models"
    paths = {}
    for section in ("Det", "Rec"):
        c = cfg[section]
        info = InferSession.get_model_url(
            FileInfo(
                engine_type=c.engine_type,
                ocr_version=c.ocr_version,
                task_type=c.task_type,
                lang_type=c.lang_type,
                model_type=c.model_type,
            )
        )
        path = root / Path(str(info["model_dir"])).name
        if not path.is_file():
            raise FileNotFoundError(f"rapidocr's bundled model {path.name} is missing in {root}")
        paths[section] = path
    return paths


class OcrEngine:
    """Thread-safe; the rapidocr models load lazily on first use.

    Each calling thread gets its own rapidocr engine, built on its first call.
    """

    def __init__(self, max_lines: int = 300, max_side: int = 2000):
        self.max_lines = max_lines
        self.max_side = max_side
        # One rapidocr engine per calling thread (see the module notes for why).
        self._local = threading.local()

    # -- public ---------------------------------------------------------------------------

    def has_text(self, image: Image.Image) -> bool:
        """Whether ``image`` probably holds text worth recognising, at a fraction of OCR's cost."""
        return self._gate(self._prepare(image)) is not None

    def read(self, image: Image.Image) -> list[Line]:
        """Lines of text in reading order (top to bottom, left to right), at most ``max_lines``.

        Images the gate rejects return [] at the gate's cost.
        """
        rgb = self._prepare(image)
        candidates = self._gate(rgb)
        if candidates is None:
            return []
        return self._recognise(rgb, candidates)

    # -- preparation ----------------------------------------------------------------------

    def _prepare(self, image: Image.Image) -> np.ndarray:
        """RGB array with its long side at most ``max_side`` (the size OCR works at)."""
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            # Transparent pixels are often black: on white, dark text on them stays readable.
            rgba = image.convert("RGBA")
            image = Image.new("RGB", rgba.size, (255, 255, 255))
            image.paste(rgba, mask=rgba.getchannel("A"))
        elif image.mode != "RGB":
            image = image.convert("RGB")
        longest = max(image.size)
        if longest > self.max_side:
            scale = self.max_side / longest
            size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            image = image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
        return np.asarray(image)

    # -- the gate -------------------------------------------------------------------------

    def _gate(self, rgb: np.ndarray) -> list[Box] | None:
        """The edge candidates when the image seems to hold text, else None."""
        if min(rgb.shape[:2]) < _MIN_LINE_H:
            return None
        candidates = _candidates(rgb)
        log.debug("ocr gate: %d edge candidates", len(candidates))
        if not candidates:
            return None
        mosaic, tiles = _mosaic(rgb, candidates)
        boxes, scores, _ = self._detect(mosaic[:, :, ::-1])
        lines = [
            score
            for box, score in zip(boxes, scores, strict=True)
            if score >= _LINE_SCORE and _text_shaped(box) and _in_a_tile(box, tiles)
        ]
        found = any(score >= _GATE_SCORE for score in lines) or len(lines) >= _WEAK_LINES
        log.debug("ocr gate: %d detector boxes, text=%s", len(boxes), found)
        return candidates if found else None

    # -- rapidocr -------------------------------------------------------------------------

    def _rapidocr(self) -> Any:
        engine = getattr(self._local, "engine", None)
        if engine is None:
            engine = self._local.engine = self._build()
        return engine

    def _build(self) -> Any:
        from rapidocr import RapidOCR

        models = _bundled_models()
        verbose = log.isEnabledFor(logging.DEBUG)
        params = {
            "Global.log_level": "debug" if verbose else "warning",
            # Screenshots and EXIF-oriented photos are upright: the 180° classifier is not worth
            # its time.
            "Global.use_cls": False,
            "Global.max_side_len": self.max_side,
            # We size images ourselves; the detector must not enlarge them again (its default
            # grows the short side to 736, which turns a wide banner into a huge input).
            "Det.limit_type": "max",
            "Det.limit_side_len": self.max_side,
            "Det.model_path": str(models["Det"]),
            "Rec.model_path": str(models["Rec"]),
            "EngineConfig.onnxruntime.intra_op_num_threads": _intra_op_threads(),
        }
        engine = RapidOCR(params=params)
        log.debug("rapidocr ready: %s, %s", models["Det"].name, models["Rec"].name)
        return engine

    def _detect(self, bgr: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
        """Detector boxes (n, 4, 2) in ``bgr``'s pixels, their scores, and the line crops."""
        from rapidocr.main import RapidOCRError
        from rapidocr.utils.process_img import map_boxes_to_original

        engine = self._rapidocr()
        bgr = np.ascontiguousarray(bgr)
        img, op_record = engine.preprocess_img(bgr)
        try:
            crops, det = engine.detect_and_crop(img, op_record)
        except RapidOCRError:  # rapidocr's way of saying "no text found"
            return np.zeros((0, 4, 2), np.float32), np.zeros(0, np.float32), []
        boxes = map_boxes_to_original(det.boxes.copy(), op_record, *bgr.shape[:2])
        return boxes, np.asarray(det.scores, np.float32), crops

    def _detect_lines(
        self, bgr: np.ndarray, candidates: list[Box]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Line boxes and crops: the whole image, then a second look at candidates it missed.

        The detector's recall for small, sparse text drops on large inputs (12 px labels in a
        mostly empty 1920x1080 window are missed, yet found in a 1280x736 cut of it), so edge
        candidates that no box covers are detected again in small regions around them.
        """
        boxes, _, crops = self._detect(bgr)
        missed = [c for c in candidates if not _covered(c, boxes)]
        if not missed:
            return boxes, crops
        all_boxes, all_crops = [boxes], list(crops)
        for x0, y0, x1, y1 in _regions(missed, bgr.shape[:2]):
            found, _, found_crops = self._detect(bgr[y0:y1, x0:x1])
            found = found + np.array([x0, y0], np.float32)
            for box, crop in zip(found, found_crops, strict=True):
                if not _covered_box(box, all_boxes[0]):
                    all_boxes.append(box[None])
                    all_crops.append(crop)
        log.debug(
            "ocr: %d boxes, %d more from %d missed candidates",
            len(boxes),
            len(all_crops) - len(crops),
            len(missed),
        )
        return np.concatenate(all_boxes), all_crops

    def _recognise(self, rgb: np.ndarray, candidates: list[Box]) -> list[Line]:
        from rapidocr.main import RapidOCRError

        h, w = rgb.shape[:2]
        bgr = _enlarge_small(rgb[:, :, ::-1], self.max_side)
        scale_h, scale_w = bgr.shape[0] / h, bgr.shape[1] / w
        scaled = [
            (round(x * scale_w), round(y * scale_h), round(cw * scale_w), round(ch * scale_h))
            for x, y, cw, ch in candidates
        ]
        boxes, crops = self._detect_lines(bgr, scaled)
        if len(boxes) == 0:
            return []
        order = _reading_order(boxes)[: self.max_lines]
        if len(boxes) > self.max_lines:
            log.debug("ocr: %d lines found, reading the first %d", len(boxes), self.max_lines)
        engine = self._rapidocr()
        try:
            rec = engine.recognize_txt([crops[i] for i in order])
        except RapidOCRError:
            return []
        lines = []
        for i, text, score in zip(order, rec.txts, rec.scores, strict=True):
            text = text.strip()
            if not text or score < _MIN_SCORE:
                continue
            xs = boxes[i, :, 0] / scale_w
            ys = boxes[i, :, 1] / scale_h
            box = (
                _fraction(xs.min(), w),
                _fraction(ys.min(), h),
                _fraction(xs.max(), w),
                _fraction(ys.max(), h),
            )
            lines.append(Line(text=text, box=box, score=float(score)))
        return lines


def _intra_op_threads() -> int:
    """onnxruntime threads per call: every CPU (up to 4).

    A new screenshot is read alone, and its words should be searchable within seconds: a
    lone call on 2 cores takes ~1.6 s with 2 threads against ~2.8 s with 1. When two decode
    threads read at once the cores are oversubscribed, which costs ~10% of the backlog's
    throughput (measured: 0.62 against 0.68 images/s).
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 2
    return max(1, min(4, cpus))


def _covered(candidate: Box, boxes: np.ndarray) -> bool:
    """Whether a detector box holds the candidate's centre."""
    if len(boxes) == 0:
        return False
    x, y, w, h = candidate
    cx, cy = x + w / 2, y + h / 2
    lo, hi = boxes.min(axis=1), boxes.max(axis=1)
    inside = (lo[:, 0] <= cx) & (cx <= hi[:, 0]) & (lo[:, 1] <= cy) & (cy <= hi[:, 1])
    return bool(inside.any())


def _covered_box(box: np.ndarray, boxes: np.ndarray) -> bool:
    """Whether a box found in a second look repeats one of the first pass."""
    lo, hi = box.min(axis=0), box.max(axis=0)
    return _covered((lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1]), boxes)


def _regions(candidates: list[Box], shape: tuple[int, ...]) -> list[Rect]:
    """Rectangles (x0, y0, x1, y1) around the candidates, with margin, overlapping ones merged.

    The most letter-like candidates' first, at most ``_MAX_REGIONS`` covering at most
    ``_MAX_REGION_SHARE`` of the image: a second look stays a fraction of the first.
    """
    img_h, img_w = shape[:2]
    rects = []
    for x, y, w, h in candidates[: _MAX_REGIONS * 4]:
        pad = max(16, h)
        rects.append(
            [max(0, x - pad), max(0, y - pad), min(img_w, x + w + pad), min(img_h, y + h + pad)]
        )
    merged = True
    while merged:
        merged = False
        out: list[list[int]] = []
        for r in rects:
            for o in out:
                if r[0] < o[2] and o[0] < r[2] and r[1] < o[3] and o[1] < r[3]:
                    o[:] = [min(r[0], o[0]), min(r[1], o[1]), max(r[2], o[2]), max(r[3], o[3])]
                    merged = True
                    break
            else:
                out.append(r)
        rects = out
    regions, area = [], 0
    for x0, y0, x1, y1 in rects[:_MAX_REGIONS]:
        area += (x1 - x0) * (y1 - y0)
        if area > _MAX_REGION_SHARE * img_w * img_h and regions:
            break
        regions.append((x0, y0, x1, y1))
    return regions


def _fraction(value: float, size: int) -> float:
    return float(min(1.0, max(0.0, value / size)))


def _enlarge_small(bgr: np.ndarray, max_side: int) -> np.ndarray:
    """Grow a small image (at most 2x, long side within ``max_side``) so small text survives."""
    import cv2

    h, w = bgr.shape[:2]
    scale = min(2.0, _DET_MIN_SIDE / min(h, w), max_side / max(h, w))
    if scale <= 1.05:
        return np.ascontiguousarray(bgr)
    size = (round(w * scale), round(h * scale))
    return cv2.resize(np.ascontiguousarray(bgr), size, interpolation=cv2.INTER_CUBIC)


def _candidates(rgb: np.ndarray) -> list[Box]:
    """Boxes (x, y, w, h) of blobs shaped like lines of text, the most letter-like first."""
    import cv2

    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    found = _candidates_at(gray, 1)
    if min(gray.shape) >= _COARSE * 4 * _MIN_LINE_H:
        h, w = gray.shape
        coarse = cv2.resize(gray, (w // _COARSE, h // _COARSE), interpolation=cv2.INTER_AREA)
        found += _candidates_at(coarse, _COARSE)
    found.sort(key=lambda c: -c[0])
    return [box for _, box in found]


def _candidates_at(gray: np.ndarray, scale: int) -> list[tuple[float, Box]]:
    import cv2

    grad = cv2.morphologyEx(gray, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    edges = (grad >= _EDGE_STEP).astype(np.uint8)
    if not edges.any():
        return []
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, _JOIN)
    joined = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, kernel)
    _, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    x, y, w, h, area = (stats[:, i] for i in range(5))
    fill = area / np.maximum(w * h, 1)
    line = (h >= _MIN_LINE_H) & (h <= _MAX_LINE_H) & (w >= _MIN_ASPECT * h) & (fill >= _MIN_FILL)
    block = ~line & (h >= 2 * _MIN_LINE_H) & (w >= 2 * _MIN_LINE_H) & (fill >= _MIN_BLOCK_FILL)
    line[0] = block[0] = False  # the background
    found = []
    for i in np.flatnonzero(line | block):
        pieces, piece_h = _pieces(gray[y[i] : y[i] + h[i], x[i] : x[i] + w[i]])
        bx, by, bw, bh = int(x[i]), int(y[i]), int(w[i]), int(h[i])
        if line[i]:
            if pieces < _MIN_PIECES:
                continue
        elif pieces >= _MIN_BLOCK_PIECES and _MIN_LINE_H <= piece_h <= _MAX_LINE_H // 3:
            # Lines set close together fuse into one block: keep a window of a few lines
            # at its top left, where text starts, for the detector to look at.
            bw, bh = min(bw, 30 * piece_h), min(bh, 5 * piece_h)
        else:
            continue
        box = (bx * scale, by * scale, bw * scale, bh * scale)
        found.append((float(min(pieces, 40) * fill[i]), box))
    return found


def _pieces(roi: np.ndarray) -> tuple[int, int]:
    """Separate marks (letters, more or less) that stand out from the region's background, and
    their median height.

    Counted on the ink itself rather than on the edge map, whose thickened edges fuse the
    letters of small text into one piece.
    """
    import cv2

    border = np.concatenate([roi[0], roi[-1], roi[:, 0], roi[:, -1]])
    background = float(np.median(border))
    ink = (np.abs(roi.astype(np.int16) - background) >= _EDGE_STEP // 2).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return 0, 0
    return n - 1, int(np.median(stats[1:, cv2.CC_STAT_HEIGHT]))


def _mosaic(rgb: np.ndarray, candidates: list[Box]) -> tuple[np.ndarray, list[Rect]]:
    """The best candidates' padded crops packed in shelves into one small white image, and
    each crop's place in it.

    The detector is convolutional, so a crop with some margin reads as it does in place, and
    one run over a small mosaic costs a fraction of one over the whole image. A candidate whose
    crop would overlap an earlier one is skipped, and crops side by side stand two line heights
    apart: otherwise the words of two crops could read as one line running across crops, which
    the gate does not trust (see ``_in_a_tile``).
    """
    import cv2

    img_h, img_w = rgb.shape[:2]
    sources: list[Rect] = []
    placed: list[tuple[np.ndarray, int, int]] = []
    shelf_x = shelf_y = shelf_h = last_line = 0
    for x, y, w, h in candidates:
        pad = max(8, round(h * _PAD))
        x0, y0 = max(0, x - pad), max(0, y - pad)
        x1, y1 = min(img_w, x + w + pad), min(img_h, y + h + pad)
        if any(x0 < sx1 and sx0 < x1 and y0 < sy1 and sy0 < y1 for sx0, sy0, sx1, sy1 in sources):
            continue
        crop = rgb[y0:y1, x0:x1]
        line = h
        if crop.shape[0] > _MOSAIC_H:  # large text: shrink to a size the detector likes
            f = _MOSAIC_H / crop.shape[0]
            crop = cv2.resize(crop, (max(1, round(crop.shape[1] * f)), _MOSAIC_H))
            line = round(h * f)
        crop = crop[:, :_MOSAIC_W]  # the start of a long line is enough to see it is text
        ch, cw = crop.shape[:2]
        # Side by side, two crops' words must stand further apart than words of one line do.
        gap = max(_GUTTER, 2 * max(line, last_line)) if shelf_x else 0
        if shelf_x + gap + cw > _MOSAIC_W:
            shelf_x, shelf_y, shelf_h, gap = 0, shelf_y + shelf_h + _GUTTER, 0, 0
        if (shelf_y + max(shelf_h, ch)) * _MOSAIC_W > _MOSAIC_AREA and placed:
            break
        sources.append((x0, y0, x1, y1))
        placed.append((crop, shelf_x + gap, shelf_y))
        shelf_x += gap + cw
        shelf_h = max(shelf_h, ch)
        last_line = line
    tiles = [(x, y, x + c.shape[1], y + c.shape[0]) for c, x, y in placed]
    canvas = np.full((max(t[3] for t in tiles), max(t[2] for t in tiles), 3), 255, np.uint8)
    for crop, x, y in placed:
        canvas[y : y + crop.shape[0], x : x + crop.shape[1]] = crop
    return canvas, tiles


def _in_a_tile(box: np.ndarray, tiles: list[Rect]) -> bool:
    """Whether a detector box belongs to one crop of the mosaic and is not that crop itself.

    The mosaic's own seams can look like text to the detector: a row of crops on white reads as
    a line of large letters, and a crop as one letter. Such boxes reach into several crops or
    fill one. A box may hang into the gutter (a word cut at the crop's edge), not further.
    """
    bx0, by0 = box.min(axis=0)
    bx1, by1 = box.max(axis=0)
    touched = [
        (x0, y0, x1, y1)
        for x0, y0, x1, y1 in tiles
        if bx0 < x1 - 1 and x0 + 1 < bx1 and by0 < y1 - 1 and y0 + 1 < by1
    ]
    if len(touched) != 1:
        return False
    _, y0, _, y1 = touched[0]
    return by1 - by0 <= _MAX_BOX_IN_TILE * (y1 - y0)


def _text_shaped(box: np.ndarray) -> bool:
    """A detector quadrilateral that looks like a line of text (not a blob or a sliver)."""
    width = max(np.linalg.norm(box[0] - box[1]), np.linalg.norm(box[3] - box[2]))
    height = max(np.linalg.norm(box[0] - box[3]), np.linalg.norm(box[1] - box[2]))
    short, long = sorted((float(width), float(height)))
    return short >= _MIN_BOX_H and long >= _MIN_ASPECT * short


def _reading_order(boxes: np.ndarray) -> list[int]:
    """Indices of ``boxes`` top to bottom, and left to right within a row.

    Boxes whose vertical centres lie within half a line height of a row's first box share it.
    """
    top = boxes[:, :, 1].min(axis=1)
    bottom = boxes[:, :, 1].max(axis=1)
    left = boxes[:, :, 0].min(axis=1)
    centre = (top + bottom) / 2
    height = np.maximum(bottom - top, 1.0)
    order: list[int] = []
    row: list[int] = []
    for i in np.argsort(centre, kind="stable").tolist():
        if row and abs(centre[i] - centre[row[0]]) > 0.5 * min(height[i], height[row[0]]):
            order += sorted(row, key=lambda j: left[j])
            row = []
        row.append(i)
    order += sorted(row, key=lambda j: left[j])
    return order
