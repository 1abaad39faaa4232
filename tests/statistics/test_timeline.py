"""The rule function alone, on stays told as the process goes: every number worked out by hand.

Times are written as the ward's clock shows them (Europe/Stockholm, with the offset of the day).
"""

from dataclasses import replace
from datetime import date, datetime, timedelta
from itertools import count

import pytest

from service.settings import Settings
from service.statistics.basis import basis_for
from service.statistics.billing import bill, decisions, price
from service.statistics.rules import RulesError
from service.statistics.stay import Notice, Stay
from service.statistics.timeline import (
    LATE_ADMISSION_NOTICE,
    NO_INFORMATION_TRANSFER,
    timeline,
)

BASIS = basis_for(Settings(daily_amounts='{"2025": 11000, "2026": 11500}'))
_ids = count(1)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def notice(event: str, sent: str, cancelled: bool = False) -> Notice:
    return Notice(f"t{next(_ids)}", event, at(sent), cancelled)


def stay(
    admitted: str, discharged: str, *notices: Notice, vardform: str = "somatisk", **extra: object
) -> Stay:
    """A stay with an admission notice an hour after admission and the information transfer an
    hour before discharge, unless the notices given say otherwise."""
    events = {n.event for n in notices}
    given = list(notices)
    if "inskrivningsmeddelande" not in events:
        sent = (at(admitted) + timedelta(hours=1)).isoformat()
        given.append(notice("inskrivningsmeddelande", sent))
    if "informationsoverforing" not in events:
        sent = (at(discharged) - timedelta(hours=1)).isoformat()
        given.append(notice("informationsoverforing", sent))
    return Stay(
        encounter=f"e{next(_ids)}",
        patient="p",
        ward="Organization/sos-avd-51",
        vardform=vardform,
        admitted=at(admitted),
        discharged=at(discharged),
        kommun="0182",
        notices=tuple(given),
        **extra,  # type: ignore[arg-type]
    )


def test_ready_monday_before_noon_discharged_thursday_has_one_billable_day() -> None:
    t = timeline(
        stay(
            "2026-03-02T08:00:00+01:00",
            "2026-03-05T14:00:00+01:00",
            notice("utskrivningsklar", "2026-03-02T10:00:00+01:00"),
        ),
        BASIS,
    )
    (period,) = t.periods
    assert (period.dag0, period.first_billable) == (date(2026, 3, 2), date(2026, 3, 4))
    assert t.billable_dates == (date(2026, 3, 4),)  # Wednesday
    assert t.ready_days == 3


def test_ready_monday_after_noon_discharged_thursday_has_none() -> None:
    t = timeline(
        stay(
            "2026-03-02T08:00:00+01:00",
            "2026-03-05T14:00:00+01:00",
            notice("utskrivningsklar", "2026-03-02T13:00:00+01:00"),
        ),
        BASIS,
    )
    assert t.periods[0].dag0 == date(2026, 3, 3)
    assert t.billable_dates == ()
    assert t.ready_days == 3  # the SKR days count from the notice's date, whatever the hour


def test_noon_itself_is_after_noon() -> None:
    t = timeline(
        stay(
            "2026-03-02T08:00:00+01:00",
            "2026-03-09T09:00:00+01:00",
            notice("utskrivningsklar", "2026-03-02T12:00:00+01:00"),
        ),
        BASIS,
    )
    assert t.periods[0].dag0 == date(2026, 3, 3)
    assert t.billable_dates == tuple(date(2026, 3, d) for d in (5, 6, 7, 8))


def test_discharged_on_dag0_has_no_days() -> None:
    t = timeline(
        stay(
            "2026-03-02T08:00:00+01:00",
            "2026-03-02T16:00:00+01:00",
            notice("utskrivningsklar", "2026-03-02T09:00:00+01:00"),
        ),
        BASIS,
    )
    assert t.has_ready_notice and t.ready_days == 0 and t.billable_dates == ()


def test_psychiatric_care_waits_five_days() -> None:
    t = timeline(
        stay(
            "2026-03-01T08:00:00+01:00",
            "2026-03-09T09:00:00+01:00",
            notice("utskrivningsklar", "2026-03-02T11:59:00+01:00"),
            vardform="lpt",
        ),
        BASIS,
    )
    assert t.care_group == "psykiatrisk"
    assert t.periods[0].first_billable == date(2026, 3, 7)
    assert t.billable_dates == (date(2026, 3, 7), date(2026, 3, 8))


