"""The hnswlib cache: queries, deletions, filters, atomic saves, checks on load."""

from __future__ import annotations

import numpy as np
import pytest

from mediasift.catalog import Catalog, Segment, VectorItem
from mediasift.index.vectors import VectorIndex


def _unit(rng, n, dim=16):
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def filled(tmp_path):
    """A catalog with 300 vectors in one space, and a fresh index over it."""
    catalog = Catalog(tmp_path / "c.sqlite3")
    folder = catalog.add_folder("/f")
    space = catalog.ensure_space("m", "r", 16)
    vectors = _unit(np.random.default_rng(0), 300)
    for i, vector in enumerate(vectors):
        file_id = catalog.insert_file(folder, f"/f/{i}.jpg", 1, 1.0, status="indexed")
        segment = catalog.put_segment(file_id, Segment(0, "image"))
        catalog.add_vectors(space, [VectorItem(segment, vector)])
    index = VectorIndex(tmp_path / "index", space, 16)
    index.open(catalog)
    yield catalog, index, vectors
    catalog.close()


def test_query_finds_the_exact_vector_first(filled):
    _, index, vectors = filled
    ids, _ = filled[0].vectors(index.space_id)
    label, score = index.query(vectors[42], 5)[0]
    assert label == ids[42] and score == pytest.approx(1.0, abs=1e-5)


def test_more_results_than_items_or_allowed_is_not_an_error(filled):
    _, index, vectors = filled
    assert len(index.query(vectors[0], 1000)) == 300
    assert [label for label, _ in index.query(vectors[0], 10, allowed={5, 9})] in ([5, 9], [9, 5])


def test_removed_labels_never_come_back(filled):
    _catalog, index, vectors = filled
    index.remove([1, 2, 3])
    assert index.live_count == 297
    assert {1, 2, 3}.isdisjoint(label for label, _ in index.query(vectors[0], 300))


def test_save_and_reopen_keeps_deletions(filled, tmp_path):
    catalog, index, vectors = filled
    catalog.delete_files([1])
    index.remove([1])
    index.save(catalog)
    again = VectorIndex(index.path.parent, index.space_id, 16)
    again.open(catalog)
    assert not again.rebuilt and again.live_count == 299
    assert 1 not in {label for label, _ in again.query(vectors[0], 300)}


def test_truncated_index_file_is_rebuilt(filled):
    catalog, index, _vectors = filled
    index.save(catalog)
    index.path.write_bytes(index.path.read_bytes()[:1000])
    again = VectorIndex(index.path.parent, index.space_id, 16)
    again.open(catalog)
    assert again.rebuilt and again.live_count == 300


def test_heavy_deletion_compacts_on_save(filled):
    catalog, index, _vectors = filled
    gone = catalog.delete_files(range(1, 151))
    index.remove(gone)
    index.save(catalog)
    assert index.live_count == 150
    assert index._index.element_count == 150  # tombstones dropped by the rebuild


def test_a_reader_catches_up_with_additions_without_listing_every_id(filled, monkeypatch):
    catalog, index, _ = filled
    new = _unit(np.random.default_rng(1), 5)
    folder = catalog.folders()[0]["id"]
    for i, vector in enumerate(new):
        file_id = catalog.insert_file(folder, f"/f/new{i}.jpg", 1, 1.0, status="indexed")
        segment = catalog.put_segment(file_id, Segment(0, "image"))
        catalog.add_vectors(index.space_id, [VectorItem(segment, vector)])

    def every_id(space_id):
        raise AssertionError("an addition-only catch-up lists every id")

    with monkeypatch.context() as patch:  # the usual case: an indexer adding files
        patch.setattr(catalog, "vector_ids", every_id)
        assert index.catch_up(catalog)
    assert index.live_count == 305
    assert index.query(new[3], 1)[0][1] == pytest.approx(1.0, abs=1e-5)

    gone = catalog.vector_ids(index.space_id)[:2].tolist()
    catalog.delete_files([1, 2])  # removals (with an addition): the whole difference
    file_id = catalog.insert_file(folder, "/f/last.jpg", 1, 1.0, status="indexed")
    segment = catalog.put_segment(file_id, Segment(0, "image"))
    catalog.add_vectors(index.space_id, [VectorItem(segment, new[0])])
    assert index.catch_up(catalog)
    assert index.live_count == 304
    assert set(gone).isdisjoint(label for label, _ in index.query(new[0], 400))
    assert not index.catch_up(catalog)  # nothing new since
