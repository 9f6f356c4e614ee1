"""Writing the offline brain's final reply from the tool results of one turn.

Each tool artifact kind has one writer: lesson passages become a cited extractive answer
ending with a check-your-understanding question; a fade report becomes the "why RNNs
forget" demonstration; a trace becomes worked steps plus a table; exercise, flashcard and
progress tools already return finished prose. Every template comes from
``assistant.prompts``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, cast

import numpy as np
from langchain_core.messages import ToolMessage

from assistant import prompts
from assistant.compute import bias_request, difference_request, parameter_request
from assistant.offline.compose import Composer, prefer_core, prefer_teaching
from assistant.offline.explain import (
    definition_for,
    link,
    not_covered,
    simple_answer,
    simpler_topic,
    trace_citation,
    wants_simpler,
)
from assistant.offline.intents import CONFUSED, WHAT_IF
from assistant.offline.lesson_terms import definition_question, lesson_terms
from assistant.parsing import trace_request
from assistant.results import (
    Artifact,
    AssessmentResult,
    Citation,
    ComparisonRow,
    ErrorResult,
    ExerciseResult,
    FadeResult,
    FlashcardResult,
    Note,
    NotesResult,
    ParamsResult,
    PassagesResult,
    PowerResult,
    ProgressResult,
    QuestionResult,
    TraceResult,
    artifact_of,
)
from assistant.sentences import split_sentences
from assistant.tools import CANDIDATE
from knowledge.notes import TYPE_FACETS
from tools.memory_trend import TOL
from tools.text import num

MAX_SHOWN = 24  # sentences remembered per topic for "tell me more"


class TurnArtifacts(TypedDict, total=False):
    """The first artifact of each kind one turn's tools returned, keyed by that kind."""

    passages: PassagesResult
    notes: NotesResult
    trace: TraceResult
    fade: FadeResult
    params: ParamsResult
    power: PowerResult
    exercise: ExerciseResult
    flashcard: FlashcardResult
    progress: ProgressResult
    assessment: AssessmentResult
    question: QuestionResult
    error: ErrorResult


def _artifacts(results: list[ToolMessage]) -> tuple[TurnArtifacts, list[NotesResult]]:
    """The first artifact of each kind, and the notes of the message's later questions."""
    out: dict[str, Artifact] = {}
    later: list[NotesResult] = []
    for m in results:
        art = artifact_of(m)
        if art is None:
            out.setdefault("error", {"kind": "error", "message": str(m.content)})
        elif art["kind"] == "notes" and "notes" in out:
            later.append(art)  # a second question's notes
        else:
            out.setdefault(art["kind"], art)
    return cast(TurnArtifacts, out), later  # each artifact sits under its own kind


def _lesson_passages(arts: TurnArtifacts) -> list[dict[str, Any]]:
    """The passages ``search_lesson`` found, as the composer takes them (plain dicts)."""
    return cast(list[dict[str, Any]], arts["passages"]["passages"]) if "passages" in arts else []


def _concept(
    composer: Composer, text: str, passages: list[dict[str, Any]], question: bool, turn: Any
) -> tuple[list[str], list[dict[str, Any]]]:
    """A cited answer; remembers the topic and what was quoted, so "tell me more" goes further.

    "What is X?" for a lesson term opens with its definition; "explain that more simply"
    gets the plain-language answer (``assistant.offline.explain``); a question the lesson
    barely touches is told so, with the closest section and what the lesson does cover.
    """
    state = turn.state if turn is not None else {}
    more = turn is not None and turn.intent == "more"
    simple = simpler_topic(text, state) if wants_simpler(text) else None
    if simple:
        parts, citations = simple_answer(composer, simple)
        if parts or not passages:
            state["topic"] = simple
            return (parts, citations) if parts else ([prompts.CONCEPT_NOTHING], [])
        return _plain_extract(composer, simple, passages, state)
    topic = state.get("topic", text) if more else text
    shown = frozenset(state.get("shown", [])) if more else frozenset()
    if not passages:
        return [prompts.CONCEPT_NOTHING], []
    term = None if more else definition_question(text, lesson_terms().terms)
    if term is not None:
        shown = shown | {term.definition}
    keep = 0 if term is not None else 1
    if term is not None and term.teaching:  # answer from the section that teaches the term
        passages = [lesson_terms().passage(term.teaching), *passages]
    if not more:
        passages = prefer_core(passages, text)
    comp = composer.compose(
        composer.embedder.embed_one(topic),
        prefer_teaching(passages, keep),
        shown,
        term=term.aliases[0] if term is not None else "",
    )
    if not comp.paragraphs:
        return [prompts.MORE_NOTHING if more else prompts.CONCEPT_NOTHING], []
    if turn is not None:
        state["topic"] = topic
        state["shown"] = [*sorted(shown), *comp.sentences][-MAX_SHOWN:]
    parts, citations = list(comp.paragraphs), list(comp.citations)
    if term is not None:
        lead, citation = definition_for(term)
        parts.insert(0, lead)
        citations = [citation, *(c for c in citations if c["section"] != term.section)]
    elif question and not more and not_covered(text, comp.relevance):
        closest = link(lesson_terms(), comp.top_section)
        parts.insert(0, prompts.render(prompts.NOT_COVERED, link=closest))
        parts.append(prompts.NOT_COVERED_SUGGEST)
        return parts, citations
    if any(prompts.GOING_DEEPER in c["section"] for c in citations):
        parts.append(prompts.GOING_DEEPER_NOTE)
    if question:
        parts.append(
            prompts.render(
                prompts.CHECK_QUESTION, question=prompts.check_question(comp.top_section)
            )
        )
    return parts, citations


