"""A generated set of pictures with known duplicates, for the dedup tests and benchmark.

Each original (a photo-like JPEG with a capture time) comes with the copies people's libraries
are full of, each labelled with the tier it must land in: an identical copy (exact); resized,
recompressed and PNG re-saved copies (same); cropped to 90%, brightened and turned copies
(edited). Burst series are shots a second apart with the camera moving slightly (burst), and
look-alikes are distinct pictures sharing colours and layout (never in the first three tiers).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

from mediasift.bench.data import photo

_DATETIME = 0x0132
START = datetime(2024, 5, 1, 9, 0, 0)

#: How each copy is made from its original, and the tier it must be found in.
COPIES: dict[str, str] = {
    "copy": "exact",
    "resized": "same",
    "recompressed": "same",
    "png": "same",
    "cropped": "edited",
    "brightened": "edited",
    "rotated": "edited",
}


@dataclass(frozen=True)
class Made:
    """One generated file: which scene it shows and how it was made."""

    path: Path
    scene: str
    how: str  # "original", a key of COPIES, "burst" or "lookalike"
    tier: str | None  # the tier relating it to its scene's original; None for originals


def _exif(when: datetime) -> Image.Exif:
    exif = Image.Exif()
    exif[_DATETIME] = when.strftime("%Y:%m:%d %H:%M:%S")
    return exif


def _copy(image: Image.Image, how: str, original: Path, target: Path) -> Path:
    w, h = image.size
    if how == "copy":
        shutil.copyfile(original, target)
        return target
    if how == "resized":
        image.resize((w // 2, h // 2), Image.Resampling.LANCZOS).save(target, quality=90)
    elif how == "recompressed":
        image.save(target, quality=35)
    elif how == "png":
        target = target.with_suffix(".png")
        image.save(target)
    elif how == "cropped":
        dx, dy = w // 20, h // 20
        image.crop((dx, dy, w - dx, h - dy)).save(target, quality=90)
    elif how == "brightened":
        ImageEnhance.Brightness(image).enhance(1.35).save(target, quality=90)
    elif how == "rotated":
        image.transpose(Image.Transpose.ROTATE_90).save(target, quality=90)
    return target


def _shifted(image: Image.Image, rng: np.random.Generator, step: int) -> Image.Image:
    """The scene a moment later: the camera moved a little, the sensor noise is new."""
    w, h = image.size
    dx, dy = (int(v) for v in rng.integers(-w // 60, w // 60 + 1, 2)) if step else (0, 0)
    moved = image.crop((w // 30 + dx, h // 30 + dy, w - w // 30 + dx, h - h // 30 + dy))
    pixels = np.asarray(moved.resize((w, h)), dtype=np.float32)
    pixels += rng.normal(0, 4, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _lookalike(rng: np.random.Generator, layout: np.ndarray, w: int, h: int) -> Image.Image:
    """A distinct picture on a shared layout: the same colour regions, different content."""
    base = np.asarray(Image.fromarray(layout).resize((w, h), Image.Resampling.BICUBIC), np.float32)
    detail = np.asarray(photo(rng, w, h), dtype=np.float32) - 128
    return Image.fromarray(np.clip(base + 0.6 * detail, 0, 255).astype(np.uint8))


def make_set(
    folder: Path,
    originals: int,
    bursts: int = 0,
    lookalike_pairs: int = 0,
    size: tuple[int, int] = (640, 480),
    seed: int = 0,
) -> list[Made]:
    """Write the set into ``folder`` and say what each file is."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    w, h = size
    made: list[Made] = []
    (folder / "copies").mkdir(exist_ok=True)
    for i in range(originals):
        scene = f"scene{i:04d}"
        image = photo(rng, w, h)
        original = folder / f"{scene}.jpg"
        image.save(original, quality=92, exif=_exif(START + timedelta(hours=i)))
        made.append(Made(original, scene, "original", None))
        for how, tier in COPIES.items():
            target = _copy(image, how, original, folder / "copies" / f"{scene}-{how}.jpg")
            made.append(Made(target, scene, how, tier))
    for i in range(bursts):
        scene = f"burst{i:03d}"
        image = photo(rng, w, h)
        when = START + timedelta(days=30, hours=i)
        for step in range(4):
            path = folder / "bursts" / f"{scene}-{step}.jpg"
            path.parent.mkdir(exist_ok=True)
            shot = _shifted(image, rng, step)
            shot.save(path, quality=92, exif=_exif(when + timedelta(seconds=step)))
            made.append(Made(path, scene, "original" if step == 0 else "burst",
                             None if step == 0 else "burst"))  # fmt: skip
    for i in range(lookalike_pairs):
        layout = rng.integers(0, 256, (2, 2, 3), dtype=np.uint8)
        for j in range(2):
            path = folder / "lookalikes" / f"alike{i:03d}-{j}.jpg"
            path.parent.mkdir(exist_ok=True)
            _lookalike(rng, layout, w, h).save(path, quality=92)
            made.append(Made(path, f"alike{i:03d}-{j}", "lookalike", None))
    return made
