"""What the offline brain does for each intent: a table from intent name to plan.

A plan turns one learner message (an ``Ask``) into the tool calls that answer it; an empty
list means the brain answers straight away (greetings, thanks, capabilities). Before the
table is consulted, ``reroute`` lets a message that names a lesson concept count as a
concept question whatever the intent examples said ("whats a binary digit").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assistant.compute import calculator_call, clip_request
from assistant.guards import looks_like_injection
from assistant.listening.assessor import dont_know
from assistant.listening.dialogue import TELL_ME
from assistant.offline.explain import simpler_topic, wants_simpler
from assistant.offline.intents import (
    ASKS_ABOUT,
    CONFUSED,
    LAB_WORDS,
    QUESTION_START,
    WHAT_IF,
    what_if_changes,
)
from assistant.offline.understand import asks_plainly, split_questions
from assistant.parsing import level_asked_for, trace_request
from assistant.quiz_tools import DEFAULT_LEVEL
from assistant.state import exercise_live

# question types answered from the teaching notes (the rest: lesson passages, the lab)
NOTE_TYPES = frozenset(
    {"definition", "why", "how", "example", "simpler", "compare", "recommendation", "context",
     "not_covered", "what-if"}
)  # fmt: skip
# "show me the lstm equations": the lesson's Going-deeper passages answer (prefer_core)
# a request for the formulas; "no math", "in words not formula", "without any equations"
# ask for the opposite
MATH_REQUEST = re.compile(
    r"(?<!\bno )(?<!\bnot )(?<!\bwithout )(?<!\bwithout any )(?<!\bnot any )(?<!\bthe )"
    r"(?<!\bskip )"
    r"\b(?:math|maths|formulas?|equations?|derivations?|derive|in symbols|notation)\b"
    r"|(?<!\bno )(?<!\bnot )(?<!\bwithout )(?<!\bskip )\bthe (?:math|maths|formulas?|equations?)\b",
    re.I,
)
WHY_FORGET_QUERY = "why memory fades over long sequences: vanishing gradients"
_ids = itertools.count(1)

Call = dict[str, Any]


@dataclass
class Ask:
    """One learner message as the planner sees it."""

    intent: str
    text: str
    state: dict[str, Any] = field(default_factory=dict)
    rating: str | None = None  # a flashcard rating ("easy", "again") when intent is "rate"
    reader: Any = None  # assistant.offline.understand.QuestionReader (None: passages only)


def call(name: str, **args: Any) -> Call:
    return {"name": name, "args": args, "id": f"offline-{next(_ids)}", "type": "tool_call"}


def _exact(ask: Ask) -> list[Call] | None:
    """A computation the lab does exactly (a clipping sum), whatever the intent said."""
    clip = clip_request(ask.text)
    return [call("clip_gradient", **clip)] if clip is not None else None


def _concepts(understood: Any) -> list[str]:
    """The concepts the notes are ranked for: those the message names (a guess from its
    meaning alone would outvote the note closest to the question), or the nearest one to a
    topic the lessons do not cover."""
    if understood.named or understood.type == "not_covered":
        return list(understood.concepts[:3])
    return []


def _from_notes(ask: Ask) -> list[Call] | None:
    """A question the teaching model answers: its type and concepts choose the notes. Two
    questions in one message ("vanishing vs exploding, and which one does clipping fix?")
    get a second set of notes for the second."""
    if ask.reader is None:
        return None
    if MATH_REQUEST.search(ask.text) and not asks_plainly(ask.text):
        return None  # "show me the lstm equations"; not "an analogy, the formula lost me"
    understood = ask.reader.read(ask.text)
    if understood.type == "what-if" and what_if_changes(ask.text):  # the lab can run it
        return [call("rnn_trace", **trace_request(ask.text, ask.state.get("trace")).args)]
    if understood.type not in NOTE_TYPES or not (
        understood.concepts or understood.type == "not_covered"
    ):
        return None
    concepts = _concepts(understood)
    if concepts:  # what a follow-up ("example?", "and the gru?") is about
        if ask.state.get("last_concepts") != concepts[:2]:
            ask.state["prev_concepts"] = ask.state.get("last_concepts") or []
        ask.state["last_concepts"] = concepts[:2]
        ask.state["last_type"] = understood.type
    calls = [
        call("teaching_notes", question=ask.text, kind=understood.type, concepts=concepts),
    ]
    parts = split_questions(ask.text)
    if len(parts) == 2 and understood.type != "not_covered":
        # a second question about another concept than the first ("..., and which one does
        # clipping fix?") gets its own notes
        first = set(ask.reader.named_concepts(parts[0]))
        if set(ask.reader.named_concepts(parts[1])) - first:
            second = _second_question(ask, parts[1], understood)
            if second is not None:
                calls.append(second)
    return [*calls, call("search_lesson", query=ask.text, k=6)]


def _second_question(ask: Ask, text: str, first: Any) -> Call | None:
    """The notes call for the second question of a message; "is it a switch?" is read with
    the concepts the first question named."""
    understood = ask.reader.read(text)
    if understood.type not in NOTE_TYPES - {"not_covered"}:
        return None
    own = _concepts(understood)
    concepts = [*own, *(c for c in _concepts(first) if c not in own)][:3]
    if not understood.named and concepts:
        names = {c.id: c.name for c in ask.reader.concepts}
        text = f"{text} ({', '.join(names.get(c, c) for c in concepts[:2])})"
    return call("teaching_notes", question=text, kind=understood.type, concepts=concepts)


def _simpler(ask: Ask) -> list[Call] | None:
    """'explain that more simply': the message's own subject, else the last topic."""
    if not wants_simpler(ask.text):
        return None
    topic = simpler_topic(ask.text, ask.state)
    return [call("search_lesson", query=topic, k=6)] if topic else []


