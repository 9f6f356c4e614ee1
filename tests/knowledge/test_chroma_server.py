"""The HttpClient path: ingest into a real ``chroma run`` server, search from a second store.

A second ``LessonStore`` on the same server stands for another tutor process: its
retriever builds BM25 from the server's chunks and returns the same passages.
"""

from __future__ import annotations

import pytest

from core.errors import ConfigError
from knowledge.ingest import ingest
from knowledge.retrieval import make_retriever
from knowledge.store import make_store
from tests.knowledge.conftest import FIXTURES, make_settings
from tests.scale.engines import BIN, chroma_server, free_port

CHROMA = BIN / "chroma"


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    if not CHROMA.exists():
        pytest.skip(f"the chroma CLI is not installed at {CHROMA}")
    with chroma_server(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url


@pytest.mark.slow
def test_two_processes_share_one_chroma_server(tmp_path, chroma_url, embedder):
    writer = make_store(make_settings(tmp_path / "a", chroma_url=chroma_url), embedder)
    report = ingest([FIXTURES / "lessons", FIXTURES / "page.html"], writer, embedder)
    assert report.embedded == writer.count() > 0
    assert not (tmp_path / "a" / "chroma").exists()  # nothing embedded on local disk

    settings_b = make_settings(tmp_path / "b", chroma_url=chroma_url)
    reader = make_store(settings_b, embedder)
    assert reader.count() == writer.count()
    again = ingest([FIXTURES / "lessons", FIXTURES / "page.html"], reader, embedder)
    assert again.embedded == 0
    retriever = make_retriever(settings_b, embedder, reader)
    top = retriever.search("when is the tide range largest", k=1)[0]
    assert (top.source, top.section) == ("page.html", "Tide tables > Spring tides")
    assert retriever.search("running tally", k=1, mode="bm25")[0].source == "tiny-lesson.md"


def test_bad_chroma_url_is_a_config_error(tmp_path, embedder):
    with pytest.raises(ConfigError, match="TUTOR_CHROMA_URL"):
        make_store(make_settings(tmp_path, chroma_url="localhost:8000"), embedder)


def test_unreachable_chroma_server_says_so(tmp_path, embedder):
    from core.errors import IndexNotReady

    url = f"http://127.0.0.1:{free_port()}"  # closed again: nothing listens there
    with pytest.raises(IndexNotReady, match="cannot reach the Chroma server") as info:
        make_store(make_settings(tmp_path, chroma_url=url), embedder)
    assert url in info.value.message


def test_an_error_without_a_message_is_named_by_its_type():
    from knowledge.store import _why

    assert _why(TimeoutError()) == "TimeoutError"  # was "... at http://host:8000 ()"
    assert _why(ConnectionError("refused")) == "refused"
