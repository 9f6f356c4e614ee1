"""The assessor: what a learner's free-text answer to an open question gets right.

An open question of the teaching model carries its expected points; every concept
carries the misconceptions learners voice. ``Assessor.assess(question, answer)`` reads the
answer clause by clause (a learner writes "it reads one word at a time, and the weights
dont change, so length doesnt matter"), and scores each clause against

- every expected point: the chance the answer says it, from a small logistic model
  (``POINT_MODEL``) over the best clause's sentence-embedding cosine, the share of the
  point's own key terms a clause uses, the whole answer's cosine, a polarity flip, and
  the answer's length;
- every misconception's belief and phrasings, in any concept: the cosine, counted only
  when the clause and the phrasing agree in polarity ("it does not grow" is the opposite
  of "it grows", not the same claim) and share one of the belief's own words, and only
  when the clause is nearer the belief than its correction.

The label then follows TEACHING.md's table: ``dont_know`` for "idk" and its kin (before
anything is embedded), ``misconception`` when a clause says a misconception clearly and
more closely than it says any expected point (a learner wrongly told they hold a
misconception is worse off than one whose misconception is missed, so its threshold sits
high), ``correct`` when every point is covered, ``partial`` (with the points) when some
are, ``off_topic`` when the answer is far from the question, its points and its concept,
and ``wrong`` for an attempt at the question that covers nothing. The thresholds are
calibrated on the labelled answers in ``assistant/eval/assess_*.jsonl`` (``tutor eval
assess`` reports precision and recall per label).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

LABELS = ("correct", "partial", "wrong", "misconception", "off_topic", "dont_know")

# calibrated on assistant/eval/assess_team.jsonl (see the module's docstring)
POINT_THRESHOLD = 0.40  # the chance (POINT_MODEL) at which an expected point counts as said
# A logistic model of "this answer covers this expected point", fitted on the team set's
# point-level labels by assistant.eval.assess.fit_points (features: point_features):
# (feature means, feature scales, weights, bias). On the outside set it classifies 90 % of
# (answer, point) pairs right, against 85 % for a cosine-plus-terms threshold.
POINT_MODEL = (
    (0.42, 0.175, 0.357, 0.194, 0.503),
    (0.256, 0.261, 0.225, 0.395, 0.275),
    (0.858, 0.727, 0.295, -0.28, 1.033),
    -1.14,
)
MISCONCEPTION_THRESHOLD = 0.84
MISCONCEPTION_MARGIN = 0.05  # over the best expected point
OFF_TOPIC_THRESHOLD = 0.35
CONTRAST_THRESHOLD = 0.0  # nearer the belief than its correction by this much
SAME_CONCEPT = 0.05  # the question's own concept's misconceptions

_CONTRACTIONS = (
    (r"\b(does|do|is|are|was|were|has|have|had|would|could|should|wo|ca)n'?t\b", r"\1 not"),
    (r"\bwont\b", "will not"),
    (r"\bcant\b", "can not"),
    (r"\bim\b", "i am"),
    (r"\bidk\b", "i do not know"),
    (r"\bu\b", "you"),
    (r"\br\b", "are"),
    (r"\bbc\b|\bcuz\b|\bcos\b", "because"),
    (r"\bw/o\b", "without"),
    (r"\bw/", "with "),
)
NEGATION = re.compile(r"\b(?:no|not|never|without|none|nothing|cannot|nor|neither)\b", re.I)
# saying "I don't know" (an answer that says little else is no attempt)
_DONT_KNOW = re.compile(
    r"\b(?:i (?:really |honestly |just )?(?:do not|did not) (?:know|remember|understand|get(?: it)?)"
    r"|do not know|(?:have |got )?(?:no|zero) (?:idea|clue)|dunno|not sure|unsure|no clue"
    r"|i forgot|forgot|blank(?:ing)?|give up|gave up|pass|skip|beats me|clueless|confused me"
    r"|(?:just |can you |could you |pls |please )*(?:tell|show|give) me the answer"
    r"|just (?:tell|show|give) me(?! more)"
    r"|(?:just |can you |could you |pls |please )*explain it|what is the answer"
    r"|what's the answer|no idea)\b",
    re.I,
)
_FILLER_WORDS = (
    "um umm uh hmm hmmm erm well honestly sorry tbh lol ok okay yeah yes nope nah ugh man "
    "mate here pls please really just part lesson this one bit thing stuff even much never "
    "what means mean"
)
_FILLER = frozenset(_FILLER_WORDS.split())
# the opening of an answer, not of chat ("because it is bigger" is a wrong answer, not off-topic)
ATTEMPT = re.compile(
    r"^\W*(?:because|cause|cuz|since|it|its|it's|they|theyre|the (?:\w+ )?(?:gate|state|"
    r"gradient|weights?|memory|cell|signal|network|rnn|lstm|gru))\b",
    re.I,
)
_CLAUSE = re.compile(
    r"\.(?!\d)|[;!?\n]+|,\s*|\s+(?:and|but|so|because|since|while|whereas|which|then|also)\s+", re.I
)
_WORD = re.compile(r"[a-z][a-z0-9_']+")
_STOP_WORDS = (
    "the a an of to in on at is are was were be been it its it's this that these those and or "
    "but so as by for with from into than then there their they them what which who whom how "
    "why when where does do did has have had can could would should will just about more most "
    "same very each every one ones any some all only also much many like you your our we i "
    "me my his her he she not no"
)
STOPWORDS = frozenset(_STOP_WORDS.split())


def normalise(text: str) -> str:
    """Lower case with the contractions and chat shorthand learners type spelt out."""
    text = text.lower().replace("’", "'")
    for pattern, repl in _CONTRACTIONS:
        text = re.sub(pattern, repl, text)
    return text


def negated(text: str) -> bool:
    return bool(NEGATION.search(normalise(text)))


_NEGATIVE_QUESTION = re.compile(
    r"^\W*(?:does|do|is|are|can|will|would|should|has|have|did|was|were) not\b\s*", re.I
)


def claims_negation(text: str) -> bool:
    """Whether a way of saying a belief denies something, judged by its main clause:
    "doesn't clipping fix vanishing too?" asks for agreement with "clipping fixes
    vanishing", and "clipping keeps gradients in range so nothing vanishes" claims it."""
    said = normalise(text).strip()
    if said.endswith("?"):
        said = _NEGATIVE_QUESTION.sub("", said, count=1)
    main = next((p for p in _CLAUSE.split(said) if p.strip()), said)  # "..., so nothing vanishes"
    return bool(NEGATION.search(main))