def concept(ask: Ask) -> list[Call]:
    for step in (_exact, _from_notes, _simpler):
        calls = step(ask)
        if calls is not None:
            return calls
    return [call("search_lesson", query=ask.text, k=6)]


def more(ask: Ask) -> list[Call]:
    simpler = _simpler(ask)
    if simpler is not None:
        return simpler
    topic = ask.state.get("topic")
    return [call("search_lesson", query=topic, k=8)] if topic else []


def why_forget(ask: Ask) -> list[Call]:
    return [
        call("search_lesson", query=f"{ask.text} {WHY_FORGET_QUERY}", k=3),
        call("memory_fade"),
    ]


def compute(ask: Ask) -> list[Call]:
    """The lab's calculator for the sum asked (a derivative, a difference of two counts, an
    MLP layer, ...); a bare "how many params" counts the lesson's layer."""
    found = calculator_call(ask.text)
    name, args = found if found is not None else ("parameter_count", {})
    return [call(name, **args)]


def trace(ask: Ask) -> list[Call]:
    # a follow-up ("now an lstm", "same with 0.9") keeps the last trace's settings
    return [call("rnn_trace", **trace_request(ask.text, ask.state.get("trace")).args)]


def exercise(ask: Ask) -> list[Call]:
    # the level asked for, else the current exercise's, else the course's practice
    current = (ask.state.get("exercise") or {}).get("level")
    level = level_asked_for(ask.text, current) or current or DEFAULT_LEVEL
    return [call("new_exercise", level=level)]


def rephrase(ask: Ask) -> list[Call]:
    """The last topic again, put another way: its plain-words notes first."""
    topic = str(ask.state.get("topic") or "")
    concepts = _concepts(ask.reader.read(topic)) if ask.reader is not None else []
    return [call("teaching_notes", question=topic, kind="simpler", concepts=concepts)]


def assess(ask: Ask) -> list[Call]:
    """An answer to the open conceptual question."""
    return [call("assess_answer", answer=ask.text)]


def concept_quiz(ask: Ask) -> list[Call]:
    """A conceptual question: on the concept the message names, else the learner's weakest."""
    named = ask.reader.named_concepts(ask.text) if ask.reader is not None else []
    named = [c for c in named if c not in _GENERIC or len(named) == 1]
    return [call("concept_question", concept=named[0] if named else None)]


