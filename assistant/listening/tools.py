"""The listening tools of the agent loop: ``assess_answer`` and ``concept_question``.

``concept_question`` poses a deep question of the teaching model (the concept named, else
the learner's weakest, else the next one in the lesson) and holds it open in the session
state. ``assess_answer`` reads the learner's answer to the open question with the
``Assessor``, records the assessment (and so the concept's mastery) and makes the
dialogue move. Both brains call them: the offline brain's planner routes an answer here,
the LLM sees them as tools.
"""

from __future__ import annotations

import functools
import re
import threading
import weakref
from typing import Annotated, Any

import numpy as np
from langchain.tools import ToolRuntime
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import Field

from assistant import prompts
from assistant.listening.assessor import Assessment, Assessor, OpenQuestion, open_question
from assistant.listening.dialogue import REACTION, TELL_ME, Move, open_state, respond, tell
from assistant.listening.mastery import P_INIT, level
from assistant.results import AssessmentResult, QuestionResult
from assistant.state import TurnContext
from assistant.tool_errors import friendly_errors
from core.background import Background
from core.errors import InvalidInput

ASKED_KEPT = 60  # questions remembered as asked, so the next one is new
SKIP = frozenset({"this_lesson"})  # concepts about the course, not the subject
WARM_BATCH = 64  # texts the background warm-up embeds between checks for a stop


class Listener:
    """The teaching models' questions and the assessor over them, built on first use (the
    assessor embeds every misconception once)."""

    def __init__(self, embedder: Any, models: Any) -> None:
        self.embedder = embedder
        self.models = tuple(models)
        self.every = [c for m in self.models for c in m.concepts]  # "this lesson" too
        self.concepts = [c for c in self.every if c.id not in SKIP]
        self._lock = threading.Lock()
        self._build = threading.Lock()
        self._assessor: Assessor | None = None
        self._warming = False
        self._warm = Background("warm-assessor")

    @property
    def assessor(self) -> Assessor:
        """The assessor, built once (a turn arriving while it is warming waits for it)."""
        with self._build:
            if self._assessor is None:
                self._assessor = Assessor(self.embedder, self.models)
            return self._assessor

    def warm_in_background(self) -> threading.Thread | None:
        """Build the assessor (embed every misconception) in a daemon thread, once, so the
        first learner to answer a question does not wait for it."""
        with self._lock:
            if self._warming or self.embedder is None:
                return None
            self._warming = True

        def work() -> None:
            # into the on-disk cache a batch at a time, so that a process leaving mid-way
            # (a one-shot 'tutor ask') stops between batches: a daemon thread still inside
            # torch when the interpreter finalises aborts it ("terminate called ...")
            texts = list(dict.fromkeys(Assessor.fixed_texts(self.models)))
            lookup = getattr(self.embedder, "lookup", None)
            remember = getattr(self.embedder, "remember", None)
            if callable(lookup) and callable(remember):
                known = lookup(texts)
                todo = [t for t in texts if t not in known]
                parts = []
                for i in range(0, len(todo), WARM_BATCH):
                    if self._warm.stopping:
                        return
                    parts.append(np.asarray(self.embedder.embed(todo[i : i + WARM_BATCH])))
                if todo:  # one write of the cache file, not one per batch
                    remember(todo, np.concatenate(parts))
            if not self._warm.stopping:
                self.assessor  # noqa: B018 (built now; every vector is on disk)

        return self._warm.start(work)

    def stop_warm(self) -> None:
        """Stop a background build between batches and wait for it (at shutdown)."""
        self._warm.stop()

    def wait_warm(self, timeout: float | None = None) -> None:
        """Block until the background build (if any) has finished (benchmarks use it)."""
        self._warm.wait(timeout)

    def question(self, concept_id: str, ask: str) -> OpenQuestion | None:
        return open_question(next((c for c in self.every if c.id == concept_id), None), ask)

    def pick(self, state: dict[str, Any], mastery: dict[str, dict[str, Any]],
             concept_id: str | None = None) -> tuple[Any, Any] | None:  # fmt: skip
        """(concept, question) to ask next: of ``concept_id`` if given; else the weakest
        concept the learner has answered on, else the next unassessed one in lesson order;
        a question not asked before when there is one."""
        asked = set(state.get("asked") or [])
        if concept_id is not None:  # asked for by name: any concept, "this lesson" too
            order = [c for c in self.every if c.id == concept_id]
        else:
            weak = sorted((c for c in self.concepts if c.id in mastery
                           and mastery[c.id]["p"] < 0.7), key=lambda c: mastery[c.id]["p"])  # fmt: skip
            fresh = [c for c in self.concepts if c.id not in mastery]
            order = [*weak, *fresh] or sorted(self.concepts, key=lambda c: mastery[c.id]["p"])
        for concept in order:
            for q in concept.questions:
                if q.ask not in asked:
                    return concept, q
        for concept in order:  # every question asked: start again from the first
            if concept.questions:
                return concept, concept.questions[0]
        return None