NOTE_WORDS = 110  # a second note joins the lead only while the answer stays this short
SECOND_FACETS = {  # the facets that best follow a lead, by question type
    "definition": ("why", "how", "example"),
    "why": ("example", "how", "definition"),
    "how": ("example", "why"),
    "example": ("why", "definition"),
    "simpler": ("definition", "example"),
    "compare": ("compare", "definition"),
    "recommendation": ("use", "why"),
    "context": ("definition", "context"),
    "what-if": ("why", "example"),
}


# question types that ask for a form of answer: the note of that facet leads when the
# concept the question names first has one
FORM_TYPES = ("simpler", "example", "context")
FORM_MARGIN = 0.1  # how far below the best note that note may rank and still lead


def _named(note: Note, kind: str) -> str:
    """A note's text fit to open a reply: "It is like ..." names what "it" is."""
    text = note["text"]
    name = note["name"][:1].upper() + note["name"][1:]
    if kind == "simpler" and text.startswith("It is like"):
        return f"In plain words, {note['name']} is like" + text[len("It is like") :]
    if text.startswith("It ") and note["facet"] not in ("misconception", "compare"):
        return f"{name} " + text[len("It ") :]
    return text


_NEGATION = re.compile(r"\b(?:no|not|never|without|none|nothing|cannot|nor)\b|n'?t\b", re.I)
_YES_NO = re.compile(
    r"^\W*(?:is|are|does|do|did|can|could|was|were|will|would|has|have|should|isnt|doesnt|"
    r"dont|cant)\b",
    re.I,
)
_STATEMENT = re.compile(
    r"\b(?:right|correct|true|yeah|yes)\W*$|^\W*(?:so|ok|okay|i think|i thought|basically|"
    r"wait|hmm|then|oh)\b",
    re.I,
)
_NOT_A_CLAIM = re.compile(  # a choice or a request is no claim to confirm or deny
    r"\bvs\.?\b|\bversus\b|\bor\b|\bexamples?\b|^\W*(?:why|what|whats|how|when|where|"
    r"which|who|give|show|tell|explain|dumb|eli5|describe|list|walk)\b",
    re.I,
)


_YES_NO_CLAUSE = re.compile(
    r"\b(?:will|would|does|do|is|can|could)\s+(?:it|that|this|they|the\s+\w+)\b", re.I
)
SAID_NEARLY = 0.8  # similarity at which a question all but states a misconception
PROMOTE_MARGIN = 0.05  # a later sentence must be this much closer to the question to lead
_LEANS_BACK = re.compile(  # "It ...", "Transformers then ...": it needs what came before
    r"^\W*(?:it|its|this|that|these|those|they|them|so|but|and|then|also)\b"
    r"|^\W*\w+\s+(?:then|later|also|too|again|instead)\b",
    re.I,
)


def _answer_first(composer: Composer, question: str, text: str) -> str:
    """``text`` with the sentence that answers ``question`` first, when a later one does so
    clearly better than the opening and stands on its own ("Starting its bias at about 1
    makes a fresh cell begin by remembering." for "why set the forget-gate bias to 1?")."""
    sentences = split_sentences(text)
    if len(sentences) < 2:
        return text
    q = np.asarray(composer.embedder.embed_one(question), dtype=np.float32)
    sims = composer.vectors(sentences) @ q
    best = int(np.argmax(sims))
    if best == 0 or sims[best] < sims[0] + PROMOTE_MARGIN or _LEANS_BACK.match(sentences[best]):
        return text
    return " ".join([sentences[best], *sentences[:best], *sentences[best + 1 :]])


def _comparison_table(rows: list[ComparisonRow]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "/").strip()

    lines = [prompts.COMPARE_TABLE_HEAD, "|---|---|---|"]
    lines += [f"| **{cell(r['name'])}** | {cell(r['what'])} | {cell(r['use'])} |" for r in rows]
    return "\n".join(lines)


def _contrast(notes: list[Note], concepts: list[str]) -> Note | None:
    """The contrast note between the two concepts a comparison names, or, when it names
    one ("aligned vs not aligned?"), that concept's best contrast."""
    if len(concepts) >= 2:
        pair = set(concepts[:2])
        return next(
            (n for n in notes if n["facet"] == "compare" and {n["concept"], n["other"]} == pair),
            None,
        )
    if concepts:
        one = concepts[0]
        return next(
            (n for n in notes if n["facet"] == "compare" and one in (n["concept"], n["other"])),
            None,
        )
    return None


def _is_claim(text: str) -> bool:
    """A statement or yes/no question the learner puts forward, not a request or a choice."""
    return not _NOT_A_CLAIM.search(text) and bool(_YES_NO.search(text) or _STATEMENT.search(text))


