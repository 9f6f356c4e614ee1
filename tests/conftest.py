"""Suite-wide fixtures: offline model loading, one embedder per run, temp data dirs, and
the local PostgreSQL/Redis when they answer (``tests/services.py``)."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


import pytest  # noqa: E402

from tests.services import use_local_services  # noqa: E402

# Before any test module reads the URLs at import (skip markers are decided then).
LOCAL_SERVICES = use_local_services()


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"using local {line}" for line in LOCAL_SERVICES]


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    for line in LOCAL_SERVICES:  # -q hides the header; say it at the end too
        terminalreporter.write_line(f"used local {line}")


@pytest.fixture(scope="session")
def embedder(tmp_path_factory):
    """The real all-MiniLM-L6-v2 embedder, loaded once for the whole test run (its
    on-disk vector cache lives in a temp dir, never in the work tree)."""
    from core.settings import Settings
    from knowledge.embeddings import make_embedder

    return make_embedder(Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("embedder")))
