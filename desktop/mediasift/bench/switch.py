"""A visual model switch on a large library, searched throughout as the window searches it.

The library is indexed with model A by ``mediasift index``; the settings then name model B
and the real indexer (``mediasift watch --json``) builds B's space, while this process, a
reader like the window, types queries into its own Library: latency percentiles before,
during and after the rebuild. Every answer is checked for the wrong space: the model that
answered must be A until B's space is ready (B after; either while the flag turns), and each
result matched by look must hold a vector in the answering model's space.

Both models are tiny random CLIPs made here (A and B differ only in weights, so nothing but
the bookkeeping keeps their vectors apart): the figure is search during a rebuild, not
encoding speed, which ``bench index`` measures.
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from mediasift.bench.commands import mediasift_command
from mediasift.bench.data import bench_settings, photo, random_clip
from mediasift.bench.idle import Indexer
from mediasift.library import VISUAL, Library

log = logging.getLogger(__name__)

QUERIES = ("a beach at sunset", "red car", "screenshot of an error", "my cat", "mountains",
           "birthday cake", "a receipt", "green field", "city at night", "blue sky")  # fmt: skip
REBUILD_TIMEOUT_S = 3600.0
TYPING_S = 0.1  # between searches: each keystroke of a fast typist is one


def _photos(folder: Path, count: int) -> None:
    rng = np.random.default_rng(7)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        photo(rng, 160, 120).save(folder / f"photo-{i:05d}.jpg", "JPEG", quality=85)


def _percentiles(latencies: list[float]) -> dict:
    if not latencies:
        return {"searches": 0}
    ms = np.asarray(latencies) * 1000
    return {"searches": len(ms), "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p99_ms": round(float(np.percentile(ms, 99)), 1),
            "max_ms": round(float(ms.max()), 1)}  # fmt: skip


class Checker:
    """Counts the answers from a space other than the one that should answer."""

    def __init__(self, lib: Library, old: str, new: str) -> None:
        self.lib, self.old, self.new = lib, old, new
        self.wrong_space = self.without_vector = self.checked_results = 0

    def new_ready(self) -> bool:
        return any(
            s.ready and s.space.model_id == self.new for s in self.lib.library_spaces(VISUAL)
        )

    def check(self, response, ready_before: bool, ready_after: bool) -> None:
        answered = response.spaces.get("look")
        allowed = (
            {self.new} if ready_before else {self.old} if not ready_after else {self.old, self.new}
        )
        self.wrong_space += answered not in allowed
        space_id = next(
            (s.id for s in self.lib.library_spaces(VISUAL) if s.space.model_id == answered), None
        )
        for result in response.results:
            if "look" in result.why:
                self.checked_results += 1
                self.without_vector += (
                    space_id is None
                    or self.lib.catalog.file_vector(result.file_id, space_id) is None
                )


def bench_switch(files: int, model: str | None = None) -> dict:
    """Search latency before, during and after a visual model switch, and wrong-space answers."""
    root = Path(tempfile.mkdtemp(prefix="mediasift-switch-"))
    home, folder = root / "home", root / "photos"
    old_model = model or str(random_clip("tiny", 0))
    new_model = str(random_clip("tiny", 1))
    settings = bench_settings(old_model, min_score=-1.0, ocr=False)
    os.environ.setdefault("MEDIASIFT_CACHE", str(root / "cache"))  # the indexer's towers
    env = {**os.environ, "MEDIASIFT_HOME": str(home)}
    _photos(folder, files)
    home.mkdir(parents=True)
    settings.save(home / "config.toml")
    started = time.monotonic()
    subprocess.run([*mediasift_command(), "index", str(folder)], env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    figures: dict = {"files": files, "old_model": old_model, "new_model": new_model,
                     "index_old_s": round(time.monotonic() - started, 1)}  # fmt: skip
    switched = replace(settings, model=new_model)
    switched.save(home / "config.toml")

    with Library(home, switched) as lib:
        checker = Checker(lib, old_model, new_model)
        phases: dict[str, list[float]] = {"before": [], "during": [], "after": []}

        def search_for(phase: str, seconds: float) -> None:
            until = time.monotonic() + seconds
            while time.monotonic() < until:
                search_once(phase)

        def search_once(phase: str) -> bool:
            time.sleep(TYPING_S)
            ready_before = checker.new_ready()
            started = time.monotonic()
            lib.refresh()
            response = lib.search(QUERIES[len(phases[phase]) % len(QUERIES)], n=20)
            phases[phase].append(time.monotonic() - started)
            ready_after = checker.new_ready()
            checker.check(response, ready_before, ready_after)
            return ready_after

        search_for("before", 10.0)
        indexer = Indexer(home)
        started = time.monotonic()
        try:
            while not search_once("during"):
                if time.monotonic() - started > REBUILD_TIMEOUT_S or indexer.process.poll():
                    raise RuntimeError("the new space was not built")
            figures["rebuild_s"] = round(time.monotonic() - started, 1)
            search_for("after", 10.0)
        finally:
            indexer.stop()
        figures.update({f"search_{phase}": _percentiles(times) for phase, times in phases.items()})
        figures.update(
            wrong_space_answers=checker.wrong_space,
            look_results_checked=checker.checked_results,
            look_results_off_space=checker.without_vector,
            spaces=[
                {k: s[k] for k in ("model_id", "vectors", "ready_at")} for s in lib.catalog.spaces()
            ],
        )
        gone = lib.prune()
        figures["pruned"] = [{k: g[k] for k in ("model_id", "vectors", "bytes")} for g in gone]
        response = lib.search(QUERIES[0], n=20)
        figures["after_prune_answered_by"] = response.spaces.get("look")
    return figures
