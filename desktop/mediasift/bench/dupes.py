"""``mediasift bench dupes``: duplicate finding on a generated set, and its costs at scale.

Figures: pair recall and precision of tiers exact + same + edited together over the
generated transformed set (target recall >= 0.95 at precision >= 0.99); look-alike pictures
placed in those tiers (target 0); perceptual hashing images/s with drafted JPEG decode
(target >= 300/s); grouping 100k pictures from stored hashes (synthetic: copies made by
flipping hash bits; target < 60 s on 2 cores); apply + undo of a 1,000-file plan (every file
back, byte-identical, 0 re-encodes). The library is indexed without a visual model: with the
random-weight CLIP, cosines are noise, and the tiers do not depend on them.
"""

from __future__ import annotations

import hashlib
import itertools
import tempfile
import time
from pathlib import Path

import numpy as np

from mediasift.bench.dupeset import make_set
from mediasift.config import Settings
from mediasift.dedup.candidates import exact_pairs, hash_pairs
from mediasift.dedup.groups import build_groups
from mediasift.dedup.hashes import hash_file
from mediasift.dedup.keeper import KeeperRules
from mediasift.dedup.model import BULK_TIERS, Item
from mediasift.library import Library


def _library(home: Path, folder: Path) -> Library:
    lib = Library(home, Settings(model="/nonexistent", text_model="/nonexistent", ocr=False))
    lib.add_folder(folder)
    lib.index()
    return lib


def _quality(originals: int, lookalikes: int, work: Path) -> dict:
    made = make_set(work / "set", originals, bursts=originals // 10, lookalike_pairs=lookalikes)
    started = time.monotonic()
    hashed = [hash_file(m.path) for m in made if m.path.suffix == ".jpg"]
    rate = len(hashed) / (time.monotonic() - started)
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
        "phash_image_size": "640x480 JPEG (drafted decode)",
    }


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


def _scale(n: int) -> dict:
    items = _synthetic(n, np.random.default_rng(0))
    started = time.monotonic()
    pairs = exact_pairs(items) | hash_pairs(items)
    groups = build_groups(items, sorted(pairs), KeeperRules())
    return {"grouping_items": n, "grouping_seconds": round(time.monotonic() - started, 1),
            "grouping_groups": len(groups)}  # fmt: skip


def _apply_undo(files: int, work: Path) -> dict:
    folder = work / "plan"
    made = make_set(folder, files // 7 + 1, size=(160, 120))
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
            **_scale(scale),
            **_apply_undo(plan_files, work),
        }
