"""Making query towers: the text side of a loaded torch model exported to ONNX and verified.

Runs once per model, in whatever process first loads it with torch (the indexer, usually):
export with ``torch.onnx.export`` (the dynamo exporter), try an int8 copy (dynamic, per
channel, the token embeddings included: 64 MB instead of 250 MB for CLIP ViT-B/32, which also
makes it open in ~0.1 s), save it optimized, and keep the first candidate whose query vectors
stay within :data:`~mediasift.models.towers.MIN_COSINE` of the torch model's fp32 vectors on
probe queries; else fp32; else none (searches keep the torch path, and the reason is kept
beside the cache so the export is not retried on every start).

Sentence Transformers' own ONNX backend needs optimum-onnx, which requires transformers < 4.58;
this project runs transformers 5, so the export is done here for every model kind.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .encoder import Space
from .towers import (
    MIN_COSINE,
    MODEL_FILE,
    TOKENIZER_FILE,
    QueryTower,
    TowerInfo,
    open_tower,
    tower_dir,
    towers_dir,
)

logger = logging.getLogger(__name__)

#: Queries the tower is checked on: short and long, names, punctuation, accents, CJK, and one
#: past every model's length limit (truncation must match too).
PROBES = (
    "a red car",
    "the slide with the Q3 revenue chart",
    "Permission denied (publickey)",
    "IMG_2043",
    "café crème brûlée à Montréal",
    "東京の夜景",
    " ".join(["a dog running on the beach at sunset with a ball"] * 40),
)
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


@dataclass
class TowerSource:
    """What a torch encoder hands over to make its tower."""

    module: torch.nn.Module
    #: Tokenizer outputs -> (batch, dim) query embeddings, exactly as the torch path computes.
    embed: Callable[[dict[str, torch.Tensor]], torch.Tensor]
    #: A transformers fast tokenizer (its ``backend_tokenizer`` is saved with the tower).
    tokenizer: Any
    max_length: int
    #: The torch path's unit query vectors, fp32: what the tower must reproduce.
    reference: Callable[[list[str]], np.ndarray]
    prompt: str | None = None
    lowercase: bool = False
    quantize: bool = True


class _Embed(torch.nn.Module):
    """The export's entry point: named token inputs in, query embeddings out."""

    def __init__(self, source: TowerSource) -> None:
        super().__init__()
        self.inner = source.module
        self._embed = source.embed

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        features = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            features["token_type_ids"] = token_type_ids
        return self._embed(features)


def ensure_tower(encoder: Any, min_score: float) -> QueryTower | None:
    """The tower of ``encoder``'s space: opened from the cache, else made now; None when the
    encoder offers none (``tower_source`` missing or None) or it cannot be made."""
    space: Space = encoder.space
    tower = open_tower(space)
    if tower is not None:
        return tower
    folder = tower_dir(space)
    failed = folder.with_name(folder.name + ".failed")
    versions = _versions()
    if failed.is_file():
        tried_with, _, why = failed.read_text(encoding="utf-8").partition("\n")
        if tried_with == versions:  # a new torch or onnxruntime gets another try
            logger.info("No query tower for %s: %s", space.key, why)
            return None
    make_source = getattr(encoder, "tower_source", None)
    source = make_source() if make_source is not None else None
    if source is None:
        return None
    logger.info("Preparing fast search for %s (once; this takes a few seconds)", space.model_id)
    towers_dir().mkdir(parents=True, exist_ok=True)
    shutil.rmtree(folder, ignore_errors=True)  # an unusable tower from before
    info = TowerInfo(
        space.model_id, space.revision, space.dim, min_score,
        inputs=(), max_length=source.max_length, prompt=source.prompt,
        lowercase=source.lowercase,
    )  # fmt: skip
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=towers_dir()))
    try:
        made = _make(source, info, work)
    except Exception as exc:  # torch.onnx raises many kinds; any of them means "no tower"
        logger.warning("Could not export %s to ONNX (%s); searches load torch", space.key, exc)
        made, why = None, f"the ONNX export failed: {exc}"
    else:
        why = f"its ONNX export differs from the model by more than cosine {MIN_COSINE}"
    try:
        if made is None:
            failed.write_text(f"{versions}\n{why}", encoding="utf-8")
            return None
        work.rename(folder)  # atomic: a reader sees no tower or a whole one
    except OSError:
        if not folder.is_dir():  # else another process made it meanwhile: use theirs
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return open_tower(space)


def _make(source: TowerSource, info: TowerInfo, work: Path) -> TowerInfo | None:
    """Export, then keep the first candidate (int8, fp32) close enough to the torch model."""
    import onnxruntime as ort

    for chatty in ("onnx_ir", "onnxscript"):  # one INFO line per graph pass otherwise
        logging.getLogger(chatty).setLevel(logging.WARNING)
    # "torchvision is not installed. Skipping torchvision::nms" and the like: not needed here.
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    example = source.tokenizer(list(PROBES[:2]), padding=True, return_tensors="pt")
    names = tuple(name for name in _INPUTS if name in example)
    info = replace(info, inputs=names)
    fp32 = work / "fp32.onnx"
    batch, sequence = torch.export.Dim("batch"), torch.export.Dim("sequence")
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("ignore")  # the exporter's deprecation and tracing chatter
        torch.onnx.export(
            _Embed(source).eval(),
            (),
            str(fp32),
            kwargs={name: example[name] for name in names},
            input_names=list(names),
            output_names=["query_vector"],  # a name no model uses inside
            dynamic_shapes={name: {0: batch, 1: sequence} for name in names},
            dynamo=True,
            external_data=False,
            verbose=False,
        )
    candidates = [("int8", _quantized(fp32))] if source.quantize else []
    candidates.append(("fp32", fp32))
    source.tokenizer.backend_tokenizer.save(str(work / TOKENIZER_FILE))
    reference = source.reference(list(PROBES))
    for precision, model in candidates:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        options.optimized_model_filepath = str(work / MODEL_FILE)
        options.log_severity_level = 3
        ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        replace(info, precision=precision).save(work)
        tower = QueryTower(work)
        vectors = np.stack([tower.encode_query(text) for text in PROBES])
        cosine = float(np.min(np.sum(vectors * reference, axis=1)))
        logger.info("%s tower of %s: cosine %.5f to the model", precision, info.model_id, cosine)
        if cosine >= MIN_COSINE:
            info = replace(info, precision=precision, cosine=round(cosine, 6))
            info.save(work)
            for path in candidates:
                path[1].unlink(missing_ok=True)
            return info
    return None


def _versions() -> str:
    import onnxruntime

    return f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}"


def _quantized(fp32: Path) -> Path:
    """A dynamic int8 copy: weights of MatMul, Gemm and Gather (embeddings) per channel."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    int8 = fp32.with_name("int8.onnx")
    root = logging.getLogger()
    was_disabled, root.disabled = root.disabled, True
    try:  # the quantizer logs a "run pre-processing first" hint to the root logger
        quantize_dynamic(
            fp32, int8, weight_type=QuantType.QInt8, per_channel=True,
            op_types_to_quantize=["MatMul", "Gemm", "Gather"],
        )  # fmt: skip
    finally:
        root.disabled = was_disabled
    return int8
