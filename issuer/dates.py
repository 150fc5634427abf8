"""XML Schema dateTime values as credentials carry them ("2024-01-01T00:00:00Z")."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

# How far ahead of our clock a validFrom may be and still count as begun. Issuers and verifiers
# never share a clock exactly, and a status list re-signed (validFrom = now, to the second) in
# the very request that verifies a credential would otherwise be "not yet valid" for a moment.
CLOCK_SKEW = timedelta(seconds=60)


def parse_datetime(value) -> datetime | None:
    """The moment `value` names (UTC when it gives no offset), or None if it is not a date-time."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def aware(value: datetime) -> datetime:
    """A timestamp read back from the database, in UTC: SQLite returns them without their zone
    (they were written in UTC), PostgreSQL with it."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
