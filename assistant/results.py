"""The artifact of every tool as a ``TypedDict``, one per ``kind`` (one per calculator for
``power``): the seam between the tools that build them and the readers that compose a
reply from them.

Each tool returns ``(content, artifact)``; the artifact is a plain, JSON-able dict tagged by
``kind`` (``assistant.tools``, ``assistant.quiz_tools``, ``assistant.review_tools`` and
``assistant.tool_errors`` build them; ``assistant.offline.replies`` and ``assistant.reply``
read them). A key is required when its builder always writes it, ``NotRequired`` when it
writes it only sometimes; a required key may still hold ``None`` (``repeated_factor``'s
``steps`` and ``below``). The nested JSON of the lab (``Trace.to_dict()``,
``MemoryTrend.to_dict()``, ``FadeReport.to_dict()``, ``ParamCount.to_dict()``, the
public exercise) stays ``dict[str, Any]``: ``tools/`` owns those shapes.

No ``from __future__ import annotations`` here: ``TypedDict`` tells ``NotRequired`` keys
apart only from evaluated annotations (``__required_keys__`` feeds the artifact tests).
"""

from typing import Any, Literal, NotRequired, TypedDict, cast, final

CellName = Literal["rnn", "lstm", "gru"]


# ---- pieces shared by several kinds ---------------------------------------------------
class Citation(TypedDict):
    """A lesson section cited by one sentence of it (``LessonTerms.citation``)."""

    source: str
    section: str
    quote: str
    url: str | None


class Passage(TypedDict):
    """A ``knowledge.retrieval.Passage`` as JSON (``assistant.tools.passage_dict``)."""

    text: str
    source: str
    section: str
    url: str | None
    score: float
    chunk_id: str | None
    anchor: str | None


class HeatmapSource(TypedDict):
    plot: Literal["hidden_heatmap"]
    trace_body: dict[str, Any]  # the POST /v1/trace body the heatmap was drawn from


class FadeCurveSource(TypedDict):
    plot: Literal["fade_curve"]
    steps: int


PlotSource = HeatmapSource | FadeCurveSource


class PlotSpec(TypedDict):
    """A plot as the artifact carries it: the SVG, and what to redraw a PNG from."""

    title: str
    svg: str
    source: PlotSource


# ---- the lesson -----------------------------------------------------------------------
class PassagesResult(TypedDict):
    """``search_lesson``."""

    kind: Literal["passages"]
    query: str
    passages: list[Passage]


class Note(TypedDict):
    """One teaching note (``knowledge.notes.Note``) ranked for a question."""

    concept: str
    name: str
    facet: str
    text: str
    key: str
    sections: list[str]
    other: str  # a compare note's other concept id, else ""
    score: float
    similarity: float


class ComparisonRow(TypedDict):
    """One concept's row of a comparison of three or more."""

    name: str
    what: str
    use: str


class NotesResult(TypedDict):
    """``teaching_notes``."""

    kind: Literal["notes"]
    question: str
    type: str  # the question kind: definition, why, compare, not_covered, ...
    concepts: list[str]
    notes: list[Note]
    cite: dict[str, Citation]  # section title -> its citation
    table: list[ComparisonRow]  # filled for a comparison of three or more concepts only


class ConceptFacets(TypedDict):
    """A concept's facets by name; the teaching model requires all but how, use, context."""

    definition: str
    why: str
    how: NotRequired[str]
    example: str
    simpler: str
    use: NotRequired[str]
    context: NotRequired[str]


# A contrast with a concept learners confuse it with ("with" is a keyword: functional form).
Contrast = TypedDict("Contrast", {"with": str, "difference": str})


class Misconception(TypedDict):
    belief: str
    correction: str


class ConceptResult(ConceptFacets):
    """``lookup_concept``."""

    kind: Literal["concept"]
    citations: list[Citation]
    id: str
    name: str
    sections: list[str]
    contrasts: list[Contrast]
    misconceptions: list[Misconception]


# ---- the lab --------------------------------------------------------------------------
class TraceRun(TypedDict):
    """One trace run and rendered (what ``assistant.tools`` caches per request body)."""

    kind: Literal["trace"]
    body: dict[str, Any]  # the POST /v1/trace request body
    trace: dict[str, Any]  # Trace.to_dict(): the Trace JSON of API.md
    table_md: str
    worked_md: str
    plots: list[PlotSpec]


class TraceResult(TraceRun):
    """``rnn_trace``: the run, the learner's settings and what the memory does."""

    args: dict[str, Any]  # the resolved scalar-weight arguments (assistant.parsing)
    trend: dict[str, Any]  # MemoryTrend.to_dict()
    baseline: NotRequired[dict[str, Any]]  # an LSTM/GRU's plain-RNN trend, same weights
    gate_settings: NotRequired[dict[str, list[float]]]  # gate -> [w_in, w_rec, bias]


class FadeResult(TypedDict):
    """``memory_fade``."""

    kind: Literal["fade"]
    report: dict[str, Any]  # FadeReport.to_dict()
    summary_md: str
    plots: list[PlotSpec]


