"""Perceptual hashes and the picture facts the keeper compares, from an image already decoded.

Computed in the indexer's READ stage (the picture is decoded there anyway) and stored per
segment, so a rescan or a dedup scan never decodes a file for them; files indexed before they
existed are hashed once, lazily, by ``hash_file`` (a drafted JPEG decode: ~1/8 scale).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from mediasift.catalog import Hashes

#: phash input side (imagehash's default: 8x8 low frequencies of a 32x32 DCT).
PHASH_SIDE = 32
#: Side of the grey image sharpness is measured on: the same scale for every copy.
SHARP_SIDE = 256


def _bits(hash_) -> int:
    return int("".join("1" if b else "0" for b in hash_.hash.flatten()), 2)


def picture_hashes(image: Image.Image) -> Hashes:
    """Hashes of a decoded RGB picture: phash upright and turned, dhash, colour, sharpness."""
    import imagehash  # pulls scipy: loaded by the stage that hashes, not by every command

    grey = image.convert("L")
    small = grey.resize((PHASH_SIDE, PHASH_SIDE), Image.Resampling.LANCZOS)
    turned = [
        _bits(imagehash.phash(small.transpose(t)))
        for t in (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270)
    ]
    mean = np.asarray(image.resize((8, 8), Image.Resampling.BOX)).reshape(-1, 3).mean(axis=0)
    r, g, b = (round(float(v)) for v in mean)
    return Hashes(
        phash=_bits(imagehash.phash(small)),
        dhash=_bits(imagehash.dhash(grey)),
        turns=tuple(turned),
        colour=(r << 16) | (g << 8) | b,
        sharpness=sharpness(grey),
    )


def sharpness(grey: Image.Image) -> float:
    """Variance of the Laplacian on a small grey copy: higher is sharper (blur, heavy
    compression and upscaling lower it)."""
    grey = grey.copy()
    grey.thumbnail((SHARP_SIDE, SHARP_SIDE), Image.Resampling.BILINEAR)
    a = np.asarray(grey, dtype=np.float32)
    if min(a.shape) < 3:
        return 0.0
    lap = a[1:-1, :-2] + a[1:-1, 2:] + a[:-2, 1:-1] + a[2:, 1:-1] - 4 * a[1:-1, 1:-1]
    return round(float(lap.var()), 2)


def hash_file(path: Path) -> Hashes:
    """Hashes of an image file, decoded no larger than needed (JPEGs drafted)."""
    from mediasift.media.image import decode_image

    return picture_hashes(decode_image(path, SHARP_SIDE).image)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def colour_shift(a: int, b: int) -> int:
    """The largest per-channel difference of two mean colours (0..255)."""
    return max(abs(((a >> s) & 255) - ((b >> s) & 255)) for s in (16, 8, 0))
