"""Ranking metrics against cases worked out by hand."""

from __future__ import annotations

import math

import pytest

from mediasift.evaluation.metrics import ndcg_at, recall_at, reciprocal_rank, summarize


def test_recall_counts_expected_items_within_k():
    assert recall_at([1], 1) == 1.0
    assert recall_at([2], 1) == 0.0
    assert recall_at([5], 5) == 1.0 and recall_at([6], 5) == 0.0
    assert recall_at([None], 10) == 0.0
    assert recall_at([1, 7, None], 5) == pytest.approx(1 / 3)
    assert recall_at([1, 7, None], 10) == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        recall_at([], 5)


def test_reciprocal_rank_takes_the_best_found():
    assert reciprocal_rank([4]) == 0.25
    assert reciprocal_rank([None, 3, 2]) == 0.5
    assert reciprocal_rank([None]) == 0.0
    assert reciprocal_rank([12]) == 0.0 and reciprocal_rank([12], k=20) == pytest.approx(1 / 12)


def test_ndcg_by_hand():
    assert ndcg_at([1], 10) == 1.0
    assert ndcg_at([3], 10) == pytest.approx(1 / math.log2(4))  # 0.5
    assert ndcg_at([11], 10) == 0.0
    # Two expected, found at 1 and 3: (1 + 1/log2(4)) / (1 + 1/log2(3)) = 1.5 / 1.6309
    assert ndcg_at([1, 3], 10) == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    assert ndcg_at([2, 1], 10) == 1.0  # order among the expected does not matter
    # Three expected, only one can fit in the top 1: the ideal is 1, not 2.13.
    assert ndcg_at([1, None, None], 1) == 1.0


def test_summary_means_over_queries():
    figures = summarize([[1], [3], [None], [12]])
    assert figures == {
        "queries": 4,
        "recall@1": 0.25,
        "recall@5": 0.5,
        "recall@10": 0.5,
        "mrr": round((1 + 1 / 3) / 4, 3),  # 0.333
        "ndcg@10": round((1 + 0.5) / 4, 3),  # 0.375
    }
    assert summarize([]) == {"queries": 0}
