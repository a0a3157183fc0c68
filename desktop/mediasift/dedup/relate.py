"""How pictures relate: the rule (and so the tier) of many candidate pairs at once, and the
evidence of a group's members in figures and words.

The rules lean on perceptual hashes, geometry and capture times, which mean the same with any
model. The embedding cosine is evidence, and alone decides only the review-only ``similar``
tier: with the random-weight models of the tests and benchmarks it is noise, and a real model
finds candidates through it (see dedup.candidates).

Thresholds come from copies of generated photos and from 8M pairs of distinct ones (the
chance side; ``mediasift bench dupes`` checks it on every pair of 1,000). Re-encodes, resizes
and PNG re-saves move phash by 0-2 bits; a brightness change moves phash by 2-18 and dhash by
0-5 with the mean colour shifted by ~40 levels, while no distinct pair came within 10 dhash
bits. A 90% crop moves phash + dhash by 22 bits (median; 32 at the 99th percentile),
but distinct pictures come as close as 25: 2 pairs in 8M at 30 or less, 202 at 36 or less
(the old bound, which let a look-alike into a bulk tier). So a crop must be within 30 bits
(97% of 90% crops are) and also look like one: the shape kept within what cutting 20% of a
side does, and the mean colour within a few levels. Heavier or off-centre crops move the
hashes as far as chance does; only a real model's cosine can find them (``similar``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mediasift.dedup.model import Evidence, Item

SAME_PHASH, SAME_DHASH, SAME_COLOUR = 4, 6, 8
RECOLOUR_PHASH, RECOLOUR_DHASH = 20, 8
CROP_PHASH, CROP_SUM, CROP_COLOUR = 20, 30, 12
#: A crop keeping 80% of a side changes the aspect ratio by ln(1/0.8) at most.
CROP_ASPECT = 0.23
TURN_PHASH = 4
BURST_PHASH, BURST_SECONDS = 20, 10.0
SIMILAR_COSINE = 0.92
#: Aspect ratios this close (log ratio) are the same shape.
ASPECT = 0.02

#: Rules in the order they are tried; a pair takes the first that holds (0: none).
RULES = ("exact", "same", "recolour", "turn", "crop", "burst", "similar")
TIER_OF = {"exact": "exact", "same": "same", "recolour": "edited", "turn": "edited",
           "crop": "edited", "burst": "burst", "similar": "similar"}  # fmt: skip


@dataclass(frozen=True)
class Facts:
    """The scan's pictures as columns, so that pairs are related in bulk."""

    digest: np.ndarray  # int64: equal for equal content hashes
    phash: np.ndarray  # uint64
    dhash: np.ndarray  # uint64
    turns: np.ndarray  # uint64, (n, 3)
    rgb: np.ndarray  # int16, (n, 3): mean colour
    aspect: np.ndarray  # log(width / height)
    captured: np.ndarray  # seconds, NaN when unknown

    @classmethod
    def of(cls, items: Sequence[Item]) -> Facts:
        colour = np.array([it.colour for it in items], dtype=np.int64)
        times = [it.captured_at for it in items]
        return cls(
            digest=np.unique([it.hash for it in items], return_inverse=True)[1].astype(np.int64),
            phash=np.array([it.phash for it in items], dtype=np.uint64),
            dhash=np.array([it.dhash for it in items], dtype=np.uint64),
            turns=np.array([it.turns for it in items], dtype=np.uint64).reshape(-1, 3),
            rgb=np.stack([(colour >> s) & 255 for s in (16, 8, 0)], axis=1).astype(np.int16),
            aspect=np.log(np.array([max(it.width, 1) / max(it.height, 1) for it in items])),
            captured=np.array([np.nan if t is None else t for t in times], dtype=float),
        )


@dataclass(frozen=True)
class Measures:
    """What the rules compare, one entry per pair (i, j)."""

    phash: np.ndarray  # bits apart
    dhash: np.ndarray
    quarter: np.ndarray  # bits between one's upright phash and the other's quarter turns
    half: np.ndarray  # ... and the other's half turn
    colour: np.ndarray  # largest per-channel shift of the mean colour
    shape: np.ndarray  # |log aspect ratio| between the two
    flipped: np.ndarray  # the same, one of them turned a quarter
    gap: np.ndarray  # seconds between capture times, NaN when either is unknown


