"""A scan over a catalog built by hand: visual neighbours found through the library's index
(labels of other segments' vectors ignored), cosines as evidence, phases timed."""

from __future__ import annotations

import numpy as np

from mediasift.catalog import Catalog, Hashes, Segment, VectorItem
from mediasift.dedup import KeeperRules
from mediasift.dedup.scan import scan
from mediasift.index.vectors import VectorIndex


def test_pictures_close_to_the_model_are_similar_whatever_their_hashes(tmp_path):
    rng = np.random.default_rng(0)
    catalog = Catalog(tmp_path / "catalog.db")
    space = catalog.ensure_space("test", "0", 8)
    folder = catalog.add_folder("/lib")
    base = rng.normal(size=(3, 8))
    vectors = [base[0], base[0] + 0.05 * rng.normal(size=8), base[1], base[0], base[2]]
    kinds = ["image", "image", "image", "page", "image"]  # a deck's page near the first
    for n, (vector, kind) in enumerate(zip(vectors, kinds, strict=True)):
        facts = {"hash": f"h{n}", "kind": "photo", "width": 64, "height": 48, "status": "indexed"}
        file_id = catalog.insert_file(folder, f"/lib/{n}.jpg", 100 + n, 0.0, **facts)
        segment = catalog.put_segment(file_id, Segment(0, kind))
        turns = tuple(int(v) for v in rng.integers(0, 2**63, 3))
        phash, dhash = (int(v) for v in rng.integers(0, 2**63, 2))
        catalog.set_hashes(segment, Hashes(phash, dhash, turns, 0x808080, 5.0))
        unit = (vector / np.linalg.norm(vector)).astype(np.float32)
        catalog.add_vectors(space, [VectorItem(segment, unit)])
    index = VectorIndex(tmp_path, space, 8)
    index.open(catalog)
    phases: dict[str, float] = {}
    (group,) = scan(catalog, KeeperRules(), index, timings=phases)
    assert group.tier == "similar"
    assert sorted(m.path for m in group.members) == ["/lib/0.jpg", "/lib/1.jpg"]
    (member,) = [m for m in group.members if m.evidence is not None]
    assert member.evidence.cosine > 0.95 and "cosine" in member.evidence.reason
    assert {"load", "hash neighbours", "visual neighbours", "groups"} <= set(phases)
    catalog.close()