def clauses(text: str) -> list[str]:
    """The clauses of an answer (two words or more), the whole answer first."""
    text = normalise(text).strip()
    parts = [p.strip() for p in _CLAUSE.split(text) if len(p.split()) >= 2]
    pairs = [f"{a} {b}" for a, b in zip(parts, parts[1:], strict=False)] if len(parts) > 2 else []
    return list(dict.fromkeys([text, *parts, *pairs]))


def _stem(word: str) -> str:
    return word[:5]


def key_terms(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(normalise(text)) if w not in STOPWORDS}


def dont_know(text: str) -> bool:
    """Whether ``text`` says "I don't know" and little else (three content words at most:
    "no idea what a singular value even is tbh" is no attempt at an answer)."""
    text = normalise(text)
    if not text.strip(" ?!."):
        return True
    if not _DONT_KNOW.search(text):
        return False
    rest = _DONT_KNOW.sub(" ", text)
    content = [w for w in _WORD.findall(rest) if w not in STOPWORDS and w not in _FILLER]
    return len(content) <= 3


@dataclass(frozen=True)
class Assessment:
    label: str
    covered: tuple[int, ...] = ()  # indices of the question's expected points
    missing: tuple[int, ...] = ()
    misconception: str | None = None  # its id
    misconception_concept: str | None = None
    correction: str = ""
    scores: dict[str, float] = field(default_factory=dict)  # what the label came from


@dataclass(frozen=True)
class Reading:
    """An answer's raw scores against one question."""

    points: np.ndarray  # each expected point's best score over the clauses
    misconception: float  # the closest misconception's score (same polarity)
    found: tuple[Any, Any] | None  # (concept, misconception) of that score
    topic: float  # nearness to the question, its points and its concept
    dont_know: bool = False
    contrast: float = 0.0  # the misconception's score less the clause's nearness to its correction
    attempt: bool = False  # it reads as an answer ("because it is bigger"), however far off
    cosines: np.ndarray | None = None  # each point's best clause cosine


@dataclass(frozen=True)
class OpenQuestion:
    """A question the tutor asked and waits on: its concept, text and expected points."""

    concept: str
    ask: str
    expected: tuple[str, ...]
    hints: tuple[str, ...] = ()


def open_question(concept: Any, ask: str) -> OpenQuestion | None:
    """``concept``'s deep question whose text is ``ask``, as an open question (None when
    there is no such concept or question)."""
    for q in concept.questions if concept is not None else ():
        if q.ask == ask:
            return OpenQuestion(concept.id, q.ask, q.expected, q.hints)
    return None


