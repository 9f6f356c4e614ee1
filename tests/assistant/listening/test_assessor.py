"""The assessor on the real embedding model: labels, negation, and the labelled sets."""

from __future__ import annotations

import pytest

from assistant.eval.assess import load_answers, run_assess
from assistant.listening.assessor import Assessor, clauses, dont_know, negated
from assistant.listening.tools import full_models, shared_listener


@pytest.fixture(scope="module")
def assessor(embedder):
    # the tutors of these tests share it (one per embedder and lessons): built once a run
    return shared_listener(embedder, full_models()).assessor


def _q(assessor, concept, i=0):
    c = assessor.concepts[concept]
    return assessor.question(concept, c.questions[i].ask)


@pytest.mark.parametrize(
    "text", ["idk", "no idea tbh", "dunno", "hmm not sure, can you just tell me",
             "no idea what a singular value even is", "?", "i give up on this one"],
)  # fmt: skip
def test_saying_i_dont_know_is_no_attempt(text):
    assert dont_know(text)


@pytest.mark.parametrize(
    "text", ["not sure but i think the same weights are used at every step",
             "it doesnt grow, it stays the same size"],
)  # fmt: skip
def test_a_hedged_answer_is_an_answer(text):
    assert not dont_know(text)


def test_contractions_count_as_negation_and_numbers_stay_whole():
    assert negated("it doesnt grow") and negated("it won't grow") and not negated("it grows")
    assert "each step multiplies it by 0.8" in clauses(
        "each step multiplies it by 0.8. so it fades"
    )


def test_labels_on_answers_to_one_question(assessor):
    q = _q(assessor, "variable_length")
    right = assessor.assess(q, "it reads one word at a time with the same weights, so a longer "
                               "sentence is just more steps not more weights")  # fmt: skip
    assert right.label == "correct" and right.covered == (0, 1, 2)
    part = assessor.assess(q, "one word per step i think")
    assert part.label == "partial" and part.covered == (0,)
    assert assessor.assess(q, "what's for lunch today").label == "off_topic"
    assert assessor.assess(q, "no clue").label == "dont_know"


def test_a_misconception_is_named_and_its_negation_is_not(assessor):
    q = _q(assessor, "gradient_clipping")
    said = assessor.assess(q, "gradient clipping also fixes vanishing gradients")
    assert said.label == "misconception" and said.misconception == "clipping_fixes_vanishing"
    assert said.correction
    denied = assessor.assess(q, "clipping does not fix vanishing gradients, it only caps big ones")
    assert denied.label != "misconception"


@pytest.mark.timeout(900)  # 867 answers / 257 turns through the real model
def test_the_labelled_sets_meet_the_bars(assessor):
    """At least 300 labelled answers, half written by a helper who never saw the code; a
    learner wrongly told they hold a misconception is rare (precision >= 0.9 on each set)."""
    team = [r for r in load_answers() if r["author"] == "team"]
    outside = [r for r in load_answers() if r["author"] == "outside"]
    assert len(team) + len(outside) >= 300 and len(outside) >= len(team) / 2
    for rows, floor in ((team, 0.58), (outside, 0.65)):
        report = run_assess(assessor, rows)
        assert report["labels"]["misconception"]["precision"] >= 0.9, report["wrongly_told"]
        assert report["accuracy"] >= floor
        assert report["labels"]["dont_know"]["recall"] >= 0.9


def test_a_warm_up_asked_to_stop_stops_between_batches_before_building(tmp_path):
    """A one-shot 'tutor ask' on a fresh data dir left the warm-up thread inside torch when
    the process ended, and it aborted ('terminate called without an active exception',
    exit 134). The warm-up now fills the on-disk cache a batch at a time and stops between
    batches when asked (at exit)."""
    from assistant.listening.tools import WARM_BATCH, Listener
    from core.settings import Settings
    from knowledge.embeddings import make_embedder

    embedder = make_embedder(Settings(_env_file=None, data_dir=tmp_path))  # empty vector cache
    listener = Listener(embedder, full_models())
    thread = listener.warm_in_background()
    assert thread is not None
    listener.stop_warm()  # what atexit and a server shutdown do
    assert not thread.is_alive()
    assert listener._assessor is None  # stopped before the build
    assert embedder.computed < len(Assessor.fixed_texts(full_models()))
    assert embedder.computed <= 2 * WARM_BATCH


def test_warm_up_off_starts_no_background_build(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from assistant.tools import _listening_tools
    from core.settings import Settings
    from knowledge.embeddings import make_embedder

    monkeypatch.setenv("TUTOR_WARM_UP", "0")
    assert Settings(_env_file=None).warm_up is False
    embedder = make_embedder(Settings(_env_file=None, data_dir=tmp_path))
    tools = _listening_tools(SimpleNamespace(embedder=embedder), None, warm=False)
    listener = shared_listener(embedder, full_models())
    assert {t.name for t in tools} >= {"assess_answer"} and listener._warm.thread is None
    assert embedder.computed == 0  # nothing embedded until an answer needs the assessor
