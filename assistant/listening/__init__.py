"""Listening: the tutor reads the learner's own answers and statements.

See ../shared/TEACHING.md, "Listening". Three parts:

- ``assessor``: labels a free-text answer to an open question (correct, partial with the
  expected points it covers, wrong, misconception with its id, off-topic, don't know);
- ``dialogue``: the open question a session holds and the tutor's next move on it
  (feedback, pump, hint, prompt, assertion, summary, correction);
- ``mastery``: per-concept knowledge tracing from every assessment.
"""

from __future__ import annotations

from assistant.listening.assessor import LABELS, Assessment, Assessor

__all__ = ["LABELS", "Assessment", "Assessor"]