class Assessor:
    """Labels learners' answers against the teaching models' questions and misconceptions."""

    def __init__(self, embedder: Any, models: Any, **thresholds: float) -> None:
        self._embedder = embedder
        self.concepts = {c.id: c for m in models for c in m.concepts}
        self.point_threshold = thresholds.get("point", POINT_THRESHOLD)
        self.misconception_threshold = thresholds.get("misconception", MISCONCEPTION_THRESHOLD)
        self.misconception_margin = thresholds.get("margin", MISCONCEPTION_MARGIN)
        self.off_topic_threshold = thresholds.get("off_topic", OFF_TOPIC_THRESHOLD)
        self.contrast_threshold = thresholds.get("contrast", CONTRAST_THRESHOLD)
        # every way a misconception is said: (concept, misconception, text, negated)
        self._beliefs = [
            (c, m, text, claims_negation(text))
            for c in self.concepts.values()
            for m in c.misconceptions
            for text in (m.belief, *m.phrasings)
        ]
        self._belief_vectors = self._embed([normalise(b[2]) for b in self._beliefs])
        self._belief_terms = [key_terms(b[2]) - key_terms(" ".join(b[0].names))
                              for b in self._beliefs]  # fmt: skip
        self._correction_vectors = self._embed([normalise(b[1].correction) for b in self._beliefs])
        # every question's points and topic texts, now rather than one question at a time
        # on its first answer (a first answer paid ~300 ms for it)
        self._embed([normalise(t) for c in self.concepts.values() for t in self._about(c)])

    @classmethod
    def fixed_texts(cls, models: Any) -> list[str]:
        """Every text an assessor embeds when it is built, as it embeds them: a warm-up
        can put them in the embedder's on-disk cache a batch at a time beforehand."""
        concepts = [c for m in models for c in m.concepts]
        beliefs = [
            (m, t) for c in concepts for m in c.misconceptions for t in (m.belief, *m.phrasings)
        ]
        texts = [t for _, t in beliefs] + [m.correction for m, _ in beliefs]
        texts += [t for c in concepts for t in cls._about(c)]
        return [normalise(t) for t in texts]

    @staticmethod
    def _about(concept: Any, question: Any = None) -> list[str]:
        """The texts an answer's topic is measured against: the question (every question
        of the concept when none is given), its points and hints, and the concept."""
        asked = [question] if question is not None else list(concept.questions)
        texts = [t for q in asked for t in (q.ask, *q.expected, *q.hints)]
        return texts + [concept.definition, concept.why, *concept.names]

    def _embed(self, texts: list[str]) -> np.ndarray:
        if hasattr(self._embedder, "embed_remembered"):
            return np.asarray(self._embedder.embed_remembered(texts))
        return np.asarray(self._embedder.embed(texts))

    def _embed_said(self, texts: list[str]) -> np.ndarray:
        """A learner's words: through the query cache, never the on-disk cache of fixed
        texts (that cache is rewritten whenever it grows, which cost a file write per
        answer, and learners' answers are not texts every start needs)."""
        if hasattr(self._embedder, "embed_one"):
            return np.stack([self._embedder.embed_one(t) for t in texts])
        return np.asarray(self._embedder.embed(texts))

    def question(self, concept_id: str, ask: str) -> OpenQuestion | None:
        """The open question of ``concept_id`` whose text is ``ask``."""
        return open_question(self.concepts.get(concept_id), ask)

    def point_features(
        self, parts: list[str], vectors: np.ndarray, points: tuple[str, ...], given: set[str]
    ) -> np.ndarray:
        """``(len(points), 5)``: per expected point, the features ``POINT_MODEL`` weighs:
        the best clause's cosine, the largest share of the point's own key terms a clause
        uses (beyond the question's words), the whole answer's cosine, whether the best
        clause has the opposite polarity, and the answer's length (words / 30)."""
        sims = vectors @ self._embed([normalise(p) for p in points]).T  # clauses x points
        said = [key_terms(p) for p in parts]
        rows = []
        for j, point in enumerate(points):
            terms = key_terms(point) - given  # the question's own words prove nothing
            overlap = (
                max((len(terms & s) / len(terms) for s in said), default=0.0) if terms else 0.0
            )
            best = int(np.argmax(sims[:, j]))
            flipped = float(negated(parts[best]) != negated(point))
            rows.append(
                [sims[:, j].max(), overlap, sims[0, j], flipped, len(parts[0].split()) / 30]
            )
        return np.array(rows, dtype=float).reshape(len(points), 5)

    def _point_scores(
        self, parts: list[str], vectors: np.ndarray, points: tuple[str, ...], given: set[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per expected point: the chance the answer covers it (``POINT_MODEL``) and its
        best clause's cosine (which a misconception must beat)."""
        if not points:
            return np.zeros(0), np.zeros(0)
        x = self.point_features(parts, vectors, points, given)
        mean, scale, weights, bias = (np.array(v) for v in POINT_MODEL)
        chance = 1 / (1 + np.exp(-(((x - mean) / scale) @ weights + bias)))
        return chance, x[:, 0]

    def _misconception(
        self, parts: list[str], vectors: np.ndarray, concept_id: str
    ) -> tuple[float, float, tuple[Any, Any] | None]:
        """The misconception a clause says most closely (same polarity; the question's own
        concept's misconceptions count ``SAME_CONCEPT`` more), its score, and how much closer
        that clause comes to the belief than to the misconception's correction."""
        if not self._beliefs:
            return 0.0, 0.0, None
        sims = vectors @ self._belief_vectors.T  # clauses x beliefs
        polarity = np.array([negated(p) for p in parts])
        agree = polarity[:, None] == np.array([b[3] for b in self._beliefs])[None, :]
        own = np.array([b[0].id == concept_id for b in self._beliefs])
        # a belief shares at least one of its own words with the clause ("the forget gate
        # is important" says nothing of "a single number")
        said = [key_terms(p) for p in parts]
        shares = np.array([[bool(terms & s) or not terms for terms in self._belief_terms]
                           for s in said])  # fmt: skip
        agree = agree & shares
        # a claim needs a few words: "the forget gate" holds no belief
        claims = np.array([len(p.split()) >= 4 for p in parts])
        sims = np.where(agree & claims[:, None], sims + SAME_CONCEPT * own[None, :], -1.0)
        i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
        concept, misconception, _, _ = self._beliefs[j]
        against = float(vectors[i] @ self._correction_vectors[j])
        return float(sims[i, j]), float(sims[i, j]) - against, (concept, misconception)

    def _topic(self, vectors: np.ndarray, question: OpenQuestion) -> float:
        """How near the answer comes to the question, its points and its concept."""
        concept = self.concepts.get(question.concept)
        about = [question.ask, *question.expected, *question.hints]
        if concept is not None:
            about = self._about(concept, question)
        return float((vectors @ self._embed([normalise(a) for a in about]).T).max())

    def read(self, question: OpenQuestion, answer: str) -> Reading:
        """The raw scores of ``answer``: what ``decide`` labels with the thresholds."""
        if not answer.strip() or dont_know(answer):
            return Reading(np.zeros(len(question.expected)), 0.0, None, 0.0, True)
        concept = self.concepts.get(question.concept)
        parts = clauses(answer)
        vectors = self._embed_said(parts)
        given = key_terms(" ".join([question.ask, *(concept.names if concept else ())]))
        points, cosines = self._point_scores(parts, vectors, question.expected, given)
        mis_score, contrast, found = self._misconception(parts, vectors, question.concept)
        return Reading(points, mis_score, found, self._topic(vectors, question), contrast=contrast,
                       cosines=cosines,
                       attempt=bool(ATTEMPT.match(normalise(answer))))  # fmt: skip

    def decide(self, reading: Reading, **thresholds: float) -> Assessment:
        """The label for ``reading``, with the assessor's thresholds unless overridden."""
        point = thresholds.get("point", self.point_threshold)
        mis_at = thresholds.get("misconception", self.misconception_threshold)
        margin = thresholds.get("margin", self.misconception_margin)
        contrast = thresholds.get("contrast", self.contrast_threshold)
        off = thresholds.get("off_topic", self.off_topic_threshold)
        n = len(reading.points)
        if reading.dont_know:
            return Assessment("dont_know", missing=tuple(range(n)))
        covered = tuple(int(i) for i in np.flatnonzero(reading.points >= point))
        missing = tuple(i for i in range(n) if i not in covered)
        cosines = reading.cosines if reading.cosines is not None else reading.points
        best_point = float(cosines.max()) if n else 0.0
        scores = {"point": round(best_point, 3), "misconception": round(reading.misconception, 3),
                  "topic": round(reading.topic, 3)}  # fmt: skip
        found = reading.found
        if (
            found is not None
            and reading.misconception >= max(mis_at, best_point + margin)
            and reading.contrast >= contrast
        ):
            concept, misconception = found
            return Assessment(
                "misconception", covered, missing, misconception.id, concept.id,
                misconception.correction, scores,
            )  # fmt: skip
        if covered and not missing:
            return Assessment("correct", covered, (), scores=scores)
        if covered:
            return Assessment("partial", covered, missing, scores=scores)
        if reading.topic < off and not reading.attempt:
            return Assessment("off_topic", (), missing, scores=scores)
        return Assessment("wrong", (), missing, scores=scores)

    def assess(self, question: OpenQuestion, answer: str) -> Assessment:
        return self.decide(self.read(question, answer))
