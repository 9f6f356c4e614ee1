"""Every tool's artifact has exactly the shape its ``TypedDict`` in ``assistant.results``
declares: each required key, no key it does not declare, and nested values of the declared
types (passages, notes, citations, plots), checked on the real tools over the real lesson
index and a real SQLite session store, every branch that writes a different set of keys.
"""

from __future__ import annotations

import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest
from langchain.tools import ToolRuntime

from assistant import results as r
from assistant.state import TurnContext
from assistant.store import make_session_store_from_url
from assistant.tools import make_tools
from tools.exercises import exercise_from_id
from tools.exercises import new_exercise as draw_exercise


def shape_errors(value: Any, typ: Any, at: str = "artifact") -> list[str]:
    """What in ``value`` does not fit ``typ``: a TypedDict (exact keys), list, dict, union,
    Literal or plain class; ``Any`` fits everything."""
    if typ is Any:
        return []
    if is_typeddict(typ):
        if not isinstance(value, dict):
            return [f"{at}: {type(value).__name__}, not a {typ.__name__}"]
        keys, required = set(value), set(typ.__required_keys__)
        errors = []
        if missing := required - keys:
            errors.append(f"{at}: {typ.__name__} misses {sorted(missing)}")
        if extra := keys - required - set(typ.__optional_keys__):
            errors.append(f"{at}: {typ.__name__} does not declare {sorted(extra)}")
        hints = get_type_hints(typ)
        for key in keys & set(hints):
            errors += shape_errors(value[key], hints[key], f"{at}[{key!r}]")
        return errors
    origin, args = get_origin(typ), get_args(typ)
    if origin in (Union, types.UnionType):
        fits = [shape_errors(value, a, at) for a in args]
        return [] if [] in fits else [f"{at}: fits none of {typ}: {fits}"]
    if origin is Literal:
        return [] if value in args else [f"{at}: {value!r} is not one of {args}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{at}: {type(value).__name__}, not a list"]
        return [e for i, v in enumerate(value) for e in shape_errors(v, args[0], f"{at}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{at}: {type(value).__name__}, not a dict"]
        return [e for k, v in value.items() for e in shape_errors(v, args[1], f"{at}[{k!r}]")]
    cls = (int, float) if typ is float else typ  # an int is a fine float
    return [] if isinstance(value, cls) else [f"{at}: {value!r} is not a {typ.__name__}"]


def test_the_checker_catches_a_missing_an_extra_and_a_mistyped_key():
    good = {"kind": "flashcard", "text": "Front"}
    assert shape_errors(good, r.FlashcardResult) == []
    assert shape_errors({**good, "card_id": "c1"}, r.FlashcardResult) == []
    assert shape_errors({"kind": "flashcard"}, r.FlashcardResult)  # no text
    assert shape_errors({**good, "due": 3}, r.FlashcardResult)  # undeclared
    assert shape_errors({**good, "kind": "progress"}, r.FlashcardResult)  # wrong kind
    assert shape_errors({**good, "card_id": 7}, r.FlashcardResult)  # wrong type


PRACTICE = {"new_exercise", "check_exercise_answer", "exercise_hint", "give_up_exercise",
            "review_flashcards", "learner_progress", "assess_answer", "concept_question"}  # fmt: skip


class Session:
    """A learner's session: ``say`` starts a turn, ``call`` runs a tool in it."""

    def __init__(self, store: Any, retriever: Any) -> None:
        self.store, self.session = store, store.create_session("api")
        self.state: dict[str, Any] = {}
        self.tools = {t.name: t for t in make_tools(retriever)}
        self.say("")

    def say(self, text: str) -> None:
        self.ctx = TurnContext(self.session, text, self.state, self.store)

    def call(self, name: str, **args: Any) -> dict[str, Any]:
        if name in PRACTICE or name == "rnn_trace":  # the tools that use the session
            args["runtime"] = ToolRuntime(
                state={}, context=self.ctx, config={}, stream_writer=lambda _: None,
                tool_call_id="call-1", store=None,
            )  # fmt: skip
        call = {"type": "tool_call", "id": "call-1", "name": name, "args": args}
        artifact = self.tools[name].invoke(call).artifact
        assert isinstance(artifact, dict), name
        return artifact


@pytest.fixture()
def session(tmp_path, retriever):
    store = make_session_store_from_url(f"sqlite:///{tmp_path / 'sessions.db'}")
    yield Session(store, retriever)
    store.close()


def quiet_exercise() -> Any:
    """A tanh_table exercise starting from h0 = 0 (a chat trace can then copy it)."""
    return next(ex for seed in range(100) if (ex := draw_exercise(seed, "tanh_table")).h0 == 0)


# (tool, arguments, the TypedDict of its artifact): each branch that writes other keys
LAB: list[tuple[str, dict[str, Any], Any]] = [
    ("search_lesson", {"query": "why does an rnn forget"}, r.PassagesResult),
    ("teaching_notes", {"question": "what is the forget gate"}, r.NotesResult),
    ("teaching_notes", {"question": "rnn vs lstm vs gru", "kind": "compare",
                        "concepts": ["simple rnn", "lstm", "gru"]}, r.NotesResult),
    ("lookup_concept", {"concept": "forget gate"}, r.ConceptResult),
    ("lookup_concept", {"concept": "no such thing"}, r.ErrorResult),
    ("rnn_trace", {"inputs": [1, 0, 0], "recurrent_weight": 0.9}, r.TraceResult),
    ("rnn_trace", {"inputs": [1, 0, 0], "cell": "lstm", "input_weight": 1.0}, r.TraceResult),
    ("rnn_trace", {"inputs": [1, 0], "cell": "gru", "seed": 3, "hidden_size": 2},
     r.TraceResult),
    ("memory_fade", {"steps": 12}, r.FadeResult),
    ("parameter_count", {"cell": "lstm"}, r.ParamsResult),
    ("clip_gradient", {"gradient": [3.0, 4.0], "threshold": 1.0}, r.ClipResult),
    ("repeated_factor", {"factor": 0.9, "steps": 10, "compare": 1.1}, r.FactorResult),
    ("repeated_factor", {"factor": 0.9, "below": 0.01}, r.FactorResult),
    ("local_derivative", {"w": 0.9, "h": 0.6}, r.DerivativeResult),
    ("gradient_product", {"w": 0.9, "steps": 3, "h": 0.6}, r.ProductResult),
    ("gradient_product", {"w": 1.5, "steps": 7}, r.ProductResult),
    ("parameter_difference", {"first": "lstm", "second": "rnn"}, r.DifferenceResult),
    ("parameter_difference", {"first": "gru", "second": "gru"}, r.ErrorResult),
    ("mlp_parameters", {"window": 5, "embedding_size": 50, "units": 100}, r.MlpResult),
    ("mlp_parameters", {"window": 5, "embedding_size": 50, "units": 100, "rnn_cell": "gru"},
     r.MlpResult),
    ("bias_count", {"cell": "gru", "extra": True}, r.BiasResult),
]  # fmt: skip


@pytest.mark.parametrize(("name", "args", "typed"), LAB, ids=[t[0] for t in LAB])
def test_a_lab_or_lesson_tool_artifact_has_its_declared_shape(session, name, args, typed):
    artifact = session.call(name, **args)
    assert shape_errors(artifact, typed) == []


def test_an_lstm_trace_carries_its_gates_and_a_plain_trace_does_not(session):
    gated = session.call("rnn_trace", inputs=[1, 0], cell="lstm", input_weight=1.0)
    plain = session.call("rnn_trace", inputs=[1, 0])
    assert {"baseline", "gate_settings"} <= set(gated)
    assert not {"baseline", "gate_settings"} & set(plain)


def test_the_practice_tools_artifacts_have_their_declared_shapes(session):
    seen: list[tuple[str, dict[str, Any]]] = []

    def call(name: str, typed: Any, **args: Any) -> dict[str, Any]:
        artifact = session.call(name, **args)
        assert shape_errors(artifact, typed) == [], (name, artifact.get("action"))
        seen.append((name, artifact))
        return artifact

    E = r.ExerciseResult
    session.say("hint please")
    call("exercise_hint", E)  # none open
    session.say("quiz me with numbers")
    ex = exercise_from_id(call("new_exercise", E, level="tanh_table")["exercise"]["id"])
    session.say("a hint")
    call("exercise_hint", E)
    session.say("what?")
    call("check_exercise_answer", E, answer="0.5")  # not the learner's own numbers
    answer = ", ".join(f"{v:.4f}" for v in ex.answers)
    session.say(answer)
    call("check_exercise_answer", E, answer=answer)  # graded, solved
    session.say("I give up")
    call("give_up_exercise", E)  # already solved: the solution again

    quiet = quiet_exercise()  # a trace of its own values is withheld before an attempt
    session.ctx.open_exercise(quiet.id, quiet.level)
    session.say("walk me through it")
    withheld = call("rnn_trace", E, inputs=quiet.xs, input_weight=quiet.w_x,
                    recurrent_weight=quiet.w_h, bias=quiet.b)  # fmt: skip
    assert withheld["withheld"] == "trace"
    session.say("I give up")
    call("give_up_exercise", E)  # revealed

    F = r.FlashcardResult
    for action in ("flip", "good", "start", "flip", "good"):
        session.say(action)
        call("review_flashcards", F, action=action)
    session.say("how am I doing")
    call("learner_progress", r.ProgressResult)

    session.say("just tell me")
    call("assess_answer", r.ErrorResult, answer="just tell me")  # no question open
    session.say("quiz me on the concepts")
    asked = call("concept_question", r.QuestionResult, concept="gradient clipping")
    assert asked["concept"] == "gradient_clipping"
    session.say("it only acts on big gradients")
    call("assess_answer", r.AssessmentResult, answer="it only acts on big gradients")
    session.say("just tell me")
    told = call("assess_answer", r.AssessmentResult, answer="just tell me")
    assert told["closed"] and told["move"] == "tell"

    actions = {a["action"] for n, a in seen if a["kind"] == "exercise"}
    assert actions == {"none", "opened", "hint", "graded", "revealed"}
    cards = [a for n, a in seen if a["kind"] == "flashcard"]
    assert any("card_id" in a for a in cards) and any("card_id" not in a for a in cards)


def test_every_tool_and_every_kind_is_covered(retriever):
    """A new tool, or a new kind of artifact, needs its TypedDict and a case here."""
    assert {t.name for t in make_tools(retriever)} == {name for name, _, _ in LAB} | PRACTICE
    kinds = {get_args(get_type_hints(t)["kind"])[0] for t in get_args(r.Artifact)}
    assert kinds == {"passages", "notes", "concept", "trace", "fade", "params", "power",
                     "exercise", "flashcard", "progress", "assessment", "question",
                     "error"}  # fmt: skip