def follow_up(ask: Ask) -> list[Call]:
    """ "why?", "example?", "and the gru?" after an answer: read against the last answer's
    concepts ("why? (hidden state)"); "and the gru?" asks the last question again about the
    concept it names ("how does an lstm keep memory?" -> "how does a GRU keep memory?")."""
    if ask.reader is None:
        return concept(ask)
    names = {c.id: c for c in ask.reader.concepts}
    topic = str(ask.state.get("topic") or "")
    last = [c for c in ask.state.get("last_concepts") or [] if c in names]
    if not last and topic:
        read = ask.reader.read(topic)
        last = _concepts(read) or list(read.concepts[:1])
    named = ask.reader.named_concepts(ask.text)
    if named and last and topic and named[0] not in last:
        old = names[last[0]]
        for alias in sorted(old.names, key=len, reverse=True):
            swapped = re.sub(rf"\b(?:an? )?{re.escape(alias)}\b", f"the {names[named[0]].name}",
                             topic, count=1, flags=re.I)  # fmt: skip
            if swapped != topic:
                ask.text = swapped
                return concept(ask)
    if not named and last and re.search(r"\bwhich\b", ask.text, re.I):
        # "which one should i use?" after the LSTM, then the GRU: the two of them
        last = [*last, *(c for c in ask.state.get("prev_concepts") or [] if c in names)]
        last = list(dict.fromkeys(last))[:2]
    if not named and last:
        ask.text = f"{ask.text} ({', '.join(names[c].name for c in last)})"
    return concept(ask)


def _tool(name: str, **args: Any) -> Callable[[Ask], list[Call]]:
    return lambda ask: [call(name, **args)]


PLANS: dict[str, Callable[[Ask], list[Call]]] = {
    "concept": concept,
    "more": more,
    "why_forget": why_forget,
    "compute": compute,
    "trace": trace,
    "quiz": exercise,
    "next": exercise,
    "answer": lambda ask: [call("check_exercise_answer", answer=ask.text)],
    "hint": _tool("exercise_hint"),
    "give_up": _tool("give_up_exercise"),
    "flashcards": _tool("review_flashcards", action="start"),
    "flip": _tool("review_flashcards", action="flip"),
    "rate": lambda ask: [call("review_flashcards", action=ask.rating or "good")],
    "progress": _tool("learner_progress"),
    "rephrase": rephrase,
    "assess": assess,
    "concept_quiz": concept_quiz,
    "follow_up": follow_up,
}

# "quiz me on the concepts", "no numbers please", "test my understanding of vanishing
# gradients": conceptual practice rather than a numeric exercise
CONCEPTUAL = re.compile(
    r"\b(?:concepts?|conceptual(?:ly)?|no (?:numbers|calculations?)|without (?:numbers|"
    r"calculations?)|understanding|in (?:my own )?words|explain(?:ing)? questions?|theory)\b",
    re.I,
)  # "no math" / "without math" stays the signs exercise (a trace with signs, no arithmetic)
NO_NUMBERS = re.compile(r"^\W*(?:ok\W+)?(?:no|without) (?:numbers|calculations?|sums)\b", re.I)
QUIZ_WORDS = re.compile(r"\b(?:quiz|test|question|ask me|check|practi[cs]e)", re.I)
PRACTISE = re.compile(
    r"\b(?:quiz me|test me|test my|check my understanding|ask me (?:a |some )?(?:conceptual )?"
    r"questions?|question me|practi[cs]e (?:the )?concepts?)\b",
    re.I,
)
# a short question that only makes sense against the last topic
FOLLOW_UP = re.compile(
    r"^\W*(?:(?:and|but|ok|okay|so)\W+)*(?:why|how|how so|example|an example|for example|"
    r"e\.?g\.?|such as|like what|which one should i use|which one|which is better|which should i "
    r"(?:use|pick|choose)|what about (?:the )?\w+(?: \w+)?|and the \w+(?: \w+)?|"
    r"why (?:is|does) (?:it|that)(?: \w+){0,3}|how does (?:it|that)(?: \w+){0,3})\W*$",
    re.I,
)
# the start of an answer, not of a new question ("is it because the weights are shared?")
_ANSWER_START = re.compile(
    r"^\W*(?:is it|isn'?t it|because|cause|cuz|bc|it|its|it's|they|theyre|so|maybe|i think|"
    r"probably|the|a|an)\b",
    re.I,
)
STUDY_NEXT = re.compile(
    r"\b(?:what|which)\b.{0,30}\b(?:study|learn|review|revise|practi[cs]e|work on|focus on)\b"
    r".{0,12}\b(?:next|now|first)\b|\bwhat(?:'s| is| are)? my weak",
    re.I,
)
MURMUR = re.compile(
    r"^\W*(?:h+m+|u+m+|u+h+|huh|eh|e+r+m*)\W*$", re.I
)  # "hmm": a hint, says TEACHING.md
# "whats a recurrent weight again?", "wait where do the gate values come from?"
WH_NEAR_START = re.compile(
    r"^\W*(?:\w+\W+){0,2}(?:what'?s?|how'?s?|why|where|when|which|who)\b", re.I
)
HINT_REQUEST = re.compile(r"^\W*(?:(?:a|another|give me a|can i (?:get|have) a)\s+)?hint\W*$", re.I)
MOVES_ON = frozenset({"quiz", "next", "trace", "flashcards", "flip", "rate", "progress",
                      "compute", "more", "injection"})  # fmt: skip


