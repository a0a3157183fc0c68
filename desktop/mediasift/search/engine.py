"""Vector search: nearest segments in one space, filtered, grouped by file, cut off when weak.

Filters are applied inside the ANN search (only allowed labels are visited), so a narrow filter
still returns its best matches instead of whatever survived a post-filter.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from mediasift.catalog import Catalog
from mediasift.catalog.store import under
from mediasift.index.vectors import VectorIndex

#: Segments fetched per wanted file, so files with many matching segments do not crowd others out.
OVERFETCH = 3


@dataclass(frozen=True)
class Filters:
    folder: str | None = None
    kind: str | None = None
    after: float | None = None  # capture date (or mtime when unknown), seconds since the epoch
    before: float | None = None

    def sql(self) -> tuple[str, list] | None:
        """A WHERE clause over files ``f``, or None when nothing is filtered."""
        clauses, params = [], []
        if self.folder:
            clauses.append("f.path >= ? AND f.path < ?")
            params += under(self.folder)
        if self.kind:
            clauses.append("f.kind = ?")
            params.append(self.kind)
        if self.after is not None:
            clauses.append("coalesce(f.captured_at, f.mtime) >= ?")
            params.append(self.after)
        if self.before is not None:
            clauses.append("coalesce(f.captured_at, f.mtime) < ?")
            params.append(self.before)
        return (" AND ".join(clauses), params) if clauses else None


NO_FILTERS = Filters()


@dataclass
class Result:
    path: str
    score: float
    file_id: int
    kind: str | None
    #: Which part of the file matched: {"kind", "index", "start", "label"}; None for whole images.
    segment: dict | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Response:
    query: str
    results: list[Result] = field(default_factory=list)
    #: Set when nothing matched well; says so in words for the user.
    message: str | None = None


def nearest(
    catalog: Catalog,
    vindex: VectorIndex,
    vector: np.ndarray,
    n: int,
    filters: Filters = NO_FILTERS,
    exclude_file: int | None = None,
) -> list[Result]:
    """The ``n`` best files for a query vector, each with its best segment."""
    clause = filters.sql()
    allowed = None if clause is None else catalog.vector_ids_where(vindex.space_id, *clause)
    pairs = vindex.query(vector, (n + 1) * OVERFETCH, allowed)
    hits = catalog.hits([label for label, _ in pairs])
    best: dict[int, Result] = {}
    for label, score in pairs:
        hit = hits.get(label)
        if hit is None or hit.file_id == exclude_file or hit.file_id in best:
            continue  # vector removed since the index was loaded; or a weaker segment
        segment = None
        if hit.segment_kind != "image":
            segment = {"kind": hit.segment_kind, "index": hit.segment_ord, "start": hit.start,
                       "label": hit.label}  # fmt: skip
        best[hit.file_id] = Result(hit.path, round(score, 4), hit.file_id, hit.kind, segment)
    return sorted(best.values(), key=lambda r: -r.score)[:n]


def cut_weak(response: Response, min_score: float) -> Response:
    """Drop results below the model's floor; say so when nothing is left."""
    strong = [r for r in response.results if r.score >= min_score]
    if response.results and not strong:
        best = response.results[0].score
        response.message = (
            f"No good match for {response.query!r}: the closest file scores {best:.2f}, "
            f"below this model's threshold of {min_score:.2f}."
        )
    elif not response.results:
        response.message = f"Nothing indexed matches {response.query!r} and the filters."
    response.results = strong
    return response
