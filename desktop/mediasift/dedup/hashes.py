"""Perceptual hashes and the picture facts the keeper compares, from an image already decoded.

Computed in the indexer's READ stage (the picture is decoded there anyway) and stored per
segment, so a rescan or a dedup scan never decodes a file for them; files indexed before they
existed are hashed once, lazily, by ``hash_file`` (a drafted JPEG decode).

One small grey copy (long side SHARP_SIDE) feeds the rest: sharpness is measured on it, and
phash and dhash (imagehash's definitions: the signs of a 32x32 DCT's 8x8 low frequencies
against their median; the brightness steps of a 9x8 copy) are taken from its 32x32 copy. The
phashes of the picture turned a quarter, half and three quarters come from the same DCT:
turning a square array transposes and flips it, and flipping only changes the sign of odd
frequencies, so no turned copy is made or transformed. (Hashes stored before this way of
computing them differ from these by 2 bits at most, and mostly not at all.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from mediasift.catalog import Hashes

#: phash input side (imagehash's default: 8x8 low frequencies of a 32x32 DCT).
PHASH_SIDE = 32
LOW = 8
#: Long side of the grey image sharpness is measured on: the same scale for every copy.
SHARP_SIDE = 256
#: Short side ``hash_file`` decodes to: a 4:3 or wider JPEG drafts to a long side of
#: SHARP_SIDE or more, so sharpness sees the scale it sees after indexing (a squarer one may
#: draft a little smaller; copies of one resolution still decode alike).
DECODE_SIDE = SHARP_SIDE * 3 // 4

#: The unnormalised DCT-II (scipy's default), low rows only: dct(x)[k] = (_DCT @ x)[k].
_N = np.arange(PHASH_SIDE)
_DCT = 2 * np.cos(np.pi * np.arange(LOW)[:, None] * (2 * _N[None, :] + 1) / (2 * PHASH_SIDE))
#: (-1)^k by row and (-1)^l by column: the DCT of an array flipped along that axis.
_ODD_ROWS = np.where(np.arange(LOW) % 2, -1.0, 1.0)[:, None]
_ODD_COLS = _ODD_ROWS.T


def _bits(signs: np.ndarray) -> int:
    """A boolean array as an int, first element the most significant bit (imagehash's order)."""
    return int.from_bytes(np.packbits(signs.ravel()).tobytes(), "big")


def _phash(low: np.ndarray) -> int:
    return _bits(low > np.median(low))


def phashes(small: np.ndarray) -> tuple[int, tuple[int, int, int]]:
    """phash of a PHASH_SIDE square grey array, and of it turned 90, 180 and 270 degrees
    counter-clockwise (PIL's ``ROTATE_*``), from one DCT."""
    low = _DCT @ small @ _DCT.T
    turned = (_ODD_ROWS * low.T, _ODD_ROWS * _ODD_COLS * low, _ODD_COLS * low.T)
    return _phash(low), tuple(_phash(t) for t in turned)  # type: ignore[return-value]


def dhash(small: Image.Image) -> int:
    """imagehash's dhash: is each pixel of a 9x8 copy brighter than its left neighbour."""
    pixels = np.asarray(small.resize((LOW + 1, LOW), Image.Resampling.LANCZOS))
    return _bits(pixels[:, 1:] > pixels[:, :-1])


def picture_hashes(image: Image.Image) -> Hashes:
    """Hashes of a decoded RGB picture: phash upright and turned, dhash, colour, sharpness."""
    grey = image.convert("L")
    grey.thumbnail((SHARP_SIDE, SHARP_SIDE), Image.Resampling.BILINEAR)
    small = grey.resize((PHASH_SIDE, PHASH_SIDE), Image.Resampling.LANCZOS)
    phash, turns = phashes(np.asarray(small, dtype=float))
    mean = np.asarray(image.resize((8, 8), Image.Resampling.BOX)).reshape(-1, 3).mean(axis=0)
    r, g, b = (round(float(v)) for v in mean)
    return Hashes(phash=phash, dhash=dhash(small), turns=turns, colour=(r << 16) | (g << 8) | b,
                  sharpness=sharpness(grey))  # fmt: skip


def sharpness(grey: Image.Image) -> float:
    """Variance of the Laplacian on a small grey copy (long side SHARP_SIDE), per cent of the
    picture's own variance: higher is sharper (blur, heavy compression and upscaling lower
    it), and a brightened or contrast-stretched copy, whose edges grow with its contrast, does
    not pass for a sharper one."""
    a = np.asarray(grey, dtype=np.float32)
    spread = float(a.var())
    if min(a.shape) < 3 or spread < 1e-6:
        return 0.0
    lap = a[1:-1, :-2] + a[1:-1, 2:]
    lap += a[:-2, 1:-1]
    lap += a[2:, 1:-1]
    lap -= 4 * a[1:-1, 1:-1]
    return round(100 * float(lap.var()) / spread, 2)


def hash_file(path: Path) -> Hashes:
    """Hashes of an image file, decoded no larger than needed (JPEGs drafted)."""
    from mediasift.media.image import decode_image

    return picture_hashes(decode_image(path, DECODE_SIDE).image)
