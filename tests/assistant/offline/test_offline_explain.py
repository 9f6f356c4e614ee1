"""The offline brain's definitions, plain-language answers, trace citations, hidden exercise
ids and honest "the lesson doesn't cover that" replies (real embedder, Chroma, SQLite)."""

from __future__ import annotations

import re

import pytest

from assistant.offline.lesson_terms import definition_question, lesson_terms
from assistant.types import ChatTurn


def ask(tutor, session, text):
    return tutor.respond(ChatTurn(session, text, "api"))


def first_paragraph(reply):
    return reply.reply.split("\n\n")[0]


def assert_quotes_are_the_lessons(reply):
    from knowledge.ingest import bundled_lesson_paths

    lesson = " ".join(p.read_text(encoding="utf-8") for p in bundled_lesson_paths())
    for c in reply.citations:
        assert c.quote[:40] in lesson or c.quote[:40] in lesson.replace("\n", " "), c.quote
        assert c.url and c.url.startswith("/lessons/why-sequences-need-memory#")


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("what does the forget gate do?", "forget gate"),
        ("wat is a hiden state", "hidden state"),
        ("what is BPTT?", "backpropagation through time (BPTT)"),
        ("what's gradient clipping", "gradient clipping"),
        ("explain the LSTM cell state", "cell state"),
        ("what does the update gate in a GRU do", "update gate"),
        ("how is a GRU different from an LSTM?", None),
        ("why tanh and not sigmoid?", None),
    ],
)
def test_definition_questions_find_the_term_typos_and_all(question, term):
    found = definition_question(question, lesson_terms().terms)
    assert (found.name if found else None) == term


def concept(cid):
    from knowledge.ingest import bundled_lesson_paths
    from knowledge.teaching import load_teaching_models

    (model,) = load_teaching_models(bundled_lesson_paths())
    return model.concept(cid)


def test_forget_gate_answer_opens_with_what_the_gate_does(tutor):
    reply = ask(tutor, tutor.new_session("api"), "what does the forget gate do?")
    assert reply.intent == "concept"
    lead = first_paragraph(reply)
    assert lead.startswith("The forget gate is the LSTM's keep dial")  # the teaching model's
    assert "near 1" in lead and "near 0" in lead
    assert not reply.reply.startswith("When the forget gate")
    assert reply.citations[0].section.endswith("Gates: what LSTMs and GRUs add > The LSTM")
    assert reply.citations[0].url.endswith("#the-lstm")
    assert "Check your understanding" in reply.reply
    assert_quotes_are_the_lessons(reply)


def test_typo_glossary_question_leads_with_the_definition_then_teaching(tutor):
    reply = ask(tutor, tutor.new_session("api"), "wat is a hiden state")
    assert first_paragraph(reply).startswith(concept("hidden_state").definition)
    sections = [c.section for c in reply.citations]
    assert any(s.endswith("The hidden state: a running memory") for s in sections)
    assert reply.reply.count("running memory") == 1  # not said twice
    assert_quotes_are_the_lessons(reply)


def test_explain_like_im_five_is_plain_and_has_no_display_math(tutor):
    reply = ask(tutor, tutor.new_session("api"), "explain like I'm five what a hidden state is")
    assert reply.reply.startswith("In plain words, hidden state is like")  # the analogy
    assert "$$" not in reply.reply
    assert "running memory" in reply.reply  # then the plain definition
    assert any(c.section.endswith("The hidden state: a running memory") for c in reply.citations)
    assert_quotes_are_the_lessons(reply)


def test_more_simply_simplifies_the_last_topic(tutor):
    session = tutor.new_session("api")
    first = ask(tutor, session, "what is gradient clipping?")
    # clipping is taught in Going deeper: the full answer goes there and says so
    assert any(
        "Going deeper" in c.section and c.section.endswith("Gradient clipping")
        for c in first.citations
    )
    assert "optional math part" in first.reply
    simpler = ask(tutor, session, "explain that more simply")
    assert "plain words" in simpler.reply and "$$" not in simpler.reply
    assert "**Gradient clipping** is rescaling the gradient" in simpler.reply
    assert "cannot restore vanished ones" in simpler.reply  # the flashcard's back
    assert simpler.citations
    assert_quotes_are_the_lessons(simpler)


def test_more_simply_without_a_topic_asks_what_to_simplify(tutor):
    reply = ask(tutor, tutor.new_session("api"), "explain that more simply")
    assert reply.reply.startswith("More about what?")


def test_trace_cites_the_worked_trace_with_its_url(tutor):
    reply = ask(tutor, tutor.new_session("api"), "walk me through a trace")
    assert reply.intent == "trace"
    worked = [c for c in reply.citations if c.section.endswith("> A worked trace")]
    assert worked and worked[0].url == "/lessons/why-sequences-need-memory#a-worked-trace"
    assert worked[0].quote.startswith("A worked trace is a small numeric example")
    assert_quotes_are_the_lessons(reply)


def test_exercise_id_stays_out_of_the_reply_text(tutor):
    session = tutor.new_session("api")
    reply = ask(tutor, session, "quiz me")
    exercise_id = tutor.sessions.get_state(session)["exercise"]["id"]
    assert exercise_id not in reply.reply and "ex-" not in reply.reply
    assert exercise_id in (reply.exercise.get("id"), reply.exercise.get("exercise_id"))


