"""Old home of the ``signs`` level's sign rules, kept for importers outside ``tools/``.

``tests/assistant/test_injection.py`` imports ``sign_sequences`` from here. The level now
lives in ``tools.levels.signs`` (its words in ``tools.levels.signs_text``) and the sign
algebra in ``tools.levels.sign_rules``; new code imports from there.
"""

from __future__ import annotations

from tools.levels.sign_rules import CHAR, WORD, combine, sign, sign_sequences, terms

__all__ = ["CHAR", "WORD", "combine", "sign", "sign_sequences", "terms"]
