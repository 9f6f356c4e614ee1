"""The instructor's CSV export of every stored message, safe to open in a spreadsheet.

Learner text is untrusted: a cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or
carriage return) is a formula to Excel, LibreOffice and Google Sheets. Such message
cells get a leading apostrophe, the spreadsheet convention for "this is text" (OWASP's
advice for CSV injection); identifiers (a session id may start with "-") are left exact,
and the stored messages themselves are never changed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

EXPORT_FIELDS = ["session_id", "channel", "seq", "role", "content", "created_at", "rating"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FREE_TEXT = {"content"}  # what learners and the tutor wrote; other columns are ours


def spreadsheet_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(rows: Iterable[dict[str, Any]], handle: TextIO) -> int:
    """Write the header and ``rows`` (extra keys ignored); returns the number of rows."""
    writer = csv.DictWriter(handle, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({k: spreadsheet_safe(v) if k in FREE_TEXT else v for k, v in row.items()})
        count += 1
    return count
