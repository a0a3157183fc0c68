"""Where the encoder runs: CUDA when present, Apple MPS on a Mac, else the CPU."""

from __future__ import annotations

import logging
import os
import platform

import torch

logger = logging.getLogger(__name__)

_KNOWN = ("cuda", "mps", "cpu")


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def choose_device(preferred: str | None = None) -> str:
    """Return "cuda", "mps" or "cpu".

    ``preferred`` (from settings or ``--device``) wins when that device exists; a preferred device
    that is missing falls back to the best available one with a warning, so a settings file copied
    from a GPU machine does not stop the app on a laptop.
    """
    if preferred:
        wanted = preferred.strip().lower()
        base = wanted.split(":", 1)[0]
        if base not in _KNOWN:
            logger.warning("Unknown device %r; choosing automatically.", preferred)
        elif base == "cpu":
            return "cpu"
        elif base == "cuda" and torch.cuda.is_available():
            return wanted
        elif base == "mps" and _mps_available():
            return "mps"
        else:
            logger.warning("Device %r is not available here; choosing automatically.", preferred)
    if torch.cuda.is_available():
        return "cuda"
    if _mps_available():
        return "mps"
    return "cpu"


def describe_device(device: str | None = None) -> str:
    """One line for ``mediasift doctor``: device, its memory or threads, torch version."""
    device = device or choose_device()
    if device.startswith("cuda"):
        index = torch.device(device).index or 0
        props = torch.cuda.get_device_properties(index)
        gib = props.total_memory / 2**30
        return f"cuda: {props.name} ({gib:.0f} GiB), torch {torch.__version__}"
    if device == "mps":
        return f"mps: Apple GPU ({platform.machine()}), torch {torch.__version__}"
    cores = os.cpu_count() or 1
    return (
        f"cpu: {torch.get_num_threads()} torch threads on {cores} cores, no GPU found, "
        f"torch {torch.__version__}"
    )
