"""How two pictures relate: the tier of a pair, with its evidence and a reason in words.

The rules lean on perceptual hashes, geometry and capture times, which mean the same with any
model. The embedding cosine is evidence, and alone decides only the review-only ``similar``
tier: with the random-weight models of the tests and benchmarks it is noise, and a real model
finds candidates through it (see dedup.candidates). Thresholds were read off the generated
set (``mediasift bench dupes``): re-encodes, resizes and PNG re-saves move phash by 0-2 bits,
a 90% crop by 6-20 (dhash 3-18), a brightness change by 2-18 (dhash 0-5) with the mean
colour shifted by ~40 levels; distinct look-alikes are 22 bits or more apart (phash + dhash
42 or more), random pictures ~32.
"""

from __future__ import annotations

import math

from mediasift.dedup.hashes import colour_shift, hamming
from mediasift.dedup.model import Evidence, Item

SAME_PHASH, SAME_DHASH, SAME_COLOUR = 4, 6, 8
RECOLOUR_PHASH, RECOLOUR_DHASH = 20, 8
CROP_PHASH, CROP_SUM = 20, 36
TURN_PHASH = 4
BURST_PHASH, BURST_SECONDS = 20, 10.0
SIMILAR_COSINE = 0.92
#: Aspect ratios this close (log ratio) are the same shape.
ASPECT = 0.02


def _aspect(item: Item) -> float:
    return math.log(max(item.width, 1) / max(item.height, 1))


def relate(a: Item, b: Item, cosine: float | None = None) -> Evidence | None:
    """The evidence that ``b`` duplicates ``a`` (the representative), or None."""
    dp, dd = hamming(a.phash, b.phash), hamming(a.dhash, b.dhash)
    gap = None
    if a.captured_at is not None and b.captured_at is not None:
        gap = abs(a.captured_at - b.captured_at)

    def found(tier: str, reason: str) -> Evidence:
        return Evidence(tier, reason, dp, dd, None if cosine is None else round(cosine, 4), gap,
                        round(b.size / max(a.size, 1), 3),
                        round(b.pixels / max(a.pixels, 1), 3))  # fmt: skip

    if a.hash == b.hash:
        return found("exact", "identical content (same SHA-256)")
    shape = abs(_aspect(a) - _aspect(b))
    if gap:  # taken at different moments: never a copy of one another
        if gap <= BURST_SECONDS and dp <= BURST_PHASH:
            return found("burst", f"taken {gap:.0f} s apart, nearly the same scene ({dp} bits)")
    else:
        recoloured = colour_shift(a.colour, b.colour) > SAME_COLOUR
        if dp <= SAME_PHASH and dd <= SAME_DHASH and shape <= ASPECT and not recoloured:
            return found("same", _same_reason(a, b, dp))
        if dp <= RECOLOUR_PHASH and dd <= RECOLOUR_DHASH and recoloured:
            return found("edited", f"brightness or colours changed (picture {dp} bits apart)")
        turned = min(hamming(a.phash, t) for t in b.turns)
        if turned <= TURN_PHASH and abs(_aspect(a) + _aspect(b)) <= ASPECT:
            return found("edited", f"turned by a quarter or half turn ({turned} bits apart)")
        if dp <= CROP_PHASH and dp + dd <= CROP_SUM:
            return found("edited", f"cropped or retouched ({dp}+{dd} bits apart)")
    if cosine is not None and cosine >= SIMILAR_COSINE:
        return found("similar", f"looks alike to the model (cosine {cosine:.2f})")
    return None


def _same_reason(a: Item, b: Item, bits: int) -> str:
    if (a.width, a.height) != (b.width, b.height):
        return f"the same picture resized ({b.width}x{b.height} vs {a.width}x{a.height})"
    if a.path.rsplit(".", 1)[-1].lower() != b.path.rsplit(".", 1)[-1].lower():
        return f"the same picture saved in another format ({bits} bits apart)"
    return f"the same picture re-encoded ({bits} bits apart)"
