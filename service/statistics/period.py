"""The period a report covers, as local dates in Europe/Stockholm, and the checks on the period a
caller asks for: malformed, reversed or in the future is refused, naming the parameter."""

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from service.fhirtime import STOCKHOLM
from service.outcome import FhirError

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Period:
    """Local dates [first, last]; a stay belongs to it when its discharge date does."""

    first: date
    last: date

    def contains(self, day: date) -> bool:
        return self.first <= day <= self.last

    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=STOCKHOLM)

    def end(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=STOCKHOLM)

    @property
    def is_month(self) -> bool:
        return self.first.day == 1 and self.last == month_of(self.first).last

    @property
    def label(self) -> str:
        """`2026-03` for a calendar month, `2026-03-01..2026-03-15` otherwise."""
        if self.is_month:
            return self.first.strftime("%Y-%m")
        return f"{self.first.isoformat()}..{self.last.isoformat()}"


def month_of(day: date) -> Period:
    last = calendar.monthrange(day.year, day.month)[1]
    return Period(day.replace(day=1), day.replace(day=last))


def _bad(text: str, where: str) -> FhirError:
    return FhirError.of(400, "invalid", text, where)


def _not_future(period: Period, now: datetime, where: str) -> Period:
    today = now.astimezone(STOCKHOLM).date()
    if period.first > today:
        raise _bad(
            f"{where}: {period.label} has not begun (today is {today.isoformat()} in Stockholm); "
            "statistics cover stays already discharged",
            where,
        )
    return period


def parse_month(text: str, now: datetime, where: str = "month") -> Period:
    """`YYYY-MM` → that calendar month; refuses anything else and months that have not begun."""
    match = MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise _bad(f"{where}={text!r} is not a month: write YYYY-MM, e.g. 2026-03", where)
    return _not_future(month_of(date(int(match.group(1)), int(match.group(2)), 1)), now, where)


def _day(text: str, where: str) -> date:
    if not DAY.match(text.strip()):
        raise _bad(f"{where}={text!r} is not a date: write YYYY-MM-DD, e.g. 2026-03-01", where)
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise _bad(f"{where}={text!r} is not a calendar date", where) from None


def parse_period(start: str | None, end: str | None, now: datetime) -> Period:
    """$evaluate-measure's periodStart and periodEnd (both required, local dates, inclusive)."""
    for name, value in (("periodStart", start), ("periodEnd", end)):
        if not value:
            raise FhirError.of(400, "required", f"{name} is required (YYYY-MM-DD)", name)
    assert start is not None and end is not None
    first, last = _day(start, "periodStart"), _day(end, "periodEnd")
    if last < first:
        raise _bad(
            f"the period is reversed: periodEnd {last.isoformat()} is before periodStart "
            f"{first.isoformat()}",
            "periodEnd",
        )
    return _not_future(Period(first, last), now, "periodStart")
