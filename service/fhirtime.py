"""FHIR date, dateTime and instant values as UTC ranges, and the one clock the service reads.

A partial date means a range ("2026-11" is all of November); dates without a zone are read in
Europe/Stockholm, where the process's day rules live. Ranges are stored as fixed-width UTC strings
so that string order equals time order on every database.
"""

import calendar
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
Clock = Callable[[], datetime]

_PATTERN = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?"
    r"(Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


# A dateTime to the second with a zone and no fraction (what stored resources mostly carry).
_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})$")


def utc_now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """Fixed-width sortable UTC text: 2026-11-24T05:10:35.123456Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def instant(moment: datetime) -> str:
    """A FHIR instant for meta.lastUpdated (milliseconds, UTC)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_range(value: str) -> tuple[datetime, datetime] | None:
    """[start, end) in UTC of a FHIR date/dateTime/instant, or None when it is not one: also
    for an offset of a day or more and for moments that fall outside the years 1–9999 once in
    UTC (0001-01-01 in Stockholm): Python's datetime holds no others."""
    match = _PATTERN.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        tz: tzinfo = STOCKHOLM
        if zone:
            tz = UTC if zone == "Z" else _offset(zone)
        if month is None:
            start = datetime(int(year), 1, 1, tzinfo=tz)
            end = datetime(int(year) + 1, 1, 1, tzinfo=tz)
        elif day is None:
            start = datetime(int(year), int(month), 1, tzinfo=tz)
            days = calendar.monthrange(int(year), int(month))[1]
            end = start + timedelta(days=days)
        elif hour is None:
            start = datetime(int(year), int(month), int(day), tzinfo=tz)
            end = start + timedelta(days=1)
        else:
            micro = round(float(fraction) * 1_000_000) if fraction else 0
            start = datetime(
                int(year),
                int(month),
                int(day),
                int(hour),
                int(minute),
                int(second or 0),
                min(micro, 999_999),
                tzinfo=tz,
            )
            step = timedelta(microseconds=1) if fraction else timedelta(seconds=1 if second else 60)
            end = start + step
        return start.astimezone(UTC), end.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def start_of(value: Any) -> datetime | None:
    """The first instant of a FHIR date/dateTime/instant value, or None for anything else."""
    if not isinstance(value, str):
        return None
    if _SECONDS.match(value):  # the common form, read by the C parser (same instant)
        try:
            return datetime.fromisoformat(value).astimezone(UTC)
        except (ValueError, OverflowError):
            pass  # out of range: parse_range says None
    parsed = parse_range(value)
    return parsed[0] if parsed else None


def _offset(zone: str) -> timezone:
    sign = 1 if zone[0] == "+" else -1
    return timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
