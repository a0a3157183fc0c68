"""Making towers: one side of a loaded torch model exported to ONNX and verified.

Query towers (the text side, :mod:`mediasift.models.towers`) and image towers (the picture
side, :mod:`mediasift.models.image_export`) are made the same way, once per model, in whatever
process first loads it with torch (the indexer, usually): export with ``torch.onnx.export``
(the dynamo exporter), try an int8 copy, save it optimized, and keep the first candidate whose
vectors stay close enough to the torch model's fp32 vectors on probes; else fp32 where that is
a candidate; else none (the torch path stays, and the reason is kept beside the cache so the
export is not retried on every start).

For queries, the int8 copy is dynamic, per channel, the token embeddings included: 64 MB
instead of 250 MB for CLIP ViT-B/32's text side, which also makes it open in ~0.1 s.

Sentence Transformers' own ONNX backend needs optimum-onnx, which requires transformers < 4.58;
this project runs transformers 5, so the export is done here for every model kind.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

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
)

logger = logging.getLogger(__name__)

T = TypeVar("T")
#: Makes a tower's files in the folder it is given; False when no candidate was close enough.
Maker = Callable[[Path], bool]

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

    def prepare() -> Maker | None:
        make_source = getattr(encoder, "tower_source", None)
        source = make_source() if make_source is not None else None
        if source is None:
            return None
        info = TowerInfo(
            space.model_id, space.revision, space.dim, min_score,
            inputs=(), max_length=source.max_length, prompt=source.prompt,
            lowercase=source.lowercase,
        )  # fmt: skip
        return lambda work: _make(source, info, work)

    return made_once(
        tower_dir(space), lambda: open_tower(space), prepare, f"fast search for {space.model_id}"
    )


def made_once(
    folder: Path, open_made: Callable[[], T | None], prepare: Callable[[], Maker | None], what: str
) -> T | None:
    """What ``folder`` holds, opened; else made now (in a sibling, moved into place whole),
    else None with the reason kept beside it, so the same torch and onnxruntime do not try
    again. ``prepare`` is asked only when making is due; it returns None when it cannot be."""
    made = open_made()
    if made is not None:
        return made
    failed = folder.with_name(folder.name + ".failed")
    versions = _versions()
    if failed.is_file():
        tried_with, _, why = failed.read_text(encoding="utf-8").partition("\n")
        if tried_with == versions:  # a new torch or onnxruntime gets another try
            logger.info("No %s: %s", what, why)
            return None
    make = prepare()
    if make is None:
        return None
    logger.info("Preparing %s (once; this takes a few seconds)", what)
    folder.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(folder, ignore_errors=True)  # an unusable one from before
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=folder.parent))
    try:
        ok = make(work)
    except Exception as exc:  # torch.onnx raises many kinds; any of them means "none"
        logger.warning("Could not export to ONNX for %s (%s); torch is used", what, exc)
        ok, why = False, f"the ONNX export failed: {exc}"
    else:
        why = "its ONNX export differs too much from the model's own vectors"
    try:
        if not ok:
            failed.write_text(f"{versions}\n{why}", encoding="utf-8")
            return None
        work.rename(folder)  # atomic: a reader sees nothing or the whole of it
    except OSError:
        if not folder.is_dir():  # else another process made it meanwhile: use theirs
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return open_made()


def export_onnx(
    module: torch.nn.Module,
    example: dict[str, torch.Tensor],
    dynamic: dict[str, dict[int, Any]],
    output: str,
    path: Path,
) -> None:
    """``module(**example)`` exported to ``path`` as one file, its inputs named as in
    ``example``, with the exporter's chatter kept out of the log."""
    for chatty in ("onnx_ir", "onnxscript"):  # one INFO line per graph pass otherwise
        logging.getLogger(chatty).setLevel(logging.WARNING)
    # "torchvision is not installed. Skipping torchvision::nms" and the like: not needed here.
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("ignore")  # the exporter's deprecation and tracing chatter
        torch.onnx.export(
            module.eval(),
            (),
            str(path),
            kwargs=example,
            input_names=list(example),
            output_names=[output],  # a name no model uses inside
            dynamic_shapes=dynamic,
            dynamo=True,
            external_data=False,
            verbose=False,
        )


def keep_first_close(
    kind: str,
    candidates: list[tuple[str, Path]],
    info: TowerInfo,
    work: Path,
    cosine_of: Callable[[Path], float],
    min_cosine: float,
) -> bool:
    """Save each candidate optimized as the ``kind`` tower in ``work`` and keep the first whose
    lowest cosine to the torch model (``cosine_of`` the folder) is at least ``min_cosine``."""
    import onnxruntime as ort

    for precision, model in candidates:
        options = ort.SessionOptions()
        # Extended, not all: the saved graph must not hold this CPU's own memory layouts.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        options.optimized_model_filepath = str(work / MODEL_FILE)
        options.log_severity_level = 3
        ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        replace(info, precision=precision).save(work)
        cosine = cosine_of(work)
        logger.info("%s %s of %s: cosine %.5f to the model", precision, kind, info.model_id, cosine)
        if cosine >= min_cosine:
            replace(info, precision=precision, cosine=round(cosine, 6)).save(work)
            for _, path in candidates:
                path.unlink(missing_ok=True)
            return True
    return False


def quantized(fp32: Path, op_types: list[str]) -> Path:
    """A dynamic int8 copy: the weights of ``op_types`` per channel, activations per call."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    int8 = fp32.with_name("int8.onnx")
    with root_logger_silenced():
        quantize_dynamic(
            fp32, int8, weight_type=QuantType.QInt8, per_channel=True,
            op_types_to_quantize=op_types,
        )  # fmt: skip
    return int8


@contextmanager
def root_logger_silenced() -> Iterator[None]:
    """onnxruntime's quantizers log a "run pre-processing first" hint to the root logger."""
    root = logging.getLogger()
    was_disabled, root.disabled = root.disabled, True
    try:
        yield
    finally:
        root.disabled = was_disabled


def _make(source: TowerSource, info: TowerInfo, work: Path) -> bool:
    """Export, then keep the first candidate (int8, fp32) close enough to the torch model."""
    example = source.tokenizer(list(PROBES[:2]), padding=True, return_tensors="pt")
    names = tuple(name for name in _INPUTS if name in example)
    info = replace(info, inputs=names)
    fp32 = work / "fp32.onnx"
    batch, sequence = torch.export.Dim("batch"), torch.export.Dim("sequence")
    export_onnx(
        _Embed(source),
        {name: example[name] for name in names},
        {name: {0: batch, 1: sequence} for name in names},
        "query_vector",
        fp32,
    )
    candidates = [("fp32", fp32)]
    if source.quantize:  # the Gather: the token embeddings
        candidates.insert(0, ("int8", quantized(fp32, ["MatMul", "Gemm", "Gather"])))
    source.tokenizer.backend_tokenizer.save(str(work / TOKENIZER_FILE))
    reference = source.reference(list(PROBES))

    def cosine_of(folder: Path) -> float:
        tower = QueryTower(folder)
        vectors = np.stack([tower.encode_query(text) for text in PROBES])
        return float(np.min(np.sum(vectors * reference, axis=1)))

    return keep_first_close("query tower", candidates, info, work, cosine_of, MIN_COSINE)


def _versions() -> str:
    import onnxruntime

    return f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}"
