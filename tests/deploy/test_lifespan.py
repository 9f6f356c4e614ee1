"""The app's start-up: what it builds around the parts handed in, and what it says.

A first start is long (the model's export, the lesson index), so each step is logged on
the ``tutor.startup`` logger (``tutor serve`` prints it on the terminal), ending with the
URL to open. The bundled lessons are swapped for the small fixture lesson so the test's
first build embeds a few chunks, not the whole course.
"""

from __future__ import annotations

import logging
import re

import pytest
from fastapi.testclient import TestClient

from deploy.app import create_app
from deploy.lifespan import browser_url
from tests.deploy.conftest import make_settings
from tests.knowledge.conftest import FIXTURES


def test_a_tutor_alone_gets_a_retriever_and_the_start_up_says_each_step(
    tmp_path, monkeypatch, caplog, fake_tutor, embedder
):
    """``create_app(settings, tutor)`` used to look for a ``retriever`` attribute on the
    tutor, which neither ``Tutor`` nor the fakes have; the lifespan builds one over the
    configured index, so ``/v1/search`` answers from it."""
    from knowledge import index
    from knowledge.retrieval import HybridRetriever

    monkeypatch.setattr(
        index, "bundled_lesson_paths", lambda: [FIXTURES / "lessons" / "tiny-lesson.md"]
    )
    app = create_app(make_settings(tmp_path / "data"), tutor=fake_tutor, sessions=object())
    with caplog.at_level(logging.INFO, logger="tutor"), TestClient(app) as client:
        found = client.get("/v1/search", params={"q": "running tally of sheep", "k": 1})
        services = app.state.services
        assert services.tutor is fake_tutor and isinstance(services.retriever, HybridRetriever)
    assert found.status_code == 200
    assert found.json()["results"][0]["source"] == "tiny-lesson.md"

    said = [r.getMessage() for r in caplog.records if r.name == "tutor.startup"]
    assert said[0] == "loading the embedding model"
    assert "indexing the lessons: read 1 lesson file(s)" in said
    chunks = services.retriever.store.count()
    assert f"indexing the lessons: embedded {chunks} of {chunks} new chunks" in said
    assert f"indexing the lessons: wrote {chunks} chunks; indexing the teaching notes" in said
    assert any(line.startswith(f"index ready: 1 file(s), {chunks} chunks") for line in said)
    assert re.fullmatch(
        r"tutor ready in \d+\.\d s: open http://127\.0\.0\.1:8000 in a browser", said[-1]
    )


@pytest.mark.parametrize(
    ("settings", "url"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"host": "0.0.0.0", "port": 8080}, "http://127.0.0.1:8080"),
        ({"host": "::1"}, "http://[::1]:8000"),
        (
            {"host": "0.0.0.0", "public_url": "https://tutor.example/course"},
            "https://tutor.example/course",
        ),
    ],
)
def test_the_url_to_open(tmp_path, settings, url):
    assert browser_url(make_settings(tmp_path, **settings)) == url
