"""Stays told as the process goes, each figure worked out by hand and checked in the MeasureReport,
the CSV and the invoice basis alike. Each scenario has a municipality of its own.

2026-03-02 is a Monday. Daily amounts: 2025 11 000 kr, 2026 11 500 kr (operator setting).
"""

from typing import Any

from tests.statistics.world import World, _count, _group


def _line(world: World, month: str, kommun: str, encounter: str) -> dict[str, Any]:
    lines = world.invoice(month, kommun)["lines"]
    line: dict[str, Any] = next(x for x in lines if x["encounter"] == encounter)
    return line


def test_the_noon_rule_on_both_sides(world: World) -> None:
    # Ready Monday 10:00, discharged Thursday: Wednesday is billable. Ready Monday 13:00: nothing.
    morning = world.stay(
        world.patient("0114"),
        "2026-03-01T08:00:00+01:00",
        "2026-03-02T10:00:00+01:00",
        "2026-03-05T14:00:00+01:00",
    )
    world.stay(
        world.patient("0114"),
        "2026-03-01T08:00:00+01:00",
        "2026-03-02T13:00:00+01:00",
        "2026-03-05T14:00:00+01:00",
    )
    world.agree("2026-03", "0114", ready_days=6, skr_stays=2, billable_days=1, amount=11500)
    line = _line(world, "2026-03", "0114", morning)
    assert line["periods"][0]["dag_0"] == "2026-03-02"
    assert line["billable_dates"] == ["2026-03-04"]


def test_discharged_on_dag0(world: World) -> None:
    world.stay(
        world.patient("0115"),
        "2026-03-01T08:00:00+01:00",
        "2026-03-02T09:00:00+01:00",
        "2026-03-02T16:00:00+01:00",
    )
    world.agree("2026-03", "0115", ready_days=0, skr_stays=0, billable_days=0, amount=0)
    days = world.report("lus-utskrivningsklara-dagar", "2026-03", "0115")
    # not in SKR's figure, but in Stockholm's average with dag 0
    assert _count(_group(days, "skr"), "measure-population") == 0
    stockholm = _group(days, "medel-inkl-dag-0")
    assert _count(stockholm, "measure-population") == 1
    assert stockholm["measureScore"]["value"] == 0


def test_the_day_daylight_saving_ends(world: World) -> None:
    # 12:30 winter time on 25 October is 11:30 UTC: after noon, so dag 0 is the 26th.
    late = world.stay(
        world.patient("0117"),
        "2026-10-20T08:00:00+02:00",
        "2026-10-25T12:30:00+01:00",
        "2026-10-30T10:00:00+01:00",
    )
    # 00:30 summer time is still the 24th in UTC: one local day to the 26th.
    world.stay(
        world.patient("0117"),
        "2026-10-20T08:00:00+02:00",
        "2026-10-25T00:30:00+02:00",
        "2026-10-26T10:00:00+01:00",
    )
    world.agree("2026-10", "0117", ready_days=6, billable_days=2, amount=23000)
    line = _line(world, "2026-10", "0117", late)
    assert (line["periods"][0]["dag_0"], line["billable_dates"]) == (
        "2026-10-26",
        ["2026-10-28", "2026-10-29"],
    )


def test_a_stay_across_the_month_and_the_year(world: World) -> None:
    world.stay(
        world.patient("0120"),
        "2025-12-20T08:00:00+01:00",
        "2025-12-28T09:00:00+01:00",
        "2026-01-03T10:00:00+01:00",
    )
    # the stay belongs to January; its four billable days are priced at their own year's amount
    world.agree("2026-01", "0120", ready_days=6, billable_days=4, amount=2 * 11000 + 2 * 11500)
    world.agree("2025-12", "0120", ready_days=0, billable_days=0, amount=0)
    header = world.invoice("2026-01", "0120")["header"]
    assert [(a["year"], a["amount"]) for a in header["daily_amounts"]] == [
        (2025, 11000),
        (2026, 11500),
    ]


def test_a_withdrawn_and_renewed_ready_notice(world: World) -> None:
    encounter = world.admitted(world.patient("0123"), "2026-03-01T08:00:00+01:00")
    world.sends("inskrivningsmeddelande", encounter, "2026-03-01T09:00:00+01:00")
    world.sends("utskrivningsklar", encounter, "2026-03-02T09:00:00+01:00")
    world.sends("inte-langre-utskrivningsklar", encounter, "2026-03-05T15:00:00+01:00")
    world.sends("utskrivningsklar", encounter, "2026-03-08T13:00:00+01:00")
    world.sends("informationsoverforing", encounter, "2026-03-12T09:00:00+01:00")
    world.discharged(encounter, "2026-03-12T10:00:00+01:00")
    # 3 days (2nd–5th) + 4 days (8th–12th); billable the 4th, and the 11th (dag 0 the 9th)
    world.agree("2026-03", "0123", ready_days=7, billable_days=2, amount=23000)
    line = _line(world, "2026-03", "0123", encounter)
    assert [p["dag_0"] for p in line["periods"]] == ["2026-03-02", "2026-03-09"]
    assert len(line["utskrivningsklar"]) == 2 and len(line["inte_langre_utskrivningsklar"]) == 1


def test_a_late_admission_notice(world: World) -> None:
    encounter = world.stay(
        world.patient("0125"),
        "2026-03-01T08:00:00+01:00",
        "2026-03-02T09:00:00+01:00",
        "2026-03-10T10:00:00+01:00",
        admission_notice="2026-03-02T08:01:00+01:00",  # 24 h 1 min after admission
    )
    world.agree("2026-03", "0125", ready_days=8, billable_days=0, amount=0, excluded=1)
    line = _line(world, "2026-03", "0125", encounter)
    assert line["exclusion"] == "inskrivningsmeddelande-saknas-eller-sent"
    assert line["inskrivningsmeddelande"]["sent"] == "2026-03-02T08:01:00+01:00"


