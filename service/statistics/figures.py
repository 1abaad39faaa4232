"""The month's figures as sums that add up: one `Cell` per municipality, district and care type,
merged into whatever a report shows (a stratum, a row, the county). Means and shares are derived
from the sums here and nowhere else, so the MeasureReport, the CSV/xlsx and the invoice agree."""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal

from service.statistics.billing import Billed, price, priceable
from service.statistics.rules import Rules

Key = tuple[str | None, str | None, str]  # (kommun, stadsdel, care group)


@dataclass
class Cell:
    stays: int = 0  # discharged in the period
    ready_stays: int = 0  # with a ready-for-discharge notice (dag 0 stays included)
    ready_days: int = 0
    skr_stays: int = 0  # with at least skr_min_days days (SKR's national figure)
    skr_days: int = 0
    excluded_stays: int = 0  # ready stays without billable days for a reason code
    billable_days: int = 0
    amount: int = 0
    unpriced_days: int = 0  # billable days of years without a daily amount
    readmission_denominator: int = 0
    readmissions: int = 0
    admission_on_time: int = 0
    information_on_time: int = 0
    sip_expected: int = 0
    sip_invited_on_time: int = 0
    sips: int = 0
    sip_participation: int = 0
    home_care_expected: int = 0
    home_care_acknowledged: int = 0
    deviations: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, other: "Cell") -> "Cell":
        for name in FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    # ---- derived figures ----
    @property
    def skr_mean(self) -> Decimal | None:
        return mean(self.skr_days, self.skr_stays)

    @property
    def mean_with_dag0(self) -> Decimal | None:
        return mean(self.ready_days, self.ready_stays)

    @property
    def billed_stays(self) -> int:
        """Ready stays whose days are billed (the observations of the payment measure)."""
        return self.ready_stays - self.excluded_stays

    @property
    def priced_amount(self) -> int | None:
        """The amount, or None when some billable day's year has no daily amount."""
        return None if self.unpriced_days else self.amount

    @property
    def readmission_share(self) -> Decimal | None:
        return share(self.readmissions, self.readmission_denominator)

    @property
    def deviation_count(self) -> int:
        return sum(self.deviations.values())


FIELDS = tuple(f.name for f in fields(Cell))


def mean(total: int, count: int) -> Decimal | None:
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def share(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def cell_of(billed: Billed, rules: Rules) -> Cell:
    t = billed.timeline
    cell = Cell(stays=1)
    if t.has_ready_notice:
        cell.ready_stays, cell.ready_days = 1, t.ready_days
        if t.ready_days >= rules.skr_min_days:
            cell.skr_stays, cell.skr_days = 1, t.ready_days
        cell.excluded_stays = int(billed.exclusion is not None)
        cell.billable_days = len(billed.dates)
        if priceable(billed.dates, rules):
            cell.amount = price(billed.dates, rules)
        else:
            cell.unpriced_days = len(billed.dates)
    if t.readmitted is not None:
        cell.readmission_denominator, cell.readmissions = 1, int(t.readmitted)
    cell.admission_on_time = int(t.admission_on_time)
    cell.information_on_time = int(t.information_on_time)
    if t.sip_invited_on_time is not None:
        cell.sip_expected, cell.sip_invited_on_time = 1, int(t.sip_invited_on_time)
    if t.sip_participation is not None:
        cell.sips, cell.sip_participation = 1, int(t.sip_participation)
    if t.home_care_acknowledged is not None:
        cell.home_care_expected = 1
        cell.home_care_acknowledged = int(t.home_care_acknowledged)
    cell.deviations = Counter(t.stay.deviations)
    return cell


def key_of(billed: Billed) -> Key:
    t = billed.timeline
    return (t.kommun, t.stadsdel, t.care_group)


def cells(billed: Iterable[Billed], rules: Rules) -> dict[Key, Cell]:
    found: dict[Key, Cell] = {}
    for item in billed:
        key = key_of(item)
        found.setdefault(key, Cell()).add(cell_of(item, rules))
    return found


def merge(table: dict[Key, Cell], keep: Callable[[Key], bool]) -> Cell:
    total = Cell()
    for key, cell in table.items():
        if keep(key):
            total.add(cell)
    return total
