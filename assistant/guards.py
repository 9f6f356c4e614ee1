"""Pedagogy guards shared by the intent recogniser and the session-aware tools.

Two questions are answered here with deliberately conservative patterns, because they
decide whether an exercise's answer may be shown: does a message try to change the
tutor's rules (prompt injection), and does the learner explicitly give up? The embedding
recogniser handles everything else; these patterns only ever *withhold*, never reveal
on their own.
"""

from __future__ import annotations

import re

_INJECTION = re.compile(
    r"ignore (all |any |the |your )?(previous|prior|above|earlier|preceding)?\s*"
    r"(instructions|rules|prompts?|directions)"
    r"|disregard (all |any |the |your )?(previous |prior )?(instructions|rules)"
    r"|forget (all |your )?(previous |prior )?(instructions|rules)"
    r"|\b(admin|developer|debug|god|root|maintenance|dan|jailbreak) mode\b"
    r"|\byou are now\b|\bact as (an? )?(unrestricted|unfiltered)"
    r"|\bsystem prompt\b|\bsystem\s*:|\[\s*system\s*\]|<\s*/?\s*system\s*>"
    r"|\bnew (rules|instructions)\b|\boverride\b|\bno (restrictions|rules)\b"
    r"|\bpretend (that )?you\b|\bjailbreak\b|\bsudo\b",
    re.IGNORECASE,
)

_GIVING_UP = r"\b(give|giving|gave)\s*u+p+\b|\bsurrender\b|\bi\s*quit\b"
_GIVE_UP = re.compile(_GIVING_UP, re.IGNORECASE)

# giving up asks for the solution too
_WANTS_SOLUTION = re.compile(
    r"\b(show|reveal|tell|give|print)\s+(me\s+)?(the\s+)?(full\s+|worked\s+|right\s+)?(solution|answers?)\b"
    rf"|{_GIVING_UP}"
    r"|\bwhat\s+(was|is)\s+the\s+(right|correct)\s+answer\b",
    re.IGNORECASE,
)


def looks_like_injection(text: str) -> bool:
    """True when ``text`` tries to change the tutor's rules or role."""
    return bool(_INJECTION.search(text or ""))


def explicit_give_up(text: str) -> bool:
    """True when the learner explicitly says they give up (and is not attempting an injection).

    This is the only way to see a solution before any attempt ("show me the answer" alone
    earns a hint and an invitation to try first).
    """
    return bool(_GIVE_UP.search(text or "")) and not looks_like_injection(text)


def wants_solution(text: str) -> bool:
    """True when the learner asks for the solution (acceptable once they have attempted)."""
    return bool(_WANTS_SOLUTION.search(text or "")) and not looks_like_injection(text)
