"""Question understanding: the type of a learner's question and the concepts it names.

Types (../shared/TEACHING.md): definition, why, how, example, simpler, compare, what-if,
compute, recommendation, context, not_covered. The type comes from the embedding model
(the nearest of a few exemplar questions per type) with parsing where words settle it:
a parameter count or a trace with the learner's numbers is ``compute``, two concepts with
a comparison word are ``compare``. Concepts come from the teaching model: a concept's
names found in the message (whole words, typos within rapidfuzz's ratio 85) count most, then
the message's similarity to each concept's name and definition. A question that names no
concept and resembles none is ``not_covered``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from assistant.compute import calculator_call, parameter_request
from assistant.offline.intents import ASKS_ABOUT, QUESTION_START, WHAT_IF
from assistant.offline.lesson_terms import DEFINE
from knowledge.teaching import Concept, TeachingModel

TYPE_EXAMPLES: dict[str, tuple[str, ...]] = {
    "definition": (
        "what is a gate", "whats the cell state", "define weight sharing", "meaning of bptt",
        "what does unrolling mean", "what's an encoder decoder", "wat is a time step",
    ),
    "why": (
        "why do rnns forget", "why does the gradient vanish", "why is tanh used",
        "why does sharing weights help", "how come the memory fades", "why cant an mlp read any length",
        "what makes lstm better at long range",
    ),
    "how": (
        "how does the forget gate work", "how does an rnn read a sentence",
        "how is the hidden state updated", "how does clipping work", "how do you train an rnn",
        "walk me through how the gru decides what to keep",
    ),
    "example": (
        "give me an example of a long range dependency", "example of a sequence task",
        "can you show an example of vanishing gradients", "example pls", "whats a real world example of many to one",
    ),
    "simpler": (
        "explain the hidden state like im five", "in simple words what is a gate",
        "eli5 vanishing gradients", "dumb it down please", "explain lstm without math",
    ),
    "compare": (
        "lstm vs gru", "difference between the cell state and the hidden state",
        "is a gru just a smaller lstm", "how is bptt different from truncated bptt",
        "rnn or mlp for sequences, what's the difference", "exploding vs vanishing gradients",
    ),
    "what-if": (
        "what if the recurrent weight were negative", "what happens if w_hh is 1.5",
        "what if i remove the tanh", "what happens when the forget gate is 0",
        "suppose the input is always 1, what happens", "what if we used relu instead",
    ),
    "compute": (
        "how many parameters does an lstm with 10 inputs and 20 hidden have",
        "trace inputs 1, 0, 1 with w_x 0.5 and w_h 0.8", "compute h after 3 steps",
        "what is 0.9 to the power 50", "what's h_2 if x is 1 then 0",
    ),
    "recommendation": (
        "should i use lstm or gru", "which cell should i pick for short texts",
        "should i clip my gradients", "what threshold should i use for clipping",
        "is it worth using an rnn today or should i use transformers",
    ),
    "context": (
        "who invented the lstm", "when was the gru introduced", "what comes after rnns",
        "where does this lesson fit in the course", "what is the history of gates",
        "which lecture is this based on",
    ),
}  # fmt: skip
_COMPARE = re.compile(
    r"\b(?:vs\.?|versus|differen\w*|compare\w*|or|than|same as|just a|instead of)\b", re.I
)
# the recogniser's what-if words, and "if i <verb>" ("if i remove the tanh ...")
_WHAT_IF = re.compile(rf"{WHAT_IF.pattern}|\bif\s+i\s+\w+", re.I)
_WHY = re.compile(r"^\s*(?:so\s+|but\s+|and\s+)?(?:why|how\s+come)\b", re.I)
_OPEN = r"^\s*(?:(?:so|ok|okay|and|but|hey|hmm|wait|also)[,!]?\s+)*"
# Words that settle the type wherever the question says them, tried in this order (the
# embedding model decides when none is there). One pattern per type, not per question.
TYPE_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.I))
    for kind, pattern in (
        ("simpler", r"\beli5\b|like (?:i'?m|im|i am) (?:5|five|a kid)|\bsimpl(?:e|er|est|y)\b|"
                    r"\b(?:an? |with an? |some )?(?:analog(?:y|ies)|metaphor)\b|"
                    r"\bplain (?:english|words|terms)\b|\bdumb (?:it |this )?down\b|"
                    r"\b(?:no|not|without)(?: any| the| a)? (?:math|maths|formulas?|equations?|jargon)\b|"
                    r"\bbaby words\b|\blay ?m[ae]n|\bin (?:easy|everyday) (?:words|terms)\b"),
        ("example", r"\bexamples?\b|\bfor instance\b|\bshow me a (?:case|situation)\b|"
                    r"\breal[- ]world\b"),
        ("recommendation", _OPEN + r"should (?:i|we)\b|\bwhich (?:\w+ )?(?:should|would)\b|"
                    r"\bwhat (?:\w+ )?should (?:i|we)\b|\b(?:would|should) (?:u|you) (?:\w+ )?"
                    r"(?:pick|use|choose|recommend)\b|\brecommend|\bworth (?:it|using)\b|"
                    r"\bwhat (?:do|should) i do\b|\bbest (?:choice|option|pick)\b|"
                    r"\bgood (?:idea|default|value|start)\b|\bor (?:a |an )?\w+ for\b"),
        ("context", r"\bwho (?:invented|came up|introduced|proposed|made|created)\b|"
                    r"\bwhen (?:was|were|did)\b|\bwhat year\b|\bhistory\b|\binvent|"
                    r"\bstill (?:a thing|used|relevant)\b|\bnowadays\b|\bold news\b|"
                    r"\bthis (?:lesson|course|track)\b|\bprerequisite|\bbefore (?:this|transformers)\b|"
                    r"\bwhat comes (?:next|after)\b|\bbased on\b|\bneed to know before\b|"
                    r"\bbefore (?:starting|i start|we start)\b|\bwhere does (?:this|it) (?:sit|fit)\b"),
        ("compare", r"\bvs\.?\b|\bversus\b|\bdifferen(?:ce|t)\b|\bcompared?\b|"
                    r"\bsame (?:thing|as|job|idea|role)\b|\bjust a\b|\bbetter than\b"),
        ("why", _WHY.pattern),
        ("how", _OPEN + r"how (?:does|do|is|are|can|would|did|exactly|the)\b|\bwalk me through\b"),
    )
)  # fmt: skip
CONCEPT_BELOW = 0.35  # best concept similarity under which no concept is named
UNKNOWN_BELOW = 0.5  # with a word the lesson never uses, similarity under which it's uncovered
# rapidfuzz ratio (as a fraction) at which a window of the message is a concept's name,
# and an uncovered topic's (six letters or more)
NAME_MATCH = 0.85
BEYOND_MATCH = 0.88
# everyday words a learner uses around a question; never a sign of an uncovered topic
COMMON = frozenset(
    [
        "about",
        "above",
        "after",
        "again",
        "against",
        "always",
        "another",
        "answer",
        "anything",
        "anyway",
        "around",
        "asked",
        "basically",
        "because",
        "before",
        "being",
        "below",
        "better",
        "between",
        "bigger",
        "bit",
        "both",
        "bring",
        "called",
        "cannot",
        "change",
        "changes",
        "choose",
        "could",
        "couldnt",
        "didnt",
        "different",
        "does",
        "doesnt",
        "doing",
        "done",
        "dont",
        "during",
        "each",
        "easier",
        "easy",
        "either",
        "enough",
        "especially",
        "every",
        "everything",
        "exactly",
        "example",
        "explain",
        "explained",
        "explanation",
        "feels",
        "first",
        "following",
        "friend",
        "gimme",
        "gonna",
        "happen",
        "happens",
        "having",
        "hello",
        "however",
        "instead",
        "isnt",
        "itself",
        "just",
        "kinda",
        "know",
        "later",
        "learn",
        "least",
        "less",
        "little",
        "looks",
        "lot",
        "make",
        "makes",
        "many",
        "maybe",
        "mean",
        "means",
        "might",
        "more",
        "most",
        "much",
        "must",
        "myself",
        "need",
        "needs",
        "never",
        "next",
        "nothing",
        "number",
        "numbers",
        "often",
        "once",
        "only",
        "other",
        "otherwise",
        "people",
        "please",
        "pls",
        "point",
        "pretty",
        "probably",
        "question",
        "quick",
        "quite",
        "rather",
        "really",
        "right",
        "said",
        "same",
        "say",
        "says",
        "second",
        "seems",
        "should",
        "show",
        "showing",
        "since",
        "small",
        "something",
        "sometimes",
        "still",
        "stuff",
        "such",
        "suppose",
        "sure",
        "take",
        "tell",
        "than",
        "thanks",
        "that",
        "thats",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "thing",
        "things",
        "think",
        "this",
        "those",
        "though",
        "through",
        "together",
        "trying",
        "understand",
        "until",
        "using",
        "usually",
        "very",
        "wanna",
        "want",
        "wants",
        "what",
        "whats",
        "when",
        "where",
        "whether",
        "which",
        "while",
        "whole",
        "why",
        "will",
        "with",
        "without",
        "wont",
        "work",
        "works",
        "would",
        "wouldnt",
        "yeah",
        "your",
        "youre",
    ]
)


@dataclass(frozen=True)
class Understanding:
    type: str
    concepts: tuple[str, ...]  # concept ids, best first
    scores: dict[str, float] = field(default_factory=dict)  # type -> similarity
    parameters: dict[str, Any] = field(default_factory=dict)
    named: bool = False  # the concepts are named in the message, not guessed from its meaning


# where a second question starts: "vanishing vs exploding, and which one does clipping fix?"
_SECOND_QUESTION = re.compile(
    r"\?+\s+(?=\S)|[,;]?\s+(?:and|also|plus|&)\s+(?=(?:which|what|whats|how|why|when|where|"
    r"does|do|is|are|can|should|would|will|so)\b)",
    re.I,
)


def split_questions(text: str) -> list[str]:
    """The questions in one message, at most two ("what is X? and why does Y"); a part of
    fewer than three words ("why?") stays with the rest."""
    parts = [p.strip(" ,;") for p in _SECOND_QUESTION.split(text or "", maxsplit=1)]
    if len(parts) == 2 and all(len(_words(p)) >= 3 for p in parts):
        return parts
    return [(text or "").strip()]


def _asks(text: str) -> bool:
    """A question rather than a statement: a statement far from every concept ("it sums up
    everything read so far", an answer to a check question) is no topic the lessons skip."""
    return "?" in text or bool(QUESTION_START.search(text) or ASKS_ABOUT.search(text))


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9_]+", text.lower())


