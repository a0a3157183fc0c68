"""Whole-process times of ``mediasift`` commands, as a person at a terminal feels them.

A library of ``items`` files (random vectors in the real models' spaces, one text segment per
file, built as ``bench query`` builds its libraries) is searched by fresh processes: each case
runs ``runs`` times, the cases interleaved so machine noise spreads over all of them; then the
same search again while an indexer (``mediasift watch``) runs and answers it over its socket.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mediasift.bench.data import bench_settings
from mediasift.bench.query import fill_library
from mediasift.config import Settings, cache_dir
from mediasift.ipc import ask
from mediasift.library import Library

SEARCH = ("search", "a red car", "-n", "5")
CASES = {"search": SEARCH, "status": ("status",), "help": ("--help",)}


def mediasift_command() -> list[str]:
    """The installed ``mediasift`` script beside this interpreter, as a user runs it."""
    script = Path(sys.executable).with_name("mediasift")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "mediasift.cli"]


def _timed(env: dict, args: tuple[str, ...]) -> float:
    started = time.perf_counter()
    done = subprocess.run([*mediasift_command(), *args], env=env, capture_output=True, timeout=300)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"mediasift {' '.join(args)} failed: {done.stderr.decode()[-500:]}")
    return seconds


def _summary(times: list[float]) -> dict:
    return {"median_s": round(statistics.median(times), 3), "worst_s": round(max(times), 3)}


def _towers(home: Path, settings: Settings) -> dict:
    """Which query tower each signal uses, and how close it came to the torch model."""
    with Library(home, settings) as lib:
        towers = {role: lib.query_tower(role) for role in ("visual", "text")}
    return {
        role: {"precision": t.info.precision, "cosine_to_torch_fp32": t.info.cosine}
        if t
        else "none: searches load torch"
        for role, t in towers.items()
    }


def _with_indexer(env: dict, home: Path, runs: int) -> list[float]:
    watch = subprocess.Popen(
        [*mediasift_command(), "watch"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while ask(home, {"op": "ping"}, timeout=5) is None:
            if watch.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the indexer did not start answering")
            time.sleep(0.2)
        return [_timed(env, SEARCH) for _ in range(runs)]
    finally:
        watch.send_signal(signal.SIGTERM)
        watch.wait(timeout=120)


def bench_cli(
    runs: int, items: int, model: str | None, text_model: str | None, keep: Path | None
) -> dict:
    settings = bench_settings(model, text_model, ocr=False)
    with tempfile.TemporaryDirectory() as tmp:
        home = keep / f"cli-{items}" if keep else Path(tmp)
        if not (home / "catalog.sqlite3").exists():
            fill_library(home, settings, items, per_file=1)  # the model loads make the query towers
        env = {
            **os.environ,
            "MEDIASIFT_HOME": str(home),
            "MEDIASIFT_CACHE": str(cache_dir()),  # the towers fill_library made
            "MEDIASIFT_MODEL": settings.model,
            "MEDIASIFT_TEXT_MODEL": settings.text_model or "",
        }
        times: dict[str, list[float]] = {case: [] for case in CASES}
        for _ in range(runs):
            for case, args in CASES.items():
                times[case].append(_timed(env, args))
        served = _with_indexer(env, home, runs)
        return {
            "items": items,
            "runs": runs,
            "model": settings.model,
            "text_model": settings.text_model,
            "towers": _towers(home, settings),
            **{" ".join(args): _summary(times[case]) for case, args in CASES.items()},
            f"{' '.join(SEARCH)} (indexer running)": _summary(served),
        }
