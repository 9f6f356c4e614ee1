"""Session-aware practice tools: the "trace the memory" exercise loop (plus the review tools).

The lab's exercise functions are stateless; these tools keep the open exercise in the
session (``TurnContext.state``, reached through LangGraph's ``ToolRuntime.context``) and
enforce the pedagogy whichever brain calls them: one hint rung per request, the last rung
only after an attempt, and the solution only after a correct answer, an attempt followed
by a request for it, or an explicit give-up in the learner's own message. The exercise
JSON they return is ``Exercise.public_dict(reveal=...)`` and never carries answers early.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal

from langchain.tools import ToolRuntime
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import Field

from assistant import prompts
from assistant.guards import explicit_give_up, wants_solution
from assistant.parsing import looks_like_sign_answer, numbers_in
from assistant.results import ExerciseAction, ExerciseResult
from assistant.review_tools import learner_progress, review_flashcards
from assistant.state import TurnContext
from assistant.tool_errors import friendly_errors
from tools.exercises import LEVELS, exercise_from_id, grade_answer, hint
from tools.exercises import new_exercise as make_exercise
from tools.levels import LEVELS as LEVEL_RULES
from tools.levels.sign_reading import sign_tokens

# The course's practice comes first: "quiz me" traces the sign of the memory, no arithmetic;
# the numeric levels are opened when the learner asks for them.
DEFAULT_LEVEL = "signs"
MAX_RUNG_BEFORE_ATTEMPT = 3


Level = Annotated[
    Literal[LEVELS],  # type: ignore[valid-type]  # the registry's names, so the schema lists them
    Field(
        description="signs (the default and the course's practice: no arithmetic, only the "
        "sign of each h_t); the numeric levels only when the learner asks for numbers: "
        "tanh_table (by hand with a tanh table), calculator (harder), lstm_gates."
    ),
]
Answer = Annotated[str, Field(description="The learner's answer exactly as they wrote it.")]


def _exercise_id(ex: Any) -> str:
    return str(getattr(ex, "id", None) or ex.exercise_id)


def _exercise_text(ex: Any) -> str:
    public = ex.public_dict(reveal=False)
    return str(public.get("prompt") or public.get("question") or "")


def _artifact(
    ctx: TurnContext,
    action: ExerciseAction,
    ex: Any | None,
    text: str,
    grade: dict[str, Any] | None = None,
) -> ExerciseResult:
    state = ctx.exercise or {}
    reveal = bool(state.get("revealed") or state.get("solved"))
    public = ex.public_dict(reveal=reveal) if ex is not None else None
    out: ExerciseResult = {"kind": "exercise", "action": action, "exercise": public, "text": text}
    if grade is not None:
        out["grade"] = grade
    return out


def _answers_with_signs(level: str | None) -> bool:
    """Whether the learner answers ``level`` with signs: two choices a step, so a mark or a
    score for any step after the first wrong one would tell its sign."""
    rules = LEVEL_RULES.get(level or "")
    return rules is not None and rules.answer_kind == "signs"


def _record(ctx: Any, solved: bool) -> None:
    state = ctx.exercise
    if state and not state.get("recorded"):
        ctx.sessions.record_exercise(
            ctx.session_id,
            state["id"],
            state.get("level", "tanh_table"),
            solved,
            state.get("attempts", 0),
            state.get("hints", 0),
        )
        state["recorded"] = True


def learners_own(answer: str, message: str, level: str | None = None) -> bool:
    """True when every number in ``answer`` is one the learner wrote in this message
    (for a ``signs`` exercise: when its signs are a run of the signs the learner wrote).

    The offline brain passes the message itself; an LLM must not grade numbers of its own
    (that would mark the exercise solved and reveal the solution without an attempt).
    """
    given = numbers_in(message)
    if not all(any(abs(v - g) < 1e-9 for g in given) for v in numbers_in(answer)):
        return False
    if not _answers_with_signs(level):
        return True
    signs, written = sign_tokens(answer), sign_tokens(message)
    n = len(signs)
    return any(written[i : i + n] == signs for i in range(len(written) - n + 1))


def new_exercise(
    runtime: ToolRuntime[TurnContext], level: Level = DEFAULT_LEVEL
) -> tuple[str, ExerciseResult]:
    ctx = runtime.context
    if ctx.exercise_is_live():
        _record(ctx, solved=False)  # moving on counts as tried, not solved
    ex = make_exercise(secrets.randbelow(1_000_000), level)
    ctx.open_exercise(_exercise_id(ex), level)
    ctx.state["practice"] = "numbers"  # "next" means another exercise
    ctx.state.pop("question", None)
    signs = _answers_with_signs(level)
    template = prompts.EXERCISE_OPEN_SIGNS if signs else prompts.EXERCISE_OPEN
    text = prompts.render(template, prompt=_exercise_text(ex))
    return text, _artifact(ctx, "opened", ex, text)


def _current_exercise(ctx: Any) -> Any | None:
    state = ctx.exercise
    return exercise_from_id(state["id"]) if state else None


def _open_state(ctx: TurnContext) -> dict[str, Any]:
    """The open exercise's state, for a caller that has found it live."""
    state = ctx.exercise
    assert state is not None, "no exercise is open"
    return state


