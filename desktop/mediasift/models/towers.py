"""Towers: one side of a model on ONNX Runtime, exported once from its own weights.

Query towers are the text side, so a search never imports torch; image towers are the picture
side of a CLIP model, the CPU's faster way to index (:mod:`mediasift.models.image_export`).

A typed query needs only the text half of the visual model and the text model. A tower is
that half, exported once from the model's own weights (:mod:`mediasift.models.export`), with
its tokenizer and a manifest, kept in the cache folder under the space it answers for. Opening
one takes ~0.1 s; importing torch and transformers and loading the model takes ~4 s. Measured
here on CLIP ViT-B/32's text tower, one query: 3.5 ms int8 on ONNX Runtime against 14 ms int8
on torch, and the int8 tower stays within cosine 0.999 of the fp32 model.

This module imports onnxruntime, tokenizers and numpy only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from mediasift.config import cache_dir

from .encoder import Space, l2_normalize

logger = logging.getLogger(__name__)

T = TypeVar("T", bound="QueryTower | ImageTower")

MANIFEST = "tower.json"
MODEL_FILE = "tower.onnx"
TOKENIZER_FILE = "tokenizer.json"
#: Bumped when the files or the manifest change meaning; older towers are made again.
FORMAT = 1
#: How close a tower's query vectors must be to the torch model's (fp32) to be used.
MIN_COSINE = 0.999
#: Queries whose vectors a query tower keeps (a few kilobytes each).
RECENT_QUERIES = 64


@dataclass(frozen=True)
class TowerInfo:
    """What a tower answers for and how to feed it, as saved in its manifest."""

    model_id: str
    revision: str
    dim: int
    min_score: float
    inputs: tuple[str, ...]
    max_length: int
    prompt: str | None = None
    lowercase: bool = False
    precision: str = "fp32"
    #: The lowest cosine to the torch model's vectors over the probe queries, at export.
    cosine: float = 1.0
    format: int = FORMAT

    @property
    def space(self) -> Space:
        return Space(self.model_id, self.revision, self.dim)

    def save(self, folder: Path) -> None:
        (folder / MANIFEST).write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> TowerInfo:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        data["inputs"] = tuple(data["inputs"])
        return cls(**data)


def towers_dir() -> Path:
    return cache_dir() / "query-towers"


def image_towers_dir() -> Path:
    return cache_dir() / "image-towers"


def tower_dir(space: Space, root: Path | None = None) -> Path:
    """The cache folder of a space's tower under ``root`` (the query towers' by default):
    readable name, then a hash of the whole key."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(space.model_id).name)[:40] or "model"
    digest = hashlib.sha256(space.key.encode()).hexdigest()[:12]
    return (root or towers_dir()) / f"{name}-{digest}"


class QueryTower:
    """One exported text tower: ``encode_query`` gives the same unit vector as the model.

    One thread per session: a query is a handful of tokens, and a second thread mostly waits
    for a core that something else holds (the torch path measured the same; Settings.threads).
    Recent queries' vectors are kept: the window asks the same query again whenever the
    indexer commits (every 0.3 s through a burst) and as the user deletes back to it.
    """

    def __init__(self, folder: Path) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        # The saved model is already optimized (at export): the basic passes are enough here.
        self.info, self._session = _open(
            folder, threads=1, graph_optimization_level=ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        )
        self.space = self.info.space
        self.min_score = self.info.min_score
        self._tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.info.max_length)
        self._lock = threading.Lock()  # the tokenizer (not shared safely) and the recent ones
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()  # query -> vector, LRU

    def encode_query(self, text: str) -> np.ndarray:
        """The query's unit vector, as the torch model would give it (cosine >= 0.999);
        read-only, as it is kept for the next time."""
        with self._lock:
            vector = self._recent.get(text)
            if vector is not None:
                self._recent.move_to_end(text)
                return vector
        vector = self._encode(text)
        with self._lock:
            self._recent[text] = vector
            if len(self._recent) > RECENT_QUERIES:
                self._recent.popitem(last=False)
        return vector

    def _encode(self, text: str) -> np.ndarray:
        if self.info.lowercase:
            text = text.lower()
        with self._lock:
            encoded = self._tokenizer.encode((self.info.prompt or "") + text)
        columns = {
            "input_ids": encoded.ids,
            "attention_mask": encoded.attention_mask,
            "token_type_ids": encoded.type_ids,
        }
        feed = {name: np.asarray([columns[name]], dtype=np.int64) for name in self.info.inputs}
        (vectors,) = self._session.run(None, feed)
        vector = l2_normalize(vectors)[0]
        vector.flags.writeable = False
        return vector


class ImageTower:
    """One exported image tower: prepared pixels in, the model's unit image vectors out.

    Its threads sleep as soon as a batch is done instead of spinning for the next one: the
    decode threads that feed it need those cores between batches.
    """

    def __init__(self, folder: Path, threads: int = 0) -> None:
        self.info, self._session = _open(folder, threads, spinning=False)  # threads 0: per core
        self.space = self.info.space
        (self._input,) = self.info.inputs

    def encode(self, pixels: np.ndarray) -> np.ndarray:
        """(n, dim) unit rows for an (n, 3, size, size) float32 batch. Thread-safe."""
        (vectors,) = self._session.run(None, {self._input: pixels})
        return l2_normalize(vectors)


def _open(folder: Path, threads: int, spinning: bool = True, **options) -> tuple[TowerInfo, Any]:
    """A tower's manifest, checked, and its ONNX Runtime session on the CPU: ``threads`` for
    one run (0: one per core), ``spinning`` whether they wait busy for the next, and other
    ``SessionOptions`` attributes."""
    import onnxruntime as ort

    info = TowerInfo.read(folder)
    if info.format != FORMAT:
        raise ValueError(f"tower format {info.format}, expected {FORMAT}")
    settings = ort.SessionOptions()
    settings.intra_op_num_threads = threads
    settings.inter_op_num_threads = 1
    settings.log_severity_level = 3
    if not spinning:
        settings.add_session_config_entry("session.intra_op.allow_spinning", "0")
    for name, value in options.items():
        setattr(settings, name, value)
    session = ort.InferenceSession(
        str(folder / MODEL_FILE), settings, providers=["CPUExecutionProvider"]
    )
    return info, session


def open_image_tower(space: Space, threads: int = 0) -> ImageTower | None:
    """The space's image tower when one was made, else None (the torch path is used)."""
    return open_made(
        tower_dir(space, image_towers_dir()), space, lambda folder: ImageTower(folder, threads)
    )


def open_tower(space: Space) -> QueryTower | None:
    """The space's tower when one was made, else None (the caller uses the torch path)."""
    return open_made(tower_dir(space), space, QueryTower)


def open_made(folder: Path, space: Space, kind: Callable[[Path], T]) -> T | None:
    """The tower of ``kind`` in ``folder`` when one was made for ``space``, else None.

    A tower that cannot be opened (a damaged cache, another onnxruntime) is only logged:
    the cache is rebuilt from the model, and search must never fail because of it.
    """
    if not (folder / MANIFEST).is_file():
        return None
    try:
        tower = kind(folder)
    except Exception as exc:  # onnxruntime raises its own error types; any means "unusable"
        logger.warning("Tower in %s cannot be used (%s); using the model itself", folder, exc)
        return None
    if tower.space != space:
        logger.warning("Tower in %s belongs to %s, not %s", folder, tower.space, space)
        return None
    return tower