def english_words(model_path: str | Path) -> frozenset[str]:
    """The whole words of the embedding model's WordPiece vocabulary (about 20,000 everyday
    English words): words a question can use without naming a topic of its own."""
    path = Path(model_path) / "vocab.txt"
    if not path.exists():
        return frozenset()
    words = path.read_text(encoding="utf-8").split()
    return frozenset(w for w in words if w.isalpha() and w.islower() and len(w) >= 3)


class NameTable:
    """Names (a concept's, or an uncovered topic's) found in a message's words: exact
    windows, then typo-tolerant ones (rapidfuzz's ratio) for names of ``shortest`` letters
    or more. The first id given for a name keeps it."""

    def __init__(self, pairs: Iterable[tuple[str, str]], cutoff: float, shortest: int) -> None:
        self.by_length: dict[int, dict[str, str]] = {}
        for name, ident in pairs:
            target = " ".join(_words(name))
            if target:
                self.by_length.setdefault(len(target.split()), {}).setdefault(target, ident)
        self.fuzzy = {
            n: [t for t in names if len(t) >= shortest] for n, names in self.by_length.items()
        }
        self.cutoff = cutoff * 100

    def hits(self, words: list[str]) -> list[tuple[int, int, str]]:
        """(-words in the name, position, id) for every name found, longest names first."""
        found: list[tuple[int, int, str]] = []
        for n, names in self.by_length.items():
            for i in range(len(words) - n + 1):
                window = " ".join(words[i : i + n])
                exact = names.get(window)
                if exact is not None:
                    found.append((-n, i, exact))
                    continue
                if len(window) < 5:
                    continue
                match = process.extractOne(
                    window, self.fuzzy[n], scorer=fuzz.ratio, score_cutoff=self.cutoff
                )
                if match is not None:
                    found.append((-n, i, names[match[0]]))
        return sorted(found)


