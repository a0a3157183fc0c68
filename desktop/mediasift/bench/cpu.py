"""CPU image encoding: each way of running CLIP's image side, against torch fp32 in one run.

Every option encodes the same prepared photos (bench.photos: real photographs). Speed is
taken in rounds, every option once per round and batch size in turn, and each option's ratio
is the median over rounds of its images/s over torch fp32's in the same round, so the drift of
a shared machine hits both sides. Closeness is each option's cosine to torch fp32's vectors
of every photo, encoded in batches of the pipeline's size.

"shipped" is what :class:`~mediasift.models.clip.ClipEncoder` does on a CPU now, made from
nothing in a fresh cache (its first-load time), so the figure is the product's, not a copy's.
Resident memory is read in fresh processes: the model loaded and one batch encoded, with
torch alone and with the shipped image tower.
"""

from __future__ import annotations

import copy
import logging
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

from mediasift.bench.data import random_clip
from mediasift.bench.photos import real_photos
from mediasift.config import CACHE_ENV
from mediasift.models.clip import ClipEncoder
from mediasift.models.encoder import l2_normalize
from mediasift.models.export import root_logger_silenced
from mediasift.models.image_export import (
    export_image_side,
    probe_pixels,
    quantized_image_side,
)
from mediasift.models.loading import resolve_model

log = logging.getLogger(__name__)

BASELINE = "torch fp32"
SHIPPED = "shipped: ClipEncoder on a CPU"
#: Issue 10's figure: this times torch fp32's images/s, vectors within this cosine of its.
TARGET_RATIO, TARGET_COSINE = 1.35, 0.99
Encode = Callable[[np.ndarray], np.ndarray]


def bench_cpu(
    model: str | None,
    photos: Path | None,
    count: int,
    batch_sizes: list[int],
    rounds: int,
    compile_torch: bool,
) -> dict:
    """Images/s, ratio to torch fp32 and cosine to its vectors, per option."""
    folder, model_id, revision = resolve_model(model or str(random_clip()))
    with tempfile.TemporaryDirectory(prefix="mediasift-bench-cpu-") as work:
        with _env(CACHE_ENV, work):  # the shipped tower made from nothing, then reopened
            started = time.perf_counter()
            shipped = ClipEncoder.load(folder, model_id, revision)
            first_load = time.perf_counter() - started
            started = time.perf_counter()
            ClipEncoder.load(folder, model_id, revision)
            cached_load = time.perf_counter() - started
            rss = {
                which: _rss_in_fresh_process(folder, model_id, revision, which)
                for which in ("torch", "shipped")
            }
        torch_encoder = ClipEncoder.load(folder, model_id, revision, image_tower=False)
        views, origin = real_photos(count, photos)
        pixels = np.stack([shipped.prepare_image(view) for view in views])
        options, setup = _options(
            torch_encoder, shipped, pixels, batch_sizes, compile_torch, Path(work)
        )
    reference = _in_batches(options[BASELINE], pixels, max(batch_sizes))
    tower = shipped.image_tower
    figures: dict = {
        "model": model_id,
        "photos": origin,
        "cores": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "shipped": f"onnxruntime {tower.info.precision}" if tower else "torch fp32",
        "shipped_cosine_at_export": tower.info.cosine if tower else 1.0,
        "first_load_s": round(first_load, 1),
        "cached_load_s": round(cached_load, 1),
        "rss_mb": rss,
        "batch_sizes": batch_sizes,
        "options": {},
    }
    speed = _speeds(options, pixels, batch_sizes, rounds)
    for name, encode in options.items():
        cosines = np.sum(_in_batches(encode, pixels, max(batch_sizes)) * reference, axis=1)
        figures["options"][name] = {
            "setup_s": round(setup[name], 1),
            **speed[name],
            "cosine_mean": round(float(cosines.mean()), 5),
            "cosine_min": round(float(cosines.min()), 5),
        }
    row = figures["options"][SHIPPED]
    figures["meets_target"] = (
        row[f"b{max(batch_sizes)}_ratio"] >= TARGET_RATIO and row["cosine_min"] >= TARGET_COSINE
    )
    return figures