_LISTENERS: weakref.WeakKeyDictionary[Any, dict[tuple[str, ...], Listener]] = (
    weakref.WeakKeyDictionary()
)
_SHARED = threading.Lock()


@functools.lru_cache(maxsize=1)
def _bundled_models() -> tuple[Any, ...]:
    from knowledge.ingest import bundled_lesson_paths
    from knowledge.teaching import load_teaching_models

    return tuple(load_teaching_models(bundled_lesson_paths()))


def full_models(models: Any = ()) -> tuple[Any, ...]:
    """``models`` with each bundled lesson's model read from its YAML file (the index keeps
    a lesson's deep questions as notes only, and numbers its misconceptions), plus the
    bundled lessons the index lacks."""
    bundled = {m.lesson: m for m in _bundled_models()}
    out = [bundled.pop(m.lesson, m) for m in models]
    return (*out, *bundled.values())


def shared_listener(embedder: Any, models: Any) -> Listener:
    """One listener (and assessor) per embedder and set of lessons, shared by the tools and
    the offline brain, so the misconceptions are embedded once per process."""
    models = full_models(models)
    key = tuple(m.lesson for m in models)
    with _SHARED:
        by_lessons = _LISTENERS.setdefault(embedder, {})
        if key not in by_lessons:
            by_lessons[key] = Listener(embedder, models)
        return by_lessons[key]


def wait_listeners(embedder: Any, timeout: float | None = None) -> None:
    """Block until every listener over ``embedder`` has built its assessor (benchmarks)."""
    with _SHARED:
        listeners = list(_LISTENERS.get(embedder, {}).values())
    for listener in listeners:
        listener.wait_warm(timeout)


def stop_listeners(embedder: Any) -> None:
    """Stop every listener's background build over ``embedder`` between batches (shutdown)."""
    with _SHARED:
        listeners = list(_LISTENERS.get(embedder, {}).values())
    for listener in listeners:
        listener.stop_warm()


def _result(
    move: Move, a: Assessment | None, st: dict[str, Any], p: float | None
) -> AssessmentResult:
    return {
        "kind": "assessment", "text": move.text, "move": move.name, "closed": move.closed,
        "label": a.label if a is not None else "dont_know", "concept": st["concept"],
        "question": st["ask"], "covered": list(st.get("covered") or []),
        "missing": list(a.missing) if a is not None else [],
        "misconception": a.misconception if a is not None else None, "mastery": p,
    }  # fmt: skip


