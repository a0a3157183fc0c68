"""Random-weight models built entirely on this machine, saved like hub models.

Tests load them through the same ``load_encoder(folder)`` path as a real download, and the
benchmarks use the real ViT-B/32 shapes: random weights cost exactly as much compute as trained
ones, so speed numbers are honest while no network or model download is needed.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path
from typing import Literal

import torch
from transformers import (
    CLIPConfig,
    CLIPImageProcessor,
    CLIPModel,
    CLIPProcessor,
    CLIPTokenizer,
)

logger = logging.getLogger(__name__)

_OPENAI_MEAN = [0.48145466, 0.4578275, 0.40821073]
_OPENAI_STD = [0.26862954, 0.26130258, 0.27577711]
_BOS, _EOS = "<|startoftext|>", "<|endoftext|>"
# A few merges so the tokenizer really does byte-pair merging, as CLIP's does.
_MERGES = ("t h", "th e</w>", "a n", "i n", "o n</w>", "e r", "c a", "ca t</w>")


def byte_alphabet() -> list[str]:
    """The 256 printable stand-ins byte-level BPE (GPT-2, CLIP, Qwen) uses for raw bytes."""
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1)]
    keep += list(range(ord("®"), ord("ÿ") + 1))
    codes = keep[:]
    extra = 0
    for byte in range(256):
        if byte not in keep:
            keep.append(byte)
            codes.append(256 + extra)
            extra += 1
    return [chr(code) for code in codes]


def build_clip_tokenizer(work_dir: Path) -> CLIPTokenizer:
    """A byte-level BPE CLIP tokenizer with a tiny vocabulary (every byte, a few merges)."""
    alphabet = byte_alphabet()
    vocab: dict[str, int] = {}
    for token in [*alphabet, *(ch + "</w>" for ch in alphabet)]:
        vocab[token] = len(vocab)
    for merge in _MERGES:
        vocab.setdefault(merge.replace(" ", ""), len(vocab))
    vocab[_BOS] = len(vocab)
    vocab[_EOS] = len(vocab)
    vocab_file = work_dir / "vocab.json"
    merges_file = work_dir / "merges.txt"
    vocab_file.write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    merges_file.write_text("#version: 0.2\n" + "\n".join(_MERGES) + "\n", encoding="utf-8")
    return CLIPTokenizer(vocab=str(vocab_file), merges=str(merges_file))


def _clip_config(size: Literal["tiny", "base"], tokenizer: CLIPTokenizer) -> CLIPConfig:
    special = {
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }
    if size == "base":
        # CLIPConfig defaults are the ViT-B/32 shapes: vision 768x12 (224 px, patch 32),
        # text 512x12 with a 49408 vocabulary, projection 512.
        return CLIPConfig(text_config=special)
    text = {
        "vocab_size": len(tokenizer),
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "max_position_embeddings": 77,
        **special,
    }
    vision = {
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "image_size": 32,
        "patch_size": 8,
    }
    return CLIPConfig(text_config=text, vision_config=vision, projection_dim=32)


def save_random_clip(folder: Path, size: Literal["tiny", "base"] = "tiny", seed: int = 0) -> Path:
    """Save a random-weight CLIP (model, tokenizer, image processor) to ``folder``; return it.

    ``tiny``: 32-wide, 2 layers, 32 px images in 8 px patches, 32-d vectors (loads in ~1 s).
    ``base``: the real ViT-B/32 architecture (224 px, patch 32, 512-d vectors).
    A different ``seed`` gives different weights of the same shapes.
    """
    if size not in ("tiny", "base"):
        raise ValueError(f"size must be 'tiny' or 'base', not {size!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = build_clip_tokenizer(Path(tmp))
    config = _clip_config(size, tokenizer)
    pixels = config.vision_config.image_size
    torch.manual_seed(seed)
    model = CLIPModel(config).eval()
    image_processor = CLIPImageProcessor(
        size={"shortest_edge": pixels},
        crop_size={"height": pixels, "width": pixels},
        image_mean=_OPENAI_MEAN,
        image_std=_OPENAI_STD,
        resample=3,  # bicubic, as CLIP was trained
    )
    model.save_pretrained(folder)
    CLIPProcessor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(folder)
    # Hub CLIP repos carry a top-level preprocessor_config.json; write it too so the folder
    # looks like a real download to every reader.
    image_processor.save_pretrained(folder)
    logger.info("Saved a random %s CLIP (seed %d) to %s", size, seed, folder)
    return folder


def save_random_st_clip(folder: Path, seed: int = 0, prompts: dict[str, str] | None = None) -> Path:
    """Save a tiny random CLIP as a Sentence Transformers model (Transformer + Normalize).

    Sentence Transformers loads it with ``SentenceTransformer(folder)`` and accepts PIL images,
    exactly like the Qwen3-VL embedder, so it exercises :class:`~mediasift.models.vlm.VlmEncoder`
    offline. ``prompts`` (e.g. ``{"query": "query: "}``) are saved in its config.
    """
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules import Normalize, Transformer

    folder = Path(folder)
    with tempfile.TemporaryDirectory() as tmp:
        clip_folder = save_random_clip(Path(tmp) / "clip", "tiny", seed=seed)
        transformer = Transformer(str(clip_folder))
        model = SentenceTransformer(
            modules=[transformer, Normalize()], device="cpu", prompts=prompts or {}
        )
        model.save(str(folder))
    logger.info("Saved a tiny random Sentence Transformers CLIP to %s", folder)
    return folder
