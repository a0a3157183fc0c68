"""Fusing ranked lists from several signals into one ranking of files.

Two ways were measured on the generated screenshot set (``mediasift bench retrieval``):
reciprocal rank fusion, which trusts every list's order equally, and calibrated fusion,
which maps each signal's raw score onto 0..1 by that signal's own floor and ceiling and
combines them as independent evidence (noisy-OR). Calibrated fusion is the default: RRF
lets a signal with nothing to say (a photo model asked about words, a name that shares
one letter) push its arbitrary top hits into the top of the list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

#: Signals, in the order a result's "why" lists them ("filter": a query of filters only).
SIGNALS = ("words", "meaning", "name", "look", "filter")
#: RRF's damping constant (Cormack et al. 2009).
RRF_K = 60
#: A result is kept when it reaches this share of the best result's score.
RELATIVE_CUT = 0.35


@dataclass(frozen=True)
class SignalHit:
    """One signal's evidence for one file: its best segment and a calibrated strength."""

    signal: str
    file_id: int
    segment_id: int | None
    raw: float
    strength: float  # 0..1
    span: tuple[int | None, int | None] = (None, None)  # the matched chunk of segment text


@dataclass
class Fused:
    file_id: int
    score: float
    hits: dict[str, SignalHit] = field(default_factory=dict)
    ranks: dict[str, int] = field(default_factory=dict)

    @property
    def best(self) -> SignalHit:
        """The hit that says most about where in the file the match is."""
        with_segment = [h for h in self.hits.values() if h.segment_id is not None]
        return max(
            with_segment or self.hits.values(),
            key=lambda h: (round(h.strength, 2), -SIGNALS.index(h.signal)),
        )


def calibrate(raw: float, floor: float, ceiling: float) -> float:
    """``raw`` mapped onto 0..1: 0 at the signal's floor (noise), 1 at its ceiling."""
    if ceiling <= floor:
        return 1.0 if raw >= floor else 0.0
    return min(1.0, max(0.0, (raw - floor) / (ceiling - floor)))


def best_per_file(hits: Iterable[SignalHit]) -> list[SignalHit]:
    """Each file's strongest hit, best first (lists arrive as segments, several per file)."""
    best: dict[int, SignalHit] = {}
    for hit in hits:
        if hit.file_id not in best or hit.strength > best[hit.file_id].strength:
            best[hit.file_id] = hit
    return sorted(best.values(), key=lambda h: -h.strength)


def fuse(lists: dict[str, list[SignalHit]], mode: str = "calibrated") -> list[Fused]:
    """One ranking of files from per-signal lists (each: best first, one hit per file)."""
    fused: dict[int, Fused] = {}
    for signal, hits in lists.items():
        for rank, hit in enumerate(hits):
            entry = fused.setdefault(hit.file_id, Fused(hit.file_id, 0.0))
            entry.hits[signal] = hit
            entry.ranks[signal] = rank
    for entry in fused.values():
        rrf = sum(1.0 / (RRF_K + rank + 1) for rank in entry.ranks.values())
        if mode == "rrf":
            entry.score = rrf
        else:
            missing = 1.0
            for hit in entry.hits.values():
                missing *= 1.0 - hit.strength
            entry.score = (1.0 - missing) + rrf * 1e-3  # RRF only breaks ties
    return sorted(fused.values(), key=lambda f: -f.score)


def cut(ranked: list[Fused], floor: float) -> list[Fused]:
    """Drop results that are weak for this query: below ``floor`` or far below the best.

    The relative part makes the cut adapt: a query that matches one file strongly drops
    the near-misses, a vague query keeps its many middling matches.
    """
    if not ranked:
        return []
    keep = max(floor, RELATIVE_CUT * ranked[0].score)
    return [f for f in ranked if f.score >= keep]