def _verdict(text: str, note: Note) -> str:
    """For a claim the learner makes ("so the gru has no cell state right", "does a gru
    have a cell state?") that matched a misconception: "Right: " when the claim is its
    opposite, else "No: " to a question or "Not quite: " to a statement, unless the
    correction already says so. Questions that ask for an explanation, a choice or an
    example get the correction as the answer, with no verdict."""
    if note["facet"] != "misconception" or not note["key"] or not _is_claim(text):
        return ""
    said = re.sub(r"\b(?:right|correct|true)\s*\??\s*$", "", text.strip(), flags=re.I)
    if bool(_NEGATION.search(said)) != bool(_NEGATION.search(note["key"])):
        return prompts.VERDICT_RIGHT
    if re.match(r"\W*(?:no\b|not\b|nope)", note["text"], re.I):
        return ""
    return prompts.VERDICT_NO if _YES_NO.search(text) else prompts.VERDICT_NOT_QUITE


def _repeats(text: str, lead: str, overlap: float = 0.6) -> bool:
    """Whether ``text`` mostly says again what ``lead`` said (share of its content words)."""
    words = {w for w in re.findall(r"[a-z]{4,}", text.lower())}
    said = {w for w in re.findall(r"[a-z]{4,}", lead.lower())}
    return bool(words) and len(words & said) / len(words) >= overlap


def _notes(
    art: NotesResult,
    passages: list[dict[str, Any]],
    text: str,
    turn: Any,
    composer: Composer | None = None,
    later: Sequence[NotesResult] = (),
) -> tuple[list[str], list[Citation]]:
    """An answer led by the teaching note that answers the question, then one note of a
    facet that fits the question type, citing the sections they come from. ``later`` are
    the notes found for the message's later questions: the best one may answer the second."""
    notes, kind, cite = art["notes"], art["type"], art["cite"]
    state = turn.state if turn is not None else {}
    if kind == "not_covered" or not notes:
        if not notes:
            return [prompts.CONCEPT_NOTHING], []
        wanted = art["concepts"][0] if art["concepts"] else None  # the nearest, when known
        near = next(
            (n for n in notes if n["facet"] in ("definition", "beyond")
             and n["concept"] == (wanted or n["concept"])),
            notes[0],
        )  # fmt: skip
        citation = cite.get((near["sections"] or [""])[0])
        return [
            prompts.render(prompts.NOT_COVERED_NOTE, name=near["name"], text=_named(near, kind)),
            prompts.NOT_COVERED_SUGGEST,
        ], [citation] if citation else []
    rephrased = bool(CONFUSED.match(text)) and bool(state.get("topic"))
    if rephrased:  # "hmm" after an answer: what was not shown yet, in plain words first
        notes = [n for n in notes if n["text"] not in state.get("shown", [])] or notes
    lead = notes[0]
    # "dumb it down: weight sharing" asks for a facet, not the correction of a claim
    facet_wanted = kind in ("definition", "simpler", "compare", "recommendation", "context")
    # "if i crank up w_x will it remember longer?" puts a belief forward too
    voiced = _is_claim(text) or (kind == "what-if" and bool(_YES_NO_CLAUSE.search(text)))
    if lead["facet"] == "misconception" and not voiced:
        # a question, not a claim: a correction leads an example (it usually is one), or
        # an explanation when the learner all but said the misconception
        nearly = lead["similarity"] >= SAID_NEARLY
        if not nearly and (facet_wanted or kind != "example"):
            lead = next((n for n in notes if n["facet"] != "misconception"), lead)
    # a misconception the learner voices is corrected first, whatever the type; else a
    # comparison leads with the contrast between what it names
    if kind == "compare" and lead["facet"] != "misconception":
        lead = _contrast(notes, art["concepts"]) or lead
    elif kind in FORM_TYPES and art["concepts"] and lead["facet"] != "misconception":
        # "simplest explanation of X", "one-to-many example?", "who came up with X": the
        # form asked for, about what the question names first, when it ranks near the top
        wanted = next(
            (n for n in notes
             if n["facet"] in TYPE_FACETS[kind] and n["concept"] == art["concepts"][0]),
            None,
        )  # fmt: skip
        if wanted is not None and wanted["score"] >= lead["score"] - FORM_MARGIN:
            lead = wanted
    if composer is not None and lead["facet"] not in ("misconception", "compare"):
        lead = {**lead, "text": _answer_first(composer, text, lead["text"])}
    parts = [_verdict(text, lead) + _named(lead, kind)]
    if rephrased:
        parts[0] = prompts.REPHRASE + parts[0]
    if art["table"]:  # three or more concepts side by side
        parts.append(_comparison_table(art["table"]))
    order = SECOND_FACETS.get(kind, ())
    if lead["facet"] not in TYPE_FACETS.get(kind, (lead["facet"],)):
        order = (*TYPE_FACETS[kind], *order)  # the lead answered another way: add the type's
    named = art["concepts"] or [lead["concept"]]
    # the question's own subject, or the first concept it names that the lead left out
    # ("lstm and gru same param count?": the contrast, then the parameter count)
    uncovered = [c for c in named if c not in (lead["concept"], lead["other"])]
    asked = uncovered[0] if uncovered and kind == "compare" else named[0]
    then = [  # the second question of the message, answered by its own best note
        n for extra in later for n in extra["notes"][:3]
        if n["text"] != lead["text"] and not _repeats(n["text"], lead["text"])
    ][:1]  # fmt: skip
    if then:
        cite = {**cite, **{k: v for x in later for k, v in x["cite"].items()}}
    if art["table"]:
        rest = []  # the table is the rest of the answer
    elif then:
        rest = then
    else:
        rest = sorted(  # a facet that fits the question first, from its own subject if it can
            (n for n in notes
             if n["text"] != lead["text"] and not _repeats(n["text"], lead["text"])
             and n["concept"] in (asked, lead["concept"])
             and n["facet"] != lead["facet"] and n["facet"] != "misconception"),
            key=lambda n: (
                n["facet"] not in order,
                n["concept"] != asked,
                order.index(n["facet"]) if n["facet"] in order else len(order),
            ),
        )  # fmt: skip
    if rest and (then or len((lead["text"] + " " + rest[0]["text"]).split()) <= NOTE_WORDS):
        parts.append(rest[0]["text"])
        used = [lead, rest[0]]
    else:
        used = [lead]
    titles = list(dict.fromkeys(t for n in used for t in n["sections"][:1]))
    citations = [c for t in titles if (c := cite.get(t))][:2]
    if turn is not None:
        if not rephrased:
            state["topic"] = text
        shown_notes = [n["text"] for n in used]  # raw, as the next turn's notes come
        state["shown"] = [*state.get("shown", []), *parts, *shown_notes][-MAX_SHOWN:]
    section = citations[0]["section"] if citations else (passages[0]["section"] if passages else "")
    if any(prompts.GOING_DEEPER in c["section"] for c in citations):
        parts.append(prompts.GOING_DEEPER_NOTE)
    parts.append(prompts.render(prompts.CHECK_QUESTION, question=prompts.check_question(section)))
    return parts, citations


