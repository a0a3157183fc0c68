"""Ranking metrics for labelled queries, with binary relevance.

A query is described by the 1-based ranks at which each of its expected items was found in the
top results (None: not found). Recall@k is the share of expected items in the top k (with one
expected item: whether it is there), MRR averages 1 / the rank of the first one found in the
top 10 (results deeper than the searched depth count as not found), and
nDCG@k rewards finding every expected item high, normalised by the best possible order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Ranks = Sequence[int | None]

#: The cut-offs reported, and the depth searched: a result below it counts as not found.
KS = (1, 5, 10)
DEPTH = max(KS)


def recall_at(ranks: Ranks, k: int) -> float:
    """Share of the expected items ranked within the top ``k``."""
    if not ranks:
        raise ValueError("a query needs at least one expected item")
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def reciprocal_rank(ranks: Ranks, k: int = DEPTH) -> float:
    """1 / rank of the best-ranked expected item, 0 when none is within the top ``k``."""
    found = [r for r in ranks if r is not None and r <= k]
    return 1.0 / min(found) if found else 0.0


def ndcg_at(ranks: Ranks, k: int) -> float:
    """Discounted gain of the expected items within the top ``k``, over the ideal order's."""
    if not ranks:
        raise ValueError("a query needs at least one expected item")
    gain = sum(1 / math.log2(r + 1) for r in ranks if r is not None and r <= k)
    ideal = sum(1 / math.log2(i + 1) for i in range(1, min(len(ranks), k) + 1))
    return gain / ideal


def summarize(queries: Sequence[Ranks]) -> dict[str, float | int]:
    """Mean recall@1/5/10, MRR and nDCG@10 over queries (each the ranks of its expected items)."""
    if not queries:
        return {"queries": 0}
    count = len(queries)
    figures: dict[str, float | int] = {"queries": count}
    for k in KS:
        figures[f"recall@{k}"] = round(sum(recall_at(q, k) for q in queries) / count, 3)
    figures["mrr"] = round(sum(reciprocal_rank(q) for q in queries) / count, 3)
    figures[f"ndcg@{DEPTH}"] = round(sum(ndcg_at(q, DEPTH) for q in queries) / count, 3)
    return figures
