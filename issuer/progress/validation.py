"""Pure validation of one ledger entry against a program, before it is written.

The ledger is append-only, so a bad row can only be undone by a correction; refusing it at
the door is cheaper. Errors name the CSV column (`entry_type`, `item`, `value`, `date`) so an
import can report "row 12, value: ..." and an API can point at the field.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

from issuer.errors import LerError
from issuer.rules import (
    ATTAINED,
    COMPETENCY,
    ENTRY_TYPES,
    OJL_HOURS,
    RTI_HOURS,
    STATEMENT,
    format_hours,
    program_items,
)

# One entry records one day's work; anything above a day is a typo or a week pasted in.
MAX_HOURS_PER_ENTRY = Decimal(24)
MAX_DECIMAL_PLACES = 2
# How many valid ids an "unknown item" message shows before eliding the rest.
SHOWN_IDS = 6

_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Plain decimal notation only: Decimal() would also take "1e3", "NaN" and "Infinity".
_HOURS_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")

_ITEM_LABELS = {
    OJL_HOURS: "work process",
    RTI_HOURS: "related-instruction course",
    COMPETENCY: "competency",
    STATEMENT: "framework statement",
}


class EntryError(LerError, ValueError):
    """One field of a ledger entry is unacceptable. `field` is the CSV column name."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def parse_date(text: str) -> datetime.date:
    """An ISO calendar date, YYYY-MM-DD exactly (surrounding blanks ignored).

    Other spellings that `date.fromisoformat` also takes ("20240102", week dates) are refused:
    a CSV column should hold one unambiguous format.
    """
    if not isinstance(text, str):
        raise EntryError("date", f"{text!r} is not a date in YYYY-MM-DD form")
    stripped = text.strip()
    if not _DATE_RE.fullmatch(stripped):
        raise EntryError("date", f"{text!r} is not a date in YYYY-MM-DD form")
    try:
        return datetime.date.fromisoformat(stripped)
    except ValueError:
        raise EntryError("date", f"{text!r} is not a real calendar date") from None


def _hours(value: str) -> str:
    text = str(value).strip()
    if not _HOURS_RE.fullmatch(text):
        raise EntryError("value", f"hours {value!r} is not a number (write e.g. 7.5)")
    try:
        hours = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise EntryError("value", f"hours {value!r} is not a number (write e.g. 7.5)") from None
    if hours < 0:
        raise EntryError("value", f"hours {value!r} is negative; to take hours back, reverse the entry")
    if hours == 0:
        raise EntryError("value", f"hours {value!r} is zero; record only hours worked")
    if hours > MAX_HOURS_PER_ENTRY:
        raise EntryError(
            "value", f"hours {value!r} is more than {MAX_HOURS_PER_ENTRY} in one entry; record one day per entry"
        )
    # Judged on the value, so a spreadsheet's "7.500" passes as 7.5.
    if -hours.normalize().as_tuple().exponent > MAX_DECIMAL_PLACES:
        raise EntryError("value", f"hours {value!r} has more than {MAX_DECIMAL_PLACES} decimal places")
    return format_hours(hours)


def _unknown_item(program: Mapping, entry_type: str, item: str, valid: Sequence[str]) -> EntryError:
    shown = ", ".join(valid[:SHOWN_IDS])
    if len(valid) > SHOWN_IDS:
        shown += f", ... ({len(valid)} in all)"
    message = f"unknown {_ITEM_LABELS[entry_type]} {item!r} for program {program['id']}; valid ids: {shown}"
    # A work process or course named by its code in the program ("A" for wp-a) is the common slip.
    parts = (program.get("work_processes") or []) + ((program.get("related_instruction") or {}).get("courses") or [])
    by_code = {str(p["code"]).strip().lower(): p["id"] for p in parts if p.get("code") and p.get("id") in valid}
    named = str(item).strip().lower()
    close = [by_code[named]] if named in by_code else difflib.get_close_matches(named, list(valid), n=3)
    if close:
        message += f"; did you mean {' or '.join(close)}?"
    return EntryError("item", message)


def validate_entry(
    program: Mapping,
    frameworks: Sequence[Mapping],
    entry_type: str,
    item: str,
    value: str,
    date: datetime.date | str,
    today: datetime.date,
    items: Mapping[str, frozenset[str]] | None = None,
) -> str:
    """Check one entry against `program` (and the `frameworks` that apply to it).

    Returns the normalized value: hours as a plain decimal without trailing zeros ("7.50" ->
    "7.5"), a competency level or "attained" in lowercase. `date` may be a date or ISO text.
    Raises EntryError(field, message) on the first problem found, checking the columns in
    the order entry_type, item, value, date. `items`: the program's item ids per entry type
    when the caller keeps them (`issuer.rules.ProgramRules.items`), so they are not listed again.
    """
    if entry_type not in ENTRY_TYPES:
        raise EntryError("entry_type", f"unknown entry type {entry_type!r}; expected one of {', '.join(ENTRY_TYPES)}")
    levels = tuple(program.get("competency_levels") or ())
    if entry_type == COMPETENCY and not levels:
        raise EntryError(
            "entry_type",
            f"program {program['id']} is {program['approach']} and has no competency levels, "
            "so it takes no competency sign-offs",
        )
    known = items[entry_type] if items is not None else None
    if known is None or item not in known:
        valid = program_items(program, frameworks, entry_type)
        if entry_type == STATEMENT and not valid:
            raise EntryError("entry_type", f"program {program['id']} has no skills framework, so it takes no statements")
        if item not in valid:
            raise _unknown_item(program, entry_type, item, valid)

    if entry_type in (OJL_HOURS, RTI_HOURS):
        normalized = _hours(value)
    elif entry_type == COMPETENCY:
        normalized = str(value).strip().lower()
        if normalized not in levels:
            raise EntryError("value", f"competency level {value!r} is not one of {', '.join(levels)}")
    else:
        normalized = str(value).strip().lower()
        if normalized != ATTAINED:
            raise EntryError("value", f"statement value {value!r} must be {ATTAINED!r}")

    if isinstance(date, datetime.datetime):
        date = date.date()
    elif not isinstance(date, datetime.date):
        date = parse_date(date)
    if date > today:
        raise EntryError("date", f"{date.isoformat()} is in the future (today is {today.isoformat()})")
    return normalized
