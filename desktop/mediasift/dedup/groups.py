"""Groups from candidate pairs, without chaining: each group is a representative and the files
directly related to it, formed tier class by tier class (copies first, then bursts, then
look-alikes), so a loose relation never pulls in a file that has a closer group.

The candidate pairs are related in bulk (dedup.relate, numpy over batches); only the pairs
that relate, far fewer, are walked in Python."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from mediasift.dedup.keeper import KeeperRules, families, family_key
from mediasift.dedup.model import TIERS, Group, Item, Member
from mediasift.dedup.relate import RULES, TIER_OF, Facts, classify, evidence

#: Tier classes grouped in turn: a file in a group of an earlier class is in no later one.
PASSES = (("exact", "same", "edited"), ("burst",), ("similar",))
LEVEL = {tier: n for n, tier in enumerate(TIERS)}
#: Level of each rule code (code 0, no rule, never reaches the walk).
_RULE_LEVEL = np.array([len(TIERS)] + [LEVEL[TIER_OF[r]] for r in RULES], dtype=np.int8)
#: Candidate pairs related per numpy batch: bounds the memory of a large scan.
BATCH = 1 << 20


def _member(item: Item, evidence, protected: bool) -> Member:
    return Member(item.file_id, item.path, item.size, item.width, item.height, item.hash,
                  item.mtime, item.captured_at, evidence, protected)  # fmt: skip


def _apart(facts: Facts, i: np.ndarray, j: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Whether pairs join contents the user said are not duplicates (``keys``: their digest
    code pairs, smaller first, as ``a << 32 | b``)."""
    a, b = facts.digest[i], facts.digest[j]
    return np.isin((np.minimum(a, b) << 32) | np.maximum(a, b), keys)


def _apart_keys(items: Sequence[Item], facts: Facts, not_duplicates) -> np.ndarray:
    code = {it.hash: int(c) for it, c in zip(items, facts.digest.tolist(), strict=True)}
    keys = [
        (min(code[a], code[b]) << 32) | max(code[a], code[b])
        for a, b in (tuple(p) for p in not_duplicates if len(p) == 2)
        if a in code and b in code
    ]
    return np.array(keys, dtype=np.int64)


def related(
    facts: Facts, pairs: np.ndarray, cosines: np.ndarray, family: np.ndarray, apart: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The candidate pairs that relate, with their rules and cosines; pairs within one
    version family (one unit) or said to differ never do."""
    kept = []
    for start in range(0, len(pairs), BATCH):
        i, j = pairs[start : start + BATCH, 0], pairs[start : start + BATCH, 1]
        cos = cosines[start : start + BATCH]
        rule = classify(facts, i, j, cos)
        rule[(family[i] >= 0) & (family[i] == family[j])] = 0
        if len(apart):
            rule[_apart(facts, i, j, apart)] = 0
        hit = rule > 0
        kept.append((np.stack([i[hit], j[hit]], axis=1), rule[hit], cos[hit]))
    if not kept:
        return np.empty((0, 2), np.int64), np.empty(0, np.int8), np.empty(0)
    return tuple(np.concatenate(part) for part in zip(*kept, strict=True))  # type: ignore[return-value]


def build_groups(
    items: Sequence[Item],
    pairs: np.ndarray,
    rules: KeeperRules,
    cosines: np.ndarray | None = None,
    not_duplicates: Collection[frozenset[str]] = (),
    other_paths: Sequence[str] = (),
    facts: Facts | None = None,
) -> list[Group]:
    """Tiered groups of ``items`` (rows in ``pairs``, an (n, 2) array, refer to it).
    ``cosines``: per pair, NaN where unknown; ``not_duplicates``: content-hash pairs the user
    said differ; ``other_paths``: the library's other files, for version families (a RAW
    beside its JPEG); ``facts``: ``Facts.of(items)`` when the caller has it."""
    facts = Facts.of(items) if facts is None else facts
    pairs = np.asarray(pairs, np.int64).reshape(-1, 2)
    cosines = np.full(len(pairs), np.nan) if cosines is None else cosines
    united = families([it.path for it in items] + list(other_paths))
    keys = {key: n for n, key in enumerate(united)}
    family = np.array([keys.get(family_key(it.path), -1) for it in items], dtype=np.int64)
    apart = _apart_keys(items, facts, not_duplicates)
    found, rule, cos = related(facts, pairs, cosines, family, apart)
    adjacency: dict[int, dict[int, tuple[int, int, float]]] = {}
    for (i, j), r, c in zip(found.tolist(), rule.tolist(), cos.tolist(), strict=True):
        link = (int(_RULE_LEVEL[r]), r, c)
        adjacency.setdefault(i, {})[j] = adjacency.setdefault(j, {})[i] = link
    ranks = {i: rules.rank(items[i]) for i in adjacency}  # best to keep: largest

    def differs(j: int, near: list[int]) -> bool:
        """Two files said to differ never share a group, whatever joins them."""
        if not (len(apart) and near):
            return False
        return bool(_apart(facts, np.full(len(near), j), np.array(near), apart).any())

    chosen: list[tuple[int, list[int]]] = []
    assigned: set[int] = set()
    for tiers in PASSES:
        levels = {LEVEL[t] for t in tiers}

        def centrality(i: int, levels=levels) -> tuple:
            near = [link[0] for link in adjacency[i].values() if link[0] in levels]
            return (-len(near), sum(near), tuple(-v for v in ranks[i][:-1]))

        order = sorted((i for i in adjacency if i not in assigned), key=centrality)
        for rep in order:
            if rep in assigned:
                continue
            near: list[int] = []
            for j, link in sorted(adjacency[rep].items(), key=lambda jl: jl[1][0]):
                if link[0] in levels and j not in assigned and not differs(j, near):
                    near.append(j)
            if near:
                assigned.update([rep, *near])
                chosen.append((rep, near))
    return _groups(items, facts, chosen, adjacency, rules, family, ranks)


def _groups(items, facts: Facts, chosen, adjacency, rules: KeeperRules, family, ranks):
    """The chosen (representative, members) as Groups, with every member's evidence
    (measured in one batch) and the keeper the rules prefer."""
    reps = np.array([rep for rep, near in chosen for _ in near], dtype=np.int64)
    members = np.array([j for _, near in chosen for j in near], dtype=np.int64)
    links = [adjacency[i][j] for i, j in zip(reps.tolist(), members.tolist(), strict=True)]
    proofs = iter(evidence(facts, items, reps, members,
                           np.array([r for _, r, _ in links], dtype=np.int8),
                           np.array([c for _, _, c in links], dtype=float)))  # fmt: skip

    def protected(i: int) -> bool:
        return family[i] >= 0 or rules.is_protected(items[i].path)

    groups = []
    for rep, near in chosen:
        group = [_member(items[rep], None, protected(rep))]
        group += [_member(items[j], next(proofs), protected(j)) for j in near]
        tier = TIERS[max(LEVEL[m.evidence.tier] for m in group[1:])]
        keeper = max([rep, *near], key=ranks.__getitem__)
        groups.append(Group(tier, items[rep].file_id, items[keeper].file_id, group))
    return groups
