"""FHIRPath `<=` on dates and quantities, as the Java validator evaluates per-1 and rng-2.

Date/time values are compared component by component at their common precision; when they agree
that far but one is more precise, the result is empty (FHIRPath §6.1.5), and an empty invariant
fails. Values with a time are compared as instants (offsets applied). Quantities compare by value
only in the same unit: the Java validator's FHIRPath does not convert units, so `1 kg <= 1500 g`
is empty there, and so it is here.
"""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

_DATE_TIME = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?"
    r"(Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


def at_most(low: Any, high: Any) -> bool | None:
    """FHIRPath `low <= high` for two date/time strings; None when empty (incomparable)."""
    a, b = _parts(low), _parts(high)
    if a is None or b is None:
        return None
    for x, y in zip(a, b, strict=False):
        if x != y:
            return x < y
    return True if len(a) == len(b) else None


def quantity_at_most(low: Any, high: Any) -> bool | None:
    """FHIRPath `low <= high` for two Quantity objects; None when not comparable."""
    if not isinstance(low, dict) or not isinstance(high, dict) or _unit(low) != _unit(high):
        return None
    try:
        return Decimal(str(low.get("value"))) <= Decimal(str(high.get("value")))
    except InvalidOperation:
        return None


def _unit(quantity: dict[str, Any]) -> Any:
    code = quantity.get("code")
    return code if code is not None else quantity.get("unit")


def _parts(value: Any) -> tuple[Decimal | int, ...] | None:
    """Components from year down to the value's precision, a time normalised to UTC."""
    if not isinstance(value, str):
        return None
    match = _DATE_TIME.match(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    if hour is None:
        return tuple(int(p) for p in (year, month, day) if p is not None)
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), tzinfo=UTC)
    except ValueError:  # an impossible date or time, reported by the primitive check
        return None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        moment -= sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    head: tuple[Decimal | int, ...] = (
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
    )
    return head if second is None else (*head, Decimal(second))