def measure(f: Facts, i: np.ndarray, j: np.ndarray) -> Measures:
    turned = np.minimum(
        np.bitwise_count(f.turns[j] ^ f.phash[i, None]),
        np.bitwise_count(f.turns[i] ^ f.phash[j, None]),
    )
    return Measures(
        phash=np.bitwise_count(f.phash[i] ^ f.phash[j]),
        dhash=np.bitwise_count(f.dhash[i] ^ f.dhash[j]),
        quarter=turned[:, [0, 2]].min(axis=1),
        half=turned[:, 1],
        colour=np.abs(f.rgb[i] - f.rgb[j]).max(axis=1),
        shape=np.abs(f.aspect[i] - f.aspect[j]),
        flipped=np.abs(f.aspect[i] + f.aspect[j]),
        gap=np.abs(f.captured[i] - f.captured[j]),
    )


def classify(f: Facts, i: np.ndarray, j: np.ndarray, cosine: np.ndarray) -> np.ndarray:
    """The rule each pair (i[n], j[n]) meets, as 1 + its index in RULES, else 0. Symmetric;
    ``cosine`` is NaN where the pair has no vectors in a shared space."""
    m = measure(f, i, j)
    with np.errstate(invalid="ignore"):  # NaN gaps and cosines compare False
        moment = m.gap > 0  # taken at different moments: never a copy of one another
        burst = moment & (m.gap <= BURST_SECONDS) & (m.phash <= BURST_PHASH)
        similar = cosine >= SIMILAR_COSINE
    copy = ~moment
    recoloured = m.colour > SAME_COLOUR
    same = (m.phash <= SAME_PHASH) & (m.dhash <= SAME_DHASH) & (m.shape <= ASPECT) & ~recoloured
    recolour = (m.phash <= RECOLOUR_PHASH) & (m.dhash <= RECOLOUR_DHASH) & (m.shape <= ASPECT)
    quarter = (m.quarter <= TURN_PHASH) & (m.flipped <= ASPECT)
    turn = quarter | ((m.half <= TURN_PHASH) & (m.shape <= ASPECT))
    crop = ((m.phash <= CROP_PHASH) & (m.phash + m.dhash <= CROP_SUM)
            & (m.colour <= CROP_COLOUR) & (m.shape <= CROP_ASPECT))  # fmt: skip
    held = [f.digest[i] == f.digest[j], copy & same, copy & recolour & recoloured, copy & turn,
            copy & crop, burst, similar]  # fmt: skip
    return np.select(held, np.arange(1, len(RULES) + 1), 0).astype(np.int8)


def evidence(
    f: Facts, items: Sequence[Item], i: np.ndarray, j: np.ndarray, rule: np.ndarray,
    cosine: np.ndarray,
) -> list[Evidence]:  # fmt: skip
    """Why each ``items[j[n]]`` belongs with its representative ``items[i[n]]``, given the
    rule the pair met."""
    m = measure(f, i, j)
    found = []
    for n, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        a, b, name = items[a], items[b], RULES[rule[n] - 1]
        gap = None if math.isnan(m.gap[n]) else float(m.gap[n])
        cos = None if math.isnan(cosine[n]) else round(float(cosine[n]), 4)
        found.append(Evidence(TIER_OF[name], _reason(name, a, b, m, n, gap, cos),
                              int(m.phash[n]), int(m.dhash[n]), cos, gap,
                              round(b.size / max(a.size, 1), 3),
                              round(b.pixels / max(a.pixels, 1), 3)))  # fmt: skip
    return found


def _reason(name: str, a: Item, b: Item, m: Measures, n: int, gap, cos) -> str:
    bits = int(m.phash[n])
    if name == "exact":
        return "identical content (same SHA-256)"
    if name == "same":
        if (a.width, a.height) != (b.width, b.height):
            return f"the same picture resized ({b.width}x{b.height} vs {a.width}x{a.height})"
        if a.path.rsplit(".", 1)[-1].lower() != b.path.rsplit(".", 1)[-1].lower():
            return f"the same picture saved in another format ({bits} bits apart)"
        return f"the same picture re-encoded ({bits} bits apart)"
    if name == "recolour":
        return f"brightness or colours changed (picture {bits} bits apart)"
    if name == "turn":
        if m.quarter[n] <= TURN_PHASH and m.flipped[n] <= ASPECT:
            return f"turned by a quarter turn ({int(m.quarter[n])} bits apart)"
        return f"turned upside down ({int(m.half[n])} bits apart)"
    if name == "crop":
        return f"cropped or retouched ({bits}+{int(m.dhash[n])} bits apart, same colours)"
    if name == "burst":
        return f"taken {gap:.0f} s apart, nearly the same scene ({bits} bits)"
    return f"looks alike to the model (cosine {cos:.2f})"