def _listening(ask: Ask) -> str | None:
    """The intent of a message while a conceptual question is open: an answer to it (a
    reaction, "hint" and "just tell me" included) unless it starts something else."""
    intent, text = ask.intent, ask.text
    if MURMUR.match(text) or TELL_ME.match(text) or HINT_REQUEST.match(text):
        return "assess"  # "hmm" gets a hint (TEACHING.md); the answer; a hint
    if CONFUSED.match(text):
        return "rephrase"  # lost in the explanation: the topic again, the question stays
    if dont_know(text) or intent in ("hint", "give_up"):
        return "assess"
    if intent == "injection" and not looks_like_injection(text):
        intent = "concept"  # the examples' guess ("its the same rule at every step")
    if intent in MOVES_ON and not (intent == "compute" and not re.search(r"\d", text)):
        return None
    if intent in SMALL_TALK - {"off_topic", "empty"} and len(text.split()) <= 4:
        return None  # "thanks", "hi"
    if FOLLOW_UP.match(text):
        return "follow_up"
    question = (
        QUESTION_START.search(text)
        or (ASKS_ABOUT.search(text) and (text.rstrip().endswith("?") or _names_concept(ask)))
        or (text.rstrip().endswith("?") and WH_NEAR_START.search(text))
    )
    if question and not _ANSWER_START.match(text):
        return None
    return "assess"


# intents the examples pick for a message that may really be a question about a concept
# the message names ("i have 10k token documents, should i do full bptt on them" is no
# thanks; "writing a report, which param count do i quote" is no progress request)
SMALL_TALK = frozenset({"capabilities", "off_topic", "empty", "greeting", "thanks"})
_MINE = re.compile(r"\b(?:my|me|am i|i'?ve|i have (?:done|solved))\b", re.I)
_FORGETTING = frozenset({"memory_decay", "vanishing_gradient", "long_range_dependency"})
_GENERIC = frozenset({"simple_rnn", "hidden_state", "time_step", "sequence", "this_lesson"})


def _names_concept(ask: Ask) -> bool:
    return bool(ask.reader.named_beyond(ask.text) or ask.reader.named_concepts(ask.text))


def _asks_about_concept(ask: Ask) -> bool:
    """A question (not a request for an action) that names a lesson concept."""
    question = QUESTION_START.search(ask.text) or ASKS_ABOUT.search(ask.text) or "?" in ask.text
    return bool(question) and bool(ask.reader.named_concepts(ask.text))