def make_listening_tools(listener: Listener) -> list[BaseTool]:
    def assess_answer(
        runtime: ToolRuntime[TurnContext],
        answer: Annotated[str, Field(description="The learner's answer exactly as they wrote it.")],
    ) -> tuple[str, AssessmentResult]:
        ctx = runtime.context
        st = ctx.state.get("question")
        question = listener.question(st["concept"], st["ask"]) if st else None
        if st is None or question is None:
            ctx.state.pop("question", None)
            raise InvalidInput(prompts.LISTEN_NO_QUESTION)
        unknown = Assessment("dont_know", missing=tuple(range(len(question.expected))))
        if TELL_ME.match(answer):
            a: Assessment = unknown
            move = tell(question, st)
        elif REACTION.match(answer):  # no answer yet: a hint, not evidence of anything
            move = respond(question, st, unknown)
            return move.text, _result(move, unknown, st, None)
        else:
            a = listener.assessor.assess(question, answer)
            move = respond(question, st, a)
        p = ctx.sessions.record_assessment(
            ctx.session_id, question.concept, question.ask, a.label, a.misconception,
            list(a.covered), list(a.missing),
        )  # fmt: skip
        text = move.text
        if move.closed:
            ctx.state.pop("question", None)
            if st["kind"] == "quiz":
                text = f"{text}\n\n{prompts.LISTEN_NEXT}"
        return text, {**_result(move, a, st, p), "text": text}

    def concept_question(
        runtime: ToolRuntime[TurnContext],
        concept: Annotated[
            str | None, Field(description="The concept to ask about (id or name), or none.")
        ] = None,
    ) -> tuple[str, QuestionResult]:
        from assistant.tools import find_concept

        ctx = runtime.context
        wanted = None
        if concept:
            found = find_concept(concept, tuple(listener.every))
            if found is None:
                raise InvalidInput(f"no concept called {concept!r} in the lessons.")
            wanted = found.id
        picked = listener.pick(ctx.state, ctx.sessions.mastery(ctx.session_id), wanted)
        if picked is None:
            raise InvalidInput("the lessons have no conceptual questions to ask.")
        c, q = picked
        ctx.state["question"] = open_state(OpenQuestion(c.id, q.ask, q.expected, q.hints), "quiz")
        ctx.state["asked"] = [*(ctx.state.get("asked") or []), q.ask][-ASKED_KEPT:]
        ctx.state["practice"] = "concepts"  # "next" means another conceptual question
        text = prompts.render(prompts.LISTEN_QUIZ, name=c.name, ask=q.ask)
        return text, {"kind": "question", "text": text, "concept": c.id, "question": q.ask}

    specs = (
        (assess_answer, "assess_answer",
         "Read the learner's answer to the open conceptual question (one you asked): say what "
         "is right, correct a misconception, hint at a missing point, or give the answer."),
        (concept_question, "concept_question",
         "Ask the learner a conceptual question about the lesson (no numbers), for the named "
         "concept or the one they are weakest on, and hold it open for their answer."),
    )  # fmt: skip
    return [
        StructuredTool.from_function(friendly_errors(fn), name=name, description=desc,
                                     response_format="content_and_artifact")
        for fn, name, desc in specs
    ]  # fmt: skip


def study_next(listener: Listener, mastery: dict[str, dict[str, Any]],
               misconceptions: dict[str, int] | None = None) -> str:  # fmt: skip
    """The "what should I study next?" line from the learner model."""
    if not mastery:
        return prompts.STUDY_NEXT_NONE
    misconceptions = misconceptions or {}
    held = {
        c.id for c in listener.concepts if any(m.id in misconceptions for m in c.misconceptions)
    }
    picked = listener.pick({}, mastery)
    if picked is None:
        return ""
    concept = picked[0]
    if concept.id in held:
        why = prompts.STUDY_WHY_MISCONCEPTION
    elif concept.id in mastery:
        why = prompts.STUDY_WHY_WEAK
    else:
        why = prompts.STUDY_WHY_NEW
    return prompts.render(prompts.STUDY_NEXT, name=concept.name, why=why)


WEAK = 0.7  # below this estimate a concept's flashcards come due sooner


def weak_cards(cards: list[Any], mastery: dict[str, dict[str, Any]]) -> set[str]:
    """The ids of the flashcards about a concept the learner's answers show to be weak: a
    card is about the concepts its front names."""
    weak = {cid for cid, m in mastery.items() if m["p"] < WEAK}
    if not weak:
        return set()
    names = [
        (c.id, n.lower())
        for m in full_models()
        for c in m.concepts
        if c.id in weak
        for n in c.names
    ]
    return {card.id for card in cards
            if any(re.search(rf"\b{re.escape(n)}\b", card.front.lower()) for _, n in names)}  # fmt: skip


def mastery_lines(listener: Listener, mastery: dict[str, dict[str, Any]]) -> str:
    names = {c.id: c.name for c in listener.concepts}
    lines = "".join(
        prompts.render(prompts.MASTERY_LINE, name=names.get(cid, cid),
                       level=level(m.get("p", P_INIT)), answers=m["assessed"],
                       s="" if m["assessed"] == 1 else "s")
        for cid, m in sorted(mastery.items(), key=lambda kv: kv[1]["p"])
    )  # fmt: skip
    return prompts.render(prompts.MASTERY_HEAD, lines=lines) if lines else ""