def _plain_extract(
    composer: Composer, topic: str, passages: list[dict[str, Any]], state: dict[str, Any]
) -> tuple[list[str], list[dict[str, Any]]]:
    """A plain answer when the lesson has no definition, card or analogy for the topic: its
    own sentences on the topic, leaving out every sentence with math."""
    math = frozenset(s for p in passages for s in split_sentences(p["text"]) if "$" in s)
    comp = composer.compose(composer.embedder.embed_one(topic), prefer_teaching(passages, 0), math)
    if not comp.paragraphs:
        return [prompts.CONCEPT_NOTHING], []
    state["topic"] = topic
    return [prompts.SIMPLER_INTRO, *comp.paragraphs, prompts.SIMPLER_OUTRO], comp.citations


def _fade(art: FadeResult) -> list[str]:
    """The lab's fade comparison, short: its table and the half-lives read off it (the
    report's whole paragraph is for the lab page and the LLM brain)."""
    lines = art["summary_md"].strip().splitlines()
    table = "\n".join(line for line in lines if line.startswith("|"))
    parts = [prompts.render(prompts.WHY_FORGET_DEMO, table=table or art["summary_md"].strip())]
    halves = half_lives(art["report"])
    if "rnn" in halves and "lstm" in halves:
        parts.append(
            prompts.render(
                prompts.WHY_FORGET_HALF_LIFE, rnn_half=halves["rnn"], lstm_half=halves["lstm"]
            )
        )
    return parts


def half_lives(report: dict[str, Any]) -> dict[str, Any]:
    """Cell name -> memory half-life (steps) from a ``FadeReport.to_dict()``, where present."""
    out: dict[str, Any] = {}
    cells = report.get("cells") or report.get("curves") or {}
    if isinstance(cells, list):
        cells = {c.get("cell", c.get("name", str(i))): c for i, c in enumerate(cells)}
    for name, data in cells.items() if isinstance(cells, dict) else []:
        if isinstance(data, dict):
            value = data.get("half_life", data.get("half_life_step"))
            out[name] = value if value is not None else "more than the whole sequence"
    return out


