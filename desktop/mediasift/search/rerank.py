"""The second pass of a search: its top results reordered by a reranker's scores.

The first pass answers as you type. A cross-encoder reading the query with each result judges
relevance better, at one model pass per result, so it reorders only the first ``top`` results,
once they are shown (Library.rerank). It reads of each result what a person sees of it: the
picture of a photo, a screenshot or a clip's scene, the text of a page, a slide or a passage
of a recording.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from mediasift.search.engine import Response, Result

if TYPE_CHECKING:
    from PIL import Image

    from mediasift.catalog import Catalog

log = logging.getLogger(__name__)

#: Results reordered: about the first screen of tiles, ~1 s of a 2B reranker on a GPU.
RERANK_TOP = 20
#: Kinds whose file is the picture read (decoded anew: a 256 px thumbnail loses a
#: screenshot's words); a clip's scene is read from its thumbnail.
PICTURE_KINDS = ("image", "screenshot")
#: Short side pictures are decoded to (JPEG draft mode makes it cheap); the reranker fits
#: their long side to 768 px.
PICTURE_SIDE = 384
#: Characters of a page, slide or passage read: a few hundred tokens.
TEXT_CHARS = 2000
#: Pictures decoded at once (decoders release the GIL).
DECODERS = 4


def candidates(catalog: Catalog, results: Sequence[Result]) -> list[Image.Image | str]:
    """What the reranker reads of each result, in order: a picture or a piece of text."""
    from concurrent.futures import ThreadPoolExecutor  # not for every search: only a rerank

    with ThreadPoolExecutor(DECODERS) as pool:
        return list(pool.map(partial(_candidate, catalog), results))


def _candidate(catalog: Catalog, result: Result) -> Image.Image | str:
    """The matched part's text (a page, a slide, a passage), else the picture (the file's for
    a photo or a screenshot, else its thumbnail: a clip's scene, a document's first page),
    else the file's name."""
    segment = result.segment or {}
    if result.kind not in PICTURE_KINDS and segment.get("kind") != "scene":
        text = _segment_text(catalog, result)
        if text:
            return text[:TEXT_CHARS]
    picture = (result.kind in PICTURE_KINDS and _decoded(result.path)) or _opened(result.thumbnail)
    return picture or Path(result.path).name


def _segment_text(catalog: Catalog, result: Result) -> str | None:
    if result.segment is None:
        return None
    rows = catalog.rows(
        "SELECT text FROM segments WHERE file_id = ? AND ord = ?",
        (result.file_id, result.segment["index"]),
    )
    return " ".join(rows[0]["text"].split()) if rows and rows[0]["text"] else None


def _decoded(path: str) -> Image.Image | None:
    from mediasift.media.errors import MediaError
    from mediasift.media.image import decode_image

    try:
        return decode_image(Path(path), PICTURE_SIDE).image
    except (OSError, MediaError) as exc:  # gone or changed since it was indexed
        log.info("Reranking %s by its thumbnail: %s", path, exc)
        return None


def _opened(thumbnail: str | None) -> Image.Image | None:
    if thumbnail is None:
        return None
    from PIL import Image

    try:
        with Image.open(thumbnail) as image:
            return image.convert("RGB")
    except OSError:  # removed with its file a moment ago
        return None


def reorder(
    response: Response, scores: Mapping[str, float], top: int, reranker: str
) -> Response | None:
    """``response`` with its first ``top`` results ordered by ``scores`` (by path, higher
    first; ties keep their order), each holding its score in ``rerank``, and the rest below
    as they were. None when one of the first ``top`` has no score (a new result)."""
    head, tail = response.results[:top], response.results[top:]
    if any(result.path not in scores for result in head):
        return None
    ranked = sorted(head, key=lambda result: -scores[result.path])
    head = [replace(result, rerank=round(float(scores[result.path]), 4)) for result in ranked]
    return replace(response, results=head + tail, reranker=reranker)