class ParamsResult(TypedDict):
    """``parameter_count``."""

    kind: Literal["params"]
    count: dict[str, Any]  # ParamCount.to_dict()
    text: str


# The calculators all answer with kind "power" (the offline reply shows their ``text``);
# all but the two oldest name themselves (``calculator``) and the section that teaches
# the sum (``section``). Final, so that ``"calculator" in art`` tells them apart for mypy.
@final
class ClipResult(TypedDict):
    """``clip_gradient``."""

    kind: Literal["power"]
    text: str
    gradient: list[float]
    threshold: float


@final
class FactorResult(TypedDict):
    """``repeated_factor``: exactly one of ``steps`` and ``below`` is set."""

    kind: Literal["power"]
    factor: float
    steps: int | None
    below: float | None
    compare: float | None
    text: str


@final
class DerivativeResult(TypedDict):
    """``local_derivative``."""

    kind: Literal["power"]
    calculator: Literal["local_derivative"]
    section: str
    w: float
    h: float
    value: float
    text: str


@final
class ProductResult(TypedDict):
    """``gradient_product``: ``bound`` when no h was given (the largest possible size)."""

    kind: Literal["power"]
    calculator: Literal["gradient_product"]
    section: str
    w: float
    h: float | None
    steps: int
    value: float
    bound: bool
    text: str


@final
class DifferenceResult(TypedDict):
    """``parameter_difference``."""

    kind: Literal["power"]
    calculator: Literal["parameter_difference"]
    section: str
    first: dict[str, Any]  # ParamCount.to_dict()
    second: dict[str, Any]
    difference: int
    one_bias_difference: int
    text: str


@final
class MlpResult(TypedDict):
    """``mlp_parameters``."""

    kind: Literal["power"]
    calculator: Literal["mlp_parameters"]
    section: str
    mlp: dict[str, Any]  # DenseCount.to_dict()
    rnn: dict[str, Any] | None  # ParamCount.to_dict() of the recurrent layer, if asked
    text: str


@final
class BiasResult(TypedDict):
    """``bias_count``."""

    kind: Literal["power"]
    calculator: Literal["bias_count"]
    section: str
    cell: CellName
    hidden_size: int
    extra: bool
    pytorch: int
    one_bias: int
    text: str


PowerResult = (
    ClipResult
    | FactorResult
    | DerivativeResult
    | ProductResult
    | DifferenceResult
    | MlpResult
    | BiasResult
)


# ---- practice -------------------------------------------------------------------------
ExerciseAction = Literal["opened", "graded", "hint", "revealed", "none"]


class ExerciseResult(TypedDict):
    """``new_exercise``, ``check_exercise_answer``, ``exercise_hint``, ``give_up_exercise``,
    and an ``rnn_trace`` that would give the open exercise away (``withheld``)."""

    kind: Literal["exercise"]
    action: ExerciseAction
    exercise: dict[str, Any] | None  # Exercise.public_dict(reveal=...), None when none open
    text: str
    grade: NotRequired[dict[str, Any]]  # "graded": what the learner may see of the Grade
    withheld: NotRequired[Literal["trace"]]


class FlashcardResult(TypedDict):
    """``review_flashcards``: ``card_id`` names the card shown, if one is."""

    kind: Literal["flashcard"]
    text: str
    card_id: NotRequired[str]


class ProgressResult(TypedDict):
    """``learner_progress``."""

    kind: Literal["progress"]
    text: str
    progress: dict[str, Any]  # the session store's progress report


class AssessmentResult(TypedDict):
    """``assess_answer``: the assessor's label and the dialogue move made on it."""

    kind: Literal["assessment"]
    text: str
    move: str  # confirm, hint, credit_hint, prompt, assert, tell, correct_misconception, redirect
    closed: bool  # the question is done
    label: str  # assistant.listening.LABELS
    concept: str
    question: str
    covered: list[int]  # expected points covered so far (over the question's turns)
    missing: list[int]
    misconception: str | None
    mastery: float | None  # the concept's new estimate (None: no evidence)


class QuestionResult(TypedDict):
    """``concept_question``: the conceptual question now open."""

    kind: Literal["question"]
    text: str
    concept: str
    question: str


class ErrorResult(TypedDict):
    """A ``TutorError`` raised inside a tool (``assistant.tool_errors.friendly_errors``)."""

    kind: Literal["error"]
    code: NotRequired[str]  # absent only when a reader stands in for a tool that failed
    message: str


Artifact = (
    PassagesResult
    | NotesResult
    | ConceptResult
    | TraceResult
    | FadeResult
    | ParamsResult
    | PowerResult
    | ExerciseResult
    | FlashcardResult
    | ProgressResult
    | AssessmentResult
    | QuestionResult
    | ErrorResult
)


def artifact_of(message: Any) -> Artifact | None:
    """The artifact of a ``ToolMessage``, or None when it carries none (a tool that failed
    outside ``friendly_errors``, or an unknown tool a model asked for). Artifacts come only
    from this package's tools, so a dict is taken to be the ``Artifact`` its ``kind`` says."""
    art = getattr(message, "artifact", None)
    return cast(Artifact, art) if isinstance(art, dict) else None
