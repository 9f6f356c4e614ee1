"""The tutor reads the learner's own words: answers to its questions, statements,
reactions, conceptual practice, and the learner model behind "how am I doing?"."""

from __future__ import annotations

from assistant.types import ChatTurn


def say(tutor, session, text):
    return tutor.respond(ChatTurn(session, text, "api"))


def test_the_check_question_is_held_open_and_an_answer_to_it_is_assessed(tutor):
    session = tutor.new_session("api")
    first = say(tutor, session, "test my understanding of variable length")
    assert (
        "How can the same RNN read a six-word sentence and a thirty-word sentence?" in first.reply
    )
    state = tutor.sessions.get_state(session)["question"]
    assert state["concept"] == "variable_length" and state["kind"] == "quiz"
    part = say(tutor, session, "it takes one word per step")
    assert part.intent == "assess" and part.reply.startswith("**Partly right:**")
    done = say(
        tutor, session, "and the weights r the same every step, longer just means more steps"
    )
    assert done.reply.startswith("**Right:**") and "**In short:**" in done.reply
    assert "next question" in done.reply  # conceptual practice offers the next one
    assert "question" not in tutor.sessions.get_state(session)
    assert tutor.sessions.mastery(session)["variable_length"]["assessed"] == 2


def test_an_answer_after_a_concept_reply_answers_its_check_question(tutor):
    session = tutor.new_session("api")
    reply = say(tutor, session, "why do we need gradient clipping?")
    held = tutor.sessions.get_state(session)["question"]
    assert f"**Check your understanding:** {held['ask']}" in reply.reply
    corrected = say(tutor, session, "gradient clipping also fixes vanishing gradients")
    assert corrected.intent == "assess" and corrected.reply.startswith("**Not quite:**")
    assert "nothing in clipping makes them bigger" in corrected.reply
    assert held["ask"] in corrected.reply  # asked again
    hint = say(tutor, session, "hmm")
    assert hint.reply.startswith(("Hint:", "Fill in the gap"))
    told = say(tutor, session, "just tell me")
    assert told.reply.startswith("Here is the answer")
    after = say(tutor, session, "what is a gru?")  # a new question is answered, not assessed
    assert after.intent == "concept" and "GRU" in after.reply


def test_a_statement_is_confirmed_or_corrected_without_an_open_question(tutor):
    session = tutor.new_session("api")
    right = say(
        tutor, session, "so the hidden state stays the same size no matter how long the sentence is"
    )
    assert right.reply.startswith("Right:")
    state = tutor.sessions.get_state(session)
    state.pop("question", None)
    tutor.sessions.set_state(session, state)
    wrong = say(tutor, session, "ok so the hidden state gets bigger the longer the sentence is")
    assert wrong.reply.startswith("Not quite:") and "fixed size" in wrong.reply


def test_conceptual_practice_then_progress_then_what_to_study(tutor):
    session = tutor.new_session("api")
    first = say(tutor, session, "no numbers please")
    assert first.intent == "concept_quiz" and first.reply.startswith("**Question (")
    second = say(tutor, session, "next question")
    assert second.reply.startswith("**Question (") and second.reply != first.reply
    say(tutor, session, "test my understanding of gradient clipping")
    say(tutor, session, "gradient clipping also fixes vanishing gradients")
    progress = say(tutor, session, "how am i doing?").reply
    assert "gradient clipping: needs work (1 answer)" in progress
    study = say(tutor, session, "what should i study next?")
    assert study.intent == "progress" and "**Study next:** gradient clipping." in study.reply
    assert "common misconception" in study.reply


def test_flashcards_of_a_weak_concept_come_first(tutor):
    session = tutor.new_session("api")
    say(tutor, session, "test my understanding of gradient clipping")
    say(tutor, session, "gradient clipping also fixes vanishing gradients")
    card = say(tutor, session, "flashcards").reply
    assert "gradient clipping" in card.lower(), card


def test_a_numeric_exercise_is_still_what_quiz_me_gives(tutor):
    session = tutor.new_session("api")
    reply = say(tutor, session, "quiz me")
    assert reply.exercise is not None and "question" not in tutor.sessions.get_state(session)


def test_follow_ups_resolve_against_the_last_answer(tutor):
    session = tutor.new_session("api")
    say(tutor, session, "how does an lstm keep memory?")
    gru = say(tutor, session, "and the gru?")
    assert gru.intent == "follow_up" and gru.reply.startswith("A GRU works by")  # the same "how"
    example = say(tutor, session, "example?")
    assert example.intent == "follow_up" and "doesn't cover" not in example.reply
