"""The two views of the embedding model: a query path on an ONNX graph (no torch in the
process), the full SentenceTransformer for batches, the same vectors from both."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from core.settings import Settings
from knowledge import minilm_onnx
from knowledge.minilm import SentenceModel, mean_pooled_max_length

MODEL = Settings(_env_file=None).resolved_embedding_model_path()


def test_the_packaged_model_has_the_mean_pooled_layout():
    assert mean_pooled_max_length(MODEL) == 256


def test_another_pooling_is_not_taken_for_mean_pooling(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(MODEL, folder, ignore=shutil.ignore_patterns("*.safetensors", "*.bin"))
    config = folder / "1_Pooling" / "config.json"
    pooling = json.loads(config.read_text())
    pooling.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    config.write_text(json.dumps(pooling))
    assert mean_pooled_max_length(str(folder)) is None
    assert mean_pooled_max_length(str(tmp_path / "missing")) is None


def test_queries_run_without_torch_and_batches_load_it(tmp_path, embedder):
    assert embedder._model.fast  # the graph is in the machine's model cache by now
    script = textwrap.dedent(
        f"""
        import json, sys
        from core.settings import Settings
        from knowledge.embeddings import make_embedder
        e = make_embedder(Settings(_env_file=None, data_dir={str(tmp_path)!r}))
        q = e.embed(["why do rnns forget"])
        before = [m in sys.modules for m in ("torch", "transformers", "sentence_transformers")]
        b = e.embed(["why do rnns forget", "a", "b", "c", "d", "e"])
        after = "sentence_transformers" in sys.modules
        print(json.dumps([before, after, float(q[0] @ b[0])]))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=180,
        check=True,
    )
    before, after, query_vs_encode = json.loads(out.stdout.strip().splitlines()[-1])
    assert before == [False, False, False]  # a warm query path never imports torch
    assert after is True
    assert query_vs_encode > 0.9999


TEXTS = [
    "why do rnns forget?",
    "quiz me",
    "",
    "Ünïcode naïve café: an RNN’s “memory” ✓ 𝛼 ≥ 0.5",
    "x " * 400,  # longer than max_seq_length (256 tokens): truncated like encode()
    "Walk me through a trace with W_hh = 0.5 and inputs 1, 0, 1.",
]


def test_the_onnx_query_path_gives_the_sentence_transformer_vectors(embedder):
    model = embedder._model
    assert model.fast
    reference = model.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    one_by_one = np.stack([model.encode_queries([t])[0] for t in TEXTS])
    padded = model.encode_queries(TEXTS)  # one batch, padded to the longest
    assert one_by_one.shape == padded.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(padded, axis=1), 1.0, atol=1e-5)
    assert (one_by_one * reference).sum(1).min() > 0.9999
    assert (padded * reference).sum(1).min() > 0.9999


