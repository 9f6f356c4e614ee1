"""Golden conversations with the offline brain: the content of replies, not just their shape.

Traces are recomputed with the lab, citations must name the teaching section, exercises
are graded against the lab's own answers, and the answer stays out of the reply text,
the reply JSON and the exercise JSON until the learner gives up.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.types import ChatTurn
from tools.exercises import exercise_from_id
from tools.trace import forward


def ask(tutor, session, text):
    return tutor.respond(ChatTurn(session, text, "api"))


def answers_of(tutor, session):
    ex = tutor.sessions.get_state(session)["exercise"]
    return exercise_from_id(ex["id"]).answers


def assert_withheld(reply, answers):
    body = json.dumps(reply.to_dict())
    for v in answers:
        assert f"{v:.4f}" not in body, f"answer {v:.4f} leaked"
    assert reply.exercise is not None
    assert "answers" not in reply.exercise and "solution" not in reply.exercise


def test_trace_from_the_message_matches_the_lab(tutor):
    session = tutor.new_session("api")
    reply = ask(
        tutor, session, "trace inputs 1, 0, 0, 0, input weight 0.5, recurrent weight 0.8, no bias"
    )
    assert reply.intent == "trace"
    expected = forward(
        "rnn",
        np.array([[1.0], [0.0], [0.0], [0.0]]),
        {"weight_ih": np.array([[0.5]]), "weight_hh": np.array([[0.8]])},
    ).to_dict()
    hs = [s["h"][0] for s in reply.trace["steps"]]
    assert hs == pytest.approx([s["h"][0] for s in expected["steps"]], abs=1e-12)
    for h in hs:  # every step appears, worked and in the table, to 4 decimals
        assert f"{h:.4f}" in reply.reply
    assert "| t |" in reply.reply and "tanh" in reply.reply
    assert reply.plots and reply.plots[0].svg.lstrip().startswith(("<?xml", "<svg"))
    assert "<table>" in reply.reply_html


def test_plots_draw_a_png_only_on_demand_and_the_api_body_stays_svg(tutor, monkeypatch):
    import tools.plots

    drawn = []
    real = tools.plots.hidden_heatmap_png
    monkeypatch.setattr(
        tools.plots, "hidden_heatmap_png", lambda trace: drawn.append(trace) or real(trace)
    )
    session = tutor.new_session("api")
    reply = ask(tutor, session, "trace inputs 1, -1, 0.5, 0.25, input weight 0.7")
    (plot,) = reply.plots
    body = reply.to_dict()
    assert body["plots"] == [{"title": "Hidden state over time", "svg": plot.svg}]
    assert list(json.loads(json.dumps(body))["plots"][0]) == ["title", "svg"]  # no png key
    assert drawn == []  # the API/web path never draws the PNG
    png = plot.png()
    assert png.startswith(b"\x89PNG") and len(png) < 150_000
    assert [round(h, 12) for h in drawn[0].hs[:, 0]] == [
        round(s["h"][0], 12) for s in reply.trace["steps"]
    ]


def test_trace_parses_cell_hidden_size_and_bias(tutor):
    session = tutor.new_session("api")
    reply = ask(
        tutor, session, "walk me through an lstm with hidden size 2, inputs 1, 0.5, bias 0.1"
    )
    assert reply.trace["cell"] == "lstm" and reply.trace["hidden_size"] == 2
    assert [s["x"] for s in reply.trace["steps"]] == [[1.0], [0.5]]
    # the bias goes to the candidate g; the gates keep their teaching biases (i, f, g, o)
    assert reply.trace["weights"]["bias_ih"] == [-2.0, -2.0, 2.0, 2.0, 0.1, 0.1, 1.0, 1.0]


def test_trace_without_numbers_uses_the_lessons_teaching_values(tutor):
    reply = ask(tutor, tutor.new_session("api"), "walk me thru a trace plz")
    assert reply.intent == "trace"
    assert [round(s["h"][0], 4) for s in reply.trace["steps"]] == [0.4621, 0.3537, 0.2757, 0.217]


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("what does the forget gate do?", "Gates: what LSTMs and GRUs add"),
        ("what is gradient clipping?", "Gradient clipping"),
        ("wat is teh hiden state", "The hidden state"),
        ("why does a feedforward net need a fixed input size?", "Fixed input size"),
    ],
)
def test_concept_answers_are_cited_extracts_with_a_question(tutor, question, section):
    reply = ask(tutor, tutor.new_session("api"), question)
    assert reply.intent == "concept"
    assert any(section in c.section for c in reply.citations), [c.section for c in reply.citations]
    assert "**Check your understanding:**" in reply.reply
    lesson = open_lesson()
    for c in reply.citations:  # quotes are the lesson's own sentences, not invented text
        assert c.quote[:40] in lesson or c.quote[:40].rstrip(".") in lesson.replace("\n", " ")
        assert c.url and c.url.startswith("/lessons/why-sequences-need-memory#")


def open_lesson() -> str:
    from knowledge.ingest import bundled_lesson_paths

    return "\n".join(p.read_text(encoding="utf-8") for p in bundled_lesson_paths())


def test_why_forget_shows_live_numbers_and_the_plot(tutor):
    from tools.fade import memory_fade

    reply = ask(tutor, tutor.new_session("api"), "why do RNNs forget?")
    assert reply.intent == "why_forget"
    report = memory_fade(steps=30)
    rnn, lstm = report.get("rnn").half_life, report.get("lstm").half_life
    assert f"**{rnn} steps**" in reply.reply and f"after **{lstm}**" in reply.reply
    assert any("Where memory fades" in c.section for c in reply.citations)
    assert [p.title for p in reply.plots] == ["How fast the first input is forgotten"]
    assert reply.plots[0].png().startswith(b"\x89PNG")
    assert reply.to_dict()["plots"] == [
        {"title": "How fast the first input is forgotten", "svg": reply.plots[0].svg}
    ]


def test_exercise_graded_and_answer_withheld_until_give_up(tutor):
    session = tutor.new_session("api")
    opened = ask(tutor, session, "quiz me with numbers")
    answers = answers_of(tutor, session)
    assert opened.exercise["status"] == "open" and opened.exercise["level"] == "tanh_table"
    assert_withheld(opened, answers)

    for text in ("hint", "show me the answer", "hint", "hint", "hint"):
        reply = ask(tutor, session, text)
        assert_withheld(reply, answers)
        assert reply.exercise["status"] == "open"

    wrong = ", ".join(f"{v + 0.2:.3f}" for v in answers)
    graded = ask(tutor, session, wrong)
    assert graded.intent == "answer" and "Not quite yet" in graded.reply
    assert graded.exercise["grade"]["score"] == 0 and "expected" not in graded.exercise["grade"]
    assert_withheld(graded, answers)

    revealed = ask(tutor, session, "I give up")
    assert revealed.exercise["status"] == "revealed"
    assert revealed.exercise["answers"] == [round(v, 4) for v in answers]
    for v in answers:
        assert f"{v:.4f}" in revealed.reply
    progress = tutor.sessions.progress(session)
    assert progress["tried"] == 1 and progress["solved"] == 0


def test_correct_answer_is_graded_correct_and_recorded(tutor):
    session = tutor.new_session("api")
    opened = ask(tutor, session, "give me an exercise")
    assert opened.exercise["level"] == "signs"  # the course's practice comes first
    answers = answers_of(tutor, session)
    signs = {1.0: "+", -1.0: "-", 0.0: "0"}
    reply = ask(tutor, session, " ".join(f"h{t}={signs[v]}" for t, v in enumerate(answers, 1)))
    assert reply.intent == "answer"
    assert reply.exercise["status"] == "solved" and reply.exercise["grade"]["all_correct"]
    assert "Correct" in reply.reply
    assert tutor.sessions.progress(session)["solved"] == 1
    nxt = ask(tutor, session, "next")
    assert nxt.exercise["status"] == "open" and nxt.exercise["id"] != reply.exercise["id"]
    assert nxt.exercise["level"] == "signs"  # "next" keeps the level


def test_flashcard_review_schedules_with_fsrs(tutor):
    session = tutor.new_session("api")
    front = ask(tutor, session, "flashcards")
    assert "**Q:**" in front.reply
    card = tutor.sessions.get_state(session)["flashcard"]["card_id"]
    back = ask(tutor, session, "flip")
    assert "**A:**" in back.reply
    rated = ask(tutor, session, "easy")
    assert "Noted (easy)" in rated.reply
    from knowledge.lessons import load_flashcards

    due = tutor.sessions.due_cards(session, [c.id for c in load_flashcards()])
    assert card not in due


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hello", "greeting"),
        ("what can you do?", "capabilities"),
        ("thanks a lot!", "thanks"),
        ("who won the football game last night?", "off_topic"),
        ("qwpoeiru zxmcn", "empty"),
        ("  ", "empty"),
        ("how am I doing?", "progress"),
    ],
)
def test_small_talk_gets_a_direct_reply_without_tools(tutor, text, intent):
    reply = ask(tutor, tutor.new_session("api"), text)
    assert reply.intent == intent
    assert reply.reply and reply.citations == [] and reply.trace is None


def test_tell_me_more_continues_the_topic_without_repeating(tutor):
    session = tutor.new_session("api")
    first = ask(tutor, session, "what does gradient clipping do?")
    quoted = set(tutor.sessions.get_state(session)["shown"])
    more = ask(tutor, session, "tell me more")
    assert more.intent == "more"
    assert any("Gradient clipping" in c.section for c in more.citations)
    again = set(tutor.sessions.get_state(session)["shown"]) - quoted
    assert again and not any(s in more.reply for s in quoted)
    assert first.reply != more.reply
