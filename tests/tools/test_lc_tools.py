"""The LangChain lab tools: schemas, content + artifact, and the same errors as the endpoint."""

from __future__ import annotations

import pytest
from langchain_core.messages import ToolMessage

from core.errors import InvalidInput, LimitExceeded
from tools.exercises import exercise_from_id
from tools.lc_tools import make_lab_tools


@pytest.fixture(scope="module")
def lab():
    return {t.name: t for t in make_lab_tools()}


def _call(tool, args: dict) -> ToolMessage:
    return tool.invoke({"type": "tool_call", "id": "call-1", "name": tool.name, "args": args})


def test_the_five_tools_with_schemas_and_descriptions(lab):
    assert sorted(lab) == sorted(
        ["rnn_trace", "memory_fade", "new_exercise", "check_exercise_answer", "exercise_hint"]
    )
    for tool in lab.values():
        assert len(tool.description) > 60
        schema = tool.args_schema.model_json_schema()
        assert all("description" in p for p in schema["properties"].values())
    assert "inputs" in lab["rnn_trace"].args_schema.model_json_schema()["required"]


def test_rnn_trace_returns_table_and_trace_json(lab):
    msg = _call(
        lab["rnn_trace"], {"cell": "lstm", "inputs": [0.5, -1.0], "hidden_size": 2, "seed": 1}
    )
    assert "LSTM trace" in msg.content and "| t |" in msg.content
    assert msg.artifact["cell"] == "lstm" and len(msg.artifact["steps"]) == 2
    assert set(msg.artifact["steps"][0]["gates"]) == {"i", "f", "g", "o"}


@pytest.mark.parametrize(
    ("args", "error", "words"),
    [
        ({"inputs": [0.1] * 2001}, LimitExceeded, "at most 2000"),
        (
            {"inputs": [1.0], "hidden_size": 300},
            LimitExceeded,
            "'hidden_size' must be between 1 and 256",
        ),
        ({"inputs": [[0.0] * 257]}, LimitExceeded, "1..256"),
        ({"inputs": [1.0, float("inf")]}, InvalidInput, "finite"),
        ({"inputs": [1.0], "h0": [0.0, 0.0], "hidden_size": 3}, InvalidInput, "'h0' must have 3"),
        ({"inputs": "abc"}, InvalidInput, "argument 'inputs'"),
        ({"cell": "cnn", "inputs": [1.0]}, InvalidInput, "argument 'cell'"),
    ],
)
def test_rnn_trace_limits_raise_the_endpoint_errors(lab, args, error, words):
    with pytest.raises(error) as info:
        _call(lab["rnn_trace"], args)
    assert words in info.value.message


def test_memory_fade_tool(lab):
    msg = _call(lab["memory_fade"], {"steps": 30, "regime": "explode", "clip": 1.0})
    assert "| cell | half-life |" in msg.content and "clipping" in msg.content
    assert msg.artifact["regime"] == "explode" and msg.artifact["steps"] == 30
    with pytest.raises(LimitExceeded, match="'steps'"):
        _call(lab["memory_fade"], {"steps": 100_000})


def test_exercise_round_trip_without_leaking(lab):
    opened = _call(lab["new_exercise"], {"level": "calculator", "seed": 42})
    ex_id = opened.artifact["id"]
    assert ex_id == "ex-calculator-42" and ex_id in opened.content
    assert "answers" not in opened.artifact
    ex = exercise_from_id(ex_id)
    assert all(f"{v:.4f}" not in opened.content for v in ex.answers)
    hint = _call(lab["exercise_hint"], {"exercise_id": ex_id, "rung": 1})
    assert "tanh" in hint.content
    answer = ", ".join(f"{v:.4f}" for v in ex.answers)
    graded = _call(lab["check_exercise_answer"], {"exercise_id": ex_id, "answer": answer})
    assert "All steps are right" in graded.content
    assert graded.artifact["grade"]["score"] == 1.0
    assert graded.artifact["exercise"]["answers"] == [round(v, 4) for v in ex.answers]
    gave_up = _call(lab["check_exercise_answer"], {"exercise_id": ex_id, "answer": "I give up"})
    assert "Worked solution" in gave_up.content


def test_the_signs_level_through_the_tools(lab):
    opened = _call(lab["new_exercise"], {"level": "signs", "seed": 5})
    ex = exercise_from_id(opened.artifact["id"])
    assert ex.level == "signs" and "answers" not in opened.artifact
    signs = " ".join({1.0: "+", -1.0: "-", 0.0: "0"}[s] for s in ex.answers)
    graded = _call(lab["check_exercise_answer"], {"exercise_id": ex.id, "answer": signs})
    assert graded.artifact["grade"]["score"] == 1.0 and "All steps are right" in graded.content


def test_exercise_tool_errors(lab):
    with pytest.raises(InvalidInput, match="not an exercise id"):
        _call(lab["exercise_hint"], {"exercise_id": "quiz-1", "rung": 1})
    with pytest.raises(InvalidInput, match="'rung' must be an integer from 1 to 4"):
        _call(lab["exercise_hint"], {"exercise_id": "ex-calculator-1", "rung": 7})
    with pytest.raises(InvalidInput, match="argument 'level'"):
        _call(lab["new_exercise"], {"level": "impossible"})
