"""``mediasift bench gpu``: the Qwen3-VL path on a CUDA GPU, with random weights of the real size.

No VLM weights can be downloaded here, and random weights cost exactly the compute of trained
ones, so Qwen3-VL-Embedding-2B and Qwen3-VL-Reranker-2B are built here (models.random_qwen),
loaded through the app's own loaders, and timed: pictures/s, video frames/s (scene frames that
PyAV decodes from a 1080p clip, encoded as pictures, as the indexer does), one typed query's
latency, reranking the top of a result list, and peak GPU memory. Their tokenizer is a small
byte-level one, so a query is about three times as many tokens as with Qwen's (pictures are
not affected): the query and rerank times are upper bounds. ``measure`` also runs on a CPU
with tiny models, which is how the tests check it.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from mediasift.bench.clips import Shot, write_scene_clip
from mediasift.bench.data import cache_dir, photo
from mediasift.media.video import cut_scenes
from mediasift.models import load_encoder
from mediasift.models.random_qwen import (
    Size,
    save_random_qwen3_vl_embedder,
    save_random_qwen3_vl_reranker,
)
from mediasift.models.rerank import Reranker

log = logging.getLogger(__name__)

QUERY = "the slide with the revenue chart for the third quarter"


def _random_model(kind: str, size: Size, device: str) -> Path:
    """A cached random model folder; ``2b`` is made on the GPU in bfloat16 (4.3 GB)."""
    save = {"embedder": save_random_qwen3_vl_embedder, "reranker": save_random_qwen3_vl_reranker}
    folder = cache_dir() / f"qwen3-vl-{kind}-{size}-random"
    if not (folder / "modules.json").exists():
        dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
        save[kind](folder, size, device=device, dtype=dtype)
    return folder


def _clip_frames(count: int, size: tuple[int, int], max_side: int) -> list[Image.Image]:
    """``count`` scene frames of a clip (one per scene, repeated), decoded by PyAV."""
    path = cache_dir() / f"gpu-scenes-{size[0]}x{size[1]}.mp4"
    if not path.exists():
        shots = [Shot("shapes", 2, seed) for seed in range(6)] + [Shot("text", 2, 7)]
        write_scene_clip(path, shots, size=size, fps=12)
    frames = [scene.frames[len(scene.frames) // 2] for scene in cut_scenes(path, max_side=max_side)]
    return [frames[i % len(frames)] for i in range(count)]


def _per_second(encode: Callable[[list], object], items: list, batch_size: int) -> float:
    """Items/s of ``encode`` over ``items`` in batches, after one warm-up batch."""
    encode(items[:batch_size])
    started = time.perf_counter()
    for start in range(0, len(items), batch_size):
        encode(items[start : start + batch_size])
    return len(items) / (time.perf_counter() - started)


def _millis(run: Callable[[], object], times: int) -> list[float]:
    """Wall milliseconds of ``times`` calls, after two warm-up calls."""
    for _ in range(2):
        run()
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def _tokens(encoder, picture: Image.Image) -> int:
    """Visual tokens the model reads for one prepared picture."""
    grid = encoder.model[0].preprocess([picture])["image_grid_thw"][0]
    return int(grid.prod()) // 4  # 2x2 patches merge into one token


def _gib(device: str, peak: bool = True) -> float:
    if not device.startswith("cuda"):
        return 0.0
    used = torch.cuda.max_memory_allocated() if peak else torch.cuda.memory_allocated()
    return round(used / 2**30, 2)


def measure(
    device: str,
    size: Size,
    model: str | None = None,
    reranker: str | None = None,
    images: int = 64,
    batch_size: int = 16,
    queries: int = 50,
    rerank_top: int = 20,
    frame_size: tuple[int, int] = (1920, 1080),
) -> dict:
    """Load the embedder and the reranker on ``device`` and time them (see the module doc)."""
    rng = np.random.default_rng(0)
    model = model or str(_random_model("embedder", size, device))
    reranker = reranker or str(_random_model("reranker", size, device))
    if device.startswith("cuda"):  # making the models is not what is measured
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    encoder = load_encoder(model, device)
    load_s = time.perf_counter() - started
    weights_gib = _gib(device, peak=False)
    pictures = [encoder.prepare_image(photo(rng, 1600, 1200)) for _ in range(images)]
    decoded = _clip_frames(images, frame_size, encoder.image_size)
    frames = [encoder.prepare_image(frame) for frame in decoded]
    pictures_per_s = _per_second(encoder.encode_prepared, pictures, batch_size)
    frames_per_s = _per_second(encoder.encode_prepared, frames, batch_size)
    query_ms = _millis(lambda: encoder.encode_texts([QUERY]), queries)
    embedder_peak = _gib(device)
    started = time.perf_counter()
    judge = Reranker.load(reranker, device)
    reranker_load_s = time.perf_counter() - started
    top = pictures[:rerank_top]
    rerank_ms = _millis(lambda: judge.rerank(QUERY, top), 5)
    return {
        "device": torch.cuda.get_device_name(device) if device.startswith("cuda") else device,
        "torch": torch.__version__,
        "embedder": encoder.space.model_id,
        "reranker": judge.model_id,
        "embedder_load_s": round(load_s, 1),
        "reranker_load_s": round(reranker_load_s, 1),
        "batch_size": batch_size,
        "picture_size": list(pictures[0].size),
        "tokens_per_picture": _tokens(encoder, pictures[0]),
        "pictures_per_s": round(pictures_per_s, 1),
        "frame_size": list(frames[0].size),
        "tokens_per_frame": _tokens(encoder, frames[0]),
        "video_frames_per_s": round(frames_per_s, 1),
        "query_ms_median": round(statistics.median(query_ms), 1),
        "query_ms_p95": round(float(np.percentile(query_ms, 95)), 1),
        "rerank_top": len(top),
        "rerank_ms_median": round(statistics.median(rerank_ms), 1),
        "embedder_weights_gib": weights_gib,
        "embedder_peak_gib": embedder_peak,
        "peak_gib_both_models": _gib(device),
    }


def bench_gpu(
    model: str | None,
    reranker: str | None,
    images: int,
    batch_size: int,
    queries: int,
    rerank_top: int,
) -> dict:
    """The real-sized models (random weights unless given) on the first CUDA device."""
    return measure("cuda", "2b", model, reranker, images, batch_size, queries, rerank_top)