def _conceptual(ask: Ask) -> bool:
    """A wish for conceptual practice: asked for in words, or "next" after a conceptual
    question."""
    if NO_NUMBERS.match(ask.text):
        return True
    if ask.intent == "next":
        conceptual = ask.state.get("practice") == "concepts" or bool(ask.state.get("question"))
        return (
            conceptual and not exercise_live(ask.state)
            and bool(re.search(r"\b(?:next|another|more|again)\b", ask.text, re.I))
        )  # fmt: skip
    if CONCEPTUAL.search(ask.text):
        return True
    return level_asked_for(ask.text, None) is None and (
        ask.reader is not None and bool(ask.reader.named_concepts(ask.text))
        and bool(QUIZ_WORDS.search(ask.text))
    )  # fmt: skip


def reroute(ask: Ask) -> str:
    """The intent to plan for. The intent examples judge a message by its likeness to short
    requests; the question reader sees which concepts it names. A message that names a
    concept of an indexed lesson, or a topic next to one ("what is teacher forcing?"), is a
    question about the subject unless its words ask for the action itself."""
    intent, text = ask.intent, ask.text
    if STUDY_NEXT.search(text):
        return "progress"
    if (intent in ("quiz", "next") or PRACTISE.search(text) or NO_NUMBERS.match(text)) and (
        _conceptual(ask)
    ):
        ask.state.pop("question", None)
        return "concept_quiz"
    if ask.state.get("question") and not exercise_live(ask.state):
        routed = _listening(ask)
        if routed is not None:
            return routed
        ask.state.pop("question", None)  # the learner moved on
    elif ask.state.get("question"):
        ask.state.pop("question", None)  # an exercise opened since
    if FOLLOW_UP.match(text) and ask.state.get("topic") and not exercise_live(ask.state):
        return "follow_up"
    if CONFUSED.match(text) and ask.state.get("topic") and not exercise_live(ask.state):
        return "rephrase"  # a reaction to the last answer, not a greeting or a new question
    if ask.reader is None:
        return intent
    if intent in SMALL_TALK and _names_concept(ask):
        return "concept"
    if intent == "injection" and not looks_like_injection(text) and _names_concept(ask):
        return "concept"  # the examples' guess, not the guard's pattern
    if intent == "progress" and not _MINE.search(text) and _names_concept(ask):
        return "concept"
    cards = ask.state.get("flashcard") or re.search(r"flash|cards?\b", text, re.I)
    asks = _asks_about_concept(ask) or WHAT_IF.search(text)
    if intent == "flashcards" and not cards and asks:
        return "concept"  # "what if i read the review right after the first word"
    action = re.search(r"\b(?:quiz|test me|exercises?|give me|another)\b", text, re.I)
    if intent == "quiz" and ASKS_ABOUT.search(text) and not action and _asks_about_concept(ask):
        return "concept"  # "do i need a calculator for the practice?"
    if intent == "trace" and re.match(r"\s*why\b", text, re.I) and not LAB_WORDS.search(text):
        return "concept"  # "why h0 is zeros usually": about the start, not a run
    if intent == "why_forget":
        named = set(ask.reader.named_concepts(text)) - _FORGETTING - _GENERIC
        comparison = re.search(r"\bthan\b|\bvs\.?\b|\bversus\b", text, re.I)
        kind = ask.reader.read(text).type
        if named or comparison or kind in ("context", "recommendation", "what-if"):
            # "why are transformers better far back", "in the old experiments", "plain rnn
            # ok or nah?", "if i bump the hidden size will it remember longer"
            return "concept"
    return intent


def plan_turn(
    intent: str,
    text: str,
    state: dict[str, Any],
    rating: str | None = None,
    reader: Any = None,
) -> tuple[str, list[Call]]:
    """The intent planned for (after ``reroute``) and the tool calls that serve it (empty:
    answer directly)."""
    ask = Ask(intent, text, state, rating, reader)
    ask.intent = reroute(ask)
    planner = PLANS.get(ask.intent)
    return ask.intent, planner(ask) if planner is not None else []


def plan(
    intent: str,
    text: str,
    state: dict[str, Any],
    rating: str | None = None,
    reader: Any = None,
) -> list[Call]:
    """The tool calls that serve ``intent`` (empty: answer directly)."""
    return plan_turn(intent, text, state, rating, reader)[1]
