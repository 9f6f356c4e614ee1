"""The lesson's core comes first, and everything that points into the lesson still lands.

The course promises a lesson with no math to work, so a plain question is answered from the
core; the optional "Going deeper" part answers when the learner asks for the math, and the
reply says where it came from. Check questions, demo sections, the conversation eval's
expected citations and the flashcards all name headings that exist (real embedder, Chroma,
SQLite for the replies).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import prompts
from assistant.offline.compose import prefer_core
from assistant.types import ChatTurn
from knowledge.chunking import slugify
from knowledge.lessons import load_flashcards

REPO = Path(__file__).resolve().parents[3]
DEEPER = "Why sequences need memory > Going deeper (optional)"


@pytest.fixture(scope="module")
def sections() -> list[str]:
    from knowledge.lessons import load_lessons

    (lesson,) = load_lessons()
    return sorted(lesson.sections())


def ask(tutor, text):
    return tutor.respond(ChatTurn(tutor.new_session("api"), text, "api"))


def test_prefer_core_keeps_going_deeper_for_math_questions():
    core = {"section": "L > Where memory fades", "text": "a"}
    deeper = {"section": "L > Going deeper (optional) > Gradient clipping", "text": "b"}
    card = {"section": "L > Flashcards", "text": "c"}
    assert prefer_core([deeper, core, card], "why do rnns forget") == [core, card]
    assert prefer_core([deeper, core], "whats the formula for clipping") == [deeper, core]
    assert prefer_core([deeper, core], "how many params does nn.LSTM have") == [deeper, core]
    # nothing in the core on the question: the math is better than nothing
    assert prefer_core([deeper, card], "why do rnns forget") == [deeper, card]


@pytest.mark.parametrize(
    "question",
    [
        "what are vanishing and exploding gradients?",
        "why do rnns forget stuff",
        "wat does the forget gate do",
    ],
)
def test_plain_questions_are_answered_from_the_core(tutor, question):
    reply = ask(tutor, question)
    assert reply.citations
    assert not any(c.section.startswith(DEEPER) for c in reply.citations), reply.citations
    assert "Going deeper" not in reply.reply
    assert "$$" not in reply.reply  # no display math in a plain answer


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("show me the lstm equations", "LSTM and GRU equations"),
        ("how many params does nn.LSTM have with 50 inputs and 128 hidden", "PyTorch shapes"),
        ("can u show the math for why gradients vanish", "Vanishing and exploding gradients"),
    ],
)
def test_math_questions_reach_going_deeper_and_say_so(tutor, question, section):
    reply = ask(tutor, question)
    assert any(c.section.startswith(f"{DEEPER} > {section}") for c in reply.citations)
    assert prompts.GOING_DEEPER_NOTE in reply.reply


def test_every_check_question_key_names_a_heading(sections):
    headings = {s.split(" > ")[-1].lower() for s in sections}
    for key in prompts.CHECK_QUESTIONS:
        assert any(h.startswith(key) or key in h for h in headings), key
    core = [s for s in sections if not s.startswith(DEEPER)]
    for section in core:  # the core has no math, and neither do its check questions
        assert "$" not in prompts.check_question(section), section


def test_citations_in_the_conversation_eval_and_demo_page_exist(sections):
    from deploy.routes.pages import DEMO_SECTIONS

    rows = [
        json.loads(line)
        for line in (REPO / "assistant" / "eval" / "conversations.jsonl").read_text().splitlines()
        if line.strip()
    ]
    cites = {
        t["expect"]["cites"] for r in rows for t in r["turns"] if "cites" in t.get("expect", {})
    }
    assert cites
    for cite in cites:
        assert any(cite in s for s in sections), cite
    anchors = {slugify(s.split(" > ")[-1]) for s in sections}
    assert set(DEMO_SECTIONS) <= anchors
    explain = (REPO / "assistant" / "offline" / "explain.py").read_text()
    for suffix in ("A worked trace", "The update rule"):  # the trace replies cite these
        assert f"> {suffix}" in explain and any(s.endswith(f"> {suffix}") for s in sections)


def test_flashcards_point_at_the_flashcards_section(sections):
    cards = load_flashcards()
    assert len(cards) >= 20
    assert {c.section for c in cards} == {"Why sequences need memory > Flashcards"}
    assert "Why sequences need memory > Flashcards" in sections


def test_a_turn_embeds_unseen_sentences_a_few_at_a_time(tutor_embedder):
    """Chunks can cut a list differently from the warm-up, so a turn may meet many unseen
    sentences; embedding them in one large batch loaded the torch model mid-turn (peak RSS
    under load went from 456 to 972 MB). Batches stay within the ONNX query path."""
    from assistant.offline.compose import Composer
    from knowledge.embeddings import SMALL_BATCH

    sizes: list[int] = []

    class Spy:
        def __init__(self, inner):
            self.inner = inner

        def embed(self, texts):
            sizes.append(len(texts))
            return self.inner.embed(texts)

        def embed_one(self, text):
            return self.inner.embed_one(text)

    composer = Composer(Spy(tutor_embedder))
    glossary = "\n".join(
        f"- **term {i}**: a definition that is long enough, number {i}." for i in range(25)
    )
    passages = [{"section": "L > Glossary", "text": glossary, "source": "l.md", "url": None}]
    comp = composer.compose(tutor_embedder.embed_one("term 7"), passages)
    assert comp.paragraphs and sum(sizes) >= 20
    assert max(sizes) <= SMALL_BATCH, sizes
