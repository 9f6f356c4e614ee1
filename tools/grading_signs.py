"""Old home of the sign-answer reader, kept for importers outside ``tools/``.

``assistant/parsing.py`` imports ``parse_signs`` and ``sign_tokens`` from here. They live
in ``tools.levels.sign_reading``; the ``signs`` level grades in ``tools.levels.signs``.
New code imports from there.
"""

from __future__ import annotations

from tools.levels.sign_reading import HOW, negated, parse_signs, sign_tokens

__all__ = ["HOW", "negated", "parse_signs", "sign_tokens"]
