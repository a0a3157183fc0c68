"""``mediasift bench dupes``: duplicate finding on a generated set, and its costs at scale.

Figures: pair recall and precision of tiers exact + same + edited together over the
generated transformed set (target recall >= 0.95 at precision >= 0.99); look-alike pictures
placed in those tiers (target 0), and pairs of distinct photos a bulk-tier rule relates by
chance (every pair of 10 x originals photos, not only candidates; target 0); perceptual
hashing images/s on one core with drafted JPEG decode (target >= 300/s); the scan of 100k
pictures whose hashes and embeddings are stored (synthetic: copies made by flipping hash bits,
their vectors near their original's; a real catalog and visual index; target < 60 s on 2
cores), per phase; apply + undo of a 1,000-file plan (every file back, byte-identical, 0
re-encodes). The library is indexed without a visual model: with the random-weight CLIP,
cosines are noise, and the tiers do not depend on them.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from mediasift.bench.data import photo
from mediasift.bench.dupeset import make_set
from mediasift.catalog import Catalog, Hashes, Segment, VectorItem
from mediasift.config import Settings
from mediasift.dedup.groups import BATCH
from mediasift.dedup.hashes import hash_file, picture_hashes
from mediasift.dedup.keeper import KeeperRules
from mediasift.dedup.model import BULK_TIERS, Item
from mediasift.dedup.relate import RULES, TIER_OF, Facts, classify
from mediasift.dedup.scan import scan
from mediasift.index.vectors import VectorIndex
from mediasift.library import Library

#: The synthetic embeddings: CLIP ViT-B/32's width, drawn from a 32-d latent.
DIM, LATENT = 512, 32


def _library(home: Path, folder: Path) -> Library:
    lib = Library(home, Settings(model="/nonexistent", text_model="/nonexistent", ocr=False))
    lib.add_folder(folder)
    lib.index()
    return lib


def _quality(originals: int, lookalikes: int, work: Path) -> dict:
    made = make_set(work / "set", originals, bursts=originals // 10, lookalike_pairs=lookalikes)
    rate = _hash_rate([m.path for m in made if m.path.suffix == ".jpg"])
    with _library(work / "home", work / "set") as lib:
        groups = lib.dupes(BULK_TIERS)
    group_of = {m.path: n for n, g in enumerate(groups) for m in g.members}
    copies = [m for m in made if m.tier in BULK_TIERS]
    scenes: dict[str, list] = {}
    for m in made:
        if m.how != "lookalike" and (m.tier in BULK_TIERS or m.how == "original"):
            scenes.setdefault(m.scene, []).append(str(m.path))
    truth = {frozenset(p) for files in scenes.values() for p in itertools.combinations(files, 2)}
    found = set()
    for g in groups:
        found |= {frozenset(p) for p in itertools.combinations([m.path for m in g.members], 2)}
    hits = len(found & truth)
    return {
        "files": len(made),
        "copies_in_bulk_tiers": len(copies),
        "pair_recall": round(hits / max(len(truth), 1), 4),
        "pair_precision": round(hits / max(len(found), 1), 4),
        "lookalikes_in_bulk_tiers": sum(
            str(m.path) in group_of for m in made if m.how == "lookalike"
        ),
        "phash_images_per_s": round(rate, 1),
        "phash_image_size": "640x480 JPEG (drafted decode), one core",
    }


def _chance(count: int) -> dict:
    """Every pair of ``count`` distinct generated photos (not only candidates) classified: how
    often chance alone makes a bulk-tier duplicate (target 0)."""
    rng = np.random.default_rng(1)
    items = []
    for n in range(count):
        h = picture_hashes(photo(rng, 640, 480))
        items.append(Item(n, f"/d/{n}.jpg", f"d{n}", 1, 0.0, 640, 480, None, h.phash, h.dhash,
                          h.turns, h.colour, h.sharpness))  # fmt: skip
    facts, (i, j) = Facts.of(items), np.triu_indices(count, 1)
    bulk = [n + 1 for n, rule in enumerate(RULES) if TIER_OF[rule] in BULK_TIERS]
    related = 0
    for start in range(0, len(i), BATCH):
        part = slice(start, start + BATCH)
        codes = classify(facts, i[part], j[part], np.full(len(i[part]), np.nan))
        related += int(np.isin(codes, bulk).sum())
    return {"distinct_pairs": len(i), "distinct_pairs_in_bulk_tiers": related}


def _cpus() -> set[int]:
    return os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()


def _hash_rate(paths: list[Path]) -> float:
    """Images hashed per second on one core (this thread pinned to one CPU where the OS
    allows), decode included."""
    hash_file(paths[0])  # first-use costs (imports) out of the measure
    cpus = _cpus()
    if cpus:
        os.sched_setaffinity(0, {min(cpus)})
    try:
        started = time.monotonic()
        for path in paths:
            hash_file(path)
        return len(paths) / (time.monotonic() - started)
    finally:
        if cpus:
            os.sched_setaffinity(0, cpus)


def _synthetic(n: int, rng: np.random.Generator) -> list[Item]:
    """``n`` pictures' facts: one in four an original, the rest its copies (a few bits
    flipped); hashes random otherwise."""
    items = []
    for i in range(n):
        if i % 4 == 0:
            base = [int(v) for v in rng.integers(0, 2**63, 5, dtype=np.int64)]
        flips = 0 if i % 4 == 0 else int(rng.integers(0, 2**63)) & int(rng.integers(0, 2**63))
        flips &= int(rng.integers(0, 2**63))  # ~8 bits
        phash = base[0] ^ flips
        items.append(Item(i, f"/lib/{i}.jpg", f"h{i}", 1000 + i, 0.0, 640, 480, None, phash,
                          base[1] ^ flips, tuple(base[2:5]), 0x808080, 10.0))  # fmt: skip
    return items


def _embeddings(n: int, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors in the layout of ``_synthetic``: a copy within cosine ~0.96 of its
    original. A model's embeddings vary along a few dozen directions, not all of them (and
    HNSW is far slower on isotropic noise), so originals are drawn from a 32-d latent."""
    originals = rng.normal(size=(-(-n // 4), LATENT)) @ rng.normal(size=(LATENT, DIM))
    originals /= np.linalg.norm(originals, axis=1, keepdims=True)
    vectors = np.repeat(originals, 4, axis=0)[:n] + rng.normal(0, 0.2 / DIM**0.5, (n, DIM))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _stored(folder: Path, n: int) -> tuple[Catalog, VectorIndex]:
    """A catalog of ``n`` synthetic pictures with their hashes and embeddings, and its visual
    index: what a library holds once indexed."""
    rng = np.random.default_rng(0)
    items, vectors = _synthetic(n, rng), _embeddings(n, rng)
    catalog = Catalog(folder / "catalog.db")
    space_id = catalog.ensure_space("synthetic", "0", DIM)
    folder_id = catalog.add_folder("/lib")
    with catalog.transaction():
        segments = []
        for it in items:
            file_id = catalog.insert_file(folder_id, it.path, it.size, it.mtime, hash=it.hash,
                                          kind="photo", width=it.width, height=it.height,
                                          status="indexed")  # fmt: skip
            segments.append(catalog.put_segment(file_id, Segment(0, "image")))
            catalog.set_hashes(segments[-1], Hashes(it.phash, it.dhash, it.turns, it.colour,
                                                    it.sharpness))  # fmt: skip
        pairs = zip(segments, vectors, strict=True)
        catalog.add_vectors(space_id, [VectorItem(segment, v) for segment, v in pairs])
    index = VectorIndex(folder, space_id, DIM)
    index.open(catalog)
    return catalog, index


def _scale(n: int, work: Path) -> dict:
    """Grouping ``n`` stored pictures with embeddings: the scan ``mediasift dupes`` runs."""
    started = time.monotonic()
    catalog, index = _stored(work / "scale", n)
    setup = time.monotonic() - started
    phases: dict[str, float] = {}
    started, cpu = time.monotonic(), time.process_time()
    groups = scan(catalog, KeeperRules(), index, timings=phases)
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu
    catalog.close()
    return {"grouping_items": n, "grouping_seconds": round(seconds, 1),
            "grouping_cpu_seconds": round(cpu, 1), "grouping_phases": phases,
            "grouping_groups": len(groups), "grouping_cpus": len(_cpus()) or os.cpu_count(),
            "grouping_load_average": round(os.getloadavg()[0], 1),
            "grouping_setup_seconds": round(setup, 1)}  # fmt: skip


def _apply_undo(files: int, work: Path) -> dict:
    folder = work / "plan"
    # 7 copies an original; at this size a tenth of them (brightened, turned) are too far to
    # find, so more are made than the plan moves
    made = make_set(folder, files // 5 + 1, size=(160, 120))
    with _library(work / "home-plan", folder) as lib:
        plan = lib.plan(lib.dupes(BULK_TIERS))
        moves = [e for g in plan["groups"] for e in g["move"]][:files]
        plan["groups"] = [{"tier": "same", "keeper": "", "move": moves}]
        before = {m.path: hashlib.sha256(m.path.read_bytes()).digest() for m in made}
        started = time.monotonic()
        applied = lib.apply(plan, dry_run=False)
        apply_s = time.monotonic() - started
        started = time.monotonic()
        undone = lib.undo()
        undo_s = time.monotonic() - started
        summary = lib.index()
    after = {p: hashlib.sha256(p.read_bytes()).digest() for p in before if p.exists()}
    return {
        "plan_files": len(moves),
        "moved": len(applied.files),
        "restored": len(undone.files),
        "byte_identical": sum(after.get(p) == d for p, d in before.items()),
        "files_in_set": len(before),
        "reencoded_after_undo": summary.encoded + summary.new,
        "apply_seconds": round(apply_s, 1),
        "undo_seconds": round(undo_s, 1),
    }


def bench_dupes(originals: int, lookalikes: int, scale: int, plan_files: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        return {
            **_quality(originals, lookalikes, work),
            **_chance(10 * originals),
            **_scale(scale, work),
            **_apply_undo(plan_files, work),
        }
