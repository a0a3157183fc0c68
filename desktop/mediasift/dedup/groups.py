"""Groups from candidate pairs, without chaining: each group is a representative and the files
directly related to it, formed tier class by tier class (copies first, then bursts, then
look-alikes), so a loose relation never pulls in a file that has a closer group."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence

from mediasift.dedup.keeper import KeeperRules, families, family_key
from mediasift.dedup.model import TIERS, Group, Item, Member
from mediasift.dedup.relate import relate

#: Tier classes grouped in turn: a file in a group of an earlier class is in no later one.
PASSES = (("exact", "same", "edited"), ("burst",), ("similar",))
LEVEL = {tier: n for n, tier in enumerate(TIERS)}

Cosine = Callable[[int, int], "float | None"]


def _member(item: Item, evidence, protected: bool) -> Member:
    return Member(item.file_id, item.path, item.size, item.width, item.height, item.hash,
                  item.mtime, item.captured_at, evidence, protected)  # fmt: skip


def build_groups(
    items: Sequence[Item],
    pairs: Iterable[tuple[int, int]],
    rules: KeeperRules,
    cosine: Cosine = lambda i, j: None,
    not_duplicates: Collection[frozenset[str]] = (),
    other_paths: Sequence[str] = (),
) -> list[Group]:
    """Tiered groups of ``items`` (indices in ``pairs`` refer to it). ``not_duplicates``:
    content-hash pairs the user said differ; ``other_paths``: the library's other files, for
    version families (a RAW beside its JPEG)."""
    family = families([it.path for it in items] + list(other_paths))
    adjacency: dict[int, dict[int, int]] = {}
    for i, j in pairs:
        a, b = items[i], items[j]
        if frozenset((a.hash, b.hash)) in not_duplicates:
            continue
        key = family_key(a.path)
        if key is not None and key == family_key(b.path) and key in family:
            continue  # one unit, not duplicates of each other
        evidence = _either(a, b, cosine(i, j))
        if evidence is not None:
            adjacency.setdefault(i, {})[j] = adjacency.setdefault(j, {})[i] = LEVEL[evidence.tier]
    groups: list[Group] = []
    assigned: set[int] = set()
    for tiers in PASSES:
        levels = {LEVEL[t] for t in tiers}

        def centrality(i: int, levels=levels) -> tuple:
            near = [lv for j, lv in adjacency[i].items() if lv in levels]
            return (-len(near), sum(near), tuple(-v for v in rules.rank(items[i])[:-1]))

        order = sorted((i for i in adjacency if i not in assigned), key=centrality)
        for rep in order:
            if rep in assigned:
                continue
            near: list[int] = []
            for j, lv in sorted(adjacency[rep].items(), key=lambda jl: jl[1]):
                if (
                    lv in levels
                    and j not in assigned
                    and not any(
                        frozenset((items[j].hash, items[k].hash)) in not_duplicates for k in near
                    )
                ):  # two files said to differ never share a group, whatever joins them
                    near.append(j)
            if not near:
                continue
            assigned.update([rep, *near])
            groups.append(_group(items, rep, near, rules, cosine, family))
    return groups


def _either(a: Item, b: Item, cosine: float | None):
    """The pair's evidence seen from ``a``, else from ``b`` (the turn and crop rules are not
    quite symmetric)."""
    return relate(a, b, cosine) or relate(b, a, cosine)


def _group(items, rep, near, rules: KeeperRules, cosine: Cosine, family) -> Group:
    def protected(item: Item) -> bool:
        return rules.is_protected(item.path) or family_key(item.path) in family

    members = [_member(items[rep], None, protected(items[rep]))]
    for j in near:
        members.append(_member(items[j], _either(items[rep], items[j], cosine(rep, j)),
                               protected(items[j])))  # fmt: skip
    tier = TIERS[max(LEVEL[m.evidence.tier] for m in members[1:])]
    keeper = rules.best([items[rep]] + [items[j] for j in near])
    return Group(tier, items[rep].file_id, keeper.file_id, members)
