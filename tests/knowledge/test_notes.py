"""Teaching notes in Chroma (issue 12, point 2): each concept's facets, contrasts,
misconceptions and deep-question answers are their own documents in a collection beside
the lesson's, ranked for a question by type and concept; a lesson added with `tutor index`
brings its notes, and the offline brain answers from them (real MiniLM, real Chroma)."""

from __future__ import annotations

import numpy as np

from knowledge.ingest import bundled_lesson_paths, ingest
from knowledge.notes import concept_notes, index_notes, notes_beside, rank_notes
from knowledge.retrieval import make_retriever
from knowledge.teaching import load_teaching_models

TINY_MD = "---\nid: tiny\ntitle: Tiny bits\n---\n# Tiny bits\n\n## Bits\n\nA bit holds a 0 or a 1, nothing else.\n"
TINY_MODEL = """lesson: tiny
concepts:
  - id: bit
    name: bit
    aliases: [binary digit]
    sections: [Bits]
    definition: A bit is the smallest unit of information, a single yes-or-no value.
    why: Two states are easy to build in hardware and hard to confuse.
    example: A light switch that is either on or off stores one bit.
    simpler: It is like a coin that shows heads or tails.
    questions:
      - ask: How many values can three bits tell apart?
        kind: compute
        expected: [each bit doubles the count, so three bits give eight values]
        hints: [Count the values of one bit, then two.]
not_covered:
  - {name: floating point, aliases: [floats], nearest: bit}
"""


def test_the_bundled_notes_are_in_their_own_collection(bundled_index, embedder):
    _, store, _, _ = bundled_index
    notes = notes_beside(store, embedder)
    assert notes.collection.name == f"{store.collection.name}-notes"
    stored = {n.note_id: n for n in notes.all_notes()}
    (model,) = load_teaching_models(bundled_lesson_paths())
    assert set(stored) == {n.note_id for n in concept_notes(model)}
    gate = stored["why-sequences-need-memory:forget_gate:definition:0"]
    assert gate.text == model.concept("forget_gate").definition
    assert gate.key == "what is forget gate" and gate.sections[0] == "The LSTM"
    facets = {n.facet for n in stored.values()}
    assert {"definition", "why", "example", "simpler", "how", "use", "context", "compare",
            "misconception", "beyond"} <= facets  # fmt: skip
    # nothing changed: nothing is embedded again
    assert index_notes([model], notes, embedder)["embedded"] == 0


def test_a_comparison_is_answered_by_the_contrast(bundled_index, embedder):
    _, store, _, _ = bundled_index
    notes = notes_beside(store, embedder)
    question = "is a gru just a smaller lstm?"
    ranked = rank_notes(notes, embedder.embed_one(question), "compare", ["gru", "lstm"])
    assert ranked[0][0].facet == "compare"
    contrast = [n for n, _ in ranked[:3] if {n.concept, n.other} == {"gru", "lstm"}]
    assert contrast and "two gates" in contrast[0].text
    scores = [s for _, s in ranked]
    assert scores == sorted(scores, reverse=True)
    assert len({n.text for n, _ in ranked}) == len(ranked)  # one note per answer


def test_a_misconception_note_leads_only_when_the_learner_says_it(bundled_index, embedder):
    _, store, _, _ = bundled_index
    notes = notes_beside(store, embedder)
    said = "so the hidden state gets bigger the longer the sentence is"
    top, _ = rank_notes(notes, embedder.embed_one(said), "why", ["hidden_state"])[0]
    assert top.facet == "misconception" and "fixed size" in top.text
    asked = "why does an rnn need a hidden state at all"
    top, _ = rank_notes(notes, embedder.embed_one(asked), "why", ["hidden_state"])[0]
    assert top.facet != "misconception"


def test_a_lesson_added_with_index_brings_its_notes_and_the_tutor_uses_them(
    tmp_path, settings, store, embedder
):
    from assistant.factory import make_tutor
    from assistant.types import ChatTurn

    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "tiny.md").write_text(TINY_MD, encoding="utf-8")
    (folder / "tiny.teaching.yaml").write_text(TINY_MODEL, encoding="utf-8")
    report = ingest([folder], store, embedder)
    assert report.notes == len(concept_notes(load_teaching_models([folder / "tiny.md"])[0]))
    retriever = make_retriever(settings, embedder, store)
    (model,) = retriever.notes.teaching_models()  # rebuilt from the index alone
    assert model.lesson == "tiny" and model.concept("bit").aliases == ("binary digit",)
    assert model.beyond[0].name == "floating point" and model.beyond[0].nearest == "bit"

    from assistant.offline import Lessons
    from assistant.offline.intents import IntentRecognizer, lesson_anchors

    lessons = Lessons.from_index(retriever.notes, store)  # the new lesson's text is known
    assert "## Bits\n\nA bit holds a 0 or a 1" in lessons.markdown
    anchors = lesson_anchors(lessons.markdown, [], {})
    recognizer = IntentRecognizer(embedder, anchors)
    assert recognizer.classify("tell me about bits").name == "concept"  # bundled alone: "empty"

    tutor = make_tutor(settings, embedder=embedder, retriever=retriever)
    try:
        session = tutor.new_session("api")
        reply = tutor.respond(ChatTurn(session, "whats a binary digit", "api"))
        assert reply.reply.startswith("A bit is the smallest unit of information")
        assert reply.citations and reply.citations[0].section.endswith("Bits")
        assert "holds a 0 or a 1" in reply.citations[0].quote  # the lesson's own words
        other = tutor.respond(ChatTurn(tutor.new_session("api"), "how do floats work", "api"))
        assert other.reply.startswith("The lesson doesn't cover that")
        assert "**bit**" in other.reply
    finally:
        tutor.sessions.close()

    # pruned away with its lesson
    ingest(bundled_lesson_paths(), store, embedder, prune=True)
    assert not [n for n in retriever.notes.all_notes() if n.lesson == "tiny"]
    retriever.notes._snapshot = None
    assert all(n.lesson != "tiny" for n in retriever.notes.snapshot()[0])


def test_a_broken_teaching_model_stops_the_ingest_before_anything_is_written(
    tmp_path, store, embedder
):
    import pytest

    from core.errors import IngestError

    (tmp_path / "tiny.md").write_text(TINY_MD, encoding="utf-8")
    (tmp_path / "tiny.teaching.yaml").write_text(
        TINY_MODEL.replace("nearest: bit", "nearest: byte"), encoding="utf-8"
    )
    with pytest.raises(IngestError, match="unknown nearest"):
        ingest([tmp_path], store, embedder)
    assert store.count() == 0


def test_notes_vectors_are_unit_length(bundled_index, embedder):
    _, store, _, _ = bundled_index
    _, vectors = notes_beside(store, embedder).snapshot()
    assert vectors.shape[1] == 384
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