def format_figures(figures: dict) -> str:
    """The figures as a table, one option a line."""
    lines = [f"{key}: {value}" for key, value in figures.items() if key != "options"]
    lines.append(f"(target: >= {TARGET_RATIO}x at the largest batch, cosine >= {TARGET_COSINE})")
    for name, row in figures["options"].items():
        speeds = ", ".join(
            f"b{size} {row[f'b{size}_images_s']} img/s ({row[f'b{size}_ratio']}x)"
            for size in figures["batch_sizes"]
        )
        lines.append(
            f"{name:45} {speeds}; cosine mean {row['cosine_mean']:.5f} "
            f"min {row['cosine_min']:.5f}; setup {row['setup_s']} s"
        )
    return "\n".join(lines)


def _options(
    torch_encoder: ClipEncoder,
    shipped: ClipEncoder,
    pixels: np.ndarray,
    batch_sizes: list[int],
    compile_torch: bool,
    work: Path,
) -> tuple[dict[str, Encode], dict[str, float]]:
    """Each option's encode function, and the seconds it took to make (ONNX files in
    ``work``: sessions have read them by the time it is deleted)."""
    model = torch_encoder.model
    options: dict[str, Encode] = {}
    setup: dict[str, float] = {}

    def add(name: str, make: Callable[[], Encode]) -> None:
        started = time.perf_counter()
        try:
            encode = make()
            for size in batch_sizes:  # warm: first calls allocate, plan, compile per shape
                encode(pixels[:size])
        except Exception as exc:  # an option that does not work here is reported, not fatal
            log.warning("%s: not measured (%s)", name, exc)
            return
        setup[name] = time.perf_counter() - started
        options[name] = encode

    add(BASELINE, lambda: lambda batch: torch_encoder.encode_prepared(list(batch)))
    options[SHIPPED], setup[SHIPPED] = (lambda batch: shipped.encode_prepared(list(batch))), 0.0
    add("torch fp32, 1 thread", lambda: _one_thread(_torch(model.get_image_features)))
    add(
        "torch fp32, channels-last",
        lambda: _torch(_channels_last(model).get_image_features, channels_last=True),
    )
    if compile_torch:
        add("torch fp32, torch.compile", lambda: _compiled(model))
    add("torch int8 dynamic (Linear)", lambda: _torch(_torch_int8(model).get_image_features))
    source = torch_encoder.image_tower_source()
    fp32 = work / "fp32.onnx"
    add("onnxruntime fp32", lambda: _onnx(_exported(source, pixels, fp32)))
    if fp32.is_file():
        int8 = quantized_image_side(fp32)
        add("onnxruntime int8 dynamic, spinning threads", lambda: _onnx(int8, spinning=True))
        add("onnxruntime int8 static (QDQ)", lambda: _onnx(_static_int8(fp32, source)))
        add("openvino fp32", lambda: _openvino(fp32, "f32"))
        add("openvino, its default precision", lambda: _openvino(fp32, None))
    return options, setup


