"""Making image towers: the picture side of a CLIP model on ONNX Runtime, the CPU default.

Most machines that index with the CLIP fallback are laptops, and the image side is where the
indexing time goes. Measured with CLIP ViT-B/32's architecture on 2 cores of a Xeon with
AVX-512 VNNI (``mediasift bench cpu``: random weights, 200 views of real photos, ratios to
torch fp32 in the same run, batches of 1 / 16): dynamic int8 on ONNX Runtime (weights per
channel, activations per call) 3.5x / 4.0x, cosine to fp32 >= 0.9998; torch's own dynamic
int8 2.6x / 2.1x; fp32 on ONNX Runtime 1.5x / 1.1x; channels-last, fewer threads and
``torch.compile`` no faster. CPUs without VNNI gain less from int8.

The tower is made once per model by :func:`~mediasift.models.export.made_once`, and kept
only when its vectors on real photographs (``resources/probes``) stay within
:data:`IMAGE_MIN_COSINE` of the torch model's fp32 vectors, checked on the user's own weights.
The space does not change, so a library indexed with torch stays valid without re-encoding.
Making it takes ~35 s for ViT-B/32 on 2 cores, once; opening it ~1 s. The model process then
holds ~220 MB less: the int8 tower (96 MB) replaces the torch vision weights, which are let go.
An int8 tower quantizes activations per batch, so an image's vector moves very slightly with
its batch mates (cosine ~0.9999 with random weights).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageOps

from .export import Maker, export_onnx, keep_first_close, made_once, quantized
from .towers import ImageTower, TowerInfo, image_towers_dir, open_image_tower, tower_dir

logger = logging.getLogger(__name__)

#: How close an image tower's vectors must be to the torch model's (fp32) to replace it:
#: duplicates need >= 0.92 (dedup.relate), a re-encoded photo keeps ~0.99.
IMAGE_MIN_COSINE = 0.99
_INPUT = "pixel_values"


@dataclass
class ImageSource:
    """What a torch encoder hands over to make its image tower."""

    module: torch.nn.Module
    #: Pixel values (n, 3, size, size) -> (n, dim) image embeddings, as the torch path computes.
    embed: Callable[[torch.Tensor], torch.Tensor]
    #: A picture -> its float32 CHW pixel values (models.pixels).
    prepare: Callable[[Image.Image], np.ndarray]
    #: The torch path's unit image vectors, fp32: what the tower must reproduce.
    reference: Callable[[np.ndarray], np.ndarray]
    min_score: float


class _Embed(torch.nn.Module):
    """The export's entry point: pixel values in, image embeddings out."""

    def __init__(self, source: ImageSource) -> None:
        super().__init__()
        self.inner = source.module
        self._embed = source.embed

    def forward(self, pixel_values):
        return self._embed(pixel_values)


def ensure_image_tower(encoder: Any, threads: int = 0) -> ImageTower | None:
    """The image tower of ``encoder``'s space: opened from the cache, else made now; None when
    the encoder offers none (``image_tower_source`` returns None) or it cannot be made."""
    space = encoder.space

    def prepare() -> Maker | None:
        source = encoder.image_tower_source()
        if source is None:
            return None
        info = TowerInfo(space.model_id, space.revision, space.dim, source.min_score,
                         inputs=(_INPUT,), max_length=0)  # fmt: skip
        return lambda work: _make(source, info, work)

    return made_once(
        tower_dir(space, image_towers_dir()),
        lambda: open_image_tower(space, threads),
        prepare,
        f"fast image encoding for {space.model_id}",
    )


def probe_pixels(prepare: Callable[[Image.Image], np.ndarray]) -> np.ndarray:
    """The probe photographs, whole and mirrored, prepared: (16, 3, size, size)."""
    folder = resources.files("mediasift.resources") / "probes"
    photos = sorted((p for p in folder.iterdir() if p.name.endswith(".jpg")), key=str)
    views = []
    for photo in photos:
        with Image.open(photo) as image:
            image.load()
        views += [prepare(image), prepare(ImageOps.mirror(image))]
    return np.stack(views)


def export_image_side(source: ImageSource, example: np.ndarray, path: Path) -> None:
    """The fp32 image side as one ONNX file, for any batch size."""
    export_onnx(_Embed(source), {_INPUT: torch.from_numpy(example)},
                {_INPUT: {0: torch.export.Dim("batch")}}, "image_vector", path)  # fmt: skip


def quantized_image_side(fp32: Path) -> Path:
    """Its dynamic int8 copy (the patch embedding, a Conv, stays fp32: ~3% of the work)."""
    return quantized(fp32, ["MatMul", "Gemm"])


def _make(source: ImageSource, info: TowerInfo, work: Path) -> bool:
    """Export, then keep the int8 copy if it is close enough to the torch model."""
    pixels = probe_pixels(source.prepare)
    fp32 = work / "fp32.onnx"
    export_image_side(source, pixels[:2], fp32)
    candidates = [("int8", quantized_image_side(fp32))]
    reference = source.reference(pixels)

    def cosine_of(folder: Path) -> float:
        vectors = ImageTower(folder).encode(pixels)
        return float(np.min(np.sum(vectors * reference, axis=1)))

    kept = keep_first_close("image tower", candidates, info, work, cosine_of, IMAGE_MIN_COSINE)
    fp32.unlink()  # not a candidate: no faster than torch on a batch
    return kept
