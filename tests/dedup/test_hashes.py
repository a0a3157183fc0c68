"""Perceptual hashes: imagehash's definitions, the turned phashes derived from one DCT, and a
drafted decode that changes nothing that matters."""

from __future__ import annotations

import imagehash
import numpy as np
import pytest
from PIL import Image

from mediasift.bench.data import photo
from mediasift.dedup.hashes import PHASH_SIDE, dhash, hash_file, phashes, picture_hashes

TURNS = (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270)


def _int(hash_: imagehash.ImageHash) -> int:
    return int("".join("1" if b else "0" for b in hash_.hash.flatten()), 2)


def _bits(a: int, b: int) -> int:
    return (a ^ b).bit_count()


@pytest.fixture(params=[0, 1, 2])
def picture(request) -> Image.Image:
    return photo(np.random.default_rng(request.param), 640, 480)


def test_phash_and_its_turns_are_imagehash_phashes_of_the_turned_copy(picture):
    small = picture.convert("L").resize((PHASH_SIDE, PHASH_SIDE), Image.Resampling.LANCZOS)
    upright, turns = phashes(np.asarray(small, dtype=float))
    assert upright == _int(imagehash.phash(small))
    assert turns == tuple(_int(imagehash.phash(small.transpose(t))) for t in TURNS)
    assert dhash(small) == _int(imagehash.dhash(small))


def test_turned_phash_matches_the_picture_actually_turned(picture):
    hashes = picture_hashes(picture)
    for turn, derived in zip(TURNS, hashes.turns, strict=True):
        assert _bits(picture_hashes(picture.transpose(turn)).phash, derived) <= 2
    assert _bits(hashes.phash, hashes.turns[1]) > 16  # a turn is not the upright picture


def test_drafted_file_decode_keeps_the_hashes(picture, tmp_path):
    path = tmp_path / "photo.jpg"
    picture.save(path, quality=92)
    drafted, full = hash_file(path), picture_hashes(Image.open(path).convert("RGB"))
    assert _bits(drafted.phash, full.phash) <= 2 and _bits(drafted.dhash, full.dhash) <= 4
    assert abs(drafted.sharpness - full.sharpness) <= 0.1 * full.sharpness
    assert max(abs(((drafted.colour >> s) & 255) - ((full.colour >> s) & 255))
               for s in (16, 8, 0)) <= 2  # fmt: skip


def test_sharpness_falls_with_blur_and_ignores_brightness(picture):
    from PIL import ImageEnhance, ImageFilter

    sharp = picture_hashes(picture).sharpness
    blurred = picture_hashes(picture.filter(ImageFilter.GaussianBlur(2))).sharpness
    brighter = picture_hashes(ImageEnhance.Contrast(picture).enhance(1.4)).sharpness
    assert blurred < 0.7 * sharp
    assert abs(brighter - sharp) <= 0.1 * sharp  # more contrast is not more detail
