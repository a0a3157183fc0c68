"""The search box's syntax: free words for meaning, plus a few operators that filter.

``kind:pdf after:2024-01 in:~/Work "quarterly revenue" -draft name:report chart``

Search-as-you-type sends every keystroke, so the parser is forgiving about what is still being
typed (an unclosed quote, a lone ``-``, ``kind:`` with no value yet) and strict only about values
that are plainly wrong (an unknown kind, a month 13), which it reports in words for the user.
Anything that merely looks like an operator (``10:30``, ``http://x``, ``error:``) stays plain text,
because people search for such things.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

#: Kinds a query can ask for, in the order the user is told about them.
KINDS = ("image", "screenshot", "pdf", "slides", "video", "audio")

#: Every spelling ``kind:`` accepts (lower case), mapped to its kind.
KIND_ALIASES: dict[str, str] = {
    **{kind: kind for kind in KINDS},
    "slide": "slides",
    "deck": "slides",
    "decks": "slides",
    "pptx": "slides",
    "screenshots": "screenshot",
    "images": "image",
    "photo": "image",
    "photos": "image",
    "pdfs": "pdf",
    "videos": "video",
    "clip": "video",
    "clips": "video",
    "recording": "audio",
    "recordings": "audio",
}

_OPERATORS = ("kind", "before", "after", "in", "name")
_OPERATOR_RE = re.compile(rf"({'|'.join(_OPERATORS)}):", re.IGNORECASE)
#: Straight and typographic double quotes: some systems turn " into “ ” as the user types.
_QUOTES = '"“”'
_DATE_RE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_DATE_FORMS = "YYYY, YYYY-MM or YYYY-MM-DD"


class QueryError(ValueError):
    """A malformed query; str(exc) is a plain message for the user (never a traceback)."""


@dataclass(frozen=True)
class Query:
    """A parsed query. Filters within one field OR together; different fields AND together."""

    #: What to embed for meaning: free words and phrases in typed order, operators removed.
    text: str = ""
    #: Free words as typed (compare case-insensitively).
    words: tuple[str, ...] = ()
    #: Contents of "exact phrases", inner whitespace normalised.
    phrases: tuple[str, ...] = ()
    #: Words and phrases after ``-`` that results must not contain.
    excluded: tuple[str, ...] = ()
    #: ``name:`` terms, matched against file names only.
    names: tuple[str, ...] = ()
    #: Normalised kinds (members of KINDS), without repeats.
    kinds: tuple[str, ...] = ()
    #: Epoch seconds (local time), inclusive.
    after: float | None = None
    #: Epoch seconds (local time), exclusive.
    before: float | None = None
    #: ``in:`` folders, with ``~`` expanded but not resolved against the disk.
    folders: tuple[str, ...] = ()
    #: The last free word while it is still being typed (no whitespace after it), else None.
    prefix: str | None = None

    def is_empty(self) -> bool:
        """True when there is nothing to rank by (only filters or exclusions, or nothing)."""
        return not (self.text or self.names or self.phrases)


@dataclass(frozen=True)
class _Token:
    value: str  # quote contents, or the bare run of non-space characters
    quoted: bool
    negated: bool
    operator: str | None  # lower-case operator name for ``op:value``
    end: int  # index just past the token in the raw string


def _tokens(raw: str) -> Iterator[_Token]:
    """Split ``raw`` into tokens; quotes may open a token, a ``-`` or an operator's value."""
    i, n = 0, len(raw)
    while i < n:
        if raw[i].isspace():
            i += 1
            continue
        negated = raw[i] == "-"
        if negated:
            i += 1  # a lone "-" leaves an empty token, which the caller ignores
        operator = None
        match = _OPERATOR_RE.match(raw, i)
        if match:
            operator = match.group(1).lower()
            i = match.end()
        if i < n and raw[i] in _QUOTES:
            close = next((j for j in range(i + 1, n) if raw[j] in _QUOTES), n)
            value, quoted, i = raw[i + 1 : close], True, min(close + 1, n)  # unclosed: to the end
        else:
            start = i
            while i < n and not raw[i].isspace():
                i += 1
            value, quoted = raw[start:i], False
        yield _Token(value, quoted, negated, operator, i)


