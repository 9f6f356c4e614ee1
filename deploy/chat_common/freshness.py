"""How fresh a signed chat-platform request must be (Slack and Discord alike).

Both platforms sign the time of sending together with the body and send it in a header.
A signature proves who sent a request, not when, so a request signed more than
``MAX_AGE`` from this server's clock, either way, is refused: a captured request cannot
be replayed later. The header must be plain Unix seconds; anything else (``abc``, a
400-digit number that ``int()`` takes but the clock arithmetic cannot) is refused too.
"""

from __future__ import annotations

import re

from core.errors import Unauthorized

MAX_AGE = 5 * 60  # seconds, the platforms' own rule
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


def check_fresh(header: str, timestamp: str, now: float) -> None:
    """Raise ``Unauthorized`` unless ``timestamp`` (the value of ``header``) is Unix
    seconds within ``MAX_AGE`` of ``now``."""
    if not _UNIX_SECONDS.fullmatch(timestamp.strip()):
        raise Unauthorized(
            f"{header} must be a Unix time in seconds, got {timestamp[:40]!r}; it is the "
            "time the request was signed, and must be within 5 minutes of now."
        )
    skew = now - int(timestamp)
    if abs(skew) > MAX_AGE:
        when = "old" if skew > 0 else "in the future"
        raise Unauthorized(
            f"{header} is {abs(int(skew))} s {when}: a signed request must arrive within "
            "5 minutes of its Unix time. Replayed requests are refused; if the platform's "
            "own requests are refused, check this server's clock (NTP)."
        )
