"""Size limits every channel shares, stated once.

A learner's message may be at most ``MAX_MESSAGE_CHARS`` characters, whatever carries it
(the HTTP API, the OpenAI-compatible endpoint, Slack, Discord, the terminal), and every
layer below the edge accepts at least that much: the tutor searches the lesson with the
learner's own words, so the retriever's query limit is the message limit. A test checks
that a message of exactly this length gets an answer, not an error from a lower layer.
"""

from __future__ import annotations

MAX_MESSAGE_CHARS = 4000
