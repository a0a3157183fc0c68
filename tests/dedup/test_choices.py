"""Review decisions: keep one in the bulk tiers, nothing moves unmarked in the review-only
tiers, protected files and keepers never move, dismissed groups drop out of the plan."""

from __future__ import annotations

from mediasift.dedup import Evidence, Group, Member
from mediasift.dedup.actions import make_plan
from mediasift.dedup.choices import Choices


def _member(file_id: int, size: int, protected: bool = False) -> Member:
    evidence = None if file_id % 10 == 1 else Evidence("same", "resized", 2, 3)
    return Member(file_id, f"/p/{file_id}.jpg", size, 100, 100, f"h{file_id}", 0.0, None,
                  evidence, protected)  # fmt: skip


def _groups() -> list[Group]:
    same = Group("same", 1, 1, [_member(1, 100), _member(2, 50), _member(3, 40, protected=True)])
    burst = Group("burst", 11, 11, [_member(11, 10), _member(12, 20)])
    return [same, burst]


def test_bulk_tiers_keep_one_and_review_tiers_move_nothing_unmarked():
    choices = Choices(_groups())
    assert [m.file_id for m in choices.moving(0)] == [2]  # 3 is protected
    assert choices.moving(1) == []
    assert choices.totals() == (1, 50)


def test_changing_the_keeper_moves_the_old_one_in_a_bulk_tier():
    choices = Choices(_groups())
    choices.keep(0, 2)
    assert choices.keeper(0) == 2
    assert [m.file_id for m in choices.moving(0)] == [1]
    choices.keep(1, 12)  # a review-only tier: the old keeper is not moved by it
    assert choices.moving(1) == []


def test_keepers_and_protected_files_never_move():
    choices = Choices(_groups())
    assert not choices.toggle(0, 1) and not choices.toggle(0, 3)
    assert choices.toggle(1, 12) and [m.file_id for m in choices.moving(1)] == [12]
    assert choices.toggle(1, 12) and choices.moving(1) == []


def test_dismissed_groups_and_the_plan():
    choices = Choices(_groups())
    choices.toggle(1, 12)
    assert choices.dismiss(0) == ["/p/1.jpg", "/p/2.jpg", "/p/3.jpg"]
    plan = make_plan(choices.chosen())
    assert [(g["keeper"], [e["path"] for e in g["move"]]) for g in plan["groups"]] == [
        ("/p/11.jpg", ["/p/12.jpg"])
    ]
    choices.dismiss(0, False)
    assert choices.totals() == (2, 70)
