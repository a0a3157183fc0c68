"""Real photographs for benchmarks that compare vectors, from packages that ship them.

No registry reachable here has a photo data set. scikit-image ships 15 real photographs that
it documents as public domain or CC0 (a test extra), scikit-learn two CC-BY ones (installed
with sentence-transformers). :func:`real_photos` turns them into as many views as asked: each
photo whole, then crops of 30-100 % of its area at aspect ratios 3:4 to 16:9, half of them
mirrored, from a fixed seed. The views are different inputs to a model, but only as varied
as those 17 pictures; a folder of one's own photos can be given instead.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

log = logging.getLogger(__name__)

#: skimage.data's photographs (its drawings, scans and binary masks are left out).
SKIMAGE_PHOTOS = (
    "astronaut", "brick", "camera", "cat", "cell", "clock", "coffee", "coins", "grass",
    "gravel", "hubble_deep_field", "immunohistochemistry", "retina", "rocket", "text",
)  # fmt: skip
_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp")


def source_photos(folder: Path | None = None) -> tuple[list[Image.Image], str]:
    """(photos, where they come from): the folder's images, else the packaged photographs."""
    if folder is not None:
        paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in _SUFFIXES)
        photos = [_load(path) for path in paths]
        return photos, f"{len(photos)} photos from {folder}"
    photos, sources = [], []
    try:
        import skimage.data
    except ImportError:
        log.warning("scikit-image is not installed: only scikit-learn's 2 photos are used")
    else:
        photos += [Image.fromarray(getattr(skimage.data, name)()) for name in SKIMAGE_PHOTOS]
        sources.append(f"{len(SKIMAGE_PHOTOS)} from scikit-image")
    from sklearn.datasets import load_sample_images

    photos += [Image.fromarray(image) for image in load_sample_images().images]
    sources.append("2 from scikit-learn")
    origin = f"{len(photos)} photos: {', '.join(sources)}"
    return [photo.convert("RGB") for photo in photos], origin


def real_photos(count: int, folder: Path | None = None) -> tuple[list[Image.Image], str]:
    """``count`` views of real photographs, and a line saying what they are."""
    photos, origin = source_photos(folder)
    if not photos:
        raise ValueError(f"no photos in {folder}")
    if count <= len(photos):
        return photos[:count], origin
    rng = np.random.default_rng(0)
    views = list(photos)
    while len(views) < count:
        photo = photos[len(views) % len(photos)]
        views.append(_crop(photo, rng))
    return views, f"{count} views of {origin} (each whole, then random crops, half mirrored)"


def _crop(photo: Image.Image, rng: np.random.Generator) -> Image.Image:
    width, height = photo.size
    area = width * height * rng.uniform(0.3, 1.0)
    aspect = rng.uniform(3 / 4, 16 / 9)
    w = int(min(width, max(16, (area * aspect) ** 0.5)))
    h = int(min(height, max(16, (area / aspect) ** 0.5)))
    left, top = int(rng.integers(0, width - w + 1)), int(rng.integers(0, height - h + 1))
    view = photo.crop((left, top, left + w, top + h))
    return ImageOps.mirror(view) if rng.random() < 0.5 else view


def _load(path: Path) -> Image.Image:
    with Image.open(path) as image:
        image.draft("RGB", (512, 512))  # JPEGs decode at a fraction of their size
        return image.convert("RGB")
