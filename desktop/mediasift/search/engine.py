"""Search: every signal asked once, fused into one ranking of files, each saying why it matched.

Signals: ``look`` (the visual space: the query's text against images, pages and slides),
``meaning`` (the text space: the query against page, slide and OCR text), ``words`` (FTS5
over that text) and ``name`` (FTS5 over file and folder names). Whatever is available
answers; a missing model only removes its signal, and the response says so.

Filters are applied inside each search (only allowed labels are visited in the ANN, and in
the FTS query itself), so a narrow filter still returns its best matches.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from mediasift.catalog import Catalog
from mediasift.catalog.store import under
from mediasift.index.vectors import VectorIndex
from mediasift.media.thumbs import thumb_file
from mediasift.search import lexical
from mediasift.search.fusion import SIGNALS, Fused, SignalHit, best_per_file, calibrate, cut, fuse
from mediasift.search.query import Query

#: Segments fetched per wanted file, so files with many matching segments do not crowd others out.
OVERFETCH = 3
#: Text chunks fetched per wanted file: a long PDF has many chunks near the same query.
TEXT_OVERFETCH = 8
#: Fused score under which nothing counts as a good match, whatever the query.
FLOOR = 0.12
#: Calibrated strength of a file holding every word of the query (in its text or its name).
WORDS_WEIGHT = 0.9
#: Kinds a ``kind:`` filter means: "image" includes screenshots.
KIND_GROUPS = {"image": ("image", "screenshot")}
#: Other matching parts listed with a result, and how strong (against its best) each must be.
MOMENTS = 5
MOMENT_SHARE = 0.5


@dataclass(frozen=True)
class Filters:
    folders: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    after: float | None = None  # capture date (or mtime when unknown), seconds since the epoch
    before: float | None = None

    @classmethod
    def from_dict(cls, data: dict) -> Filters:
        """The inverse of ``dataclasses.asdict`` (filters sent over the indexer's socket)."""
        return cls(tuple(data["folders"]), tuple(data["kinds"]), data["after"], data["before"])

    def merged(self, query: Query) -> Filters:
        """These filters narrowed by the ones typed in the query."""
        after = max((t for t in (self.after, query.after) if t is not None), default=None)
        before = min((t for t in (self.before, query.before) if t is not None), default=None)
        folders = self.folders + tuple(str(Path(f).expanduser().resolve()) for f in query.folders)
        return Filters(folders, self.kinds + query.kinds, after, before)

    def sql(self) -> tuple[str, list] | None:
        """A WHERE clause over files ``f``, or None when nothing is filtered."""
        clauses, params = [], []
        if self.folders:
            clauses.append(" OR ".join(["(f.path >= ? AND f.path < ?)"] * len(self.folders)))
            params += [bound for folder in self.folders for bound in under(folder)]
        if self.kinds:
            kinds = [k for kind in self.kinds for k in KIND_GROUPS.get(kind, (kind,))]
            clauses.append(f"f.kind IN ({','.join('?' * len(kinds))})")
            params += kinds
        if self.after is not None:
            clauses.append("coalesce(f.captured_at, f.mtime) >= ?")
            params.append(self.after)
        if self.before is not None:
            clauses.append("coalesce(f.captured_at, f.mtime) < ?")
            params.append(self.before)
        return (" AND ".join(f"({c})" for c in clauses), params) if clauses else None


NO_FILTERS = Filters()


@dataclass
class Result:
    path: str
    score: float
    file_id: int
    kind: str | None
    #: Which part of the file matched: {"kind", "index", "start", "end", "label"}; None for
    #: a whole image or a file that matched by name.
    segment: dict | None = None
    #: The part in words: "page 7", "slide 3", "01:42".
    locator: str | None = None
    #: The signals that found it, strongest evidence first: words, meaning, name, look.
    why: list[str] = field(default_factory=list)
    #: The matching text, matched words marked «like this».
    snippet: str | None = None
    #: For text read in an image: the matching line and its box (fractions of the image).
    line: dict | None = None
    thumbnail: str | None = None
    captured_at: float | None = None
    size: int | None = None
    #: Last modified, seconds since the epoch (what "newest" means without a capture date).
    mtime: float | None = None
    #: Other parts of the file that matched too, best first: {"index", "start", "end",
    #: "locator"} (the other moments of a clip, the other pages of a deck).
    moments: list[dict] = field(default_factory=list)
    #: The reranker's score in [0, 1] when a second pass reordered it (search.rerank).
    rerank: float | None = None

    @property
    def start(self) -> float | None:
        """Seconds into a clip or recording where the best moment begins."""
        return self.segment["start"] if self.segment else None

    @property
    def taken(self) -> float:
        """When it was taken (capture date), else last modified: what date filters use."""
        return self.captured_at or self.mtime or 0.0

    def as_dict(self) -> dict:
        """JSON-ready, with the best moment's ``start`` and ``end`` at the top level."""
        end = self.segment["end"] if self.segment else None
        return {**asdict(self), "start": self.start, "end": end}

    @classmethod
    def from_dict(cls, data: dict) -> Result:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass
class Response:
    query: str
    results: list[Result] = field(default_factory=list)
    #: Set when nothing matched well; says so in words for the user.
    message: str | None = None
    #: Signals that could not answer, with the reason (e.g. the visual model is not installed).
    missing: dict[str, str] = field(default_factory=dict)
    #: The model whose space answered each vector signal (during a switch, the old one).
    spaces: dict[str, str] = field(default_factory=dict)
    #: The reranker that reordered the first results (search.rerank); None: the first pass.
    reranker: str | None = None

    def as_dict(self) -> dict:
        return {**asdict(self), "results": [r.as_dict() for r in self.results]}

    @classmethod
    def from_dict(cls, data: dict) -> Response:
        """The inverse of :meth:`as_dict` (a response sent over the indexer's socket)."""
        results = [Result.from_dict(result) for result in data.get("results", [])]
        return cls(data["query"], results, data.get("message"), data.get("missing") or {},
                   data.get("spaces") or {}, data.get("reranker"))  # fmt: skip


@dataclass
class VectorSignal:
    """A vector space searched for a signal: how to encode the query, and how to read scores."""

    index: VectorIndex
    encode: Callable[[str], np.ndarray]
    floor: float  # cosine of noise: calibrated to 0
    ceiling: float  # cosine of a clear match: calibrated to 1
    overfetch: int = OVERFETCH


def locator(segment: dict | None) -> str | None:
    if not segment or segment["kind"] in ("image", "ocr"):
        return None
    if segment.get("start") is not None:
        return clock(segment["start"])
    return f"{segment['kind']} {segment['ord'] + 1}"


def clock(seconds: float) -> str:
    """A time in a clip as people read it: 01:42, or 1:02:03 past the hour."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _vector_hits(
    catalog: Catalog, signal: str, space: VectorSignal, vector: np.ndarray, k: int, clause
) -> list[SignalHit]:
    allowed = None if clause is None else catalog.vector_ids_where(space.index.space_id, *clause)
    pairs = space.index.query(vector, k, allowed)
    hits = catalog.hits([label for label, _ in pairs])
    return [
        SignalHit(signal, hit.file_id, hit.segment_id, score,
                  calibrate(score, space.floor, space.ceiling), (hit.span_start, hit.span_end))
        for label, score in pairs
        if (hit := hits.get(label)) is not None  # else removed since the index was loaded
    ]  # fmt: skip


def nearest(
    catalog: Catalog,
    space: VectorSignal,
    vector: np.ndarray,
    n: int,
    filters: Filters = NO_FILTERS,
    exclude_file: int | None = None,
    thumbs: Path | None = None,
) -> list[Result]:
    """The ``n`` files nearest to a vector in one space (``similar``), each with its best part."""
    hits = _vector_hits(catalog, "look", space, vector, (n + 1) * space.overfetch, filters.sql())
    ranked = [
        Fused(h.file_id, h.raw, {"look": h})
        for h in best_per_file(hits)
        if h.file_id != exclude_file
    ]
    return _results(catalog, ranked[:n], lexical.Terms(()), thumbs, score=lambda f: f.score)


def search(
    catalog: Catalog,
    raw: str,
    query: Query,
    spaces: dict[str, VectorSignal],
    n: int = 20,
    filters: Filters = NO_FILTERS,
    mode: str = "calibrated",
    thumbs: Path | None = None,
    only: frozenset[str] | None = None,
) -> Response:
    """Every available signal (or ``only`` some: benchmarks compare them), fused into the
    ``n`` best files for ``query``."""
    response = Response(raw)
    filters = filters.merged(query)
    clause = filters.sql()
    terms = lexical.Terms.of(query.words, query.phrases, query.prefix)
    lists: dict[str, list[SignalHit]] = {}
    every: list[SignalHit] = []  # each matching part, not only each file's best: its moments
    if query.is_empty():  # only filters ("kind:pdf after:2024"): the newest files they allow
        where, params = clause or ("1", [])
        rows = catalog.rows(
            f"SELECT id FROM files f WHERE status = 'indexed' AND ({where})"
            " ORDER BY coalesce(captured_at, mtime) DESC LIMIT ?",
            [*params, n],
        )
        lists["filter"] = [SignalHit("filter", row["id"], None, 1.0, 1.0) for row in rows]
    elif query.text:
        for signal, space in spaces.items():
            if only is not None and signal not in only:
                continue
            vector = space.encode(query.text)
            k = (n + 1) * space.overfetch
            hits = _vector_hits(catalog, signal, space, vector, k, clause)
            every += hits
            lists[signal] = best_per_file(hits)
    lists.update(_lexical_lists(catalog, query, terms, n, clause, every))
    if only is not None:
        lists = {signal: hits for signal, hits in lists.items() if signal in only}
    ranked = _required(catalog, query, fuse(lists, mode))
    if mode == "calibrated":
        ranked = cut(ranked, FLOOR)
    response.results = _results(catalog, ranked[:n], terms, thumbs, every)
    if not response.results:
        response.message = (
            f"No good match for {response.query!r}."
            if any(lists.values())
            else f"Nothing indexed matches {response.query!r} and the filters."
        )
    return response


def _lexical_lists(
    catalog: Catalog, query: Query, terms: lexical.Terms, n: int, clause, every: list[SignalHit]
) -> dict[str, list[SignalHit]]:
    """The words and name signals' hits, best per file (each segment's words hit is added to
    ``every``)."""
    words = [
        SignalHit("words", h.file_id, h.segment_id, h.score, _word_strength(h.score))
        for h in lexical.search_text(catalog, terms, n, clause)
    ]
    every += words
    name_terms = lexical.Terms.of(query.words + query.names, query.phrases, query.prefix)
    names = lexical.search_names(catalog, name_terms, n, clause)
    return {
        "words": best_per_file(words),
        "name": best_per_file(
            SignalHit("name", h.file_id, None, h.score, _word_strength(h.score)) for h in names
        ),
    }


def _word_strength(coverage: float) -> float:
    """Words found are strong evidence only together: one word of a four-word description
    in a file says little (0.06), all of them a lot (0.9). Measured on the retrieval set,
    where a linear share let files sharing one common word outrank the meaning match."""
    return WORDS_WEIGHT * coverage**2


def _required(catalog: Catalog, query: Query, ranked: list[Fused]) -> list[Fused]:
    """Apply what the query demands: its phrases and name: terms present, -words absent."""
    ids = [f.file_id for f in ranked]
    keep = set(ids)
    if query.phrases:
        keep &= lexical.files_matching(catalog, lexical.Terms((), query.phrases), ids)
    if query.names:
        keep &= lexical.files_matching(catalog, lexical.Terms.of(query.names), ids, True)
    if query.excluded:
        banned = lexical.Terms.of([w for w in query.excluded if " " not in w],
                                  [w for w in query.excluded if " " in w])  # fmt: skip
        keep -= lexical.files_matching(catalog, banned, ids)
    return [f for f in ranked if f.file_id in keep]


def _results(
    catalog: Catalog,
    ranked: list[Fused],
    terms: lexical.Terms,
    thumbs: Path | None,
    every: list[SignalHit] = (),
    score: Callable[[Fused], float] = lambda f: min(1.0, f.score),
) -> list[Result]:
    files = catalog.by_ids("files", [f.file_id for f in ranked])
    others = _other_parts(ranked, every)
    wanted = [f.best.segment_id for f in ranked if f.best.segment_id is not None]
    segments = catalog.by_ids("segments", wanted + [i for ids in others.values() for i in ids])
    results = []
    for fused in ranked:
        row = files.get(fused.file_id)
        if row is None:
            continue  # removed a moment ago
        best = fused.best
        segment = segments.get(best.segment_id) if best.segment_id is not None else None
        snippet, line = _explain(catalog, fused, segment, terms)
        place, where = _locator_dict(segment), locator(segment)
        if line and "start" in line:  # the moment is the matching sentence's
            place = {**place, "start": line["start"], "end": line["end"]}
            where = clock(line["start"])
        thumb = _thumbnail(thumbs, row["hash"], segment)
        results.append(
            Result(
                row["path"], round(score(fused), 4), row["id"], row["kind"],
                segment=place, locator=where,
                why=[s for s in SIGNALS if s in fused.hits], snippet=snippet, line=line,
                thumbnail=thumb if thumb and os.path.exists(thumb) else None,
                captured_at=row["captured_at"], size=row["size"], mtime=row["mtime"],
                moments=_moments([segments[i] for i in others.get(row["id"], ()) if i in segments]),
            )
        )  # fmt: skip
    return results


def _thumbnail(thumbs: Path | None, digest: str | None, segment: dict | None) -> str | None:
    """The picture of the part that matched (a clip's scene) where there is one, else the
    file's."""
    if not thumbs or not digest:
        return None
    if segment is not None and segment["kind"] == "scene":
        scene = thumb_file(thumbs, digest, segment["ord"])
        if os.path.exists(scene):
            return scene
    return thumb_file(thumbs, digest)


def _other_parts(ranked: list[Fused], every: list[SignalHit]) -> dict[int, list[int]]:
    """Per file, the segments besides its best that matched well too, strongest first, at
    most MOMENTS of them. A segment's evidence is the sum of its signals' strengths (as in
    fusion); it must reach MOMENT_SHARE of the best segment's."""
    best = {f.file_id: f.best.segment_id for f in ranked}
    strongest: dict[tuple[int, int, str], float] = {}  # a segment's best hit per signal
    for hit in every:
        if hit.segment_id is not None and hit.file_id in best:
            key = (hit.file_id, hit.segment_id, hit.signal)
            strongest[key] = max(strongest.get(key, 0.0), hit.strength)
    evidence: dict[int, dict[int, float]] = {}
    for (file_id, segment_id, _), strength in strongest.items():
        parts = evidence.setdefault(file_id, {})
        parts[segment_id] = parts.get(segment_id, 0.0) + strength
    others = {}
    for file_id, parts in evidence.items():
        bar = MOMENT_SHARE * max(parts.values())
        ranked_parts = sorted(parts, key=lambda i: -parts[i])
        others[file_id] = [i for i in ranked_parts if i != best[file_id] and parts[i] >= bar][
            :MOMENTS
        ]
    return others


def _moments(parts: list[dict]) -> list[dict]:
    """The parts a person can go to (a time, a page); not the text read in an image."""
    return [
        {"index": part["ord"], "start": part["start"], "end": part["end"], "locator": where}
        for part in parts
        if (where := locator(part)) is not None
    ]


def _locator_dict(segment: dict | None) -> dict | None:
    if segment is None or segment["kind"] == "image":
        return None
    return {"kind": segment["kind"], "index": segment["ord"], "start": segment["start"],
            "end": segment["end"], "label": segment["label"]}  # fmt: skip


def _explain(
    catalog: Catalog, fused: Fused, segment: dict | None, terms: lexical.Terms
) -> tuple[str | None, dict | None]:
    """A one-line snippet of the matching text (query words marked) and, for text read in an
    image, the line to highlight with its box; for a transcript, the sentence and its time."""
    if segment is None or not segment["text"]:
        return None, None
    start, end = fused.best.span
    piece = segment["text"][start:end] if start is not None and end is not None else None
    if segment["lines"]:
        text, *place = _matching_line(segment["lines"], piece, terms)
        line = {"text": text, "box": place}  # of a line read in an image
        if segment["kind"] == "transcript":  # a sentence of a recording, and its time
            line = {"text": text, "start": place[0], "end": place[1]}
        return _mark(_trim(text), terms), line
    snippet = lexical.snippet(catalog, segment["id"], terms) if "words" in fused.hits else None
    if snippet is None or "«" not in snippet:
        snippet = _mark(_trim(piece or segment["text"]), terms)
    return " ".join(snippet.split()), None


def _matching_line(lines: list, piece: str | None, terms: lexical.Terms) -> list:
    """The OCR line that holds most of the query's words; else the longest line of the
    chunk that matched by meaning; else the first line."""
    if terms:
        best = max(lines, key=lambda line: terms.coverage(line[0]))
        if terms.coverage(best[0]) > 0:
            return best
    inside = [line for line in lines if piece and line[0] in piece]
    return max(inside, key=lambda line: len(line[0])) if inside else lines[0]


def _trim(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def _mark(text: str, terms: lexical.Terms) -> str:
    """Mark the query's words (and the prefix) in a piece of text."""

    def mark(match: re.Match) -> str:
        word = match.group(0).lower()
        hit = word in terms.words or (terms.prefix and word.startswith(terms.prefix))
        return f"«{match.group(0)}»" if hit else match.group(0)

    return re.sub(r"\w+", mark, text)