def _kinds(value: str) -> list[str]:
    """Kinds named in one ``kind:`` value; it may list several (``pdf,slides``, ``pdf|slides``)."""
    kinds = []
    for part in re.split(r"[,|]", value):
        name = part.strip().lower()
        if not name:
            continue  # "kind:pdf," while the next kind is being typed
        if name not in KIND_ALIASES:
            raise QueryError(f"Unknown kind:{part.strip()}; use one of: {', '.join(KINDS)}.")
        kinds.append(KIND_ALIASES[name])
    return kinds


def _period_start(operator: str, value: str) -> float:
    """Local midnight at the start of the year, month or day ``value`` names, in epoch seconds."""
    match = _DATE_RE.fullmatch(value.strip())
    message = (
        f"Cannot read the date in {operator}:{value}; write it as {_DATE_FORMS} "
        f"(for example {operator}:2024-06)."
    )
    if not match:
        raise QueryError(message)
    year, month, day = int(match[1]), int(match[2] or 1), int(match[3] or 1)
    try:
        return datetime(year, month, day).timestamp()
    except (ValueError, OverflowError, OSError):
        raise QueryError(message) from None


def parse_query(raw: str) -> Query:
    """Parse what the user typed into the search box.

    Raises QueryError for an unknown kind, an unreadable date, a date range that cannot match,
    or an operator after ``-`` (exclusion works on words and phrases only).
    """
    free: list[str] = []  # words and phrases in typed order, for ``text``
    words: list[str] = []
    phrases: list[str] = []
    excluded: list[str] = []
    names: list[str] = []
    kinds: list[str] = []
    folders: list[str] = []
    after: tuple[float, str] | None = None  # (epoch, value as typed) for messages
    before: tuple[float, str] | None = None
    last: _Token | None = None

    for token in _tokens(raw):
        last = token
        # Phrases are compared as words, so their spacing is normalised; operator values (folder
        # and file names) may hold meaningful runs of spaces, so they are only trimmed.
        value = token.value.strip() if token.operator else " ".join(token.value.split())
        if not value:
            continue  # "kind:", '""' or an unclosed quote with nothing in it yet
        if token.operator is None:
            if token.negated:
                excluded.append(value)
            else:
                (phrases if token.quoted else words).append(value)
                free.append(value)
        elif token.negated:
            raise QueryError(
                f"-{token.operator}:{value} cannot exclude; only words and phrases can follow "
                f"'-'. Remove the '-' to search with {token.operator}:{value}."
            )
        elif token.operator == "kind":
            for kind in _kinds(value):
                if kind not in kinds:
                    kinds.append(kind)
        elif token.operator == "after":
            start = _period_start("after", value)
            if after is None or start > after[0]:  # several: all must hold, the latest wins
                after = (start, value)
        elif token.operator == "before":
            start = _period_start("before", value)
            if before is None or start < before[0]:
                before = (start, value)
        elif token.operator == "in":
            folders.append(os.path.expanduser(value))
        else:
            names.append(value)

    if after is not None and before is not None and after[0] >= before[0]:
        raise QueryError(
            f"after:{after[1]} is not before before:{before[1]}, so no file can match both."
        )
    prefix = None
    if (
        last is not None
        and last.end == len(raw)  # nothing after it, not even whitespace: still being typed
        and not (last.quoted or last.negated or last.operator)
    ):
        prefix = last.value
    return Query(
        text=" ".join(free),
        words=tuple(words),
        phrases=tuple(phrases),
        excluded=tuple(excluded),
        names=tuple(names),
        kinds=tuple(kinds),
        after=after[0] if after else None,
        before=before[0] if before else None,
        folders=tuple(folders),
        prefix=prefix,
    )