def check_exercise_answer(
    runtime: ToolRuntime[TurnContext], answer: Answer
) -> tuple[str, ExerciseResult]:
    ctx = runtime.context
    ex = _current_exercise(ctx)
    if ex is None or not ctx.exercise_is_live():
        text = prompts.EXERCISE_NONE_OPEN if ex is None else prompts.EXERCISE_ALREADY_DONE
        return text, _artifact(ctx, "none", ex, text)
    if _answers_with_signs(ex.level) and not looks_like_sign_answer(ctx.text):
        text = prompts.EXERCISE_SIGNS_HOW  # a question or remark: no grade, no attempt
        return text, _artifact(ctx, "none", ex, text)
    if not learners_own(answer, ctx.text, ex.level):
        text = prompts.EXERCISE_NOT_LEARNERS
        return text, _artifact(ctx, "none", ex, text)
    grade = grade_answer(ex, answer)
    state = _open_state(ctx)
    state["attempts"] = state.get("attempts", 0) + 1
    feedback = grade.feedback
    if grade.first_wrong is not None and grade.first_wrong != state.get("step", 1):
        state["step"], state["rung"] = grade.first_wrong, 0  # hints now focus on that step
    if grade.all_correct:
        state["solved"] = True
        _record(ctx, solved=True)
        text = prompts.render(
            prompts.EXERCISE_CORRECT, feedback=feedback, solution=ex.solution_markdown()
        )
    else:
        text = prompts.render(prompts.EXERCISE_PARTIAL, feedback=feedback)
    return text, _artifact(ctx, "graded", ex, text, grade=_public_grade(grade, ex.level))


def _public_grade(grade: Any, level: str) -> dict[str, Any]:
    """What the learner may see of a grade: the answers stay private until solved, and for
    ``signs`` nothing past the first wrong step (with two choices per step, a mark, a
    score or half credit for a later step would tell its sign)."""
    out: dict[str, Any] = grade.to_dict()
    if grade.all_correct:
        return out
    out.pop("expected", None)
    if _answers_with_signs(level):
        out.pop("score", None)
        out["correct"] = grade.correct[: grade.first_wrong]
        out["given"] = grade.given[: grade.first_wrong]
    return out


def exercise_hint(runtime: ToolRuntime[TurnContext]) -> tuple[str, ExerciseResult]:
    ctx = runtime.context
    ex = _current_exercise(ctx)
    if ex is None or not ctx.exercise_is_live():
        text = prompts.EXERCISE_NONE_OPEN if ex is None else prompts.EXERCISE_ALREADY_DONE
        return text, _artifact(ctx, "none", ex, text)
    state = _open_state(ctx)
    limit = 4 if state.get("attempts", 0) > 0 else MAX_RUNG_BEFORE_ATTEMPT
    if ctx.hints_this_turn:  # one rung per learner message, however often a model asks
        text = prompts.EXERCISE_ONE_HINT
        return text, _artifact(ctx, "hint", ex, text)
    if state.get("rung", 0) >= limit:
        text = prompts.EXERCISE_HINT_LAST
        return text, _artifact(ctx, "hint", ex, text)
    state["rung"] = state.get("rung", 0) + 1
    state["hints"] = state.get("hints", 0) + 1
    ctx.hints_this_turn += 1
    step = state.get("step", 1)
    text = prompts.render(
        prompts.EXERCISE_HINT, rung=state["rung"], hint=hint(ex, state["rung"], step)
    )
    return text, _artifact(ctx, "hint", ex, text)


