"""The text space: page, slide, OCR and transcript text, and typed queries, as vectors.

A small Sentence Transformers model (all-MiniLM-L6-v2 by default) on the CPU, so the GPU stays
with the visual model. Long texts are cut by :meth:`TextEncoder.chunks` into pieces the model
reads whole; the pipeline embeds those with :meth:`TextEncoder.encode_documents` and search
embeds the typed query with :meth:`TextEncoder.encode_queries`.

Both encode paths call the model's own preprocess and forward instead of
``SentenceTransformer.encode``, so the tokenizer lock covers tokenization only and a query never
waits for a document batch to be encoded (encode would also re-sort, re-check the device and
build a progress bar per call: ~0.7 ms of a ~4.4 ms warm query on 2 idle cores). Dynamic int8
quantization of the query path was measured and rejected: cosine to the fp32 vectors was only
0.92-0.97 for MiniLM (the bar was 0.99), and fp32 is already well inside the 50 ms budget.
Tail latency depends on torch's thread count, not on this code: with 2 OpenMP threads on 2
cores, another process busy on one core stalls queries (p99 ~390 ms here); with
``torch.set_num_threads(1)`` the same run gave ~7 ms p50 and ~10 ms p99. A process that only
searches should set that.
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .device import choose_device
from .encoder import ModelUnavailable, Space, l2_normalize
from .loading import resolve_model, unloadable
from .registry import DEFAULT_TEXT_DIM, DEFAULT_TEXT_MIN_SCORE, DEFAULT_TEXT_MODEL, TEXT_ROLE

logger = logging.getLogger(__name__)

MAX_CHUNKS = 64
DOCUMENT_BATCH = 32
# A run of characters without spaces (CJK text, URLs, base64) is cut into pieces of this many
# characters so one "word" can never exceed a chunk on its own.
_MAX_WORD_CHARS = 64
# A "word": a run of non-space characters, also ended by CJK sentence punctuation (CJK text
# has no spaces, so its sentence ends are the only places to cut it).
_WORD = re.compile(r"[^\s。！？]+[。！？]*|[。！？]+")
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)\]]*$")
# Boundary strengths between words: the chunker cuts at the strongest one it can.
_WORD_GAP, _SENTENCE, _LINE, _PARAGRAPH = 0, 1, 2, 3
# Sentence Transformers modules a query tower reproduces (models.export).
_TOWER_MODULES = {"Transformer", "Pooling", "Normalize", "Dense"}


class TextEncoder:
    """A Sentence Transformers text model for the text space.

    ``encode_documents`` (the indexer's encoder thread), ``encode_queries`` (search) and
    ``chunks`` (text extraction) may run at the same time in different threads. A fast
    tokenizer can raise "Already borrowed" when two threads use it at once, so every tokenizer
    call holds a lock; the forward passes run outside it, so a query waits at most for one
    batch to be tokenized, never for it to be encoded. ``chunks`` has its own tokenizer copy
    and lock, so cutting a long OCR text never delays a typed query.
    """

    def __init__(
        self,
        model: Any,
        space: Space,
        min_score: float = DEFAULT_TEXT_MIN_SCORE,
        device: str = "cpu",
        batch_size: int = DOCUMENT_BATCH,
    ) -> None:
        self.model = model
        self.space = space
        self.min_score = min_score
        self.device = device
        self.batch_size = max(1, batch_size)
        prompts = dict(getattr(model, "prompts", {}) or {})
        # Sentence Transformers 6 pre-fills empty "query"/"document" prompts; only real ones
        # count. Documents take the first of the names encode_document would use.
        self.query_prompt: str | None = prompts.get("query") or None
        self.document_prompt: str | None = next(
            (prompts[n] for n in ("document", "passage", "corpus") if prompts.get(n)), None
        )
        self._lock = threading.Lock()
        tokenizer = model.tokenizer
        try:
            self._chunk_tokenizer = copy.deepcopy(tokenizer)
            self._chunk_lock = threading.Lock()
        except Exception:  # an exotic tokenizer that cannot be copied: share the model's one
            logger.debug("Tokenizer of %s cannot be copied; chunking shares it", space.model_id)
            self._chunk_tokenizer, self._chunk_lock = tokenizer, self._lock
        self.max_tokens = _max_tokens(model, tokenizer)
        special = int(tokenizer.num_special_tokens_to_add(pair=False))
        prompt_tokens = self._count(self.document_prompt) if self.document_prompt else 0
        # Room for text in one chunk once the special tokens and document prompt are in.
        self._budget = max(8, self.max_tokens - special - prompt_tokens)
        self._overlap = self._budget // 8

    @classmethod
    def load(
        cls,
        folder: Path,
        model_id: str,
        revision: str,
        device: str = "cpu",
        min_score: float = DEFAULT_TEXT_MIN_SCORE,
    ) -> TextEncoder:
        """Load a Sentence Transformers folder, fp32 on every device.

        fp32 even on CUDA: the model is small, and the same vectors on every machine keep one
        space (model id + revision) meaning one set of numbers.
        """
        from .st import open_sentence_transformer

        logger.info("Loading text model %s on %s", model_id, device)
        model, dim = open_sentence_transformer(folder, device)
        space = Space(model_id=model_id, revision=revision, dim=dim)
        encoder = cls(model, space, min_score, device)
        logger.info(
            "Text model ready: %s (%d tokens, query prompt %r, document prompt %r, on %s)",
            space.key,
            encoder.max_tokens,
            encoder.query_prompt,
            encoder.document_prompt,
            device,
        )
        return encoder

    # -- encoding ----------------------------------------------------------------------------

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        """Encode text pieces (from :meth:`chunks`) in batches; (n, dim) float32 unit rows."""
        return self._encode(texts, self.document_prompt, "document")

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Encode typed queries with the model's query prompt, if any; (n, dim) unit rows."""
        return self._encode(texts, self.query_prompt, "query")

    def _encode(self, texts: list[str], prompt: str | None, task: str) -> np.ndarray:
        count = len(texts)
        out = np.zeros((count, self.space.dim), dtype=np.float32)
        if not count:
            return out
        texts = [str(text) for text in texts]
        # Longest first, as Sentence Transformers does: batches of similar length pad little.
        order = sorted(range(count), key=lambda i: -len(texts[i]))
        for start in range(0, count, self.batch_size):
            rows = order[start : start + self.batch_size]
            out[rows] = self._forward([texts[i] for i in rows], prompt, task)
        return out

    def _forward(self, batch: list[str], prompt: str | None, task: str) -> np.ndarray:
        with self._lock:
            features = self.model.preprocess(batch, prompt=prompt, task=task)
        features = {
            key: value.to(self.device) if isinstance(value, torch.Tensor) else value
            for key, value in features.items()
        }
        with torch.inference_mode():
            vectors = self.model(features, task=task)["sentence_embedding"]
        vectors = l2_normalize(vectors.float().cpu().numpy())
        if vectors.shape != (len(batch), self.space.dim):
            raise RuntimeError(
                f"{self.space.model_id} returned vectors of shape {vectors.shape}, "
                f"expected {(len(batch), self.space.dim)}"
            )
        return vectors

    def tower_source(self) -> Any:
        """How to export the query side to a query tower (models.export); None for models
        whose modules the export does not cover (routers, custom code)."""
        modules = [type(module).__name__ for module in self.model]
        if not set(modules) <= _TOWER_MODULES or not getattr(self.model.tokenizer, "is_fast", 0):
            logger.info("No query tower for %s (modules %s)", self.space.model_id, modules)
            return None
        from .export import TowerSource

        return TowerSource(
            module=self.model,
            embed=lambda features: self.model(dict(features), task="query")["sentence_embedding"],
            tokenizer=self.model.tokenizer,
            max_length=int(self.model.max_seq_length),
            reference=self.encode_queries,
            prompt=self.query_prompt,
            lowercase=bool(getattr(self.model[0], "do_lower_case", False)),
            quantize=False,  # int8 MiniLM measured at cosine 0.987: below the bar
        )

    # -- chunking ----------------------------------------------------------------------------

    def chunks(self, text: str, max_chunks: int = MAX_CHUNKS) -> list[str]:
        """The pieces of :meth:`chunk_spans` as text."""
        return [text[start:end] for start, end in self.chunk_spans(text, max_chunks)]

    def chunk_spans(self, text: str, max_chunks: int = MAX_CHUNKS) -> list[tuple[int, int]]:
        """Cut ``text`` into pieces the model reads whole, each within ``max_tokens``, as
        (start, end) offsets, so a match can point at its place in the text.

        Measured with the model's tokenizer, special tokens and document prompt included.
        Cuts fall on the strongest boundary in the back half of a full piece (blank line, line
        end, sentence end, else a space), and each piece repeats about an eighth of a piece
        from the end of the one before, so a phrase cut in two is still whole in one of them.
        Returns [] for blank text; at most ``max_chunks`` pieces (the rest is dropped).
        """
        if not text or text.isspace():
            return []
        max_chunks = max(1, max_chunks)
        # Every word takes at least one token, so max_chunks full pieces never need more words.
        spans, breaks = _words(text, limit=max_chunks * self._budget)
        counts = self._word_tokens(text, spans)
        budget = self._budget
        for _ in range(4):
            ranges = _pack(counts, breaks, budget, min(self._overlap, budget // 8), max_chunks)
            bounds = [(spans[first][0], spans[last - 1][1]) for first, last in ranges]
            longest = max(self._lengths([text[start:end] for start, end in bounds]))
            if longest <= self.max_tokens:
                break
            # Words tokenized in context can take more tokens than counted (rare): pack tighter.
            budget = max(1, budget * self.max_tokens // longest - 1)
        else:
            logger.warning("Text pieces still exceed %d tokens; the model cuts them", longest)
        if ranges[-1][1] < len(spans) or text[spans[-1][1] :].strip():
            logger.debug("Text cut at %d pieces; the rest is not embedded", len(bounds))
        return bounds

    def _count(self, text: str) -> int:
        with self._chunk_lock:
            ids = self._chunk_tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
        return len(ids)

    def _lengths(self, pieces: list[str]) -> list[int]:
        """Token counts of pieces as the model sees them: prompt and special tokens included."""
        prompt = self.document_prompt or ""
        with self._chunk_lock:
            encoded = self._chunk_tokenizer([prompt + piece for piece in pieces], verbose=False)
        return [len(ids) for ids in encoded["input_ids"]]

    def _word_tokens(self, text: str, spans: list[tuple[int, int]]) -> list[int]:
        """How many tokens each word takes, tokenized in context when offsets are available."""
        head = text[: spans[-1][1]]
        tokenizer = self._chunk_tokenizer
        counts = [0] * len(spans)
        if getattr(tokenizer, "is_fast", False):
            with self._chunk_lock:
                encoded = tokenizer(
                    head, add_special_tokens=False, return_offsets_mapping=True, verbose=False
                )
            starts = [start for start, _ in spans]
            for start, _ in encoded["offset_mapping"]:
                counts[max(0, bisect.bisect_right(starts, start) - 1)] += 1
            return counts
        with self._chunk_lock:
            encoded = tokenizer(
                [text[a:b] for a, b in spans], add_special_tokens=False, verbose=False
            )
        return [len(ids) for ids in encoded["input_ids"]]


def _max_tokens(model: Any, tokenizer: Any) -> int:
    """The longest input the model reads: max_seq_length, or its document length if shorter.

    The tokenizer's model_max_length is only a fallback: it is a huge sentinel when unset.
    """
    limits = [getattr(model, "max_seq_length", None)]
    with contextlib.suppress(TypeError, IndexError, KeyError):
        limits.append(getattr(model[0], "document_length", None))
    usable = [n for n in limits if isinstance(n, int) and n > 0]
    if usable:
        return min(usable)
    fallback = getattr(tokenizer, "model_max_length", None)
    return fallback if isinstance(fallback, int) and 0 < fallback < 100_000 else 512


def _iter_words(text: str) -> Iterator[tuple[int, int, int]]:
    """(start, end, strength of the boundary before it) for each word piece of ``text``."""
    previous_end: int | None = None
    previous_word = ""
    for match in _WORD.finditer(text):
        start, end = match.span()
        strength = _WORD_GAP
        if previous_end is not None:
            gap = text[previous_end:start]
            if gap.count("\n") >= 2 or "\f" in gap:
                strength = _PARAGRAPH
            elif "\n" in gap or "\r" in gap:
                strength = _LINE
            elif _SENTENCE_END.search(previous_word):
                strength = _SENTENCE
        for piece in range(start, end, _MAX_WORD_CHARS):
            yield piece, min(piece + _MAX_WORD_CHARS, end), strength if piece == start else 0
        previous_end, previous_word = end, match.group()


def _words(text: str, limit: int) -> tuple[list[tuple[int, int]], list[int]]:
    """Word spans (at most ``limit``) and the boundary strength after each one."""
    spans: list[tuple[int, int]] = []
    breaks: list[int] = []
    for start, end, strength in _iter_words(text):
        if len(spans) >= limit:
            break
        if spans:
            breaks.append(strength)
        spans.append((start, end))
    breaks.append(_PARAGRAPH)  # the end of the text
    return spans, breaks


def _pack(
    counts: list[int], breaks: list[int], budget: int, overlap: int, max_chunks: int
) -> list[tuple[int, int]]:
    """Greedy word ranges [first, last) of at most ``budget`` tokens, cut at strong boundaries.

    Each range after the first starts up to ``overlap`` tokens before the previous one ended,
    at a sentence or line start when one is in reach.
    """
    total = [0]
    for count in counts:
        total.append(total[-1] + count)
    words = len(counts)
    ranges: list[tuple[int, int]] = []
    first = 0
    while first < words and len(ranges) < max_chunks:
        end = max(first + 1, bisect.bisect_right(total, total[first] + budget) - 1)
        if end >= words:
            ranges.append((first, words))
            break
        # The strongest boundary whose piece is at least half full; the latest of equals.
        cut, strength = end, breaks[end - 1]
        half = total[first] + budget // 2
        for candidate in range(end - 1, first, -1):
            if total[candidate] < half:
                break
            if breaks[candidate - 1] > strength:
                cut, strength = candidate, breaks[candidate - 1]
        ranges.append((first, cut))
        # Overlap: the earliest start in reach, preferring one at a sentence or line start.
        following, aligned = cut, None
        for candidate in range(cut - 1, first, -1):
            if total[cut] - total[candidate] > overlap:
                break
            following = candidate
            if breaks[candidate - 1] >= _SENTENCE:
                aligned = candidate
        first = aligned if aligned is not None else following
    return ranges


def load_text_encoder(name: str | None = None, device: str | None = None) -> TextEncoder:
    """Load the text model by hub id or local folder; None means :data:`DEFAULT_TEXT_MODEL`.

    Runs on the CPU unless ``device`` says otherwise: the model is small and the GPU belongs
    to the visual model. Raises :class:`ModelUnavailable` (one clear message) when the model
    cannot be had; hub ids resolve to local snapshots exactly as the visual model's do.
    """
    device = choose_device(device) if device else "cpu"
    name = (name or "").strip() or DEFAULT_TEXT_MODEL
    folder, model_id, revision = resolve_model(name, TEXT_ROLE)
    if not any((folder / f).is_file() for f in ("modules.json", "config.json")):
        raise ModelUnavailable(
            f"'{model_id}' is not a text model MediaSift can use (no config.json or "
            "modules.json); it needs a Sentence Transformers model."
        )
    try:
        encoder = TextEncoder.load(folder, model_id, revision, device, DEFAULT_TEXT_MIN_SCORE)
    except ModelUnavailable:
        raise
    except ImportError as exc:
        from .st import missing_library

        raise missing_library(TEXT_ROLE.label, model_id, exc) from exc
    except (OSError, ValueError, RuntimeError, KeyError, TypeError, AttributeError) as exc:
        raise unloadable(TEXT_ROLE.label, model_id, folder, exc) from exc
    if model_id == DEFAULT_TEXT_MODEL and encoder.space.dim != DEFAULT_TEXT_DIM:
        logger.warning(
            "%s gives %d-d vectors, expected %d", model_id, encoder.space.dim, DEFAULT_TEXT_DIM
        )
    return encoder