def _trace(art: TraceResult, text: str = "", turn: Any = None) -> list[str]:
    """A worked trace: what a follow-up kept, the settings (and the gates' teaching values),
    the worked steps and the table, then what the memory does once the input is 0, computed
    from the numbers; the trace's settings are remembered for the next follow-up."""
    trace, body, args = art["trace"], art["body"], art["args"]
    state = turn.state if turn is not None else {}
    parts: list[str] = []
    followed = False
    request = trace_request(text, state.get("trace"))
    if request.followup:
        parts.append(_followup_note(request, args))
        followed = True
    state["trace"] = args
    weights = body.get("weights")
    if weights and args.get("input_weight") is not None:
        wx, wh, b = args["input_weight"], args["recurrent_weight"], args["bias"]
        weights_text = f"$W_{{xh}} = {wx:g}$, $W_{{hh}} = {wh:g}$, $b = {b:g}$"
        if trace["cell"] != "rnn":
            template = (
                prompts.TRACE_SAME_GATE_WEIGHTS
                if args.get("gates") == "same"
                else prompts.TRACE_CANDIDATE_WEIGHTS[trace["cell"]]
            )
            weights_text = prompts.render(template, weights=weights_text)
    elif weights:
        wx, wh, b = weights["weight_ih"][0][0], weights["weight_hh"][0][0], weights["bias_ih"][0]
        weights_text = f"$W_{{xh}} = {wx:g}$, $W_{{hh}} = {wh:g}$, $b = {b:g}$"
    else:
        weights_text = f"random PyTorch-style weights (seed {body.get('seed')})"
    inputs = ", ".join(
        f"{s['x'][0]:g}" if len(s["x"]) == 1 else str(s["x"]) for s in trace["steps"]
    )
    parts.append(
        prompts.render(
            prompts.TRACE_INTRO,
            cell=trace["cell"].upper(),
            hidden=trace["hidden_size"],
            inputs=f"$x = [{inputs}]$",
            weights_text=weights_text,
            h0=f"{args.get('h0') or 0:g}",
        )
    )
    parts.append(_gates_note(art))
    parts.append(art["worked_md"].strip())
    parts.append(prompts.render(prompts.TRACE_TABLE, table=art["table_md"].strip()))
    asked = _asked_values(text, trace)
    steps = trace.get("steps") or []
    if (
        not asked
        and not followed
        and re.search(r"\d", text or "")
        and steps
        and len(steps[-1]["h"]) == 1
    ):
        # the learner's own numbers: the result they are after comes first
        asked = prompts.render(
            prompts.TRACE_ASKED, values=f"h_{len(steps)} = **{num(steps[-1]['h'][0])}**"
        )
    behaviour = WHAT_IF.search(text or "") or _ASKS_BEHAVIOUR.search(text or "")
    if asked and not behaviour:  # "whats h3?": the number asked for first
        parts.insert(0, asked)
    trend = trend_sentence(art["trend"], trace.get("nonlinearity") or "tanh")
    if behaviour:  # "what if ...", "does it stay negative?": answered first, then shown
        parts.insert(0, trend)
        saturated = _saturated_step(trace)
        if saturated:
            parts.insert(0, saturated)
        if _mirrored(trace, args):
            parts.insert(1, prompts.TRACE_MIRROR)
    else:
        parts.append(trend)
    parts.append(_faster_note(art))
    return parts


SATURATED = 0.995  # |h| from which tanh is flat: the input step can push it no further


def _mirrored(trace: dict[str, Any], args: dict[str, Any]) -> bool:
    """A plain tanh RNN without bias fed only negative inputs: every h is negative."""
    steps = trace.get("steps") or []
    xs = [x for s in steps for x in s["x"] if x != 0]
    if trace.get("cell") != "rnn" or args.get("bias") or not xs or max(xs) >= 0:
        return False
    return (trace.get("nonlinearity") or "tanh") == "tanh" and all(
        v < 0 for s in steps for v in s["h"]
    )


def _saturated_step(trace: dict[str, Any]) -> str:
    """A sentence for a tanh RNN whose first input step saturates (|h| near 1), else ""."""
    steps = trace.get("steps") or []
    if trace.get("cell") != "rnn" or (trace.get("nonlinearity") or "tanh") != "tanh":
        return ""
    for t, step in enumerate(steps, 1):
        if len(step["h"]) == 1 and step["x"] and step["x"][0] != 0:
            h, a = step["h"][0], (step.get("pre") or step.get("a") or [None])[0]
            if abs(h) < SATURATED or a is None:
                return ""
            return prompts.render(prompts.TRACE_SATURATED_INPUT, step=t, a=num(a), h=num(h))
    return ""


# a question about what the memory does, not about one value: the trend answers it
_ASKS_BEHAVIOUR = re.compile(
    r"\b(?:does|do|will|would)\s+(?:the\s+)?(?:memory|it|h|state|hidden state)\b"
    r"|\b(?:grow|shrink|fade|explod|blow|vanish|forever|stay|flip|saturat)\w*",
    re.I,
)
_ASKED_H = re.compile(r"\bh_?\{?(\d+)\}?(?!\s*(?:=|is|was)\s*[-+]?\d)", re.I)
_ASKED_STEP = re.compile(
    r"\b(?:value|h|memory|state)\s+(?:at|after|for)\s+(?:step\s+(\d+)|(\d+)\s+steps?\b)", re.I
)


def _asked_values(text: str, trace: dict[str, Any]) -> str:
    """ "h_1 = 0.7616, h_3 = **0.1797**" for the steps a message asks about (h3, "value at
    step 8"), read off the trace; empty when it asks for none (or for h0)."""
    steps = trace.get("steps") or []
    asked = [int(k) for k in _ASKED_H.findall(text or "")] + [
        int(a or b) for a, b in _ASKED_STEP.findall(text or "")
    ]
    asked = sorted({k for k in asked if 1 <= k <= len(steps)})
    if not asked or len(steps[0]["h"]) != 1:
        return ""
    values = [f"h_{k} = {num(steps[k - 1]['h'][0])}" for k in asked]
    values[-1] = values[-1].replace(" = ", " = **", 1) + "**"
    return prompts.render(prompts.TRACE_ASKED, values=", ".join(values))