def give_up_exercise(runtime: ToolRuntime[TurnContext]) -> tuple[str, ExerciseResult]:
    ctx = runtime.context
    ex = _current_exercise(ctx)
    if ex is None or not ctx.exercise_is_live():
        text = prompts.EXERCISE_NONE_OPEN if ex is None else prompts.EXERCISE_ALREADY_DONE
        if ex is not None:  # already solved or revealed: showing it again gives nothing away
            text = f"{text}\n\n{ex.solution_markdown()}"
        return text, _artifact(ctx, "none", ex, text)
    state = _open_state(ctx)
    attempted = state.get("attempts", 0) > 0
    if not (explicit_give_up(ctx.text) or (attempted and wants_solution(ctx.text))):
        if state.get("rung", 0) < MAX_RUNG_BEFORE_ATTEMPT:
            state["rung"] = state.get("rung", 0) + 1
            state["hints"] = state.get("hints", 0) + 1
        rung, step = state["rung"] or 1, state.get("step", 1)
        text = prompts.render(prompts.EXERCISE_ASK_ATTEMPT, rung=rung, hint=hint(ex, rung, step))
        return text, _artifact(ctx, "hint", ex, text)
    state["revealed"] = True
    _record(ctx, solved=False)
    text = prompts.render(prompts.EXERCISE_REVEALED, solution=ex.solution_markdown())
    return text, _artifact(ctx, "revealed", ex, text)


def _series(trace: dict[str, Any]) -> list[list[float]]:
    """Every number series a trace shows: each unit's h and, for an lstm, its c."""
    steps = trace["steps"]
    out = [[step["h"][j] for step in steps] for j in range(trace["hidden_size"])]
    if steps and steps[0].get("c") is not None:
        out += [[step["c"][j] for step in steps] for j in range(trace["hidden_size"])]
    return out


def reveals_open_exercise(ctx: Any, trace: dict[str, Any]) -> bool:
    """Whether a lab ``trace`` (the ``Trace`` JSON) shows the open, not yet attempted
    exercise's answers, however it was asked for (other phrasing, a wider hidden state,
    inputs doubled and W_xh halved, the default inputs when they begin like the
    exercise's): some unit's state at step 1 is the answer h_1 (and so on while they
    agree), or a later run of the trace shows at least two answers in a row, within the
    exercise's tolerance. ``/v1/trace`` stays a calculator; this guards the chat."""
    if not ctx.exercise_is_live() or ctx.exercise.get("attempts", 0) > 0:
        return False
    ex = _current_exercise(ctx)
    if ex is None:
        return False
    states = ex.run()[0]  # the exact states (a signs exercise grades only their signs)
    tol = max(ex.tolerance, 0.005)
    for seq in _series(trace):
        for start in range(len(seq)):
            run = 0  # how many of the answers, from h_1 on, this run of the trace shows
            while (
                run < len(states)
                and start + run < len(seq)
                and abs(seq[start + run] - states[run]) <= tol
            ):
                run += 1
            if run >= (1 if start == 0 else min(2, len(states))):
                return True
    return False


def trace_of_open_exercise(runtime: ToolRuntime[TurnContext]) -> tuple[str, ExerciseResult]:
    """The reply to a trace request that would give the open exercise away: say so, and
    offer the next hint instead (it counts as one)."""
    hint_text, artifact = exercise_hint(runtime)
    text = f"{prompts.EXERCISE_TRACE_WITHHELD}\n\n{hint_text}"
    artifact["text"], artifact["withheld"] = text, "trace"
    return text, artifact


_SPECS: list[tuple[Any, str, str]] = [
    (new_exercise, "new_exercise",
     "Open a new 'trace the memory' exercise for the learner (replaces the open one). "
     "Without a level it is 'signs', the course's no-arithmetic practice; pass a numeric "
     "level only when the learner asks for numbers (or 'harder', or LSTM gates)."),
    (check_exercise_answer, "check_exercise_answer",
     "Grade the learner's answer to the open exercise (per-step feedback, partial credit)."),
    (exercise_hint, "exercise_hint",
     "Give the next rung of the hint ladder for the open exercise (one rung per request)."),
    (give_up_exercise, "give_up_exercise",
     "Reveal the open exercise's solution. Only works after an attempt or when the "
     "learner explicitly gives up; otherwise it returns a hint."),
    (review_flashcards, "review_flashcards",
     "Spaced-repetition flashcard review: start (next due card), flip, or rate recall."),
    (learner_progress, "learner_progress",
     "Summarise the learner's exercises tried/solved by skill and flashcards due."),
]  # fmt: skip


def make_quiz_tools() -> list[BaseTool]:
    """The session-aware practice tools (they need ``TurnContext`` as runtime context)."""
    return [
        StructuredTool.from_function(
            friendly_errors(fn), name=name, description=desc, response_format="content_and_artifact"
        )
        for fn, name, desc in _SPECS
    ]
