"""Groups from direct relations, without chaining: the best-ranked file takes every file related
to it directly; a file related only through another member is left for a group of its own.
Shared by the documents' and the clips' duplicates (pictures have their own, in groups.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from mediasift.dedup.keeper import KeeperRules, rule_value
from mediasift.dedup.model import Evidence, Item, Member

T = TypeVar("T")
#: The user's keeper rules that apply to any file (the rest are about pictures).
FILE_RULES = ("folder", "format", "older", "newer")


def file_item(row: dict, width: int = 0, height: int = 0) -> Item:
    """A file that is not one picture (a document, a clip) as the keeper rules read it: its
    facts, without picture hashes. ``row`` holds the catalog's id, path, hash, size, mtime."""
    return Item(row["id"], row["path"], row["hash"] or "", row["size"], row["mtime"], width,
                height, None, 0, 0, (0, 0, 0), 0, 0.0)  # fmt: skip


def user_rank(rules: KeeperRules, item: Item) -> tuple:
    """The user's folder, format and age rules, in their order, as a sort key (best last)."""
    return tuple(rule_value(r, item) for r in rules.rules if r.split(":")[0] in FILE_RULES)


def member(item: Item, rules: KeeperRules, evidence: Evidence | None) -> Member:
    return Member(item.file_id, item.path, item.size, item.width, item.height, item.hash,
                  item.mtime, None, evidence, rules.is_protected(item.path))  # fmt: skip


def around_representatives(
    related: dict[int, dict[int, T]], rank: Callable[[int], tuple]
) -> list[tuple[int, list[tuple[int, T]]]]:
    """``related``: for each file, the files it is directly related to, with how. Returns
    (representative, [(member, how it relates to the representative)]) per group."""
    groups, placed = [], set()
    for rep in sorted(related, key=rank, reverse=True):
        if rep in placed:
            continue
        members = [(n, how) for n, how in related[rep].items() if n not in placed]
        if members:
            placed.update([rep, *(n for n, _ in members)])
            groups.append((rep, members))
    return groups