def _join(items: list[str]) -> str:
    """Join with commas and a final "and": a / a and b / a, b and c."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _setting(key: str, args: dict[str, Any]) -> str:
    """One trace setting as a learner would say it ("recurrent weight 0.9", "an LSTM")."""
    names = prompts.TRACE_SETTINGS
    value: Any = args.get(key)  # the settings' values differ in type by key
    if key == "cell":
        return prompts.TRACE_CELL_NAMES[value]
    if key == "inputs":
        return prompts.render(names["inputs"], v=", ".join(f"{x:g}" for x in value))
    if key in ("gates", "nonlinearity"):
        return names[f"{key}_{value}"]
    if key == "gate_bias":
        return _join(
            [
                prompts.render(names["gate_bias"], v=prompts.TRACE_GATE_NAMES[g], b=_n(b))
                for g, b in sorted(value.items())
            ]
            or [names["gates_teaching"]]
        )
    return prompts.render(names[key], v=f"{value:g}")


def _followup_note(request: Any, args: dict[str, Any]) -> str:
    """What a follow-up kept and changed, e.g. "Same inputs 2, 0, 1 and weights as before,
    now with an LSTM." """
    kept = [_setting("inputs", args)] if "inputs" in request.kept else []
    weights = [k for k in ("input_weight", "recurrent_weight") if k in request.kept]
    if args.get("input_weight") is None and "seed" in request.kept:
        kept.append(_setting("seed", args))
    elif len(weights) == 2:
        kept.append(prompts.TRACE_KEPT_WEIGHTS)
    elif weights:
        kept.append(_setting(weights[0], args))
    if args.get("hidden_size", 1) > 1 and "hidden_size" in request.kept:
        kept.append(_setting("hidden_size", args))
    skip = {"seed"} if args.get("input_weight") is not None else set()
    changed = [_setting(k, args) for k in request.changed if k not in skip]
    if not kept:
        kept = [prompts.TRACE_CELL_NAMES[args["cell"]]]
    if not changed:
        return prompts.render(prompts.TRACE_FOLLOWUP_AGAIN, kept=_join(kept))
    note = prompts.render(prompts.TRACE_FOLLOWUP, kept=_join(kept), changed=_join(changed))
    if "cell" not in request.changed:
        still = prompts.render(prompts.TRACE_STILL, cell=prompts.TRACE_CELL_NAMES[args["cell"]])
        note = note[:-1] + still + "."
    return note


def _n(v: float) -> str:
    """A short number with a real minus sign: 2, −5, 0.5."""
    return f"{v:g}".replace("-", "−")


def _sigmoid(a: float) -> float:
    return 0.5 * (1.0 + math.tanh(0.5 * a))


def _gates_note(art: TraceResult) -> str:
    """The gates' settings of an LSTM or GRU trace with scalar weights, and what they do."""
    settings, args = art.get("gate_settings"), art["args"]
    if not settings:
        return ""
    if args.get("gates") == "same":
        return prompts.render(prompts.TRACE_GATES_SAME)
    cell = args["cell"]
    phrases = []
    for g, (w_in, _, b) in settings.items():
        if g == CANDIDATE[cell]:
            continue
        name = prompts.TRACE_GATE_NAMES[g]
        if w_in == 0:
            phrases.append(
                prompts.render(prompts.TRACE_GATE_BIAS, name=name, g=g, b=_n(b), v=_sigmoid(b))
            )
        else:
            expr = f"{_n(w_in)}x" + (f" {'−' if b < 0 else '+'} {_n(abs(b))}" if b else "")
            on, off = _sigmoid(w_in + b), _sigmoid(b)
            phrases.append(
                prompts.render(prompts.TRACE_GATE_INPUT, name=name, g=g, expr=expr, on=on, off=off)
            )
    how = prompts.TRACE_GATES_HOW["mixed" if args.get("gate_bias") else "teaching"]
    roles = prompts.render(prompts.TRACE_GATE_ROLES[cell])
    return prompts.render(prompts.TRACE_GATES, how=how, gates="; ".join(phrases), roles=roles)


def _path(values: list[float]) -> str:
    """h along the quiet stretch: "0.4621 → 0.3537 → 0.2757" (long ones shortened)."""
    shown = [num(v) for v in values]
    if len(shown) > 6:
        shown = [*shown[:3], "…", *shown[-2:]]
    return " → ".join(shown)


def _when(quiet: list[int]) -> str:
    if len(quiet) == 1:
        return prompts.render(prompts.TRACE_WHEN_ONE, step=quiet[0])
    if quiet == list(range(quiet[0], quiet[-1] + 1)):
        return prompts.render(prompts.TRACE_WHEN_RUN, first=quiet[0], last=quiet[-1])
    return prompts.render(prompts.TRACE_WHEN_SOME, steps=", ".join(map(str, quiet)))


def _gate_values(trend: dict[str, Any]) -> dict[str, Any]:
    gate = trend.get("keep_gate")
    if gate is None or trend.get("keep_gate_mean") is None:
        return {}
    g = trend["keep_gate_mean"]
    name = prompts.TRACE_GATE_NAMES[gate]
    return {"gate": gate, "gate_name": name, "g": g, "gpct": round(100 * g)}


