"""Hybrid retrieval over the real bundled lesson finds the sections that answer questions."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document

from core.errors import IndexNotReady, InvalidInput, LimitExceeded
from knowledge.evaluation import is_hit
from knowledge.ingest import ingest
from knowledge.retrieval import MAX_QUERY_CHARS, RRF_K, make_retriever
from tests.knowledge.conftest import FIXTURES

L = "Why sequences need memory"


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("why do RNNs forget things from long ago?", f"{L} > Where memory fades"),
        ("what is the hidden state", f"{L} > The hidden state: a running memory"),
        ("how does gradient clipping work", f"{L} > Going deeper (optional) > Gradient clipping"),
        ("what does the forget gate in an LSTM do", f"{L} > Gates: what LSTMs and GRUs add"),
        ("why cant a normal feedforward net handle sentences of any length", f"{L} > Why a feedforward network struggles with sequences"),
        ("what is backpropagation through time", f"{L} > Going deeper (optional) > Training through time"),
        ("give me review flashcards", f"{L} > Flashcards"),
        ("glossary entry for weight sharing", f"{L} > Glossary"),
        ("why share the same weights at every time step", f"{L} > One set of weights at every step"),
    ],
)  # fmt: skip
def test_hybrid_finds_the_answering_section_in_the_top_3(bundled_index, question, section):
    retriever = bundled_index[2]
    passages = retriever.search(question, k=3)
    assert any(is_hit(p, [section]) for p in passages), [p.section for p in passages]


def test_teaching_sections_outrank_flashcards_and_glossary(bundled_index):
    top = bundled_index[2].search("what does the reset gate of a GRU decide", k=1)[0]
    assert top.section == f"{L} > Gates: what LSTMs and GRUs add > The GRU"


def test_passages_carry_citation_fields_and_fused_scores(bundled_index):
    passages = bundled_index[2].search("vanishing gradients", k=5)
    assert len(passages) == 5
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    top = passages[0]
    assert top.source == "why-sequences-need-memory.md"
    assert top.url.startswith("/lessons/why-sequences-need-memory#") and top.url.endswith(
        top.anchor
    )
    assert 0 < top.score <= 2 / (RRF_K + 1) + 1e-9  # RRF: at most rank 1 in both lists
    assert set(top.to_dict()) >= {"text", "source", "section", "score", "url"}


def test_modes_have_their_own_scores(bundled_index):
    retriever = bundled_index[2]
    dense = retriever.search("what is a GRU", k=3, mode="dense")
    bm25 = retriever.search("what is a GRU", k=3, mode="bm25")
    assert all(0 < p.score <= 1 for p in dense)  # cosine similarity
    assert bm25[0].score > 1  # raw BM25
    assert "GRU" in bm25[0].text


def test_identical_text_from_two_sources_is_returned_once(tmp_path, settings, store, embedder):
    twin = tmp_path / "twin"
    twin.mkdir()
    (twin / "copy.txt").write_text((FIXTURES / "notes.txt").read_text())
    ingest([FIXTURES / "notes.txt", twin / "copy.txt"], store, embedder)
    assert store.count() == 2
    passages = make_retriever(settings, embedder, store).search("how does a kettle switch off", k=5)
    assert len(passages) == 1


def test_refresh_sees_new_chunks(settings, store, embedder):
    ingest([FIXTURES / "notes.txt"], store, embedder)
    retriever = make_retriever(settings, embedder, store)
    assert retriever.search("spring tide moon", k=3, mode="bm25") == []
    ingest([FIXTURES / "page.html"], store, embedder)
    assert retriever.search("spring tide moon", k=1, mode="dense")[0].source == "page.html"
    assert retriever.refresh() == store.count()
    assert retriever.search("spring tide moon", k=1, mode="bm25")[0].source == "page.html"


def test_empty_index_and_bad_arguments(bundled_index, settings, store, embedder):
    with pytest.raises(IndexNotReady, match="tutor index"):
        make_retriever(settings, embedder, store).search("anything")
    retriever = bundled_index[2]
    with pytest.raises(InvalidInput, match="empty"):
        retriever.search("   ")
    with pytest.raises(LimitExceeded, match="k must be"):
        retriever.search("gates", k=0)
    with pytest.raises(LimitExceeded, match="characters"):
        retriever.search("why " * (MAX_QUERY_CHARS // 4 + 1))
    with pytest.raises(InvalidInput, match="hybrid, dense, bm25"):
        retriever.search("gates", mode="fuzzy")


def test_langchain_retriever_returns_documents_with_metadata(bundled_index):
    lc = bundled_index[2].as_langchain(k=2)
    docs = lc.invoke("what does the reset gate of a GRU do")
    assert len(docs) == 2 and all(isinstance(d, Document) for d in docs)
    assert {"source", "section", "url", "anchor", "chunk_id", "score"} <= set(docs[0].metadata)
    assert any("GRU" in d.metadata["section"] for d in docs)
