"""Suite-wide fixtures: offline model loading, one embedder per run, temp data dirs."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def embedder(tmp_path_factory):
    """The real all-MiniLM-L6-v2 embedder, loaded once for the whole test run (its
    on-disk vector cache lives in a temp dir, never in the work tree)."""
    from core.settings import Settings
    from knowledge.embeddings import make_embedder

    return make_embedder(Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("embedder")))