def _speeds(
    options: dict[str, Encode], pixels: np.ndarray, batch_sizes: list[int], rounds: int
) -> dict[str, dict]:
    """Per option and batch size: median images/s over rounds, and median ratio to torch."""
    rates = {name: {size: [] for size in batch_sizes} for name in options}
    for _ in range(rounds):
        for size in batch_sizes:
            calls = max(1, 32 // size)
            for name, encode in options.items():
                started = time.perf_counter()
                for call in range(calls):
                    at = (call * size) % (len(pixels) - size + 1)
                    encode(pixels[at : at + size])
                rates[name][size].append(calls * size / (time.perf_counter() - started))
    speed: dict[str, dict] = {}
    for name, by_size in rates.items():
        speed[name] = {}
        for size, values in by_size.items():
            base = rates[BASELINE][size]
            ratio = statistics.median(v / b for v, b in zip(values, base, strict=True))
            speed[name][f"b{size}_images_s"] = round(statistics.median(values), 1)
            speed[name][f"b{size}_ratio"] = round(ratio, 2)
    return speed


def _in_batches(encode: Encode, pixels: np.ndarray, size: int) -> np.ndarray:
    return np.concatenate([encode(pixels[at : at + size]) for at in range(0, len(pixels), size)])


# -- the options ------------------------------------------------------------------------------


def _torch(features: Callable[..., object], channels_last: bool = False) -> Encode:
    def encode(pixels: np.ndarray) -> np.ndarray:
        batch = torch.from_numpy(pixels)
        if channels_last:
            batch = batch.contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            out = features(pixel_values=batch)
        return l2_normalize(getattr(out, "pooler_output", out).float().numpy())

    return encode


def _one_thread(encode: Encode) -> Encode:
    def alone(pixels: np.ndarray) -> np.ndarray:
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return encode(pixels)
        finally:
            torch.set_num_threads(threads)

    return alone


def _compiled(model: torch.nn.Module) -> Encode:
    """torch.compile compiles ``forward``; CLIP's images go through ``get_image_features``."""
    return _torch(torch.compile(copy.deepcopy(model).get_image_features))


def _channels_last(model: torch.nn.Module) -> torch.nn.Module:
    return copy.deepcopy(model).to(memory_format=torch.channels_last)


def _torch_int8(model: torch.nn.Module) -> torch.nn.Module:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated in favour of torchao, still shipped
        return torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8
        )


def _exported(source, pixels: np.ndarray, path: Path) -> Path:
    export_image_side(source, pixels[:2], path)
    return path


def _onnx(path: Path, spinning: bool = False) -> Encode:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    options.log_severity_level = 3
    if not spinning:  # as the shipped tower (models.towers.ImageTower)
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return lambda pixels: l2_normalize(session.run(None, {"pixel_values": pixels})[0])


def _static_int8(fp32: Path, source) -> Path:
    """int8 weights and activations with fixed scales, calibrated on the probe photos."""
    from onnxruntime.quantization import CalibrationDataReader, QuantType, quantize_static

    class Probes(CalibrationDataReader):
        def __init__(self) -> None:
            self._views = iter(probe_pixels(source.prepare))

        def get_next(self) -> dict | None:
            view = next(self._views, None)
            return None if view is None else {"pixel_values": view[None]}

    path = fp32.with_name("static.onnx")
    with root_logger_silenced():
        quantize_static(
            fp32, path, Probes(), per_channel=True, weight_type=QuantType.QInt8,
            activation_type=QuantType.QUInt8, op_types_to_quantize=["MatMul", "Gemm"],
        )  # fmt: skip
    return path


def _openvino(path: Path, precision: str | None) -> Encode:
    import openvino

    config = {"INFERENCE_PRECISION_HINT": precision} if precision else {}
    compiled = openvino.Core().compile_model(str(path), "CPU", config)
    return lambda pixels: l2_normalize(compiled(pixels)[0])


# -- loading and memory -----------------------------------------------------------------------


def _rss_in_fresh_process(folder: Path, model_id: str, revision: str, which: str) -> int:
    """Resident MB of a fresh process (this one's environment: the same tower cache) that
    loaded the model (``which``: "torch" or "shipped") and encoded a batch of 16."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool:
        return pool.submit(_resident_after_load, folder, model_id, revision, which).result()


def _resident_after_load(folder: Path, model_id: str, revision: str, which: str) -> int:
    import psutil

    encoder = ClipEncoder.load(folder, model_id, revision, image_tower=which == "shipped")
    size = encoder.image_size
    encoder.encode_prepared([np.zeros((3, size, size), np.float32)] * 16)
    return psutil.Process().memory_info().rss >> 20


@contextmanager
def _env(name: str, value: str):
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old
