"""The real exercise tools, called as a model calls them: open, hint, grade, give up.

One learner message is one ``TurnContext`` over a real SQLite session store; the
session's state dict carries the open exercise from turn to turn, as the ``Tutor``
persists it. (These were the assertions of the old, stateless ``tools/lc_tools.py``;
its "I don't know" revealed the solution before any attempt, which these tools refuse.)
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain.tools import ToolRuntime
from langchain_core.messages import ToolMessage
from pydantic import ValidationError

from assistant.quiz_tools import make_quiz_tools
from assistant.state import TurnContext
from assistant.store import make_session_store_from_url
from tools.exercises import exercise_from_id

CHAR = {1.0: "+", -1.0: "-", 0.0: "0"}


class Learner:
    """A session and its state; ``say`` starts a turn, ``call`` runs a tool in it."""

    def __init__(self, store: Any) -> None:
        self.store, self.session = store, store.create_session("api")
        self.state: dict[str, Any] = {}
        self.tools = {t.name: t for t in make_quiz_tools()}
        self.say("")

    def say(self, text: str) -> None:
        self.ctx = TurnContext(self.session, text, self.state, self.store)

    def call(self, name: str, **args: Any) -> ToolMessage:
        runtime = ToolRuntime(
            state={}, context=self.ctx, config={}, stream_writer=lambda _: None,
            tool_call_id="call-1", store=None,
        )  # fmt: skip
        call = {
            "type": "tool_call",
            "id": "call-1",
            "name": name,
            "args": {**args, "runtime": runtime},
        }
        return self.tools[name].invoke(call)


@pytest.fixture()
def learner(tmp_path):
    store = make_session_store_from_url(f"sqlite:///{tmp_path / 'sessions.db'}")
    yield Learner(store)
    store.close()


def test_a_numeric_exercise_round_trip_without_leaking(learner):
    learner.say("quiz me with a calculator")
    opened = learner.call("new_exercise", level="calculator")
    public = opened.artifact["exercise"]
    ex = exercise_from_id(public["id"])
    assert ex.level == "calculator" and public["id"] in learner.state["exercise"]["id"]
    assert "answers" not in public and "solution" not in public
    assert all(f"{v:.4f}" not in opened.content for v in ex.answers)
    learner.say("a hint please")
    assert "tanh" in learner.call("exercise_hint").content
    answer = ", ".join(f"{v:.4f}" for v in ex.answers)
    learner.say(answer)
    graded = learner.call("check_exercise_answer", answer=answer)
    assert "All steps are right" in graded.content and "Worked solution" in graded.content
    assert graded.artifact["grade"]["score"] == 1.0
    assert graded.artifact["exercise"]["answers"] == [round(v, 4) for v in ex.answers]


def test_the_signs_level_through_the_tools(learner):
    learner.say("quiz me")
    opened = learner.call("new_exercise")  # no level: the course's practice
    ex = exercise_from_id(opened.artifact["exercise"]["id"])
    assert ex.level == "signs" and "answers" not in opened.artifact["exercise"]
    signs = " ".join(CHAR[s] for s in ex.answers)
    learner.say(signs)
    graded = learner.call("check_exercise_answer", answer=signs)
    assert graded.artifact["grade"]["score"] == 1.0 and "All steps are right" in graded.content


def test_i_dont_know_before_an_attempt_is_a_hint_and_i_give_up_reveals(learner):
    learner.say("quiz me with numbers")
    learner.call("new_exercise", level="tanh_table")
    learner.say("i don't know")
    unsure = learner.call("give_up_exercise")
    assert unsure.artifact["action"] == "hint" and "Worked solution" not in unsure.content
    assert "answers" not in unsure.artifact["exercise"]
    learner.say("I give up")
    gave_up = learner.call("give_up_exercise")
    assert gave_up.artifact["action"] == "revealed" and "Worked solution" in gave_up.content
    assert learner.state["exercise"]["revealed"]


def test_an_unknown_level_is_refused(learner):
    with pytest.raises(ValidationError, match="level"):
        learner.call("new_exercise", level="impossible")
    assert "exercise" not in learner.state
