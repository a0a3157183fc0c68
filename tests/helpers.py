"""Test helpers importable from any test module (tests/ is on pytest's pythonpath)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def write_image(path: Path, seed: int, size=(96, 72), fmt: str | None = None, **save) -> Path:
    """A distinct random RGB image per seed, saved in the format the suffix (or fmt) says."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (size[1] // 8 + 1, size[0] // 8 + 1, 3), dtype=np.uint8)
    image = Image.fromarray(pixels).resize(size, Image.Resampling.NEAREST)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, fmt, **save)
    return path
