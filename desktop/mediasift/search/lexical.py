"""Word and name search over SQLite FTS5, fast enough to run on every keystroke.

Candidates are capped *before* ranking: ranking every match of a one-letter prefix takes
seconds at a million rows, so each query reads a few hundred matches, newest first (FTS5
walks its doclists in rowid order and stops there), and ranks only those. Prefix indexes
(1-3 characters) make short prefixes one lookup instead of a merge of every term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mediasift.catalog import Catalog

#: Matches of any term read per query before ranking (all terms: a few times the results).
CAP = 150
#: Words too common to say anything on their own; dropped unless the query is only these.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "its",
        "my",
        "of",
        "on",
        "or",
        "our",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "where",
        "which",
        "with",
        "you",
        "your",
        "me",
        "we",
    ]
)
_TOKEN = re.compile(r"[^\W_]+")  # as SQLite's unicode61 tokenizer splits


@dataclass(frozen=True)
class Terms:
    """What the lexical side searches for: words (the last maybe a prefix) and phrases."""

    words: tuple[str, ...]
    phrases: tuple[str, ...] = ()
    prefix: str | None = None

    @classmethod
    def of(cls, words, phrases=(), prefix: str | None = None) -> Terms:
        tokens = [t.lower() for w in words for t in _TOKEN.findall(w)]
        useful = [t for t in tokens if t not in STOP_WORDS] or tokens
        pre = prefix.lower() if prefix and _TOKEN.fullmatch(prefix) else None
        if pre is not None and pre in useful:
            useful.remove(pre)
        return cls(tuple(dict.fromkeys(useful)), tuple(p for p in phrases if _TOKEN.search(p)), pre)

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases or self.prefix)

    @property
    def all(self) -> list[str]:
        """Each term as an FTS5 string: quoted words, the prefix with ``*``, phrases."""
        quoted = [f'"{w}"' for w in self.words]
        if self.prefix:
            quoted.append(f'"{self.prefix}"*')
        return quoted + ['"' + p.replace('"', "") + '"' for p in self.phrases]

    def expression(self, every: bool, column: str | None = None) -> str:
        """Every term (AND) or any term (OR), optionally within one column."""
        terms = self.all
        if column:
            terms = [f"{column} : {t}" for t in terms]
        return (" AND " if every else " OR ").join(terms)

    def coverage(self, text: str | None) -> float:
        """Share of the terms found in ``text`` (phrases as phrases, the prefix as a prefix)."""
        if not text:
            return 0.0
        tokens = [t.lower() for t in _TOKEN.findall(text)]
        found = sum(w in tokens for w in self.words)
        if self.prefix:
            found += any(t.startswith(self.prefix) for t in tokens)
        flat = " ".join(tokens)
        found += sum(" ".join(_TOKEN.findall(p.lower())) in flat for p in self.phrases)
        total = len(self.words) + bool(self.prefix) + len(self.phrases)
        return found / total if total else 0.0


@dataclass(frozen=True)
class WordHit:
    file_id: int
    segment_id: int | None  # None: the file's name matched
    score: float  # share of the terms found (0..1]


@dataclass(frozen=True)
class _Source:
    """An FTS table to match, and how to read a matched row's file and text."""

    match: str  # SELECT id, file_id ... WHERE <table> MATCH ? (filters appended)
    text: str  # SELECT id, text ... WHERE id IN (...)


_SEGMENTS = _Source(
    "SELECT m.rowid, s.file_id FROM segment_fts m"
    " JOIN segments s ON s.id = m.rowid JOIN files f ON f.id = s.file_id"
    " WHERE segment_fts MATCH ?",
    "SELECT id, text FROM segments WHERE id IN ({})",
)
_NAMES = _Source(
    "SELECT m.rowid, m.rowid FROM name_fts m JOIN files f ON f.id = m.rowid WHERE name_fts MATCH ?",
    "SELECT rowid, name || ' ' || folder FROM name_fts WHERE rowid IN ({})",
)


def _search(
    catalog: Catalog, source: _Source, terms: Terms, n: int, where: tuple[str, list] | None
) -> list[tuple[int, int, float]]:
    """(row id, file id, share of terms) of the best matches, best first.

    The newest matches of all the terms, topped up with the newest matches of any term when
    fewer than ``n`` hold them all; ranked by the share of the terms each holds, newest first
    among equals. No BM25: FTS5 computes it from every row holding each term, ~35 ms for a
    common word at a million rows, whatever the LIMIT.
    """
    if not terms:
        return []
    clause, params = where or ("1", [])
    sql = source.match + f" AND f.status = 'indexed' AND ({clause}) ORDER BY m.rowid DESC LIMIT ?"
    every, anyone = terms.expression(True), terms.expression(False)
    rows = catalog.tuples(sql, [every, *params, max(5 * n, 100)])
    scored = [(row[0], row[1], 1.0) for row in rows]  # they hold every term
    if len(rows) < n and anyone != every:
        seen = {row[0] for row in rows}
        more = [r for r in catalog.tuples(sql, [anyone, *params, CAP]) if r[0] not in seen]
        marks = ",".join("?" * len(more))
        texts = dict(catalog.tuples(source.text.format(marks), [row[0] for row in more]))
        scored += [(row[0], row[1], terms.coverage(texts.get(row[0]))) for row in more]
    scored.sort(key=lambda hit: (-hit[2], -hit[0]))
    return scored


def search_text(
    catalog: Catalog, terms: Terms, n: int, where: tuple[str, list] | None = None
) -> list[WordHit]:
    """Segments whose text holds the terms, best first (share of terms, then BM25)."""
    found = _search(catalog, _SEGMENTS, terms, n, where)
    return [WordHit(file_id, segment_id, share) for segment_id, file_id, share in found]


def search_names(
    catalog: Catalog, terms: Terms, n: int, where: tuple[str, list] | None = None
) -> list[WordHit]:
    """Files whose name or folder names hold the terms, best first."""
    found = _search(catalog, _NAMES, terms, n, where)
    return [WordHit(file_id, None, share) for _, file_id, share in found]


def files_matching(catalog: Catalog, terms: Terms, file_ids: list[int], names_only: bool = False):
    """Which of ``file_ids`` hold any of the terms in a name (or, unless names_only, text)."""
    if not terms or not file_ids:
        return set()
    marks = ",".join("?" * len(file_ids))
    found = {
        r["id"]
        for r in catalog.rows(
            f"SELECT rowid AS id FROM name_fts WHERE name_fts MATCH ? AND rowid IN ({marks})",
            [terms.expression(False, None if not names_only else "name"), *file_ids],
        )
    }
    if not names_only:
        found |= {
            r["file_id"]
            for r in catalog.rows(
                "SELECT s.file_id FROM segment_fts m JOIN segments s ON s.id = m.rowid"
                f" WHERE segment_fts MATCH ? AND s.file_id IN ({marks})",
                [terms.expression(False), *file_ids],
            )
        }
    return found


def snippet(catalog: Catalog, segment_id: int, terms: Terms, width: int = 12) -> str | None:
    """The segment's text around the matched terms, matches marked «like this»."""
    if not terms:
        return None
    rows = catalog.rows(
        "SELECT snippet(segment_fts, 0, '«', '»', '…', ?) AS s FROM segment_fts"
        " WHERE segment_fts MATCH ? AND rowid = ?",
        [width, terms.expression(False), segment_id],
    )
    return rows[0]["s"] if rows else None
