"""A stay's timeline: the one place the statistics rules are applied to a stay.

`timeline(stay, basis)` is a pure function of the stay's facts and the rules data. The
MeasureReports, the CSV/xlsx rows and the invoice lines all read its result, so a figure means the
same wherever it is shown. Dates are local dates in Europe/Stockholm.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from service.fhirtime import STOCKHOLM
from service.statistics.basis import Basis
from service.statistics.stay import Notice, Stay
from service.workflow.deadlines import end_of_day

READY = "utskrivningsklar"
NOT_READY = "inte-langre-utskrivningsklar"
ADMISSION = "inskrivningsmeddelande"
INFORMATION = "informationsoverforing"
DISCHARGE = "utskrivningsmeddelande"
LATE_ADMISSION_NOTICE = "inskrivningsmeddelande-saknas-eller-sent"
NO_INFORMATION_TRANSFER = "informationsoverforing-saknas"


def local_date(moment: datetime) -> date:
    return moment.astimezone(STOCKHOLM).date()


@dataclass(frozen=True)
class ReadyPeriod:
    """From an underrättelse om utskrivningsklar to the next inte längre utskrivningsklar (`end`)
    or to discharge (`end` None)."""

    start: Notice
    end: Notice | None
    start_date: date
    end_date: date
    dag0: date
    first_billable: date  # dag 0 + P: the first date that can be billed
    billable: tuple[date, ...]

    @property
    def days(self) -> int:
        return max((self.end_date - self.start_date).days, 0)


@dataclass(frozen=True)
class Timeline:
    stay: Stay
    care_group: str  # somatisk | psykiatrisk
    stadsdel: str | None  # the district valid on the discharge date
    discharge_date: date
    periods: tuple[ReadyPeriod, ...]
    admission_notice: Notice | None  # the first inskrivningsmeddelande that counts
    information_transfer: Notice | None  # the first informationsöverföring that counts
    exclusion: str | None  # why the stay has no billable days despite its periods
    age: int | None  # on the discharge date
    # process follow-up: None where the indicator does not apply to the stay
    admission_on_time: bool
    information_on_time: bool
    sip_invited_on_time: bool | None
    sip_participation: bool | None
    home_care_acknowledged: bool | None
    readmitted: bool | None  # None outside the denominator (under the age, or deceased)

    @property
    def kommun(self) -> str | None:
        return self.stay.kommun

    @property
    def has_ready_notice(self) -> bool:
        return bool(self.periods)

    @property
    def ready_days(self) -> int:
        return sum(p.days for p in self.periods)

    @property
    def billable_dates(self) -> tuple[date, ...]:
        """Every billable date once (periods of a withdrawn and renewed notice may touch)."""
        if self.exclusion is not None:
            return ()
        return tuple(sorted({d for p in self.periods for d in p.billable}))

    @property
    def cancelled(self) -> tuple[Notice, ...]:
        return tuple(n for n in self.stay.notices if n.cancelled)


def _counted(stay: Stay) -> list[Notice]:
    return sorted((n for n in stay.notices if not n.cancelled), key=lambda n: (n.sent, n.task))


def _first(notices: list[Notice], event: str) -> Notice | None:
    return next((n for n in notices if n.event == event), None)


def _dag0(sent: datetime, basis: Basis) -> date:
    local = sent.astimezone(STOCKHOLM)
    return local.date() if local.time() < basis.rules.noon else local.date() + timedelta(days=1)


def _period(start: Notice, end: Notice | None, stay: Stay, group: str, basis: Basis) -> ReadyPeriod:
    ends_at = min(end.sent, stay.discharged) if end else stay.discharged
    start_date, end_date = local_date(start.sent), local_date(ends_at)
    dag0 = _dag0(start.sent, basis)
    first = dag0 + timedelta(days=basis.rules.free_days[group])
    billable = tuple(first + timedelta(days=i) for i in range(max((end_date - first).days, 0)))
    return ReadyPeriod(start, end, start_date, end_date, dag0, first, billable)


def _periods(notices: list[Notice], stay: Stay, group: str, basis: Basis) -> list[ReadyPeriod]:
    """A ready notice opens a period (a second one while open changes nothing); a withdrawal
    closes it; discharge closes the last. Notices sent after discharge open nothing."""
    periods, open_at = [], None
    for notice in notices:
        if notice.sent > stay.discharged:
            break
        if notice.event == READY and open_at is None:
            open_at = notice
        elif notice.event == NOT_READY and open_at is not None:
            periods.append(_period(open_at, notice, stay, group, basis))
            open_at = None
    if open_at is not None:
        periods.append(_period(open_at, None, stay, group, basis))
    return periods


def age_on(birth: date | None, day: date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _readmitted(stay: Stay, age: int | None, basis: Basis) -> bool | None:
    rules = basis.rules
    if age is None or age < rules.readmission_min_age:
        return None
    if stay.disposition in rules.deceased_dispositions:
        return None
    window_end = stay.discharged + rules.readmission_window
    return any(
        stay.discharged < start <= window_end and priority in rules.unplanned_priorities
        for start, priority in stay.later_admissions
    )


def _home_care_acknowledged(stay: Stay, notices: list[Notice]) -> bool | None:
    if not stay.home_care:
        return None
    receipts = {r for n in notices if n.event == DISCHARGE for r in n.receipts}
    return all(provider in receipts for provider in stay.home_care)


def timeline(stay: Stay, basis: Basis) -> Timeline:
    rules = basis.rules
    group = rules.care_groups.get(stay.vardform)
    if group is None:
        raise ValueError(
            f"Encounter/{stay.encounter}: vardform {stay.vardform!r} has no care group"
        )
    notices = _counted(stay)
    periods = _periods(notices, stay, group, basis)
    admission, information = _first(notices, ADMISSION), _first(notices, INFORMATION)
    information_on_time = information is not None and information.sent < end_of_day(stay.discharged)
    exclusion = None
    if admission is None or admission.sent - stay.admitted > rules.admission_notice:
        exclusion = LATE_ADMISSION_NOTICE
    elif not information_on_time:
        exclusion = NO_INFORMATION_TRANSFER
    discharge_date = local_date(stay.discharged)
    age = age_on(stay.birth_date, discharge_date)
    sip_on_time = None
    if periods:
        deadline = periods[0].start.sent + basis.deadlines.sip_invitation
        sip_on_time = any(sent <= deadline for sent in stay.sip_invitations)
    participation = None
    if stay.sip_participation:
        participation = any(codes & rules.sip_participation for codes in stay.sip_participation)
    stadsdel = stay.stadsdel
    if stadsdel is not None:
        stadsdel = basis.areas.district_on(stadsdel, discharge_date, rules.district_successors)
    return Timeline(
        stay=stay,
        care_group=group,
        stadsdel=stadsdel,
        discharge_date=discharge_date,
        periods=tuple(periods),
        admission_notice=admission,
        information_transfer=information,
        exclusion=exclusion,
        age=age,
        admission_on_time=admission is not None
        and admission.sent - stay.admitted <= basis.deadlines.admission_notice,
        information_on_time=information_on_time,
        sip_invited_on_time=sip_on_time,
        sip_participation=participation,
        home_care_acknowledged=_home_care_acknowledged(stay, notices),
        readmitted=_readmitted(stay, age, basis),
    )
