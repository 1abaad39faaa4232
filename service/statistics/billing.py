"""Which billable dates are paid, and what they cost: the payment model over a month's timelines
and the daily amount of each date's year.

The per-patient model pays every stay's billable dates. The average model (`medelvarde`) first
decides per municipality and care type whether the municipality pays at all this month; it needs
all of the municipality's stays, so callers bill before they narrow to a district.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from service.statistics.rules import DailyAmount, Rules
from service.statistics.timeline import Timeline

WITHIN_AVERAGE = "medelvarde-inom-niva"


@dataclass(frozen=True)
class Billed:
    timeline: Timeline
    dates: tuple[date, ...]
    exclusion: str | None  # the stay's own reason, or the model's


@dataclass(frozen=True)
class Decision:
    """The average model's verdict for one municipality and care type in one month."""

    kommun: str | None
    care_group: str
    stays: int  # stays with a ready notice
    days: int
    level: float

    @property
    def average(self) -> float:
        return self.days / self.stays if self.stays else 0.0

    @property
    def pays(self) -> bool:
        return self.average > self.level


def decisions(
    timelines: Iterable[Timeline], rules: Rules
) -> dict[tuple[str | None, str], Decision]:
    totals: dict[tuple[str | None, str], list[int]] = defaultdict(lambda: [0, 0])
    for t in timelines:
        if t.has_ready_notice:
            entry = totals[(t.kommun, t.care_group)]
            entry[0] += 1
            entry[1] += t.ready_days
    return {
        key: Decision(key[0], key[1], stays, days, rules.average_level[key[1]])
        for key, (stays, days) in totals.items()
    }


def bill(timelines: list[Timeline], rules: Rules) -> list[Billed]:
    if rules.model == "per-patient":
        return [Billed(t, t.billable_dates, t.exclusion) for t in timelines]
    verdicts = decisions(timelines, rules)
    billed = []
    for t in timelines:
        verdict = verdicts.get((t.kommun, t.care_group))
        if t.exclusion is None and t.billable_dates and verdict and not verdict.pays:
            billed.append(Billed(t, (), WITHIN_AVERAGE))
        else:
            billed.append(Billed(t, t.billable_dates, t.exclusion))
    return billed


def amounts_used(dates: Iterable[date], rules: Rules) -> list[DailyAmount]:
    """The daily amount of every year the dates fall in; RulesError names a missing year."""
    return [rules.amount(year) for year in sorted({d.year for d in dates})]


def price(dates: Iterable[date], rules: Rules) -> int:
    return sum(rules.amount(d.year).amount for d in dates)


def priceable(dates: Iterable[date], rules: Rules) -> bool:
    return all(d.year in rules.daily_amounts for d in dates)
