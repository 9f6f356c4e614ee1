"""Suite-wide fixtures: offline model loading, one embedder per run, temp data dirs."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def embedder():
    """The real all-MiniLM-L6-v2 embedder, loaded once for the whole test run."""
    from core.settings import Settings
    from knowledge.embeddings import make_embedder

    return make_embedder(Settings(_env_file=None))
