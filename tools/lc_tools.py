"""The RNN lab as LangChain tools, for a chat model that calls tools.

``make_lab_tools()`` returns five stateless ``StructuredTool``s: ``rnn_trace``,
``memory_fade``, ``new_exercise``, ``check_exercise_answer`` and ``exercise_hint``. Each
has a pydantic argument schema and a description written for the model. They answer
with ``response_format="content_and_artifact"``: the text the model reads (Markdown)
plus the structured result for the app (Trace JSON, fade report, public exercise,
grade). Limits are checked by the same code as ``POST /v1/trace``, so errors are the
same ``core.errors.InvalidInput`` / ``LimitExceeded`` naming the argument; a value of
the wrong type also becomes an ``InvalidInput`` that names the argument.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field, ValidationError

from core.errors import InvalidInput
from tools.exercises import exercise_from_id, grade_answer, hint, new_exercise
from tools.fade import memory_fade
from tools.requests import MAX_HIDDEN, MAX_STEPS, run_trace_request
from tools.text import trace_table_markdown, worked_steps_markdown

_GIVE_UP = re.compile(r"give up|show (me )?the (solution|answer)|i don'?t know", re.I)
Number = float


class TraceArgs(BaseModel):
    cell: Literal["rnn", "lstm", "gru"] = Field("rnn", description="which recurrent cell to run")
    inputs: list[Number] | list[list[Number]] = Field(
        ...,
        description=f"the sequence x_1..x_T: numbers (input size 1) or equal-length lists; at most {MAX_STEPS} steps",
    )
    hidden_size: int | None = Field(
        None, description=f"size of the hidden state h_t, 1..{MAX_HIDDEN} (default 4)"
    )
    seed: int | None = Field(None, description="seed for the random weights (default 0)")
    nonlinearity: Literal["tanh", "relu"] = Field("tanh", description="rnn only")
    h0: list[Number] | None = Field(None, description="initial hidden state (default zeros)")
    weights: dict[str, Any] | None = Field(
        None,
        description="optional PyTorch-layout weights weight_ih, weight_hh, bias_ih, bias_hh",
    )


class FadeArgs(BaseModel):
    cells: list[Literal["rnn", "lstm", "gru"]] = Field(
        ["rnn", "lstm", "gru"], description="cells to compare on the same sequence"
    )
    steps: int = Field(40, description="sequence length, 2..2000")
    hidden_size: int = Field(8, description=f"hidden size, 1..{MAX_HIDDEN}")
    seed: int = Field(0, description="seed for the weights and the sequence")
    regime: Literal["vanish", "explode"] = Field(
        "vanish", description="'vanish': normal weights; 'explode': large recurrent weights"
    )
    clip: float | None = Field(None, description="gradient-clipping threshold to demonstrate")
    nonlinearity: Literal["tanh", "relu"] = Field(
        "tanh", description="the rnn's squashing function; relu with 'explode' grows without bound"
    )


class NewExerciseArgs(BaseModel):
    level: Literal["tanh_table", "calculator", "lstm_gates", "signs"] = Field(
        "signs",
        description="'signs' (the default, the lesson's practice: no arithmetic, the sign of "
        "the memory at each step); when the learner wants numbers: 'tanh_table' (by hand, "
        "table given), 'calculator' (harder), or 'lstm_gates' (read the gates)",
    )
    seed: int | None = Field(None, description="seed to reproduce a specific exercise")


class CheckArgs(BaseModel):
    exercise_id: str = Field(..., description="the id from new_exercise, e.g. 'ex-calculator-1234'")
    answer: str | list[Number] = Field(
        ..., description="the learner's answer as they wrote it, e.g. '0.46, 0.35, 0.28'"
    )


class HintArgs(BaseModel):
    exercise_id: str = Field(..., description="the id from new_exercise")
    rung: int = Field(
        ...,
        description="1 the formula, 2 the step with numbers substituted, 3 the pre-activation, 4 the step's answer",
    )
    step: int = Field(1, description="which step the learner is stuck on (1-based)")


def _raise_invalid(error: ValidationError) -> str:
    first = error.errors()[0]
    loc = [p for p in first.get("loc", ()) if isinstance(p, int) or "[" not in str(p)]
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    raise InvalidInput(
        f"argument '{where or 'arguments'}' is invalid: {first.get('msg', 'wrong type')}"
    )


def _rnn_trace(**args: Any) -> tuple[str, dict]:
    trace = run_trace_request({k: v for k, v in args.items() if v is not None})
    text = trace_table_markdown(trace)
    if trace.hidden_size <= 2 and trace.steps <= 6:
        text += "\n\n" + worked_steps_markdown(trace)
    return text, trace.to_dict()


def _memory_fade(**args: Any) -> tuple[str, dict]:
    report = memory_fade(**args)
    return report.summary_markdown(), report.to_dict()


def _new_exercise(level: str = "signs", seed: int | None = None) -> tuple[str, dict]:
    ex = new_exercise(seed, level)
    return f"Exercise `{ex.id}`:\n\n{ex.prompt_markdown()}", ex.public_dict(reveal=False)


def _check(exercise_id: str, answer: str | list[float]) -> tuple[str, dict]:
    ex = exercise_from_id(exercise_id)
    if isinstance(answer, str) and _GIVE_UP.search(answer):
        return ex.solution_markdown(), {"exercise": ex.public_dict(reveal=True), "grade": None}
    grade = grade_answer(ex, answer)
    return grade.feedback, {"exercise": ex.public_dict(reveal=True), "grade": grade.to_dict()}


def _hint(exercise_id: str, rung: int, step: int = 1) -> tuple[str, dict]:
    text = hint(exercise_from_id(exercise_id), rung, step)
    return text, {"exercise_id": exercise_id, "rung": rung, "step": step}


def make_lab_tools() -> list[BaseTool]:
    """The five lab tools, ready for ``bind_tools`` or a LangGraph ``ToolNode``."""
    spec = [
        (
            _rnn_trace,
            "rnn_trace",
            TraceArgs,
            "Run an RNN, LSTM or GRU over a sequence of numbers and return every step's "
            "hidden state (and cell state and gates) as a table with 4 decimals. Use it to "
            "show a learner concrete numbers for how the hidden state carries memory.",
        ),
        (
            _memory_fade,
            "memory_fade",
            FadeArgs,
            "Measure how quickly an RNN, an LSTM and a GRU forget the first input of a "
            "sequence (influence ||dh_t/dx_1||, memory half-life) and explain why; "
            "regime='explode' shows exploding gradients, clip shows gradient clipping.",
        ),
        (
            _new_exercise,
            "new_exercise",
            NewExerciseArgs,
            "Create a small 'trace the memory' exercise the learner can do by hand. Returns "
            "its id and prompt; the answers are kept back until the learner tries.",
        ),
        (
            _check,
            "check_exercise_answer",
            CheckArgs,
            "Grade the learner's answer to an exercise: which steps are right (with the "
            "tolerance), the first wrong step and the likely mistake, partial credit. Pass "
            "'give up' as the answer to reveal the worked solution.",
        ),
        (
            _hint,
            "exercise_hint",
            HintArgs,
            "Give the next hint for an exercise, one rung at a time (1 formula, 2 numbers "
            "substituted, 3 pre-activation, 4 the step's answer). Start at rung 1.",
        ),
    ]
    return [
        StructuredTool.from_function(
            func=func,
            name=name,
            description=description,
            args_schema=schema,
            response_format="content_and_artifact",
            handle_validation_error=_raise_invalid,
        )
        for func, name, schema, description in spec
    ]