def asks_plainly(text: str) -> bool:
    """Whether the message asks for a plain answer in so many words ("eli5", "an analogy",
    "no math")."""
    return any(kind == "simpler" and pattern.search(text) for kind, pattern in TYPE_CUES)


def _without_cues(text: str) -> str:
    """``text`` without the words that say what kind of question it is ("nowadays", "eli5"):
    they ask for a form of answer, never name a topic the lessons skip."""
    for _, pattern in TYPE_CUES:
        text = pattern.sub(" ", text)
    return text


class QuestionReader:
    """Reads questions against one or more teaching models; built once per embedder."""

    def __init__(
        self,
        embedder: Any,
        models: list[TeachingModel],
        vocabulary: Any = None,
        english: frozenset[str] = frozenset(),
    ) -> None:
        self.embedder = embedder
        self.english = english  # everyday words (the embedding model's whole-word tokens)
        self.concepts: list[Concept] = [c for m in models for c in m.concepts]
        self._type_names = [t for t, ex in TYPE_EXAMPLES.items() for _ in ex]
        texts = [q for ex in TYPE_EXAMPLES.values() for q in ex]
        self._type_vecs = np.asarray(embedder.embed_remembered(texts), dtype=np.float32)
        self.vocabulary = frozenset(vocabulary or ()) | frozenset(
            w for c in self.concepts for field_text in (c.name, *c.aliases, c.definition, c.why,
            c.example, c.simpler) for w in re.findall(r"[a-z][a-z0-9]+", field_text.lower())
        )  # fmt: skip
        self.vocabulary_list = sorted(self.vocabulary)
        self._concept_names = NameTable(
            ((n, c.id) for c in self.concepts for n in c.names), NAME_MATCH, shortest=5
        )
        # neighbouring topics the lessons do not teach ("teacher forcing") -> the nearest
        self._beyond_names = NameTable(
            ((n, b.nearest) for m in models for b in m.beyond for n in b.names),
            BEYOND_MATCH,
            shortest=6,
        )
        self.common = COMMON
        concept_texts = [f"{c.name}: {c.definition}" for c in self.concepts]
        self._concept_vecs = (
            np.asarray(embedder.embed_remembered(concept_texts), dtype=np.float32)
            if concept_texts
            else np.zeros((0, 384), np.float32)
        )

    def named_concepts(self, text: str) -> list[str]:
        """Concepts whose name or alias appears in the message; a longer name wins the
        words it covers ("forget gate" over "gate"). Typos are forgiven (rapidfuzz's
        ratio) for names of five letters or more. The first named comes first."""
        found: dict[str, int] = {}
        taken: set[int] = set()
        for neg_n, pos, cid in self._concept_names.hits(_words(text)):
            span = set(range(pos, pos - neg_n))
            if cid in found or span & taken:
                continue
            found[cid] = pos
            taken |= span
        return sorted(found, key=found.__getitem__)  # in the order the message names them

    def _without_names(self, text: str, named: list[str]) -> str:
        """``text`` with the names of the ``named`` concepts taken out."""
        by_id = {c.id: c for c in self.concepts}
        names = sorted(
            (n for cid in named if cid in by_id for n in by_id[cid].names), key=len, reverse=True
        )
        for name in names:
            text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", text, flags=re.I)
        return text

    def named_beyond(self, text: str) -> str | None:
        """The nearest concept of a topic the lessons do not teach that the message names
        ("whats teacher forcing" -> encoder_decoder), or None."""
        hits = self._beyond_names.hits(_words(text))
        return hits[0][2] if hits else None

    def unknown_words(self, text: str) -> list[str]:
        """Content words neither the lesson nor its teaching model uses (typos forgiven):
        "teacher forcing", "beam search", "dropout" name things the lesson does not teach."""
        words = re.findall(r"[a-z][a-z0-9]+", text.lower())
        candidates = [
            w for w in words
            if (len(w) >= 5 or (len(w) >= 3 and re.search(r"\d", w))) and w not in self.common
        ]  # fmt: skip
        return [
            w for w in candidates
            if w not in self.vocabulary
            and process.extractOne(w, self.vocabulary_list, scorer=fuzz.ratio, score_cutoff=80) is None
        ]  # fmt: skip

    def read(self, text: str) -> Understanding:
        q = np.asarray(self.embedder.embed_one(text), dtype=np.float32)
        sims = self._type_vecs @ q
        scores: dict[str, float] = {}
        for name, s in zip(self._type_names, sims, strict=True):
            scores[name] = max(scores.get(name, -1.0), float(s))
        named = self.named_concepts(text)
        concept_sims = self._concept_vecs @ q if len(self.concepts) else np.zeros(0)
        order = [self.concepts[i].id for i in np.argsort(-concept_sims)]
        best_sim = float(concept_sims.max()) if concept_sims.size else 0.0
        concepts = named + [c for c in order[:2] if c not in named and not named]
        unnamed = self._without_names(text, named)  # "simple RNN" is no wish for simpler
        params = parameter_request(text)
        computable = params is not None or calculator_call(text) is not None
        if computable:
            kind = "compute"
        elif _WHAT_IF.search(text):
            kind = "what-if"
        elif cue := next((k for k, pattern in TYPE_CUES if pattern.search(unnamed)), None):
            kind = cue
        elif len(named) >= 2 and _COMPARE.search(text):
            kind = "compare"
        elif named and DEFINE.match(text) and len(_words(text)) <= 8:
            kind = "definition"  # "whats the forgett gate", "define bptt"
        else:  # by likeness; "compute" only for a sum a calculator can do
            kinds = [k for k in TYPE_EXAMPLES if k != "compute" or computable]
            kind = max(kinds, key=scores.__getitem__)
        beyond = self.named_beyond(text)
        if beyond and kind not in ("compute", "what-if"):
            return Understanding("not_covered", (beyond,), scores, params or {})
        unknown = self.unknown_words(_without_cues(text))
        if named:  # a question about a lesson concept, in everyday words around it
            unknown = [w for w in unknown if w not in self.english
                       and not (w.endswith("s") and w[:-1] in self.english)]  # fmt: skip
        if kind not in ("compute", "what-if") and (
            (unknown and (not named or len(unknown) >= 2 or best_sim < UNKNOWN_BELOW))
            or (not named and best_sim < CONCEPT_BELOW and kind != "context" and _asks(text))
        ):
            kind, concepts = "not_covered", []
        return Understanding(kind, tuple(concepts[:3]), scores, params or {}, bool(named))
