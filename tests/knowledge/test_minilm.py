"""The two views of the embedding model: a fast query path without sentence-transformers'
import, the full SentenceTransformer for batches, the same vectors from both."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from core.settings import Settings
from knowledge.minilm import mean_pooled_max_length

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


def test_queries_skip_the_sentence_transformers_import_and_batches_load_it(tmp_path):
    script = textwrap.dedent(
        f"""
        import json, sys
        from core.settings import Settings
        from knowledge.embeddings import make_embedder
        e = make_embedder(Settings(_env_file=None, data_dir={str(tmp_path)!r}))
        q = e.embed(["why do rnns forget"])
        before = "sentence_transformers" in sys.modules
        b = e.embed(["why do rnns forget", "a", "b", "c", "d", "e"])
        after = "sentence_transformers" in sys.modules
        q2 = e.embed(["why do rnns forget"])
        print(json.dumps([before, after, float(q[0] @ b[0]), float(q2[0] @ q[0])]))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
        check=True,
    )
    before, after, fast_vs_encode, same = json.loads(out.stdout.strip().splitlines()[-1])
    assert (before, after) == (False, True)
    assert fast_vs_encode > 0.9999  # the query path reproduces encode()
    assert same > 0.9999  # and keeps doing so on the SentenceTransformer's weights