def test_a_missing_information_transfer(world: World) -> None:
    encounter = world.stay(
        world.patient("0126"),
        "2026-03-01T08:00:00+01:00",
        "2026-03-02T09:00:00+01:00",
        "2026-03-10T10:00:00+01:00",
        information=None,
    )
    world.agree("2026-03", "0126", ready_days=8, billable_days=0, excluded=1)
    line = _line(world, "2026-03", "0126", encounter)
    assert (line["exclusion"], line["informationsoverforing"]) == (
        "informationsoverforing-saknas",
        None,
    )


def test_age_64_and_65_on_the_discharge_day(world: World) -> None:
    for born in ("1961-03-11", "1961-03-10"):  # 64 and 65 on 10 March 2026
        world.stay(
            world.patient("0127", born=born),
            "2026-03-01T08:00:00+01:00",
            None,
            "2026-03-10T10:00:00+01:00",
        )
    world.agree("2026-03", "0127", over_65=1, readmitted=0)


def test_readmission_after_6_days_23_hours_and_after_7_days_1_hour(world: World) -> None:
    for back in ("2026-03-17T09:00:00+01:00", "2026-03-17T11:00:00+01:00"):
        who = world.patient("0128")
        world.stay(who, "2026-03-01T08:00:00+01:00", None, "2026-03-10T10:00:00+01:00")
        world.admitted(who, back)  # unplanned (EM), still in hospital
    world.agree("2026-03", "0128", over_65=2, readmitted=1)


def test_a_planned_readmission_does_not_count(world: World) -> None:
    who = world.patient("0136")
    world.stay(who, "2026-03-01T08:00:00+01:00", None, "2026-03-10T10:00:00+01:00")
    world.admitted(who, "2026-03-12T08:00:00+01:00", priority="EL")
    world.agree("2026-03", "0136", over_65=1, readmitted=0)


def test_a_patient_who_moves_after_discharge_stays_with_the_old_municipality(world: World) -> None:
    who = world.patient("0138")
    encounter = world.stay(
        who, "2026-03-01T08:00:00+01:00", "2026-03-02T09:00:00+01:00", "2026-03-10T10:00:00+01:00"
    )
    world.moves(who, "0139", "2026-03-20T12:00:00+01:00")
    world.agree("2026-03", "0138", ready_days=8, billable_days=6, amount=6 * 11500)
    world.agree("2026-03", "0139", ready_days=0, billable_days=0, amount=0)
    assert _line(world, "2026-03", "0138", encounter)["billable_days"] == 6


def test_a_district_before_and_after_the_merger(world: World) -> None:
    # Rinkeby-Kista merged into Järva on 2023-07-01: the address still names Rinkeby-Kista
    for discharged in ("2023-06-30T22:00:00+02:00", "2023-07-01T10:00:00+02:00"):
        world.stay(
            world.patient("0180", "rinkeby-kista"),
            "2023-06-20T08:00:00+02:00",
            "2023-06-26T09:00:00+02:00",
            discharged,
        )
    june = _strata(world.report("lus-utskrivningsklara-dagar", "2023-06", "0180"), "stadsdel")
    july = _strata(world.report("lus-utskrivningsklara-dagar", "2023-07", "0180"), "stadsdel")
    assert (june.get("rinkeby-kista"), june.get("jarva")) == (4, None)  # Järva did not exist yet
    assert (july.get("rinkeby-kista"), july.get("jarva")) == (None, 5)
    rows = world.csv_rows("2023-07")
    jarva = next(
        r
        for r in rows
        if r["Område"] == "stadsdel" and r["Stadsdel"] == "Järva" and r["Vårdform"] == "alla"
    )
    assert jarva["Utskrivningsklara dagar"] == "5"
    lines = world.invoice("2023-07", "0180")["lines"]
    assert [line["stadsdel"] for line in lines] == ["jarva"]


def test_a_cancelled_ready_notice_does_not_count(world: World) -> None:
    encounter = world.admitted(world.patient("0140"), "2026-03-01T08:00:00+01:00")
    world.sends("inskrivningsmeddelande", encounter, "2026-03-01T09:00:00+01:00")
    wrong = world.sends("utskrivningsklar", encounter, "2026-03-02T09:00:00+01:00")
    world.cancels(wrong, encounter, "2026-03-02T10:00:00+01:00")
    world.sends("utskrivningsklar", encounter, "2026-03-09T09:00:00+01:00")
    world.sends("informationsoverforing", encounter, "2026-03-12T09:00:00+01:00")
    world.discharged(encounter, "2026-03-12T10:00:00+01:00")
    world.agree("2026-03", "0140", ready_days=3, billable_days=1, amount=11500)
    line = _line(world, "2026-03", "0140", encounter)
    assert line["makulerade"] == [wrong]
    assert [n["task"] for n in line["utskrivningsklar"]] != [wrong]


def _strata(report: dict[str, Any], key: str) -> dict[str, Any]:
    """Stratum value → days (summa-dagar) for the single stratifier `key`, non-empty strata only."""
    group = _group(report, "summa-dagar")
    stratifier = next(
        s for s in group["stratifier"] if s["code"][0].get("coding", [{}])[0].get("code") == key
    )
    return {
        s["value"]["text"]: s["measureScore"]["value"]
        for s in stratifier["stratum"]
        if _count(s, "initial-population")
    }