def trend_sentence(trend: dict[str, Any], nonlinearity: str = "tanh") -> str:
    """What the memory does once the input is 0 (a ``tools.memory_trend.MemoryTrend`` as a
    dict), in one sentence computed from the trace's numbers."""
    kind, w = trend["kind"], trend.get("recurrent_weight")
    templates = prompts.TRACE_TREND
    if kind == "silent":
        return templates["silent"]
    if kind == "driven" and trend["steps"] == 1:
        return templates["single"]
    if kind == "driven":
        return prompts.render(
            templates["driven"],
            first=num(trend["first"]),
            last=num(trend["last"]),
            steps=trend["steps"],
        )
    rnn = trend["cell"] == "rnn"
    if rnn and w == 0 and kind in ("fades", "steady", "settles"):
        return prompts.render(templates["erased"], when=_when(trend["quiet_steps"]))
    gate = _gate_values(trend)
    keep = trend["keep"]
    level = trend.get("level")
    values = {
        "when": _when(trend["quiet_steps"]),
        "per": prompts.TRACE_PER_STEP if len(trend["quiet_steps"]) > 1 else "",
        "path": _path(trend["path"]),
        "pct": round(100 * keep),
        "level": f"{level:.2f}" if level is not None else "",
        "reason": "",
    }
    if kind == "fades":
        reasons = prompts.TRACE_FADE_REASONS
        if rnn and w is not None and 0 <= w < 1:
            reason = prompts.render(reasons["rnn"], w=w)
        elif rnn and w is not None and w >= 1:
            reason = prompts.render(reasons["rnn_one"], w=w)
        elif gate:
            reason = prompts.render(reasons["keep" if gate["g"] >= 0.7 else "leak"], **gate)
        else:
            reason = reasons["plain"]
        values["reason"] = reason
    elif kind == "settles":
        if rnn and trend.get("bias"):
            values["reason"] = prompts.render(prompts.TRACE_SETTLE_REASON, b=trend["bias"])
    elif kind == "grows":
        if level is None:
            values["cap"] = prompts.TRACE_GROW_UNBOUNDED
        else:
            cap = prompts.TRACE_GROW_CAP if trend["level_reached"] else prompts.TRACE_GROW_CAP_LATER
            values["cap"] = prompts.render(cap, level=values["level"])
        if rnn and w is not None and w > 1:
            values["reason"] = {
                "relu": prompts.TRACE_GROW_REASON_RELU,
                "linear": prompts.TRACE_GROW_REASON_LINEAR,
            }.get(nonlinearity, prompts.TRACE_GROW_REASON)
    elif kind == "flips":
        size = trend["size"]
        amount = round(100 * (keep - 1)) if size == "grows" else values["pct"]
        peak = abs(level) if level is not None else max(abs(v) for v in trend["path"])
        values["size"] = prompts.render(
            prompts.TRACE_FLIP_SIZE[size], pct=amount, level=f"{peak:.2f}"
        )
        if rnn and w is not None and w < 0:
            values["reason"] = prompts.TRACE_FLIP_REASON[size]
    elif kind == "saturates":
        if level is None:
            values["level"] = f"{trend['path'][-1]:.2f}"
    elif kind == "steady":
        values["near"] = (
            prompts.render(prompts.TRACE_STEADY_NEAR, level=values["level"])
            if level is not None
            else ""
        )
        if gate:
            values["reason"] = prompts.render(prompts.TRACE_STEADY_REASON, **gate)
        elif rnn and trend.get("bias") and level is not None:
            values["reason"] = prompts.render(prompts.TRACE_SETTLE_REASON, b=trend["bias"])
    return prompts.render(templates[kind], **values)


def _faster_note(art: TraceResult) -> str:
    """Why a gated cell forgets faster than the plain RNN with the same weights, when it
    does (the learner's own gate settings): the keep gate's value, and how to fix it."""
    trend, plain = art["trend"], art.get("baseline") or {}
    keep, plain_keep = trend.get("keep"), plain.get("keep")
    if keep is None or plain_keep is None or plain_keep > 1 + TOL or keep >= plain_keep - 0.01:
        return ""
    gate = _gate_values(trend)
    if not gate or gate["g"] >= 0.75:
        return ""  # the keep gate is not the cause
    cell = trend["cell"]
    return prompts.render(
        prompts.TRACE_GATED_FASTER,
        cell=cell.upper(),
        pct=round(100 * keep),
        rnn_pct=round(100 * plain_keep),
        advice=prompts.TRACE_GATED_ADVICE[cell],
        **gate,
    )


def _calculated(art: PowerResult, text: str) -> list[str]:
    """A calculator's answer, plus which sizes were the lesson's when the message gave none
    (a difference of two layers' counts, the biases alone)."""
    requests = {"parameter_difference": difference_request, "bias_count": bias_request}
    request = requests.get(art["calculator"]) if "calculator" in art else None
    defaults = ((request(text) if request else None) or {}).get("defaults") or []
    if not defaults:
        return [art["text"]]
    sizes: dict[str, Any] = {}
    if "first" in art:  # a difference: both layers have the sizes of the first
        sizes = art["first"]
    elif "hidden_size" in art:  # the biases alone
        sizes = {"hidden_size": art["hidden_size"]}
    assumed = " and ".join(
        f"input size of {sizes['input_size']}" if name == "input_size"
        else f"hidden size of {sizes['hidden_size']}"
        for name in defaults
        if sizes.get(name) is not None
    )  # fmt: skip
    return [art["text"], prompts.render(prompts.PARAMS_DEFAULTS, assumed=assumed)]


