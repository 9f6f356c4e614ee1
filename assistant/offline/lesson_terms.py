"""The lesson's vocabulary for the offline brain: terms, their definitions, sections, cards.

``LessonTerms`` is built once from the bundled lessons. It knows every section's URL
(as the retrieval index builds it), every defined term (the glossary, plus terms a
teaching section defines in a list item such as "the **forget gate** ... decides how
much ..."; the teaching section wins), the flashcards and the everyday analogies.
``match_term`` finds the term a question is about, typos and all (rapidfuzz), and
``definition_question`` tells whether a message asks what a term is or does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any

from rapidfuzz import fuzz

from assistant.sentences import split_sentences

FUZZY = 0.8  # similarity ratio (rapidfuzz) at which a window of the question counts as the term
EXTRA_WORDS = 4  # a definition question says little besides the term ("... in an RNN")
DEFINE = re.compile(
    r"^\s*(?:(?:so|ok|okay|and|but|hey|hi),?\s+)?(?:(?:can|could) you\s+)?"
    r"(?:wh?at(?:'?s| is| are| does| do| exactly is)?|whats|define|definition of|"
    r"meaning of|explain|describe|tell me (?:about|what))\b",
    re.IGNORECASE,
)
_NOT_DEFINITION = re.compile(
    r"\b(differ\w*|compare\w*|versus|vs\.?|between|why|happens?|how many|shape|derivative)\b",
    re.IGNORECASE,
)
_FILLER = {"the", "a", "an", "is", "are", "does", "do", "mean", "means", "of", "in", "rnn", "rnns", "exactly", "actually", "again", "me", "please", "what", "s"}  # fmt: skip
_DEFINING_ITEM = re.compile(r"^\s*[-*+]\s+the\s+\*\*([^*]+)\*\*", re.IGNORECASE)
ANALOGY = re.compile(
    r"\b(intuitive reading|helpful picture|picture an? |imagine|think of|like a person|is a \*?keep dial)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Term:
    name: str
    definition: str  # one sentence, Markdown
    section: str  # the section path it is cited to
    aliases: tuple[str, ...] = ()
    glossary: str = ""  # the glossary's plain definition, when there is one
    quote: str = ""  # the definition as the lesson writes it (for the citation)
    teaching: str = ""  # the teaching section that uses the term most


@dataclass
class LessonTerms:
    terms: list[Term] = field(default_factory=list)
    urls: dict[str, str | None] = field(default_factory=dict)  # section path -> URL
    sources: dict[str, str] = field(default_factory=dict)  # section path -> file name
    sections: dict[str, str] = field(default_factory=dict)  # section path -> text
    cards: list[Any] = field(default_factory=list)  # knowledge.lessons.Flashcard

    def section(self, suffix: str) -> str | None:
        """The full path of the section whose path ends with ``suffix`` (case-insensitive)."""
        low = suffix.lower()
        return next((s for s in self.urls if s.lower().endswith(low)), None)

    def citation(self, section: str, quote: str) -> dict[str, Any]:
        quote = quote if len(quote) <= 280 else quote[:277].rstrip() + "..."
        return {
            "source": self.sources.get(section, ""),
            "section": section,
            "quote": quote,
            "url": self.urls.get(section),
        }

    def opening_citation(self, suffix: str) -> dict[str, Any] | None:
        """The section whose path ends with ``suffix``, cited by its first sentence."""
        section = self.section(suffix)
        if section is None:
            return None
        first = split_sentences(self.sections.get(section, ""))[:1]
        return self.citation(section, first[0] if first else section.split(" > ", 1)[-1])

    def passage(self, section: str) -> dict[str, Any]:
        """A whole section as a ``search_lesson`` passage."""
        return {
            "source": self.sources.get(section, ""),
            "section": section,
            "text": self.sections.get(section, ""),
            "url": self.urls.get(section),
        }

    @cached_property
    def sentences(self) -> list[tuple[str, str]]:
        """(section, sentence) for every quotable sentence of a teaching section."""
        return [
            (sec, s)
            for sec, text in self.sections.items()
            if not sec.lower().endswith(("flashcards", "glossary"))
            for s in split_sentences(text)
        ]

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Every word of the lesson, lower case."""
        return frozenset(re.findall(r"[a-z]+", " ".join(self.sections.values()).lower()))

    @cached_property
    def analogies(self) -> list[tuple[str, str]]:
        """(section, sentence) for every everyday analogy in a teaching section."""
        return [(sec, s) for sec, s in self.sentences if ANALOGY.search(s) and "$$" not in s]


