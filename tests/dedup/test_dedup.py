"""Duplicate finding on a generated set indexed with the tiny random CLIP: tiers as built,
no chaining, keeper rules, protected folders, "not duplicates" kept across a reopen.

The tiny model's cosines are noise, so what is checked here rests on the perceptual hashes,
sizes and capture times, which are real."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mediasift.bench.dupeset import Made, make_set
from mediasift.config import Settings
from mediasift.dedup import KeeperRules
from mediasift.library import Library


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, tiny_clip, minilm) -> tuple[Path, list[Made]]:
    root = tmp_path_factory.mktemp("dupes")
    made = make_set(root / "photos", originals=5, bursts=2, lookalike_pairs=4, size=(480, 360))
    settings = Settings(model=str(tiny_clip), text_model=str(minilm), min_score=-1.0, ocr=False)
    with Library(root / "home", settings) as lib:
        lib.add_folder(root / "photos")
        lib.index()
    return root, made


@pytest.fixture
def lib(indexed, tiny_clip, minilm):
    settings = Settings(model=str(tiny_clip), text_model=str(minilm), min_score=-1.0, ocr=False)
    with Library(indexed[0] / "home", settings) as library:
        yield library


def _group_of(groups, path: Path):
    return next((g for g in groups if any(m.path == str(path) for m in g.members)), None)


def test_hashes_are_stored_at_indexing(lib):
    missing = lib.catalog.rows("SELECT count(*) AS n FROM segments WHERE kind = 'image'"
                               " AND phash IS NULL")  # fmt: skip
    assert missing[0]["n"] == 0


def test_tiers_as_built_and_no_chaining(lib, indexed):
    made = indexed[1]
    groups = lib.dupes()
    where = {m.path: n for n, g in enumerate(groups) for m in g.members}
    for scene in {m.scene for m in made if m.how != "lookalike"}:
        files = [m for m in made if m.scene == scene]
        found = {where.get(str(m.path)) for m in files}
        assert len(found) == 1 and None not in found, scene  # one group per scene, all in it
        group = groups[found.pop()]
        assert len(group.members) == len(files)
        rep = Path(group.member(group.representative).path)
        rep_how = next(m.how for m in files if m.path == rep)
        for m in files:
            evidence = group.member(lib.catalog.file_by_path(str(m.path))["id"]).evidence
            if evidence is None:
                continue
            assert evidence.reason and evidence.phash_distance >= 0
            if rep_how in ("original", "png", "copy"):  # pixel-equal to the original
                expected = m.tier or ("exact" if rep_how == "copy" else "same")
                assert evidence.tier == expected, (m, evidence)
    for m in made:
        if m.how == "lookalike" and str(m.path) in where:
            assert groups[where[str(m.path)]].tier not in ("exact", "same", "edited")


def test_every_member_is_close_to_the_representative(lib):
    for group in lib.dupes():
        assert sum(m.evidence is None for m in group.members) == 1
        assert group.member(group.representative).evidence is None


def test_keeper_rules(lib, indexed):
    groups = lib.dupes(tiers={"edited", "same", "exact"})
    group = _group_of(groups, indexed[0] / "photos" / "scene0000.jpg")
    keeper = group.member(group.keeper)
    assert keeper.width * keeper.height == max(m.width * m.height for m in group.members)
    assert keeper.path == str(indexed[0] / "photos" / "scene0000.jpg")  # the original
    rules = KeeperRules(("format:png", *KeeperRules().rules))
    group = _group_of(lib.dupes(rules=rules), indexed[0] / "photos" / "scene0000.jpg")
    assert group.member(group.keeper).path.endswith(".png")


def test_protected_folders_are_never_proposed(lib, indexed):
    copies = str(indexed[0] / "photos" / "copies")
    groups = lib.dupes(rules=KeeperRules(protected=(copies,)))
    plan = lib.plan(groups)
    moved = [e["path"] for g in plan["groups"] for e in g["move"]]
    assert moved and not any(p.startswith(copies) for p in moved)


def test_not_duplicates_persists_across_a_reopen(indexed, tiny_clip, minilm, tmp_path):
    settings = Settings(model=str(tiny_clip), text_model=str(minilm), min_score=-1.0, ocr=False)
    a = indexed[0] / "photos" / "bursts" / "burst000-0.jpg"
    b = indexed[0] / "photos" / "bursts" / "burst000-1.jpg"
    home = tmp_path / "home"  # a copy: the decision must not reach the other tests' library
    shutil.copytree(indexed[0] / "home", home)
    with Library(home, settings) as lib:
        groups = lib.dupes()
        assert _group_of(groups, a) is _group_of(groups, b)  # a burst, until the user says
        lib.not_duplicates([str(a), str(b)])
    with Library(home, settings) as lib:
        for group in lib.dupes():
            paths = {m.path for m in group.members}
            assert not {str(a), str(b)} <= paths
