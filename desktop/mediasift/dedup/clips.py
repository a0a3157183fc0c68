"""Clips that are one clip: a re-encode, or a trimmed copy. Compared by their scenes, each
embedded by its middle frame when the clip was indexed: two scenes showing the same picture lie
within MATCH of each other in the visual space, whatever the codec or bitrate.

Candidates come from the visual index (batched k-NN over the scenes' vectors), never all pairs.
Two clips are one when, walked in order, COVERED of the shorter one's scenes find a matching
scene in the other: the same length (within SAME_LENGTH) makes it a re-encode, tier "same"; a
shorter one is a trimmed copy, tier "edited". The longest, sharpest, largest copy is kept
(after the user's folder, format and age rules); groups do not chain (dedup.linked).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from mediasift.catalog import Catalog
from mediasift.dedup.keeper import KeeperRules
from mediasift.dedup.linked import around_representatives, file_item, member, user_rank
from mediasift.dedup.model import Evidence, Group, Item
from mediasift.index.vectors import VectorIndex

#: Cosine of two scenes that show the same picture (a re-encode keeps ~0.99).
MATCH = 0.95
#: Share of the shorter clip's scenes that must be found, in order, in the other.
COVERED = 0.8
#: Relative length difference a re-encode may have (and at least LENGTH_SLACK seconds).
SAME_LENGTH = 0.03
LENGTH_SLACK = 1.0
#: Neighbours asked per scene.
NEIGHBOURS = 8


@dataclass(frozen=True)
class Clip:
    item: Item
    duration: float
    scenes: np.ndarray  # unit vectors, in order


def clips(catalog: Catalog, space_id: int) -> tuple[list[Clip], dict[int, int]]:
    """The indexed clips with their scenes' vectors, and each scene vector's clip."""
    rows = catalog.rows(
        "SELECT f.id, f.path, f.hash, f.size, f.mtime, f.width, f.height, f.duration, v.id AS"
        " vector_id, v.vector FROM files f JOIN segments s ON s.file_id = f.id JOIN vectors v"
        " ON v.segment_id = s.id WHERE f.kind = 'video' AND f.status = 'indexed' AND"
        " s.kind = 'scene' AND v.space_id = ? ORDER BY f.id, s.ord",
        (space_id,),
    )
    by_file: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_file[row["id"]].append(row)
    found, owner = [], {}
    for scenes in by_file.values():
        r = scenes[0]
        item = file_item(r, r["width"] or 0, r["height"] or 0)
        vectors = np.stack([np.frombuffer(s["vector"], np.float32) for s in scenes])
        owner.update((s["vector_id"], len(found)) for s in scenes)
        found.append(Clip(item, float(r["duration"] or 0.0), vectors))
    return found, owner


def _candidates(found: list[Clip], owner: dict[int, int], index: VectorIndex) -> set:
    pairs = set()
    for n, clip in enumerate(found):
        labels, cosines = index.neighbours(clip.scenes, NEIGHBOURS)
        for label, cosine in zip(labels.ravel().tolist(), cosines.ravel().tolist(), strict=True):
            other = owner.get(label)
            if other is not None and other != n and cosine >= MATCH:
                pairs.add((min(n, other), max(n, other)))
    return pairs


def matching_scenes(a: Clip, b: Clip) -> tuple[int, float]:
    """Scenes of ``a`` found in order in ``b``, and their mean cosine."""
    found, start, cosines = 0, 0, []
    similarity = a.scenes @ b.scenes.T
    for row in similarity:
        hits = np.flatnonzero(row[start:] >= MATCH)
        if len(hits):
            at = start + int(hits[0])
            cosines.append(float(row[at]))
            found, start = found + 1, at + 1
    return found, (sum(cosines) / len(cosines) if cosines else 0.0)


def _relation(a: Clip, b: Clip) -> tuple[str, str, float] | None:
    """(tier, reason, mean cosine) when ``a`` and ``b`` are one clip, else None."""
    short, long = sorted((a, b), key=lambda c: (len(c.scenes), c.duration))
    found, cosine = matching_scenes(short, long)
    if found < max(1, COVERED * len(short.scenes)):
        return None
    gap = abs(a.duration - b.duration)
    if gap <= max(LENGTH_SLACK, SAME_LENGTH * max(a.duration, b.duration)):
        return "same", f"the same clip re-encoded: {found} of {len(short.scenes)} scenes", cosine
    return ("edited", f"a trimmed copy: {found} of {len(short.scenes)} scenes, "
            f"{short.duration:.0f} s of {long.duration:.0f} s", cosine)  # fmt: skip


def clip_groups(
    catalog: Catalog, index: VectorIndex, rules: KeeperRules,
    apart: Collection[frozenset[str]] = (),
) -> list[Group]:  # fmt: skip
    """Groups of clips that are one clip, each led by its keeper; ``apart``: content-hash
    pairs the user said are not duplicates."""
    found, owner = clips(catalog, index.space_id)
    related: dict[int, dict[int, tuple[str, str, float]]] = defaultdict(dict)
    for a, b in _candidates(found, owner, index):
        if frozenset((found[a].item.hash, found[b].item.hash)) in apart:
            continue
        relation = _relation(found[a], found[b])
        if relation is not None:
            related[a][b] = related[b][a] = relation

    def rank(n: int) -> tuple:
        clip = found[n]
        return (*user_rank(rules, clip.item), clip.duration, clip.item.pixels, clip.item.size,
                clip.item.path)  # fmt: skip

    groups = []
    for rep, members in around_representatives(related, rank):
        head = found[rep].item
        group = Group("same", head.file_id, head.file_id, [member(head, rules, None)])
        for n, (tier, reason, cosine) in members:
            item = found[n].item
            sizes = round(item.size / max(head.size, 1), 3)
            pixels = round(item.pixels / max(head.pixels, 1), 3)
            evidence = Evidence(tier, reason, None, None, round(cosine, 4), None, sizes, pixels)
            group.members.append(member(item, rules, evidence))
            if tier == "edited":
                group.tier = "edited"  # a group takes its loosest member's tier
        groups.append(group)
    return groups
