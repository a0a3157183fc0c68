"""Switching the visual model: the old space answers until the new one covers the library,
never a query encoded by one model against another's vectors, and prune frees the old one."""

from __future__ import annotations

from dataclasses import replace

import pytest
from helpers import write_image

from mediasift.index.spaces import LibrarySpace, prunable, search_order
from mediasift.index.vectors import VectorIndex
from mediasift.library import Library
from mediasift.models.encoder import Space
from mediasift.models.random_weights import save_random_clip
from mediasift.models.towers import tower_dir
from mediasift.pipeline.indexer import run_once
from mediasift.pipeline.progress import Progress


@pytest.fixture(scope="session")
def other_clip(tmp_path_factory):
    """A second tiny CLIP: same architecture and size, other weights, so another space."""
    return save_random_clip(tmp_path_factory.mktemp("other-clip"), "tiny", seed=1)


def _space(id_: int, ready: bool, chosen: bool) -> LibrarySpace:
    return LibrarySpace(id_, Space(f"m{id_}", "r", 8), "visual", ready, chosen)


def test_search_order_prefers_the_chosen_ready_space_then_any_ready_one():
    building, old, older = _space(3, False, True), _space(2, True, False), _space(1, True, False)
    assert [s.id for s in search_order([building, old, older])] == [2, 1, 3]
    done = replace(building, ready=True)
    assert [s.id for s in search_order([done, old, older])] == [3, 2, 1]
    abandoned = _space(4, False, False)  # a switch given up: never searched
    assert 4 not in [s.id for s in search_order([abandoned, building, old])]


def test_prune_keeps_the_space_being_built_and_the_one_answering_meanwhile():
    building, old, older = _space(3, False, True), _space(2, True, False), _space(1, True, False)
    assert [s.id for s in prunable([building, old, older])] == [1]
    done = replace(building, ready=True)
    assert [s.id for s in prunable([done, old, older])] == [2, 1]


def _results_have_vectors_in(lib: Library, response, model_id: str) -> bool:
    space_id = next(s.id for s in lib.library_spaces("visual") if s.space.model_id == model_id)
    return all(lib.catalog.file_vector(r.file_id, space_id) is not None for r in response.results)


def test_a_switch_keeps_search_on_the_old_space_until_the_new_one_covers_the_library(
    tmp_path, settings, other_clip
):
    home, folder, count = tmp_path / "home", tmp_path / "many", 160
    for seed in range(count):
        write_image(folder / f"p{seed:02d}.png", seed, size=(48, 36))
    old_model, new_model = settings.model, str(other_clip)
    with Library(home, settings) as lib:
        lib.add_folder(folder)
        lib.index()
        assert [s.ready for s in lib.library_spaces("visual")] == [True]

    switched = replace(settings, model=new_model)
    with Library(home, switched) as lib:  # paused at its first file, then quit
        pipeline = lib.pipeline(Progress())
        pipeline.progress.event_listeners.append(
            lambda event: (pipeline.pause(), pipeline.progress.cancel())
        )
        assert run_once(pipeline, lib.folder_rows(None)).cancelled
        new, old = lib.library_spaces("visual")
        assert (new.space.model_id, new.ready, old.ready) == (new_model, False, True)
        built = len(lib.catalog.vector_ids(new.id))
        assert 0 < built < count

    with Library(home, switched) as lib:  # the window meanwhile: the old space answers
        response = lib.search("a photo", n=count)
        assert response.spaces["look"] == old_model
        assert len(response.results) == count
        assert _results_have_vectors_in(lib, response, old_model)
        assert lib.switching()["visual"] == {
            "searching": old_model, "building": new_model, "files_left": count - built,
        }  # fmt: skip
        resumed = lib.index()  # the switch resumes where it stopped, and completes
        assert resumed.encoded == count - built
        assert [s.ready for s in lib.library_spaces("visual")] == [True, True]
        assert lib.switching() == {}
        response = lib.search("a photo", n=count)
        assert response.spaces["look"] == new_model
        assert len(response.results) == count
        assert _results_have_vectors_in(lib, response, new_model)


def _switched(home, settings, photos, other_clip):
    """A library indexed with the tiny CLIP, then switched to the other one and indexed again;
    the settings of the switch."""
    with Library(home, settings) as lib:
        lib.add_folder(photos)
        lib.index()
    switched = replace(settings, model=str(other_clip))
    with Library(home, switched) as lib:
        lib.index()
    return switched


def test_prune_removes_the_replaced_space_and_frees_its_files(
    tmp_path, settings, photos, other_clip
):
    home = tmp_path / "home"
    with Library(home, _switched(home, settings, photos, other_clip)) as lib:
        old = lib.library_spaces("visual")[1]
        files = VectorIndex.files(lib.index_dir, old.id)
        assert all(path.exists() for path in files)

        planned = lib.prune(dry_run=True)
        assert [(p["model_id"], p["vectors"]) for p in planned] == [(settings.model, 12)]
        assert old.id in lib.catalog.space_ids()  # a dry run removes nothing

        assert lib.prune() == planned
        assert old.id not in lib.catalog.space_ids()
        assert not any(path.exists() for path in files)
        assert lib.catalog.rows("PRAGMA freelist_count")[0]["freelist_count"] == 0  # vacuumed
        assert not lib.catalog.rows("SELECT 1 FROM stages WHERE stage = ?", (f"embed:{old.id}",))
        assert lib.prune() == []  # nothing left to prune
        response = lib.search("a photo", n=12)
        assert response.spaces["look"] == str(other_clip) and len(response.results) == 12


def test_a_space_whose_model_is_gone_is_not_searched_with_another_model(
    tmp_path, settings, photos, other_clip
):
    home = tmp_path / "home"
    with Library(home, settings) as lib:
        lib.add_folder(photos)
        lib.index()
        old = lib.library_spaces("visual")[0].space
    missing = replace(settings, model=str(tmp_path / "no-such-model"))
    with Library(home, missing) as lib:  # the old space's own tower still encodes queries
        response = lib.search("a photo", n=12)
        assert response.spaces["look"] == settings.model and len(response.results) == 12

    tower = tower_dir(old)
    tower.rename(tower.with_name(tower.name + ".away"))  # its tower gone too
    try:
        with Library(home, missing) as lib:
            response = lib.search("a photo", n=12)
            assert "look" not in response.spaces
            assert "no-such-model" in response.missing["look"]
    finally:
        tower.with_name(tower.name + ".away").rename(tower)


def test_prune_while_the_indexer_runs_is_done_by_the_indexer(
    tmp_path, settings, photos, other_clip
):
    home = tmp_path / "home"
    switched = _switched(home, settings, photos, other_clip)
    with Library(home, switched) as lib:
        old = lib.library_spaces("visual")[1]
    with Library(home, switched) as indexer:
        watch = indexer.watch()
        try:
            with Library(home, switched) as window:  # cannot write: hands it to the indexer
                gone = window.prune()
            assert [g["model_id"] for g in gone] == [settings.model]
            assert old.id not in indexer.catalog.space_ids()
        finally:
            watch.stop()  # saves its indexes: the pruned one must not come back
    assert not any(path.exists() for path in VectorIndex.files(home / "index", old.id))
