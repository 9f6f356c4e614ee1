"""The open question a session holds, and the tutor's next move on the learner's answer.

The open question lives in the session state as ``state["question"]``: its concept, text
and kind (``check``: the question ending an answer; ``quiz``: a conceptual practice
question), the expected points covered so far (answers build up over turns), the moves
made on it (``tries``), the hints given, and whether the fill-in prompt was used.

``respond(question, open_state, assessment)`` picks the move of TEACHING.md's table:
feedback first and specific; for a partial or wrong answer a hint aimed at one missing
point, then a fill-in prompt, then an assertion (never more than three moves on a
question); a misconception is corrected at once, with its reason, and the question asked
again; "just tell me" gets the full answer; a correct answer gets a one-line summary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from assistant import prompts
from assistant.listening.assessor import STOPWORDS, Assessment, OpenQuestion

MAX_MOVES = 3  # then the tutor states the answer and moves on
# "just tell me", "what's the answer", "show me the answer": the full answer now
TELL_ME = re.compile(
    r"^\W*(?:(?:ok|okay|pls|please|can you|could you|just|nah|no)\W+)*"
    r"(?:tell me(?: the answer)?|(?:show|give) me the answer|what(?:'s| is) the answer|"
    r"answer it|spoil it|reveal(?: it| the answer)?|i give up|give up|whats the answer|"
    r"what(?:'?s| is) it|the answer(?: pls| please)?)\W*(?:pls|please)?\W*$",
    re.I,
)


# "hmm", "i don't get it", "hint": no answer yet, a hint is the move
REACTION = re.compile(
    r"^\W*(?:h+m+|huh|eh|um+|uh+|what\?*|i (?:don'?t|do not|dont) (?:get|understand|follow)"
    r"(?: (?:it|that|this|the question))?|(?:i'?m |im )?(?:confused|lost|stuck)|not sure i "
    r"(?:get|follow)(?: (?:it|that))?|what do (?:you|u) mean|come again|wait what|"
    r"(?:(?:a|another|give me a|can i (?:get|have) a)\s+)?hint(?: please| pls)?)\W*$",
    re.I,
)


@dataclass(frozen=True)
class Move:
    name: str  # confirm, credit_hint, prompt, assert, correct_misconception, hint, tell, redirect
    text: str
    closed: bool  # the question is done (answered, told or asserted)


def open_state(question: OpenQuestion, kind: str) -> dict[str, Any]:
    """A new ``state["question"]`` for ``question``."""
    return {"concept": question.concept, "ask": question.ask, "kind": kind, "covered": [],
            "tries": 0, "hints": 0, "prompted": False, "off": 0}  # fmt: skip


def _point(text: str) -> str:
    return text.rstrip(". ")


def _join(points: list[str]) -> str:
    if len(points) <= 1:
        return "".join(points)
    return "; ".join(points[:-1]) + "; and " + points[-1]


def fill_in(point: str) -> str:
    """The point with its last content word blanked: "... more steps, not more ___"."""
    words = point.rstrip(". ").split()
    for i in range(len(words) - 1, -1, -1):
        bare = re.sub(r"\W", "", words[i]).lower()
        if len(bare) >= 4 and bare not in STOPWORDS:
            return " ".join([*words[:i], "___", *words[i + 1 :]])
    return " ".join([*words[:-1], "___"])


def summary(question: OpenQuestion) -> str:
    return prompts.render(
        prompts.LISTEN_SUMMARY, points=_join([_point(p) for p in question.expected])
    )


def _hint(question: OpenQuestion, st: dict[str, Any], missing: list[int]) -> str:
    """The next hint: the question's hints in order, then a pointer at a missing point."""
    n = st["hints"]
    st["hints"] = n + 1
    if n < len(question.hints):
        return question.hints[n]
    point = question.expected[missing[0]] if missing else question.expected[0]
    return prompts.render(prompts.LISTEN_PROMPT, blank=fill_in(point))


def _ladder(question: OpenQuestion, st: dict[str, Any], missing: list[int]) -> Move:
    """Hint, then prompt, then assertion: the move after an answer that is not there yet."""
    if st["tries"] >= MAX_MOVES:
        return tell(question, st, asserted=True)
    if st["tries"] >= 2 and not st["prompted"] and missing:
        st["prompted"] = True
        blank = fill_in(question.expected[missing[0]])
        return Move("prompt", prompts.render(prompts.LISTEN_PROMPT, blank=blank), False)
    return Move(
        "hint", prompts.render(prompts.LISTEN_HINT, hint=_hint(question, st, missing)), False
    )


def tell(question: OpenQuestion, st: dict[str, Any], asserted: bool = False) -> Move:
    """The full answer: every expected point not yet said, then the summary."""
    covered = set(st.get("covered") or [])
    rest = [_point(p) for i, p in enumerate(question.expected) if i not in covered]
    lead = prompts.LISTEN_ASSERT if asserted else prompts.LISTEN_TELL
    text = prompts.render(lead, points=_join(rest or [_point(p) for p in question.expected]))
    if len(rest) < len(question.expected):  # the summary adds what the learner had said
        text = f"{text}\n\n{summary(question)}"
    return Move("assert" if asserted else "tell", text, True)


def respond(question: OpenQuestion, st: dict[str, Any], a: Assessment) -> Move:
    """The tutor's move on assessment ``a`` of an answer to ``question`` (state ``st``)."""
    credited = a.covered if a.label in ("correct", "partial") else ()  # nothing false in them
    covered = sorted(set(st.get("covered") or []) | set(credited))
    st["covered"] = covered
    missing = [i for i in range(len(question.expected)) if i not in covered]
    if a.label == "off_topic":
        st["off"] = st.get("off", 0) + 1
        return Move("redirect", prompts.render(prompts.LISTEN_OFF_TOPIC, ask=question.ask),
                    st["off"] >= 2)  # fmt: skip
    st["tries"] += 1
    if a.label == "misconception":
        # the verdict is ours ("**Not quite:**"); a correction's own "No:" would repeat it
        a = replace(a, correction=re.sub(r"^\s*No[:,.]\s*", "", a.correction))
        if st["tries"] >= MAX_MOVES:
            move = tell(question, st, asserted=True)
            return Move("correct_misconception",
                        f"{prompts.VERDICT_NOT_QUITE}{a.correction}\n\n{move.text}", True)  # fmt: skip
        text = prompts.render(
            prompts.LISTEN_MISCONCEPTION, correction=a.correction, ask=question.ask
        )
        return Move("correct_misconception", text, False)
    if not missing and not credited:  # "hmm" or a wrong answer once everything was said
        return tell(question, st)
    if not missing:
        said = [_point(question.expected[i]) for i in credited] or [
            _point(p) for p in question.expected
        ]
        credit = prompts.render(prompts.LISTEN_RIGHT, points=_join(said))
        if len(said) == len(question.expected):  # all said at once: the credit is the summary
            return Move("confirm", credit, True)
        return Move("confirm", f"{credit}\n\n{summary(question)}", True)
    if a.label == "dont_know":
        return _ladder(question, st, missing)
    if credited:
        credit = prompts.render(prompts.LISTEN_PARTLY,
                                points=_join([_point(question.expected[i]) for i in credited]))  # fmt: skip
        move = _ladder(question, st, missing)
        name = "credit_" + move.name if not move.closed else move.name
        return Move(name, f"{credit} {move.text}", move.closed)
    move = _ladder(question, st, missing)
    return Move(move.name, f"{prompts.LISTEN_NOT_YET} {move.text}", move.closed)
