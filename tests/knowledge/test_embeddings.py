"""The embedder gives normalised float32 vectors and plugs into Chroma's protocol."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import InvalidInput


def test_embed_shapes_dtype_and_norms(embedder):
    vectors = embedder.embed(["the hidden state is a running memory", "gradient clipping"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed([]).shape == (0, 384)


def test_similar_sentences_are_closer(embedder):
    a, b, c = embedder.embed(
        ["RNNs forget distant inputs", "recurrent networks lose long-range memory", "bake bread"]
    )
    assert a @ b > a @ c + 0.2


def test_query_path_matches_the_batch_path(embedder):
    texts = ["why do RNNs forget?", "Explain like I'm five: what is a gate?", "x " * 400]
    batch = embedder.embed(texts * 3)[:3]  # > 4 texts: sentence-transformers encode()
    for text, row in zip(texts, batch, strict=True):
        embedder.clear_cache()
        single = embedder.embed_one(text)  # fast path (bf16 on capable CPUs)
        assert single.shape == (384,)
        assert float(single @ row) > 0.999


def test_embed_one_caches_and_returns_read_only_vectors(embedder):
    embedder.clear_cache()
    first = embedder.embed_one("what is backpropagation through time")
    assert embedder.embed_one("what is backpropagation through time") is first
    with pytest.raises(ValueError):
        first[0] = 1.0


def test_the_query_cache_keeps_the_most_recently_used_vectors(embedder):
    from concurrent.futures import ThreadPoolExecutor

    from knowledge.embeddings import Embedder

    small = Embedder(embedder._model, embedder.model_path, cache_size=2)
    a, b = small.embed_one("alpha"), small.embed_one("beta")
    assert small.embed_one("alpha") is a  # a hit makes "alpha" the most recent
    small.embed_one("gamma")  # evicts "beta", the least recently used
    assert small.embed_one("alpha") is a and small.embed_one("beta") is not b
    with ThreadPoolExecutor(8) as pool:  # the cache is shared by the server's threads
        texts = [f"question {i % 5}" for i in range(200)]
        vectors = list(pool.map(small.embed_one, texts))
    assert all(float(v @ vectors[i % 5]) > 0.999 for i, v in enumerate(vectors))

    off = Embedder(embedder._model, embedder.model_path, cache_size=0)
    assert off.embed_one("alpha") is not off.embed_one("alpha")  # cache_size=0: no cache


def test_bad_input_is_invalid_input(embedder):
    with pytest.raises(InvalidInput, match="list of texts"):
        embedder.embed("a string, not a list")
    with pytest.raises(InvalidInput):
        embedder.embed(["ok", 3])
    with pytest.raises(InvalidInput):
        embedder.embed_one(None)


def test_chroma_function_follows_the_protocol(embedder):
    fn = embedder.chroma_function()
    out = fn(["one", "two"])
    assert len(out) == 2 and len(out[0]) == 384
    assert fn.name() == "rnn_tutor_minilm" and not fn.is_legacy()
    rebuilt = type(fn).build_from_config(fn.get_config())
    assert rebuilt.get_config() == fn.get_config()


def test_a_wrong_model_path_is_a_clear_error(tmp_path):
    from core.errors import ModelUnavailable
    from core.settings import Settings
    from knowledge.embeddings import make_embedder

    with pytest.raises(ModelUnavailable, match="TUTOR_EMBEDDING_MODEL_PATH"):
        make_embedder(Settings(_env_file=None, embedding_model_path=str(tmp_path / "none")))


def test_remembered_batches_are_read_back_from_disk_across_embedders(embedder, tmp_path):
    from knowledge.embeddings import Embedder
    from knowledge.vector_cache import DiskVectorCache

    texts = [f"The hidden state carries memory number {i} forward." for i in range(8)]
    first = Embedder(
        embedder._model, embedder.model_path, disk_cache=DiskVectorCache(tmp_path / "v.npz", 384)
    )
    vectors = first.embed_remembered(texts)
    assert first.computed == len(texts) and (tmp_path / "v.npz").exists()

    # A new process (a fresh Embedder and cache object) reads them back instead of embedding.
    second = Embedder(
        embedder._model, embedder.model_path, disk_cache=DiskVectorCache(tmp_path / "v.npz", 384)
    )
    again = second.embed_remembered(texts)
    assert second.computed == 0
    np.testing.assert_array_equal(again, vectors)
    assert set(second.lookup(texts[:3])) == set(texts[:3])

    # Another model path never sees these vectors.
    other = Embedder(
        embedder._model, "/elsewhere", disk_cache=DiskVectorCache(tmp_path / "v.npz", 384)
    )
    assert other.lookup(texts) == {}


def test_an_unreadable_cache_file_is_ignored(embedder, tmp_path):
    from knowledge.embeddings import Embedder
    from knowledge.vector_cache import DiskVectorCache

    (tmp_path / "v.npz").write_bytes(b"not a numpy file")
    fresh = Embedder(
        embedder._model, embedder.model_path, disk_cache=DiskVectorCache(tmp_path / "v.npz", 384)
    )
    texts = [f"sentence {i}" for i in range(6)]
    assert fresh.embed_remembered(texts).shape == (6, 384)
    assert fresh.computed == 6


def test_a_text_repeated_in_one_call_is_embedded_once(tmp_path):
    from core.settings import Settings
    from knowledge.embeddings import make_embedder

    embedder = make_embedder(Settings(_env_file=None, data_dir=tmp_path))
    vectors = embedder.embed_remembered(["same words", "other words", "same words"])
    assert embedder.computed == 2
    assert np.allclose(vectors[0], vectors[2]) and not np.allclose(vectors[0], vectors[1])