def test_the_day_daylight_saving_ends_counts_local_dates_and_local_noon() -> None:
    # 00:30 summer time on 25 October is still 24 October in UTC; 12:30 winter time is 11:30 UTC.
    t = timeline(
        stay(
            "2026-10-20T08:00:00+02:00",
            "2026-10-26T10:00:00+01:00",
            notice("utskrivningsklar", "2026-10-25T00:30:00+02:00"),
        ),
        BASIS,
    )
    assert (t.periods[0].start_date, t.ready_days) == (date(2026, 10, 25), 1)
    late = timeline(
        stay(
            "2026-10-20T08:00:00+02:00",
            "2026-10-30T10:00:00+01:00",
            notice("utskrivningsklar", "2026-10-25T12:30:00+01:00"),
        ),
        BASIS,
    )
    assert late.periods[0].dag0 == date(2026, 10, 26)
    assert late.billable_dates == (date(2026, 10, 28), date(2026, 10, 29))


def test_a_stay_across_the_new_year_is_priced_at_each_dates_year() -> None:
    t = timeline(
        stay(
            "2025-12-20T08:00:00+01:00",
            "2026-01-03T10:00:00+01:00",
            notice("utskrivningsklar", "2025-12-28T09:00:00+01:00"),
        ),
        BASIS,
    )
    assert t.billable_dates == (
        date(2025, 12, 30),
        date(2025, 12, 31),
        date(2026, 1, 1),
        date(2026, 1, 2),
    )
    assert price(t.billable_dates, BASIS.rules) == 2 * 11000 + 2 * 11500
    assert t.discharge_date == date(2026, 1, 3)  # the stay belongs to January


def test_a_year_without_a_daily_amount_is_named() -> None:
    with pytest.raises(RulesError, match=r"2024.*LUS_FHIR_DAILY_AMOUNTS"):
        price([date(2024, 5, 1)], BASIS.rules)


def test_withdrawn_and_renewed_ready_notice_makes_two_periods() -> None:
    t = timeline(
        stay(
            "2026-03-01T08:00:00+01:00",
            "2026-03-12T10:00:00+01:00",
            notice("utskrivningsklar", "2026-03-02T09:00:00+01:00"),
            notice("inte-langre-utskrivningsklar", "2026-03-05T15:00:00+01:00"),
            notice("utskrivningsklar", "2026-03-08T13:00:00+01:00"),
        ),
        BASIS,
    )
    first, second = t.periods
    assert (first.days, first.billable) == (3, (date(2026, 3, 4),))
    assert (second.dag0, second.days) == (date(2026, 3, 9), 4)
    assert second.billable == (date(2026, 3, 11),)
    assert t.ready_days == 7 and len(t.billable_dates) == 2


def test_cancelled_notices_do_not_count() -> None:
    t = timeline(
        stay(
            "2026-03-01T08:00:00+01:00",
            "2026-03-12T10:00:00+01:00",
            notice("utskrivningsklar", "2026-03-02T09:00:00+01:00", cancelled=True),
            notice("utskrivningsklar", "2026-03-09T09:00:00+01:00"),
        ),
        BASIS,
    )
    assert [p.start_date for p in t.periods] == [date(2026, 3, 9)]
    assert t.billable_dates == (date(2026, 3, 11),)
    assert len(t.cancelled) == 1


def test_late_admission_notice_excludes_the_billable_days() -> None:
    ready = notice("utskrivningsklar", "2026-03-02T09:00:00+01:00")
    late = notice("inskrivningsmeddelande", "2026-03-02T08:01:00+01:00")
    t = timeline(stay("2026-03-01T08:00:00+01:00", "2026-03-10T10:00:00+01:00", ready, late), BASIS)
    assert t.exclusion == LATE_ADMISSION_NOTICE
    assert t.billable_dates == () and t.periods[0].billable  # the days exist, unpaid
    assert not t.admission_on_time
    on_time = notice("inskrivningsmeddelande", "2026-03-02T08:00:00+01:00")  # exactly 24 h
    t = timeline(
        stay("2026-03-01T08:00:00+01:00", "2026-03-10T10:00:00+01:00", ready, on_time), BASIS
    )
    assert t.exclusion is None and t.admission_on_time