def _aliases(term: str) -> tuple[str, ...]:
    """'backpropagation through time (BPTT)' -> ('backpropagation through time', 'bptt')."""
    low = term.lower()
    out = [re.sub(r"\s*\(.*?\)\s*", " ", low).strip()]
    out += [m.strip() for m in re.findall(r"\((.*?)\)", low)]
    if low.endswith("gradient"):
        out.append(low + "s")
    return tuple(dict.fromkeys(a for a in out if a))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def build_terms() -> LessonTerms:
    from knowledge.chunking import SEPARATOR, chunk_document, split_sections
    from knowledge.ingest import bundled_lesson_paths
    from knowledge.lessons import load_flashcards, load_glossary
    from knowledge.loaders import load_document

    out = LessonTerms(cards=load_flashcards())
    for path in bundled_lesson_paths():
        doc = load_document(path)
        for chunk in chunk_document(doc):  # URLs exactly as the retrieval index has them
            out.urls.setdefault(chunk.section, chunk.url)
            out.sources.setdefault(chunk.section, chunk.source)
        for heading_path, _, body in split_sections(doc):
            out.sections.setdefault(SEPARATOR.join(heading_path), body)
    glossary = load_glossary()
    glossary_section = out.section("> Glossary") or "Glossary"
    taught: dict[str, Term] = {}
    for section, text in out.sections.items():
        if section.lower().endswith(("flashcards", "glossary")):
            continue
        items = [ln for ln in text.splitlines() if _DEFINING_ITEM.match(ln)]
        for line in items:
            name = _DEFINING_ITEM.match(line).group(1).strip()  # type: ignore[union-attr]
            sentences = split_sentences(line)
            if sentences and name.lower() not in taught:
                sentence = _capital(re.sub(r"^\W*", "", sentences[0]).rstrip(";,. "))
                taught[name.lower()] = Term(
                    name, sentence + ".", section, _aliases(name), quote=sentences[0]
                )
    for name, definition in glossary.items():
        term = taught.pop(name.lower(), None)
        sentence = f"**{_capital(name)}**: {definition}"
        if term is None:
            term = Term(
                name, sentence, glossary_section, _aliases(name), quote=f"**{name}**: {definition}"
            )
        out.terms.append(
            Term(term.name, term.definition, term.section, term.aliases, definition, term.quote)
        )
    out.terms.extend(taught.values())
    out.terms = [replace(t, teaching=_teaching_section(out, t)) for t in out.terms]
    _ = out.sentences, out.vocabulary, out.analogies  # computed here, not in a learner's turn
    return out


@lru_cache(maxsize=1)
def lesson_terms() -> LessonTerms:
    return build_terms()


def _teaching_section(terms: LessonTerms, term: Term) -> str:
    """Where the term is taught: its own section, else one whose heading names it, else the
    first one that sets it in bold, else the one naming it most."""
    if not term.section.lower().endswith("glossary"):
        return term.section
    teaching = {
        sec: text.lower()
        for sec, text in terms.sections.items()
        if not sec.lower().endswith(("flashcards", "glossary")) and ">" in sec
    }
    heading = [re.compile(rf"\b{re.escape(a)}{s}\b") for s in ("", "s") for a in term.aliases]
    for found in (
        *(lambda sec, text, h=h: bool(h.search(sec.split(">")[-1].lower())) for h in heading),
        lambda sec, text: any(f"**{a}" in text for a in term.aliases),
    ):
        hit = next((sec for sec, text in teaching.items() if found(sec, text)), None)
        if hit:
            return hit
    counts = {sec: sum(text.count(a) for a in term.aliases) for sec, text in teaching.items()}
    best = max(counts.values(), default=0)
    return next((sec for sec, n in counts.items() if n == best), "") if best else ""


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("-", " "))


def match_term(text: str, terms: list[Term]) -> tuple[Term, float] | None:
    """The term ``text`` names (longest alias first, then closest spelling), or None."""
    words = _words(text)
    best: tuple[int, float, Term] | None = None
    for term in terms:
        for alias in term.aliases:
            n = len(alias.split())
            for size in {max(1, n - 1), n, n + 1}:
                for i in range(len(words) - size + 1):
                    window = " ".join(words[i : i + size])
                    if len(alias) <= 4 and window != alias:
                        continue  # "gru", "lstm", "rnn": exact only
                    if 3 * min(len(window), len(alias)) < 2 * max(len(window), len(alias)):
                        continue  # lengths this far apart cannot reach FUZZY (cheap pre-check)
                    ratio = fuzz.ratio(window, alias, score_cutoff=100 * FUZZY) / 100
                    if ratio >= FUZZY and (best is None or (n, ratio) > best[:2]):
                        best = (n, ratio, term)
    return (best[2], best[1]) if best else None


def definition_question(text: str, terms: list[Term]) -> Term | None:
    """The term when ``text`` asks what it is or does ("wat is a hiden state?"), else None."""
    opener = DEFINE.match(text or "")
    if not opener or _NOT_DEFINITION.search(text):
        return None
    found = match_term(text[opener.end() :], terms)
    if found is None:
        return None
    term = found[0]
    rest = [w for w in _words(text[opener.end() :]) if w not in _FILLER]
    longest = max(len(a.split()) for a in term.aliases)
    return term if len(rest) <= longest + EXTRA_WORDS else None
