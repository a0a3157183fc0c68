"""Decks and their PDF exports, and documents saved twice: files whose pages say the same.

Pictures are compared by their looks, documents by their words. Each page or slide becomes the
set of its words (folded with NFKC, so ligatures match; lower case; numbers dropped, since slide
numbers and dates in footers differ between a deck and its export). Candidates are documents
sharing a page with exactly the same words, or the same name stem (``talk.pptx`` and
``talk.pdf``); never all pairs. Two documents are the same when, walked in page order, at least
MATCHING of the longer one's pages find a page in the other holding CONTAINED of the smaller
page's words (a deck's speaker notes, which an export leaves out, do not count against it).

Groups do not chain: each is a representative (the copy to keep: an editable deck before its
PDF, then more pages, then the larger file; the user's folder, format and age rules first) and
the documents that match it directly.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from mediasift.catalog import Catalog
from mediasift.dedup.keeper import KeeperRules
from mediasift.dedup.linked import around_representatives, file_item, member, user_rank
from mediasift.dedup.model import Evidence, Group, Item

#: Share of the longer document's pages that must match.
MATCHING = 0.8
#: Share of the smaller page's words the other page must hold.
CONTAINED = 0.8
#: Pages with fewer words say too little to match on.
MIN_WORDS = 3
#: A page shared by more documents than this is boilerplate ("Questions?"), not a candidate.
COMMON = 50
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class Document:
    item: Item  # the file's facts, in the form the keeper rules read
    kind: str  # "slides" or "pdf"
    pages: tuple[frozenset[str], ...]

    @property
    def stem(self) -> tuple[str, str]:
        head, name = os.path.split(self.item.path)
        return head, os.path.splitext(name)[0].lower()


def words(text: str | None) -> frozenset[str]:
    return frozenset(_WORD.findall(unicodedata.normalize("NFKC", text or "").lower()))


def documents(catalog: Catalog) -> list[Document]:
    """The library's indexed decks and PDFs with their pages' words, in page order."""
    rows = catalog.rows(
        "SELECT f.id, f.path, f.hash, f.size, f.mtime, f.kind, s.text FROM files f"
        " JOIN segments s ON s.file_id = f.id WHERE f.kind IN ('slides', 'pdf')"
        " AND f.status = 'indexed' AND s.kind IN ('page', 'slide') ORDER BY f.id, s.ord"
    )
    pages: dict[int, list[frozenset[str]]] = defaultdict(list)
    facts: dict[int, dict] = {}
    for row in rows:
        facts[row["id"]] = row
        pages[row["id"]].append(words(row["text"]))
    return [Document(file_item(r), r["kind"], tuple(pages[i])) for i, r in facts.items()]


def matching_pages(a: Document, b: Document) -> int:
    """Pages of ``a`` that find, in order, a page of ``b`` saying the same."""
    found, start = 0, 0
    for page in a.pages:
        if len(page) < MIN_WORDS:
            continue
        for k in range(start, len(b.pages)):
            other = b.pages[k]
            small = min(len(page), len(other))
            if small >= MIN_WORDS and len(page & other) >= CONTAINED * small:
                found, start = found + 1, k + 1
                break
    return found


def _candidates(docs: list[Document]) -> set[tuple[int, int]]:
    by_key: dict[object, list[int]] = defaultdict(list)
    for n, doc in enumerate(docs):
        by_key[("stem", doc.stem)].append(n)
        for page in set(doc.pages):
            if len(page) >= MIN_WORDS:
                by_key[page].append(n)
    buckets = [ns for key, ns in by_key.items() if isinstance(key, tuple) or len(ns) <= COMMON]
    return {(a, b) for ns in buckets for i, a in enumerate(ns) for b in ns[i + 1 :]}


def _same(a: Document, b: Document) -> int | None:
    """The matching pages when ``a`` and ``b`` are one document, else None."""
    longer = max(len(a.pages), len(b.pages))
    pages = min(matching_pages(a, b), matching_pages(b, a))
    return pages if longer and pages >= max(1, MATCHING * longer) else None


def _rank(rules: KeeperRules, doc: Document) -> tuple:
    """Sort key, best to keep last: the user's document rules, then an editable deck before
    its PDF, then more pages, then the larger file."""
    return (*user_rank(rules, doc.item), doc.kind == "slides", len(doc.pages), doc.item.size,
            doc.item.path)  # fmt: skip


def document_groups(
    catalog: Catalog, rules: KeeperRules, apart: Collection[frozenset[str]] = ()
) -> list[Group]:
    """Groups of documents that say the same, each led by its keeper; ``apart``: content-hash
    pairs the user said are not duplicates."""
    docs = documents(catalog)
    same: dict[int, dict[int, int]] = defaultdict(dict)  # doc -> {other doc: matching pages}
    for a, b in _candidates(docs):
        if frozenset((docs[a].item.hash, docs[b].item.hash)) in apart:
            continue
        pages = _same(docs[a], docs[b])
        if pages is not None:
            same[a][b] = same[b][a] = pages
    groups = []
    for rep, members in around_representatives(same, lambda n: _rank(rules, docs[n])):
        head = docs[rep]
        keep = head.item.file_id
        group = Group("same", keep, keep, [member(head.item, rules, None)])
        for n, pages in members:
            doc = docs[n]
            kinds = "a deck and its PDF" if doc.kind != head.kind else f"the same {head.kind}"
            reason = f"{kinds}: {pages} of {max(len(doc.pages), len(head.pages))} pages"
            evidence = Evidence(
                "same",
                reason + " say the same",
                None,
                None,
                size_ratio=round(doc.item.size / max(head.item.size, 1), 3),
            )
            group.members.append(member(doc.item, rules, evidence))
        groups.append(group)
    return groups
