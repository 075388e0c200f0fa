"""RFC 3339 timestamps as OSV and KEV write them, to timezone-aware UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime

# Python 3.11's fromisoformat takes at most microseconds; OSV producers write up to nanoseconds.
_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_rfc3339(value: object) -> datetime:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected an RFC 3339 timestamp string, got {value!r}")
    text = value.strip()
    if "." in text:
        text = _FRACTION.sub(r"\1", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected an RFC 3339 timestamp, got {value!r}") from None
    if parsed.tzinfo is None:  # OSV timestamps are UTC; a few producers omit the Z
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
