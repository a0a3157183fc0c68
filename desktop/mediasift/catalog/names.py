"""How a file's path reads to the name search.

SQLite's tokenizer already splits ``IMG_2043.HEIC`` into ``img 2043 heic``; it cannot split
``Q3Revenue`` or ``IMG2043``, so the indexed name also carries those parts, and "revenue"
or "2043" finds them.
"""

from __future__ import annotations

import re
from pathlib import PurePath

#: Boundaries inside a word: lower→Upper ("q3Revenue"), letter↔digit ("IMG2043"),
#: and the end of an acronym ("PDFFile" → "PDF File").
_PARTS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+|[^\W\d_]+")
#: Folders above the file that count as part of its name ("Taxes 2023/receipt.pdf").
FOLDER_DEPTH = 3


def split_words(text: str) -> str:
    """The text, followed by the camel-case and letter/digit parts of each of its words."""
    extra = []
    for word in re.split(r"[\W_]+", text):
        parts = _PARTS.findall(word)
        if len(parts) > 1:
            extra += parts
    return " ".join([text, *extra])


def name_terms(path: str) -> tuple[str, str]:
    """(file name, parent folder names) as indexed for the name search."""
    pure = PurePath(path)
    folders = " ".join(p for p in pure.parent.parts[-FOLDER_DEPTH:] if p != pure.anchor)
    return split_words(pure.name), split_words(folders)