def _params(art: ParamsResult, text: str) -> list[str]:
    """The count (the tool's text), plus which sizes were the lesson's when none were given."""
    parts = [art["text"]]
    asked = parameter_request(text) or {}
    defaults = asked.get("defaults") or []
    if defaults:
        count = art["count"]
        assumed = " and ".join(
            f"input size of {count['input_size']}" if name == "input_size"
            else f"hidden size of {count['hidden_size']}"
            for name in defaults
        )  # fmt: skip
        parts.append(prompts.render(prompts.PARAMS_DEFAULTS, assumed=assumed))
    parts.append(prompts.GOING_DEEPER_NOTE)  # parameter counts are taught in Going deeper
    return parts


def _power_section(art: PowerResult) -> str | None:
    """The lesson section that teaches a calculator's sum (None: no section to cite)."""
    if "threshold" in art:
        return "Gradient clipping"
    if "section" in art:
        return art["section"]
    return None  # repeated_factor names no section


def params_citation() -> list[dict[str, Any]]:
    """Parameter counts are taught in Going deeper's PyTorch section."""
    citation = lesson_terms().opening_citation("> PyTorch shapes and parameter counts")
    return [citation] if citation else []


def compose_reply(
    composer: Composer, text: str, results: list[ToolMessage], turn: Any, listener: Any = None
) -> tuple[str, Sequence[Mapping[str, Any]]]:
    """The final Markdown reply and its citations for one turn's tool results. With a
    ``listener`` (``assistant.listening.tools.Listener``) the check question is one of the
    teaching model's questions, held open for the learner's answer."""
    reply, citations = _compose(composer, text, results, turn)
    if listener is not None and turn is not None:
        arts, _ = _artifacts(results)
        named = list((arts.get("notes") or {}).get("concepts") or [])
        sections = [str(c.get("section", "")) for c in citations]
        reply = pose_check(listener, reply, named, sections, turn.state)
    return reply, citations


_CHECK_LINE = re.compile(re.escape(prompts.CHECK_QUESTION.split("{")[0]) + r"(.*)$", re.M)


def pose_check(
    listener: Any, reply: str, named: list[str], sections: list[str], state: dict[str, Any]
) -> str:
    """Swap the reply's check question for a teaching-model question about the concept the
    reply is about (named, else taught in its first cited section), one not asked before,
    and hold it open; without such a concept the section's question stays, not held."""
    from assistant.listening.dialogue import open_state
    from assistant.listening.tools import ASKED_KEPT

    found = _CHECK_LINE.search(reply)
    if found is None:
        return reply
    by_id = {c.id: c for c in listener.concepts}
    candidates = [by_id[c] for c in named if c in by_id]
    for section in sections:
        title = section.split(">")[-1].strip().lower()
        candidates += [c for c in listener.concepts
                       if c.sections and c.sections[0].strip().lower() == title]  # fmt: skip
    asked = set(state.get("asked") or [])
    said = reply.lower()
    for concept in candidates:
        question = next(  # not asked before, and not one the reply has just answered
            (q for q in concept.questions
             if q.ask not in asked and not (q.expected and q.expected[0].lower() in said)),
            None,
        )  # fmt: skip
        if question is not None:
            from assistant.listening.assessor import OpenQuestion

            held = OpenQuestion(concept.id, question.ask, question.expected, question.hints)
            state["question"] = open_state(held, "check")
            state["asked"] = [*asked, question.ask][-ASKED_KEPT:]
            line = prompts.render(prompts.CHECK_QUESTION, question=question.ask)
            return reply[: found.start()] + line + reply[found.end() :]
    return reply


def _compose(
    composer: Composer, text: str, results: list[ToolMessage], turn: Any
) -> tuple[str, Sequence[Mapping[str, Any]]]:
    arts, later = _artifacts(results)
    passages = _lesson_passages(arts)
    parts: list[str] = []
    citations: Sequence[Mapping[str, Any]] = []
    if "error" in arts:
        parts.append(prompts.render(prompts.TOOL_ERROR, message=arts["error"]["message"]))
    if "fade" in arts:
        if "passages" in arts:  # the answer first, then the lab's numbers
            concept, citations = _concept(composer, text, passages, question=False, turn=turn)
            parts.extend(concept[:1])
            citations = citations[:1]
        parts.extend(_fade(arts["fade"]))
        parts.append(
            prompts.render(
                prompts.CHECK_QUESTION, question=prompts.CHECK_QUESTIONS["where memory fades"]
            )
        )
    elif "notes" in arts:
        concept, citations = _notes(arts["notes"], passages, text, turn, composer, later)
        parts.extend(concept)
    elif "passages" in arts:
        concept, citations = _concept(composer, text, passages, question=True, turn=turn)
        parts.extend(concept)
    if "trace" in arts:
        parts.extend(_trace(arts["trace"], text, turn))
        citations = [*citations, *trace_citation()]
    if "power" in arts:
        parts.extend(_calculated(arts["power"], text))
        section = _power_section(arts["power"])
        found = lesson_terms().opening_citation("> " + section) if section else None
        citations = [*citations, *([found] if found else [])]  # where the sum is taught
    if "params" in arts:
        parts.extend(_params(arts["params"], text))
        citations = [*citations, *params_citation()]
    for done in (arts.get("exercise"), arts.get("flashcard"), arts.get("progress"),
                 arts.get("assessment"), arts.get("question")):  # fmt: skip
        if done is not None:  # practice tools return finished prose
            parts.append(done["text"])
    return "\n\n".join(p for p in parts if p), citations
