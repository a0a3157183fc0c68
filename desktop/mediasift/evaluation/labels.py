"""Labelled queries: what a person searches for and which file, page or moment must come up.

``QUERIES.jsonl`` holds one query a line::

    {"query": "the slide with the Q3 revenue chart", "expect": [{"path": "q3.pptx", "page": 7}]}
    {"query": "when we talked about the budget", "expect": [{"path": "memo.m4a", "at": "01:42"}]}
    {"query": "IMG_2043", "expect": ["photos/IMG_2043.jpg"], "kind": "image"}

An expected item is a path (relative to the file's folder) or an object with ``page`` (1-based
page or slide) or ``at`` (a moment: ``01:42``, ``1:02:03`` or seconds). ``kind`` groups the
figures; without it the library's kind of the first expected file is used.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mediasift.players import parse_time

#: Seconds a matched clip or recording part may lie beside the expected moment.
MOMENT_SLACK = 2.0


@dataclass(frozen=True)
class Expected:
    """One thing a query must find: a file, one of its pages, or a moment in it."""

    path: str  # absolute and resolved, as the library stores paths
    page: int | None = None  # 1-based page or slide
    at: float | None = None  # seconds into a clip or recording


@dataclass(frozen=True)
class LabelledQuery:
    query: str
    expected: tuple[Expected, ...]
    kind: str | None = None


def _expected(item: str | dict, base: Path) -> Expected:
    if isinstance(item, str):
        item = {"path": item}
    at = item.get("at")
    return Expected(
        str((base / Path(item["path"]).expanduser()).resolve()),
        int(item["page"]) if item.get("page") is not None else None,
        parse_time(at) if isinstance(at, str) else at,
    )


def read_queries(path: Path) -> list[LabelledQuery]:
    """The labelled queries of a JSONL file; ValueError names the line that is wrong."""
    queries = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            record = json.loads(line)
            expect = record["expect"]
            items = [expect] if isinstance(expect, str | dict) else expect
            expected = tuple(_expected(item, path.parent) for item in items)
            if not expected or not str(record["query"]).strip():
                raise ValueError("needs a query and at least one expected file")
            queries.append(LabelledQuery(str(record["query"]), expected, record.get("kind")))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: {exc}") from exc
    return queries


def _matches(result, expected: Expected) -> bool:
    if result.path != expected.path:
        return False
    segment = result.segment or {}
    if expected.page is not None and segment.get("index") != expected.page - 1:
        return False
    if expected.at is not None:
        start = segment.get("start")
        end = segment.get("end") if segment.get("end") is not None else start
        if start is None or not start - MOMENT_SLACK <= expected.at <= end + MOMENT_SLACK:
            return False
    return True


def rank_of(results: Sequence, expected: Expected) -> int | None:
    """1-based rank of the first result that is the expected file (page, moment), or None."""
    return next((rank for rank, r in enumerate(results, 1) if _matches(r, expected)), None)
