"""Random-weight Qwen3-VL embedder and reranker folders, laid out as the hub's are.

They load exactly as Qwen/Qwen3-VL-Embedding-2B and Qwen/Qwen3-VL-Reranker-2B do: through
``SentenceTransformer(folder)`` / ``CrossEncoder(folder)`` over the same transformers classes
(Qwen3-VL weights, ``Qwen3VLProcessor`` and a chat template) and the same Sentence Transformers
modules (last-token pooling for the embedder, the yes/no logit score for the reranker).
``tiny`` loads in well under a second on a CPU; ``2b`` has the real shapes, so its speed on a GPU
is the real model's. Every file is written as data, so a folder can be made without torchvision,
but only loaded with it: transformers builds ``Qwen3VLProcessor`` only together with its video
processor, which needs torchvision even when only pictures and text are encoded.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Literal

import torch
from transformers import Qwen2Tokenizer, Qwen3VLConfig, Qwen3VLForConditionalGeneration

from .random_weights import byte_alphabet

logger = logging.getLogger(__name__)

Size = Literal["tiny", "2b"]

#: The instructions Qwen3-VL-Embedding was trained with: the first is its default (documents).
DOCUMENT_INSTRUCTION = "Represent the user's input."
QUERY_INSTRUCTION = "Retrieve images or text relevant to the user's query."
#: The reranker's default instruction, used when the caller gives none.
RERANK_INSTRUCTION = "Given a search query, retrieve relevant candidates that answer the query."

_SPECIAL_TOKENS = (
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
)
# "yes" and "no" must be single tokens: the reranker's score is the difference of their logits.
_MERGES = (("t", "h"), ("th", "e"), ("a", "n"), ("i", "n"), ("y", "e"), ("ye", "s"), ("n", "o"))

# Both templates render a message's content the same way: Qwen3-VL's vision placeholders,
# which the processor then repeats once per image token. (transformers renders chat templates
# with trim_blocks: a newline right after a block tag is dropped.)
_RENDER = """\
{%- macro render(content) -%}
{%- if content is string -%}{{ content }}
{%- else -%}{%- for item in content -%}
{%- if item.type == 'image' -%}<|vision_start|><|image_pad|><|vision_end|>
{%- elif item.type == 'video' -%}<|vision_start|><|video_pad|><|vision_end|>
{%- elif item.type == 'text' -%}{{ item.text }}
{%- endif -%}{%- endfor -%}{%- endif -%}
{%- endmacro -%}
"""
_EMBEDDER_TEMPLATE = (
    _RENDER
    + """\
{% if messages[0].role != 'system' %}<|im_start|>system
"""
    + DOCUMENT_INSTRUCTION
    + """<|im_end|>
{% endif %}{% for message in messages %}<|im_start|>{{ message.role }}
{{ render(message.content) }}<|im_end|>
{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant
{% endif %}"""
)
# Sentence Transformers hands a (query, document) pair over as messages with those roles, and a
# prompt as a system message: here it becomes the instruction.
_RERANKER_TEMPLATE = (
    _RENDER
    + "{% set ns = namespace(instruct='"
    + RERANK_INSTRUCTION
    + """') %}\
{% for message in messages if message.role == 'system' %}\
{% set ns.instruct = render(message.content) %}{% endfor %}\
<|im_start|>system
Judge whether the Document meets the requirements based on the Query and the Instruct \
provided. Note that the answer can only be "yes" or "no".<|im_end|>
<|im_start|>user
<Instruct>: {{ ns.instruct }}
{% for message in messages if message.role == 'query' %}<Query>: {{ render(message.content) }}
{% endfor %}{% for message in messages if message.role == 'document' %}\
<Document>: {{ render(message.content) }}{% endfor %}<|im_end|>
<|im_start|>assistant
<think>

</think>

"""
)


def build_qwen_tokenizer() -> Qwen2Tokenizer:
    """Qwen's byte-level BPE with a tiny vocabulary: every byte, a few merges, and Qwen3-VL's
    special tokens (its chat markers and vision placeholders)."""
    vocab = {char: index for index, char in enumerate(byte_alphabet())}
    for left, right in _MERGES:
        vocab.setdefault(left + right, len(vocab))
    tokenizer = Qwen2Tokenizer(
        vocab=vocab,
        merges=list(_MERGES),
        unk_token="<|endoftext|>",
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
    )
    tokenizer.add_special_tokens({"additional_special_tokens": list(_SPECIAL_TOKENS)})
    return tokenizer


def qwen3_vl_config(size: Size, tokenizer: Qwen2Tokenizer) -> Qwen3VLConfig:
    """``2b``: Qwen3-VL-2B's shapes (the backbone of both hub models, ~2.1 B parameters);
    ``tiny``: 32 wide and 2 layers deep in both towers, 32-d vectors."""
    if size == "2b":
        text: dict[str, Any] = {
            "vocab_size": 151_936,
            "hidden_size": 2048,
            "intermediate_size": 6144,
            "num_hidden_layers": 28,
            "num_attention_heads": 16,
            "num_key_value_heads": 8,
            "head_dim": 128,
            "max_position_embeddings": 262_144,
            "mrope_section": [24, 20, 20],
        }
        vision: dict[str, Any] = {
            "depth": 24,
            "hidden_size": 1024,
            "intermediate_size": 4096,
            "num_heads": 16,
            "out_hidden_size": 2048,
            "num_position_embeddings": 2304,
            "deepstack_visual_indexes": [5, 11, 17],
        }
    elif size == "tiny":
        text = {
            "vocab_size": len(tokenizer),
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "head_dim": 8,
            "max_position_embeddings": 4096,
            "mrope_section": [2, 1, 1],
        }
        vision = {
            "depth": 2,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 4,
            "out_hidden_size": 32,
            "num_position_embeddings": 64,
            "deepstack_visual_indexes": [1],
        }
    else:
        raise ValueError(f"size must be 'tiny' or '2b', not {size!r}")
    rope = {
        "rope_type": "default",
        "rope_theta": 5_000_000.0,
        "mrope_section": text.pop("mrope_section"),
        "mrope_interleaved": True,
    }
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in _SPECIAL_TOKENS}
    return Qwen3VLConfig(
        text_config={**text, "rope_parameters": rope, "tie_word_embeddings": True},
        vision_config={
            **vision,
            "patch_size": 16,
            "temporal_patch_size": 2,
            "spatial_merge_size": 2,
        },
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=True,
    )


def _processor_config(size: Size) -> dict[str, Any]:
    """What ``Qwen3VLProcessor.save_pretrained`` writes, less its defaults.

    One token per 32x32 px: ``2b`` takes 4 to 1800 tokens a picture (the embedder's own cap;
    VlmEncoder's 1024 px images stay below it), ``tiny`` at most 16.
    """
    shared = {
        "patch_size": 16,
        "temporal_patch_size": 2,
        "merge_size": 2,
        "image_mean": [0.5, 0.5, 0.5],
        "image_std": [0.5, 0.5, 0.5],
    }
    tokens, frames = ((4, 1800), 768) if size == "2b" else ((1, 16), 8)
    pixels = {"shortest_edge": tokens[0] * 32 * 32, "longest_edge": tokens[1] * 32 * 32}
    return {
        "processor_class": "Qwen3VLProcessor",
        "image_processor": {
            **shared,
            "image_processor_type": "Qwen2VLImageProcessor",
            "size": pixels,
        },
        "video_processor": {
            **shared,
            "video_processor_type": "Qwen3VLVideoProcessor",
            "size": {**pixels, "longest_edge": pixels["longest_edge"] * frames},
            "fps": 2,
            "min_frames": 4,
            "max_frames": frames,
        },
    }


def _write_json(path: Path, data: dict | list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def _modules(*more: tuple[str, str]) -> list[dict[str, Any]]:
    """modules.json: the transformer at the top of the folder, then one folder per module."""
    modules = [("", "base.modules.transformer.Transformer"), *more]
    return [
        {"idx": index, "name": str(index), "path": path, "type": f"sentence_transformers.{kind}"}
        for index, (path, kind) in enumerate(modules)
    ]


def _transformer_config(task: str, output: str, method_output: str, **more: Any) -> dict[str, Any]:
    """sentence_bert_config.json: every input goes through the model's forward as chat messages."""
    entry = {"method": "forward", "method_output_name": method_output}
    return {
        "transformer_task": task,
        "modality_config": {
            "text": entry,
            "image": entry,
            "video": entry,
            "message": {**entry, "format": "structured"},
        },
        "module_output_name": output,
        **more,
    }


def _save_backbone(
    folder: Path, size: Size, seed: int, device: str, dtype: torch.dtype, chat_template: str
) -> tuple[Qwen2Tokenizer, Qwen3VLConfig]:
    """Weights, tokenizer, processor and chat template, as transformers lays them out."""
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = build_qwen_tokenizer()
    config = qwen3_vl_config(size, tokenizer)
    torch.manual_seed(seed)
    with torch.device(device):
        model = Qwen3VLForConditionalGeneration(config).to(dtype).eval()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    _write_json(folder / "processor_config.json", _processor_config(size))
    (folder / "chat_template.jinja").write_text(chat_template, encoding="utf-8")
    return tokenizer, config


def save_random_qwen3_vl_embedder(
    folder: Path,
    size: Size = "tiny",
    seed: int = 0,
    device: str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> Path:
    """Save a random Qwen3-VL-Embedding (last-token pooling, unit vectors) to ``folder``.

    Its prompts are the model's instructions, so queries and pictures are embedded with the
    system messages the real one expects. ``device``/``dtype`` say where the weights are made
    (``2b`` is quick to make on a GPU, in bfloat16: 4.3 GB written).
    """
    folder = Path(folder)
    _, config = _save_backbone(folder, size, seed, device, dtype, _EMBEDDER_TEMPLATE)
    _write_json(
        folder / "modules.json",
        _modules(
            ("1_Pooling", "sentence_transformer.modules.pooling.Pooling"),
            ("2_Normalize", "base.modules.normalize.Normalize"),
        ),
    )
    _write_json(
        folder / "sentence_bert_config.json",
        _transformer_config(
            "feature-extraction",
            "token_embeddings",
            "last_hidden_state",
            processing_kwargs={"chat_template": {"add_generation_prompt": True}},
        ),
    )
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "model_type": "SentenceTransformer",
            "prompts": {"query": QUERY_INSTRUCTION, "document": DOCUMENT_INSTRUCTION},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    _write_json(
        folder / "1_Pooling" / "config.json",
        {
            "embedding_dimension": config.text_config.hidden_size,
            "pooling_mode": "lasttoken",
            "include_prompt": True,
        },
    )
    _write_json(
        folder / "2_Normalize" / "config.json",
        {"module_input_name": "sentence_embedding", "module_output_name": "sentence_embedding"},
    )
    logger.info("Saved a random %s Qwen3-VL embedder (seed %d) to %s", size, seed, folder)
    return folder


def save_random_qwen3_vl_reranker(
    folder: Path,
    size: Size = "tiny",
    seed: int = 0,
    device: str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> Path:
    """Save a random Qwen3-VL-Reranker to ``folder``: a cross-encoder whose score is the
    sigmoid of the "yes" logit minus the "no" logit after the reranker's prompt."""
    folder = Path(folder)
    tokenizer, _ = _save_backbone(folder, size, seed, device, dtype, _RERANKER_TEMPLATE)
    yes, no = tokenizer.convert_tokens_to_ids(["yes", "no"])
    _write_json(
        folder / "modules.json",
        _modules(("1_LogitScore", "cross_encoder.modules.logit_score.LogitScore")),
    )
    _write_json(
        folder / "sentence_bert_config.json",
        _transformer_config("any-to-any", "causal_logits", "logits"),
    )
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "model_type": "CrossEncoder",
            "activation_fn": "torch.nn.modules.activation.Sigmoid",
            "prompts": {},
            "default_prompt_name": None,
        },
    )
    _write_json(
        folder / "1_LogitScore" / "config.json",
        {"true_token_id": yes, "false_token_id": no, "module_input_name": "causal_logits"},
    )
    logger.info("Saved a random %s Qwen3-VL reranker (seed %d) to %s", size, seed, folder)
    return folder