def test_the_graph_is_named_by_the_whole_model(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(MODEL, folder)
    cache = tmp_path / "cache"
    first = minilm_onnx.graph_path(str(folder), cache)
    assert first == minilm_onnx.graph_path(str(folder), cache)  # remembered digests
    assert first.parent == cache and first.suffix == ".onnx"
    assert first == minilm_onnx.graph_path(MODEL, cache)  # a copy finds the same graph
    weights = folder / "model.safetensors"
    with weights.open("r+b") as handle:  # one byte in the middle of the weights
        handle.seek(weights.stat().st_size // 2)
        byte = handle.read(1)
        handle.seek(-1, 1)
        handle.write(bytes([byte[0] ^ 1]))
    assert minilm_onnx.graph_path(str(folder), cache) != first
    (folder / "config.json").write_text((folder / "config.json").read_text() + "\n")
    assert len({minilm_onnx.graph_path(str(folder), cache), first}) == 2


@pytest.mark.slow
def test_a_corrupt_graph_is_exported_again(tmp_path, embedder):
    graph = minilm_onnx.graph_path(MODEL, tmp_path)
    graph.write_bytes(b"not an onnx graph")
    model = SentenceModel(MODEL, tmp_path)
    assert model.fast and graph.stat().st_size > 50_000_000
    assert not list(tmp_path.glob("*.part"))  # the export's partial file is gone
    vector = model.encode_queries(["why do rnns forget?"])[0]
    assert float(vector @ embedder.embed_one("why do rnns forget?")) > 0.9999


def test_an_unusable_cache_falls_back_to_pytorch(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    with caplog.at_level("WARNING", logger="tutor.embeddings"):
        model = SentenceModel(MODEL, blocker / "cache")
    assert not model.fast
    assert "queries run on PyTorch" in caplog.text
    vector = model.encode(["why do rnns forget?"], normalize_embeddings=True)[0]
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5


def test_a_damaged_graph_in_a_read_only_cache_falls_back_without_failing(
    tmp_path, monkeypatch, caplog
):
    cache = tmp_path / "cache"
    graph = minilm_onnx.graph_path(MODEL, cache)
    graph.write_bytes(b"not an onnx graph")

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(type(graph), "unlink", refuse)  # as for the image's non-root user
    monkeypatch.setattr(minilm_onnx, "writable", lambda folder: False)
    with caplog.at_level("WARNING", logger="tutor.embeddings"):
        assert minilm_onnx.load_query_encoder(MODEL, cache, 256) is None
    assert "discarding unreadable ONNX graph" in caplog.text
    assert "cannot write the ONNX graph" in caplog.text


def test_a_model_without_a_fast_tokenizer_is_not_exported(tmp_path, caplog):
    folder = tmp_path / "model"
    shutil.copytree(MODEL, folder, ignore=shutil.ignore_patterns("tokenizer.json"))
    cache = tmp_path / "cache"
    with caplog.at_level("WARNING", logger="tutor.embeddings"):
        assert minilm_onnx.load_query_encoder(str(folder), cache, 256) is None
    assert "tokenizer.json" in caplog.text
    assert not list(cache.glob("*.onnx")) and not list(cache.glob("*.part"))


@pytest.mark.slow
def test_a_changed_model_retires_its_old_graph_but_not_a_shared_one(tmp_path):
    cache = tmp_path / "cache"
    copy = tmp_path / "model"
    shutil.copytree(MODEL, copy)
    assert minilm_onnx.load_query_encoder(MODEL, cache, 256) is not None
    shared = minilm_onnx.graph_path(MODEL, cache)
    assert minilm_onnx.load_query_encoder(str(copy), cache, 256) is not None  # same files
    assert sorted(cache.glob("*.onnx")) == [shared]

    def change_and_load() -> Path:
        config = copy / "config.json"
        config.write_text(config.read_text() + "\n")  # new contents: a new graph
        assert minilm_onnx.load_query_encoder(str(copy), cache, 256) is not None
        return minilm_onnx.graph_path(str(copy), cache)

    second = change_and_load()
    assert set(cache.glob("*.onnx")) == {shared, second}  # the original still uses `shared`
    third = change_and_load()
    assert set(cache.glob("*.onnx")) == {shared, third}  # `second` was only the copy's
    assert not list(cache.glob("*.part"))


def test_the_model_cache_has_a_home_without_home(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    settings = Settings(_env_file=None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert settings.resolved_model_cache_dir == tmp_path / "rnn-tutor"
    monkeypatch.delenv("XDG_CACHE_HOME")

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))  # no HOME, no passwd entry
    assert settings.resolved_model_cache_dir == settings.data_dir / "cache"


def test_remembered_digests_forget_a_files_old_versions(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    config = folder / "config.json"
    for version in range(3):
        config.write_text(json.dumps({"version": version}))
        minilm_onnx.graph_path(str(folder), tmp_path / "cache")
    digests = json.loads((tmp_path / "cache" / "digests.json").read_text())
    assert len(digests) == 1  # one entry per file, the current one