@pytest.mark.parametrize("question", ["why adam and not sgd?", "what is dropout?"])
def test_uncovered_questions_are_told_so_with_the_closest_section(tutor, question):
    reply = ask(tutor, tutor.new_session("api"), question)
    assert reply.reply.startswith("The lesson doesn't cover that, so I won't guess.")
    assert re.search(r"nearest thing it teaches is \*\*[a-z ]+\*\*: ", reply.reply)
    assert reply.citations and reply.citations[0].url.startswith("/lessons/")
    assert "What the lesson does cover" in reply.reply
    assert "Check your understanding" not in reply.reply


def test_covered_questions_are_not_flagged(tutor):
    for question in ("why can't a normal network handle sequences?", "why do RNNs forget?"):
        reply = ask(tutor, tutor.new_session("api"), question)
        assert "doesn't cover that" not in reply.reply, question


def test_harder_exercise_says_calculator_in_words_not_in_an_id(tutor):
    session = tutor.new_session("api")
    reply = ask(tutor, session, "give me a harder exercise")
    assert tutor.sessions.get_state(session)["exercise"]["level"] == "calculator"
    assert "Use a calculator for tanh" in reply.reply and "ex-calculator" not in reply.reply


def test_glossary_term_answer_quotes_the_section_that_teaches_it(tutor):
    reply = ask(tutor, tutor.new_session("api"), "what is the cell state")
    assert first_paragraph(reply).startswith(concept("cell_state").definition)
    assert any(c.section.endswith("> The LSTM") for c in reply.citations)
    assert_quotes_are_the_lessons(reply)


def test_a_long_list_keeps_its_lead_in_sentences():
    from assistant.sentences import split_sentences

    text = (
        "The LSTM is a recurrent cell with a separate cell state. Three gates control it:\n\n"
        + "\n".join(
            f"- the **gate {i}** decides something rather long, " + "x " * 60 for i in range(4)
        )
    )
    units = split_sentences(text)
    assert units[0] == "The LSTM is a recurrent cell with a separate cell state."
    assert not any(u.endswith(":") for u in units)
    assert units[1].startswith("The **gate 0**")


def test_more_simply_without_a_term_quotes_the_lessons_math_free_sentences(tutor):
    session = tutor.new_session("api")
    ask(tutor, session, "why do RNNs forget?")
    reply = ask(tutor, session, "explain that in simple words")
    assert "plain words" in reply.reply and "$" not in reply.reply
    assert "Every step scales the old memory" in reply.reply  # the card on forgetting
    assert "keep dial" not in reply.reply  # the LSTM analogy is not about this topic
    assert_quotes_are_the_lessons(reply)


@pytest.mark.parametrize(
    ("question", "leads_with"),
    [
        # the named shape's own example, not the closest-sounding example of another shape
        ("one-to-many example?", "captioning an image is one-to-many"),
        # who and when, not the difference between the two cells the question names
        ("who came up with lstm and when, and was gru before or after that", "1997"),
        # an analogy first, then the plain mechanism
        ("explain exploding gradients without any math at all", "squeal louder"),
    ],
)
def test_a_question_that_asks_for_a_form_gets_that_form_of_what_it_names(
    tutor, question, leads_with
):
    reply = ask(tutor, tutor.new_session("api"), question).reply
    first = reply.split("\n\n")[0]
    assert leads_with in first, reply[:300]


def prose_words(reply: str) -> int:
    """Words a learner reads outside tables, worked-step lists and the check question."""
    kept = [
        line for line in reply.splitlines()
        if not line.startswith(("|", "- **t", "**Check your understanding"))
    ]  # fmt: skip
    return len(" ".join(kept).split())


@pytest.mark.parametrize(
    "question",
    [
        "why do RNNs forget?",
        "why cant an rnn remember stuff from way back",
        "is a GRU just a smaller LSTM?",
        "how does the forget gate work",
        "eli5 vanishing gradient",
        "what if W_hh were negative?",
        "should i use lstm or gru for a small dataset",
        "what is teacher forcing?",
    ],
)
def test_replies_are_short_cite_at_most_two_sections_and_open_with_a_sentence(tutor, question):
    reply = ask(tutor, tutor.new_session("api"), question)
    assert prose_words(reply.reply) <= 130, reply.reply
    assert len(reply.citations) <= 2
    assert re.match(r"[A-Z0-9*\"'(]", reply.reply), reply.reply[:80]  # no fragment opens it


def test_input_and_recurrent_weights_are_contrasted_and_the_check_asks_something_new(tutor):
    reply = ask(tutor, tutor.new_session("api"), "whats the point of W_xh vs W_hh").reply
    lead = reply.split("\n\n")[0]
    assert "W_xh" in lead and "W_hh" in lead and "input" in lead and "old memory" in lead
    check = reply.rsplit("**Check your understanding:**", 1)[1]
    assert "job of W_xh" not in check  # not the question the reply has just answered


def test_batch_size_is_said_to_be_uncovered_with_the_nearest_concept(tutor):
    reply = ask(
        tutor, tutor.new_session("api"), "does a bigger batch size help an rnn remember longer?"
    )
    assert "doesn't cover" in reply.reply.split("\n\n")[0]
    assert "memory decay" in reply.reply.lower()
