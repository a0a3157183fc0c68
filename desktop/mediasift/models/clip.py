"""CLIP through transformers' ``CLIPModel``: the CPU fallback encoder.

Image preparation is done with PIL + numpy (models.pixels) instead of the transformers image
processor: it runs in the decode threads on the indexing hot path, without torch, and one
box-resize straight to the crop is several times cheaper than resize-then-crop.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import logging
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from PIL import Image
from transformers import AutoTokenizer, CLIPModel

from .encoder import Space, l2_normalize
from .pixels import ClipPixels

if TYPE_CHECKING:
    from .towers import ImageTower

logger = logging.getLogger(__name__)


def read_image_config(folder: Path) -> dict[str, Any]:
    """The image processor settings saved with the model.

    Hub CLIP repos have ``preprocessor_config.json``; transformers 5 ``save_pretrained`` may
    nest them under ``image_processor`` in ``processor_config.json``. Either is accepted.
    """
    sources = (("preprocessor_config.json", None), ("processor_config.json", "image_processor"))
    for name, key in sources:
        path = folder / name
        if not path.is_file():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        if key is not None:
            data = data.get(key)
        if isinstance(data, dict) and {"image_mean", "crop_size", "size"} & data.keys():
            return data
    logger.warning("No image processor config in %s; using CLIP's defaults.", folder)
    return {}


def _quantize_text_tower(model: CLIPModel) -> None:
    """Make query encoding ~4x faster on CPU with int8 dynamic quantization of the text tower.

    A one-query forward pass is bound by reading the text weights (~150 MB fp32 for ViT-B/32):
    ~26 ms fp32 against ~6 ms int8 for a short query, with cosine 0.998 to the fp32 vector.
    """
    quantize = getattr(getattr(torch, "ao", None), "quantization", None)
    if quantize is None:
        logger.info("int8 quantization unavailable in this torch: text queries stay fp32")
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # still shipped and working in 2.14
        warnings.filterwarnings("ignore", category=UserWarning, module="torch")
        for name in ("text_model", "text_projection"):
            quantize.quantize_dynamic(
                getattr(model, name), {torch.nn.Linear}, dtype=torch.qint8, inplace=True
            )


class ClipEncoder:
    """A CLIP model as an :class:`~mediasift.models.encoder.Encoder`.

    On the CPU, images go through an image tower (models.image_export) when one could be made
    close enough to the model, and the torch vision weights are let go; else torch fp32 (bf16
    is ~9x slower on CPUs without native bf16). fp16 on CUDA.
    """

    def __init__(
        self,
        model: CLIPModel,
        tokenizer: Any,
        image_config: dict[str, Any],
        space: Space,
        min_score: float,
        device: str = "cpu",
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.space = space
        self.min_score = min_score
        self.device = device
        self._dtype = next(model.parameters()).dtype
        #: Image preparation without torch: the indexer runs it in its own process.
        self.preparer = ClipPixels.from_config(
            image_config, int(model.config.vision_config.image_size)
        )
        self.image_size = self.preparer.image_size
        self._max_text_len = int(getattr(model.config.text_config, "max_position_embeddings", 77))
        # Fast tokenizers are not safe to call from two threads at once; only text uses it.
        self._text_lock = threading.Lock()
        # Queries normally go through the ONNX tower (models.towers); the torch text tower is
        # made int8 only when it does answer one, and stays fp32 until then for the export.
        self._quantize_pending = device == "cpu"
        self.image_tower: ImageTower | None = None

    @classmethod
    def load(
        cls,
        folder: Path,
        model_id: str,
        revision: str,
        device: str = "cpu",
        min_score: float = 0.2,
        image_tower: bool = True,
    ) -> ClipEncoder:
        """Load model, tokenizer and image settings from a local model folder; on the CPU,
        with its image tower unless ``image_tower`` is False (benchmarks compare both)."""
        dtype = torch.float16 if device.startswith("cuda") else torch.float32
        logger.info("Loading CLIP %s on %s (%s)", model_id, device, dtype)
        model = CLIPModel.from_pretrained(str(folder), dtype=dtype, local_files_only=True)
        model = model.to(device).eval()
        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        dim = int(model.config.projection_dim)
        space = Space(model_id=model_id, revision=revision, dim=dim)
        encoder = cls(model, tokenizer, read_image_config(folder), space, min_score, device)
        if device == "cpu" and image_tower:
            from .image_export import ensure_image_tower

            encoder.use_image_tower(ensure_image_tower(encoder, torch.get_num_threads()))
        return encoder

    def use_image_tower(self, tower: ImageTower | None) -> None:
        """Encode images with ``tower`` from now on, and free the torch vision weights
        (~350 MB fp32 for ViT-B/32) that it replaces."""
        if tower is None:
            return
        self.image_tower = tower
        self.model.vision_model = None
        self.model.visual_projection = None
        gc.collect()
        _give_back_freed_memory()
        logger.info("Images encoded by the %s image tower (cosine %.4f to the model)",
                    tower.info.precision, tower.info.cosine)  # fmt: skip

    # -- decode threads ---------------------------------------------------------------------

    def prepare_image(self, image: Image.Image) -> np.ndarray:
        """A float32 CHW array for :meth:`encode_prepared` (see models.pixels.ClipPixels).
        Thread-safe: pure PIL + numpy, no torch."""
        return self.preparer(image)

    # -- encoder thread ---------------------------------------------------------------------

    def encode_prepared(self, items: list[Any]) -> np.ndarray:
        """Encode arrays from :meth:`prepare_image` as one batch; (n, dim) unit rows."""
        if not items:
            return np.zeros((0, self.space.dim), dtype=np.float32)
        if self.image_tower is not None:
            return self.image_tower.encode(np.stack(items))
        return self._image_features(np.stack(items))

    def image_tower_source(self) -> Any:
        """How to export the image side to an image tower (models.image_export), from fp32
        weights; None off the CPU or once a tower has replaced them."""
        if self.device != "cpu" or self.image_tower is not None:
            return None
        from .image_export import ImageSource

        return ImageSource(
            module=self.model,
            embed=lambda pixels: _as_tensor(self.model.get_image_features(pixel_values=pixels)),
            prepare=self.preparer,
            reference=self._image_features,
            min_score=self.min_score,
        )

    def _image_features(self, pixels: np.ndarray) -> np.ndarray:
        batch = torch.from_numpy(pixels).to(self.device, self._dtype)
        with torch.inference_mode():
            features = self.model.get_image_features(pixel_values=batch)
        return self._to_numpy(features)

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        """Encode queries; (n, dim) unit rows. Safe alongside ``encode_prepared``."""
        with self._text_lock:
            if self._quantize_pending:
                _quantize_text_tower(self.model)
                self._quantize_pending = False
        return self._text_features(texts)

    def tower_source(self) -> Any:
        """How to export the text side to a query tower (models.export), from fp32 weights;
        None once the torch text tower has been quantized or off the CPU (fp16 weights)."""
        if not self._quantize_pending:
            return None
        from .export import TowerSource

        return TowerSource(
            module=self.model,
            embed=lambda features: _as_tensor(self.model.get_text_features(**features)),
            tokenizer=self.tokenizer,
            max_length=self._max_text_len,
            reference=self._text_features,
        )

    def _text_features(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.space.dim), dtype=np.float32)
        with self._text_lock:
            tokens = self.tokenizer(
                list(texts),
                padding=True,
                truncation=True,
                max_length=self._max_text_len,
                return_tensors="pt",
            )
        with torch.inference_mode():
            features = self.model.get_text_features(
                input_ids=tokens["input_ids"].to(self.device),
                attention_mask=tokens["attention_mask"].to(self.device),
            )
        return self._to_numpy(features)

    @staticmethod
    def _to_numpy(features: Any) -> np.ndarray:
        return l2_normalize(_as_tensor(features).float().cpu().numpy())


def _give_back_freed_memory() -> None:
    """Return freed heap pages to the system (glibc keeps them otherwise): the model process's
    memory is what a user sees in their task manager."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: its allocator decides
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _as_tensor(features: Any) -> torch.Tensor:
    """transformers 5 returns BaseModelOutputWithPooling from get_*_features; 4.x a tensor."""
    return features if isinstance(features, torch.Tensor) else features.pooler_output
