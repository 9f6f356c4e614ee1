"""The keyword half of hybrid retrieval: a tokenizer and a BM25 index (``bm25s``).

Tokens are lowercase runs of letters and digits with English stopwords removed; no
stemming, so ``lstm`` and ``lstms`` stay distinct (only a trailing plural ``s`` is folded,
which matters for acronyms such as "RNNs"). The section heading is counted
``TITLE_WEIGHT`` times, because a learner's words usually echo the heading of the
passage that answers them. The index is rebuilt from the stored chunks, never from
files, so every process that reads the same Chroma gets the same BM25 scores.
"""

from __future__ import annotations

import re

import bm25s
import numpy as np

TITLE_WEIGHT = 2

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves s t don shouldn isn aren wasn weren doesn didn let lets get gets""".split()  # noqa: SIM905
)

_TOKEN = re.compile(r"[a-z0-9]+")


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens without stopwords; a plural ``s`` is folded (rnns -> rnn)."""
    tokens = []
    for tok in _TOKEN.findall(text.lower().replace("’", "'")):
        if tok in STOPWORDS:
            continue
        if len(tok) > 3 and tok.endswith("s") and not tok.endswith(("ss", "us", "is")):
            tok = tok[:-1]
        tokens.append(tok)
    return tokens


def document_tokens(title: str, section: str, text: str) -> list[str]:
    """Tokens of one chunk: the heading weighted, the rest of the path once, then the text."""
    parents = section.rsplit(" > ", 1)[0] if " > " in section else ""
    return tokenize(title) * TITLE_WEIGHT + tokenize(parents) + tokenize(text)


class LexicalIndex:
    """BM25 over a fixed list of token lists; ``scores`` gives one score per document."""

    def __init__(self, corpus_tokens: list[list[str]]) -> None:
        self.size = len(corpus_tokens)
        self._bm25 = bm25s.BM25()
        if self.size:
            self._bm25.index(corpus_tokens, show_progress=False)
        self._vocab = set(self._bm25.vocab_dict) if self.size else set()

    def scores(self, query: str) -> np.ndarray:
        tokens = [t for t in tokenize(query) if t in self._vocab]
        if not tokens or not self.size:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def top(self, query: str, n: int) -> list[tuple[int, float]]:
        """Indices and scores of the ``n`` best documents with a positive score."""
        scores = self.scores(query)
        if not scores.size:
            return []
        n = min(n, scores.size)
        best = np.argpartition(-scores, n - 1)[:n]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(i), float(scores[i])) for i in best if scores[i] > 0]
