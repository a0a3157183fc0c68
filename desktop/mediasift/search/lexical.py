"""Word and name search over SQLite FTS5, fast enough to run on every keystroke.

Candidates are capped *before* ranking: ranking every match of a one-letter prefix takes
seconds at a million rows, so each query reads at most ``CAP`` matches, newest first (FTS5
walks its doclists in rowid order and stops there), and ranks only those. Prefix indexes
(1-3 characters) make short prefixes one lookup instead of a merge of every term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mediasift.catalog import Catalog

#: Matches read per query before ranking.
CAP = 2000
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


def _ranked(catalog: Catalog, sql: str, every: str, anyone: str, params: list, n: int):
    """Rows for all terms; topped up with rows for any term when too few match them all."""
    rows = catalog.rows(sql, [every, *params, CAP])
    if len(rows) < n and anyone != every:
        seen = {r["id"] for r in rows}
        rows += [r for r in catalog.rows(sql, [anyone, *params, CAP]) if r["id"] not in seen]
    return rows


def _by_coverage(rows: list[dict], terms: Terms, n: int) -> list[tuple[dict, float]]:
    """The best rows by BM25, re-ranked by the share of terms each holds (BM25 breaks ties).

    Only a few times ``n`` rows are tokenized: that is the costly part on a keystroke.
    """
    top = sorted(rows, key=lambda r: r["bm25"])[: max(5 * n, 100)]
    scored = [(row, terms.coverage(row["text"])) for row in top]
    return sorted(scored, key=lambda pair: (-pair[1], pair[0]["bm25"]))


_TEXT_SQL = (
    "SELECT m.rowid AS id, s.file_id, s.text, bm25(segment_fts) AS bm25"
    " FROM segment_fts m JOIN segments s ON s.id = m.rowid JOIN files f ON f.id = s.file_id"
    " WHERE segment_fts MATCH ?"
)
_NAME_SQL = (
    "SELECT m.rowid AS id, m.rowid AS file_id, m.name || ' ' || m.folder AS text,"
    " bm25(name_fts, 2.0, 1.0) AS bm25 FROM name_fts m JOIN files f ON f.id = m.rowid"
    " WHERE name_fts MATCH ?"
)


def _search(
    catalog: Catalog, sql: str, terms: Terms, n: int, where: tuple[str, list] | None
) -> list[tuple[dict, float]]:
    if not terms:
        return []
    clause, params = where or ("1", [])
    sql += f" AND f.status = 'indexed' AND ({clause}) ORDER BY m.rowid DESC LIMIT ?"
    rows = _ranked(catalog, sql, terms.expression(True), terms.expression(False), params, n)
    return _by_coverage(rows, terms, n)


def search_text(
    catalog: Catalog, terms: Terms, n: int, where: tuple[str, list] | None = None
) -> list[WordHit]:
    """Segments whose text holds the terms, best first (share of terms, then BM25)."""
    found = _search(catalog, _TEXT_SQL, terms, n, where)
    return [WordHit(row["file_id"], row["id"], share) for row, share in found]


def search_names(
    catalog: Catalog, terms: Terms, n: int, where: tuple[str, list] | None = None
) -> list[WordHit]:
    """Files whose name or folder names hold the terms, best first."""
    found = _search(catalog, _NAME_SQL, terms, n, where)
    return [WordHit(row["file_id"], None, share) for row, share in found]


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
