"""Image preparation for the visual models, in PIL and numpy only.

It runs in the indexer's decode threads, and the indexer's own process never imports torch
(its models live in a child process that ends when idle: models.host). So each encoder hands
out its preparation as a small picklable object (``Encoder.preparer``) that the indexer runs
itself, and only the prepared pixels cross to the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from mediasift.media.image import to_rgb

_DEFAULT_MEAN = (0.48145466, 0.4578275, 0.40821073)
_DEFAULT_STD = (0.26862954, 0.26130258, 0.27577711)


def _side(value: Any, default: int) -> int:
    """Read a processor size entry: an int, {"shortest_edge": n} or {"height": h, "width": w}."""
    if isinstance(value, int):
        return value
    if isinstance(value, dict):
        if "shortest_edge" in value:
            return int(value["shortest_edge"])
        if "height" in value and "width" in value:
            return int(min(value["height"], value["width"]))
    return default


@dataclass(frozen=True)
class ClipPixels:
    """CLIP's resize, center crop and normalization, as a float32 CHW array."""

    crop_size: int
    resize_size: int
    do_center_crop: bool
    resample: int
    #: pixel * scale - offset == (pixel * rescale - mean) / std, folded into one multiply-add.
    scale: np.ndarray
    offset: np.ndarray

    @classmethod
    def from_config(cls, config: dict[str, Any], vision_size: int) -> ClipPixels:
        """From the image processor settings saved with the model (models.clip)."""
        crop = _side(config.get("crop_size"), vision_size)
        rescale = float(config.get("rescale_factor", 1 / 255))
        if not config.get("do_rescale", True):
            rescale = 1.0
        mean = np.asarray(config.get("image_mean", _DEFAULT_MEAN), dtype=np.float32)
        std = np.asarray(config.get("image_std", _DEFAULT_STD), dtype=np.float32)
        if not config.get("do_normalize", True):
            mean, std = np.zeros(3, np.float32), np.ones(3, np.float32)
        return cls(
            crop_size=crop,
            resize_size=_side(config.get("size"), crop),
            do_center_crop=bool(config.get("do_center_crop", True)),
            resample=int(config.get("resample", Image.Resampling.BICUBIC)),
            scale=(rescale / std).reshape(1, 1, 3),
            offset=(mean / std).reshape(1, 1, 3),
        )

    @property
    def image_size(self) -> int:
        """The side an image must be decoded to at least."""
        return max(self.resize_size, self.crop_size)

    def __call__(self, image: Image.Image) -> np.ndarray:
        """Resize the shortest side to ``resize_size`` (bicubic), center-crop, normalize.

        Uses the transformers processor's integer geometry (resized long side truncated, crop
        offset floored) but resamples only the cropped box, in one step: cheaper, and extreme
        shapes (1 px wide strips, panoramas) never blow up into huge intermediate images.
        Thread-safe.
        """
        image = to_rgb(image)
        width, height = image.size
        if width <= height:
            new_w, new_h = self.resize_size, int(self.resize_size * height / width)
        else:
            new_w, new_h = int(self.resize_size * width / height), self.resize_size
        new_w, new_h = max(new_w, 1), max(new_h, 1)
        if self.do_center_crop:
            out_w, out_h = self.crop_size, self.crop_size
            left, top = (new_w - out_w) // 2, (new_h - out_h) // 2
        else:
            out_w, out_h, left, top = new_w, new_h, 0, 0
        sx, sy = width / new_w, height / new_h
        box = (left * sx, top * sy, (left + out_w) * sx, (top + out_h) * sy)
        image = image.resize((out_w, out_h), resample=self.resample, box=box, reducing_gap=3.0)
        pixels = np.asarray(image, dtype=np.float32)
        pixels = pixels * self.scale - self.offset
        return np.ascontiguousarray(pixels.transpose(2, 0, 1))


@dataclass(frozen=True)
class FitWithin:
    """An RGB copy whose longest side is at most ``max_side`` (what a VLM is handed)."""

    max_side: int

    @property
    def image_size(self) -> int:
        return self.max_side

    def __call__(self, image: Image.Image) -> Image.Image:
        image = to_rgb(image)
        width, height = image.size
        longest = max(width, height)
        if longest > self.max_side:
            factor = self.max_side / longest
            size = (max(1, round(width * factor)), max(1, round(height * factor)))
            image = image.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)
        elif image.mode == "RGB":
            image.load()
        return image