def test_missing_information_transfer_excludes_the_billable_days() -> None:
    ready = notice("utskrivningsklar", "2026-03-02T09:00:00+01:00")
    next_day = notice("informationsoverforing", "2026-03-11T00:00:00+01:00")
    t = timeline(
        stay("2026-03-01T08:00:00+01:00", "2026-03-10T10:00:00+01:00", ready, next_day), BASIS
    )
    assert t.exclusion == NO_INFORMATION_TRANSFER and not t.information_on_time
    late_evening = notice("informationsoverforing", "2026-03-10T23:59:00+01:00")
    t = timeline(
        stay("2026-03-01T08:00:00+01:00", "2026-03-10T10:00:00+01:00", ready, late_evening), BASIS
    )
    assert t.exclusion is None and t.information_on_time


@pytest.mark.parametrize(
    ("birth", "age", "counted"), [("1961-03-11", 64, False), ("1961-03-10", 65, True)]
)
def test_age_on_the_discharge_day(birth: str, age: int, counted: bool) -> None:
    t = timeline(
        stay(
            "2026-03-01T08:00:00+01:00",
            "2026-03-10T10:00:00+01:00",
            birth_date=date.fromisoformat(birth),
        ),
        BASIS,
    )
    assert t.age == age
    assert (t.readmitted is not None) is counted


@pytest.mark.parametrize(
    ("later", "priority", "readmitted"),
    [
        ("2026-03-17T09:00:00+01:00", "EM", True),  # 6 days 23 h
        ("2026-03-17T10:00:00+01:00", "EM", True),  # exactly 7 × 24 h
        ("2026-03-17T11:00:00+01:00", "EM", False),  # 7 days 1 h
        ("2026-03-12T10:00:00+01:00", "EL", False),  # planned
    ],
)
def test_readmission_within_seven_days(later: str, priority: str, readmitted: bool) -> None:
    t = timeline(
        stay(
            "2026-03-01T08:00:00+01:00",
            "2026-03-10T10:00:00+01:00",
            birth_date=date(1940, 1, 1),
            later_admissions=((at(later), priority),),
        ),
        BASIS,
    )
    assert t.readmitted is readmitted


def test_death_in_hospital_leaves_the_denominator() -> None:
    t = timeline(
        stay(
            "2026-03-01T08:00:00+01:00",
            "2026-03-10T10:00:00+01:00",
            birth_date=date(1940, 1, 1),
            disposition="exp",
        ),
        BASIS,
    )
    assert t.readmitted is None


def test_a_merged_district_is_reported_as_its_successor_from_the_merger() -> None:
    before = stay(
        "2023-06-20T08:00:00+02:00", "2023-06-30T23:00:00+02:00", stadsdel="rinkeby-kista"
    )
    after = replace(before, discharged=at("2023-07-01T00:30:00+02:00"))
    assert timeline(before, BASIS).stadsdel == "rinkeby-kista"
    assert timeline(after, BASIS).stadsdel == "jarva"


def test_average_model_pays_only_above_the_level() -> None:
    rules = replace(BASIS.rules, model="medelvarde")
    basis = replace(BASIS, rules=rules)
    long = timeline(
        stay(
            "2026-03-01T08:00:00+01:00",
            "2026-03-10T10:00:00+01:00",
            notice("utskrivningsklar", "2026-03-02T09:00:00+01:00"),
        ),
        basis,
    )
    dag0 = timeline(
        stay(
            "2026-03-01T08:00:00+01:00",
            "2026-03-02T10:00:00+01:00",
            notice("utskrivningsklar", "2026-03-02T09:00:00+01:00"),
        ),
        basis,
    )
    # (8 + 0) / 2 = 4.0 days > 3.0: the municipality pays the long stay's 6 dates
    assert decisions([long, dag0], rules)[("0182", "somatisk")].average == 4.0
    assert [len(b.dates) for b in bill([long, dag0], rules)] == [6, 0]
    # a third, short stay brings the average to (8 + 0 + 0) / 3 = 2.67: nothing is paid
    billed = bill([long, dag0, replace(dag0, stay=replace(dag0.stay, encounter="x"))], rules)
    assert (len(billed[0].dates), billed[0].exclusion) == (0, "medelvarde-inom-niva")
