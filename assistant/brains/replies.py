"""Writing the offline brain's final reply from the tool results of one turn.

Each tool artifact kind has one writer: lesson passages become a cited extractive answer
ending with a check-your-understanding question; a fade report becomes the "why RNNs
forget" demonstration; a trace becomes worked steps plus a table; exercise, flashcard and
progress tools already return finished prose. Every template comes from
``assistant.prompts``.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import ToolMessage

from assistant import prompts
from assistant.brains.explain import (
    definition_for,
    link,
    not_covered,
    simple_answer,
    simpler_topic,
    trace_citation,
    wants_simpler,
)
from assistant.compose import Composer, prefer_core, prefer_teaching
from assistant.compute import parameter_request
from assistant.lesson_terms import definition_question, lesson_terms
from assistant.sentences import split_sentences

MAX_SHOWN = 24  # sentences remembered per topic for "tell me more"


def _artifacts(results: list[ToolMessage]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for m in results:
        art = m.artifact if isinstance(m.artifact, dict) else None
        if art is None:
            out.setdefault("error", {"kind": "error", "message": str(m.content)})
        else:
            out.setdefault(art.get("kind", "error"), art)
    return out


def _concept(
    composer: Composer, text: str, passages: list[dict[str, Any]], question: bool, turn: Any
) -> tuple[list[str], list[dict]]:
    """A cited answer; remembers the topic and what was quoted, so "tell me more" goes further.

    "What is X?" for a lesson term opens with its definition; "explain that more simply"
    gets the plain-language answer (``assistant.brains.explain``); a question the lesson
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


def _plain_extract(
    composer: Composer, topic: str, passages: list[dict[str, Any]], state: dict[str, Any]
) -> tuple[list[str], list[dict]]:
    """A plain answer when the lesson has no definition, card or analogy for the topic: its
    own sentences on the topic, leaving out every sentence with math."""
    math = frozenset(s for p in passages for s in split_sentences(p["text"]) if "$" in s)
    comp = composer.compose(composer.embedder.embed_one(topic), prefer_teaching(passages, 0), math)
    if not comp.paragraphs:
        return [prompts.CONCEPT_NOTHING], []
    state["topic"] = topic
    return [prompts.SIMPLER_INTRO, *comp.paragraphs, prompts.SIMPLER_OUTRO], comp.citations


def _fade(art: dict[str, Any]) -> list[str]:
    parts = [prompts.render(prompts.WHY_FORGET_DEMO, summary=art["summary_md"].strip())]
    report = art.get("report") or {}
    halves = half_lives(report)
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


def _trace(art: dict[str, Any]) -> list[str]:
    trace = art["trace"]
    body = art.get("body") or {}
    weights = body.get("weights")
    if weights and len(weights["weight_ih"]) >= 1:
        wx, wh, b = weights["weight_ih"][0][0], weights["weight_hh"][0][0], weights["bias_ih"][0]
        weights_text = f"$W_{{xh}} = {wx:g}$, $W_{{hh}} = {wh:g}$, $b = {b:g}$"
    else:
        weights_text = f"random PyTorch-style weights (seed {body.get('seed')})"
    inputs = ", ".join(
        f"{s['x'][0]:g}" if len(s["x"]) == 1 else str(s["x"]) for s in trace["steps"]
    )
    parts = [
        prompts.render(
            prompts.TRACE_INTRO,
            cell=trace["cell"].upper(),
            hidden=trace["hidden_size"],
            inputs=f"$x = [{inputs}]$",
            weights_text=weights_text,
        ),
        art["worked_md"].strip(),
        prompts.render(prompts.TRACE_TABLE, table=art["table_md"].strip()),
    ]
    if trace["cell"] == "rnn" and all(v == 0 for s in trace["steps"][1:] for v in s["x"]):
        parts.append(prompts.TRACE_OUTRO)
    return parts


def _params(art: dict[str, Any], text: str) -> list[str]:
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


def params_citation() -> list[dict[str, Any]]:
    """Parameter counts are taught in Going deeper's PyTorch section."""
    terms = lesson_terms()
    section = terms.section("> PyTorch shapes and parameter counts")
    if section is None:
        return []
    text = terms.sections.get(section, "")
    return [terms.citation(section, text.split("\n\n", 1)[0].strip() or section)]


def compose_reply(
    composer: Composer, text: str, results: list[ToolMessage], turn: Any
) -> tuple[str, list[dict]]:
    """The final Markdown reply and its citations for one turn's tool results."""
    arts = _artifacts(results)
    parts: list[str] = []
    citations: list[dict] = []
    if "error" in arts:
        parts.append(prompts.render(prompts.TOOL_ERROR, message=arts["error"].get("message", "")))
    if "fade" in arts:
        parts.append(prompts.WHY_FORGET_INTRO)
        if "passages" in arts:
            concept, citations = _concept(
                composer, text, arts["passages"]["passages"], question=False, turn=turn
            )
            parts.extend(concept)
        parts.extend(_fade(arts["fade"]))
        parts.append(
            prompts.render(
                prompts.CHECK_QUESTION, question=prompts.CHECK_QUESTIONS["where memory fades"]
            )
        )
    elif "passages" in arts:
        concept, citations = _concept(
            composer, text, arts["passages"]["passages"], question=True, turn=turn
        )
        parts.extend(concept)
    if "trace" in arts:
        parts.extend(_trace(arts["trace"]))
        citations = [*citations, *trace_citation()]
    if "params" in arts:
        parts.extend(_params(arts["params"], text))
        citations = [*citations, *params_citation()]
    for kind in ("exercise", "flashcard", "progress"):
        if kind in arts:
            parts.append(arts[kind]["text"])
    return "\n\n".join(p for p in parts if p), citations
