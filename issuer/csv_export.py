"""CSV for people to open in spreadsheets, with formula injection defused (OWASP "CSV Injection").

Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a formula (and a leading tab or
carriage return can hide such a start), so text from users (names, messages, audit details, a
batch file's own cells) could run in the reader's spreadsheet. Such cells get a leading `'`,
which spreadsheets show as text; the csv module quotes the rest. Every CSV download goes through
here: the audit log and batch reports alike.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def lines(rows: Iterable[Iterable], every: int = 1) -> Iterator[str]:
    """The rows (header first, if the caller puts one first) as CSV text, defused, in pieces of
    `every` rows (for a streamed download)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for count, row in enumerate(rows, start=1):
        writer.writerow([defuse(v) for v in row])
        if count % every == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()
