"""Indexing throughput: the whole pipeline against the model alone, measured in one run.

Model-only encodes already-prepared inputs in batches (no file I/O, no decoding); the pipeline
indexes the photo folder into a fresh library (scan, hash, decode, thumbnail, encode, write,
index save). The model-only figure is taken before and after the pipeline and averaged, so
drift on a noisy machine hits both sides.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from mediasift.bench.data import photo, photo_folder, random_clip
from mediasift.config import Settings
from mediasift.library import Library, LibraryError
from mediasift.media.image import decode_image
from mediasift.media.thumbs import THUMB_SIDE, save_thumbnail
from mediasift.pipeline.probe import file_digest

log = logging.getLogger(__name__)


def _cpu_seconds() -> float:
    """CPU time of this process, all threads."""
    usage = os.times()
    return usage.user + usage.system


def _model_only(encoder, prepared: list, count: int, batch_size: int) -> tuple[float, float]:
    """(images/s, CPU seconds per image) of encode_prepared alone over ``count`` inputs."""
    started, cpu = time.perf_counter(), _cpu_seconds()
    done = 0
    while done < count:
        size = min(batch_size, count - done)
        encoder.encode_prepared(prepared[:size])
        done += size
    return count / (time.perf_counter() - started), (_cpu_seconds() - cpu) / count


def _reading_cpu(encoder, files: list[Path], thumbs: Path) -> float:
    """CPU seconds per image of the pipeline's own work (hash, decode, thumbnail, prepare)."""
    cpu = _cpu_seconds()
    for path in files:
        digest = file_digest(str(path))
        decoded = decode_image(path, max(encoder.image_size, THUMB_SIDE))
        save_thumbnail(decoded.image, thumbs, digest)
        encoder.prepare_image(decoded.image)
    return (_cpu_seconds() - cpu) / len(files)


def bench_index(images: int, megapixels: float, model: str | None, batch_size: int) -> dict:
    """Pipeline vs model-only images/s, plus the CPU budget that bounds their ratio.

    When decoding and the model share all cores, the pipeline cannot beat
    cores / (model CPU + reading CPU) per image: ``cpu_bound_ratio`` is that ceiling.
    """
    folder = photo_folder(images, megapixels)
    model = model or str(random_clip())
    settings = Settings(model=model, batch_size=batch_size)
    with tempfile.TemporaryDirectory() as home, Library(Path(home), settings) as lib:
        started = time.perf_counter()
        encoder = lib.encoder()
        if encoder is None:
            raise LibraryError(lib.model_error)
        load_s = time.perf_counter() - started
        files = sorted(folder.glob("*.jpg"))[:images]
        prepared = [
            encoder.prepare_image(decode_image(p, encoder.image_size).image)
            for p in files[:batch_size]
        ]
        encoder.encode_prepared(prepared)  # warm-up
        before, model_cpu = _model_only(encoder, prepared, images, batch_size)
        lib.add_folder(folder)
        summary = lib.index()
        after, _ = _model_only(encoder, prepared, images, batch_size)
        reading_cpu = _reading_cpu(encoder, files[:16], Path(home) / "scratch-thumbs")
    model_ips = (before + after) / 2
    pipeline_ips = summary.encoded / summary.seconds
    cores = os.cpu_count() or 1
    return {
        "model": model,
        "images": images,
        "megapixels": megapixels,
        "mean_file_mb": round(sum(p.stat().st_size for p in files) / len(files) / 1e6, 2),
        "batch_size": batch_size,
        "cpu_cores": cores,
        "torch_threads": torch.get_num_threads(),
        "model_load_s": round(load_s, 2),
        "model_only_images_per_s": round(model_ips, 2),
        "model_only_before_after": [round(before, 2), round(after, 2)],
        "pipeline_images_per_s": round(pipeline_ips, 2),
        "pipeline_seconds": round(summary.seconds, 2),
        "encoded": summary.encoded,
        "failed": len(summary.failed),
        "ratio_pipeline_to_model": round(pipeline_ips / model_ips, 3),
        "model_cpu_ms_per_image": round(model_cpu * 1000, 1),
        "reading_cpu_ms_per_image": round(reading_cpu * 1000, 1),
        "cpu_bound_ratio": round(cores / (model_cpu + reading_cpu) / model_ips, 3),
    }


def bench_rename(count: int, model: str | None) -> dict:
    """Index ``count`` small images, rename every one of them, index again: count re-encodes."""
    settings = Settings(model=model or str(random_clip()))
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp, Library(Path(tmp) / "home", settings) as lib:
        folder = Path(tmp) / "photos"
        folder.mkdir()
        for i in range(count):
            photo(rng, 160, 120).save(folder / f"img-{i:05d}.jpg", quality=85)
        lib.add_folder(folder)
        first = lib.index()
        started = time.perf_counter()
        for path in folder.iterdir():
            path.rename(folder / f"renamed-{path.name}")
        renamed = lib.index()
        return {
            "files": count,
            "first_run_encoded": first.encoded,
            "renamed_run_moved": renamed.moved,
            "renamed_run_reencoded": renamed.encoded,
            "renamed_run_removed": renamed.removed,
            "rename_and_reindex_s": round(time.perf_counter() - started, 2),
        }
