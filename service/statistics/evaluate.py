"""A period's figures for one area, as the principal may see them: select the stays, apply the
rules to each (timeline), bill them, and sum them into cells every output reads."""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection

from service.auth.principal import Principal
from service.statistics import kept, refresh, scope, selection
from service.statistics.basis import Basis
from service.statistics.billing import Billed, bill
from service.statistics.collector import PAUSED
from service.statistics.figures import Cell, Key, cells
from service.statistics.measures import measure
from service.statistics.period import Period
from service.statistics.questions import Answered, answered
from service.statistics.report import measure_report
from service.statistics.scope import COUNTY_AREA, Area
from service.statistics.timeline import timeline

Resource = dict[str, Any]
F = TypeVar("F", bound="Figures")


@dataclass(frozen=True)
class Figures:
    """An area's cells for a period (what the reports and charts read)."""

    period: Period
    area: Area
    table: dict[Key, Cell]
    complete: bool  # the period is over and its late data is in (rules: pending_days)


@dataclass(frozen=True)
class Evaluation(Figures):
    """… evaluated from the stays, which the invoice basis and the follow-up lists need."""

    billed: list[Billed]  # the area's stays discharged in the period, in discharge order


def complete(period: Period, basis: Basis, now: datetime) -> bool:
    return now >= period.end() + basis.rules.pending


def evaluate(
    conn: Connection, principal: Principal, basis: Basis, period: Period, area: Area, now: datetime
) -> Evaluation:
    """The area's figures; 403 when the principal may not see the area."""
    scope.require(conn, principal, area, basis.rules.municipal_party_types)
    kommuner, among = None, None
    if area.kommun is not None:  # a kept month names the municipality's stays
        kommuner = frozenset({area.kommun})
        among = refresh.candidates(conn, basis, period, area.kommun)
    with PAUSED:
        stays = selection.discharged_stays(conn, period, kommuner, among=among)
        # the whole municipality is billed before narrowing to a district (the average model)
        billed = [
            b
            for b in bill([timeline(s, basis) for s in stays], basis.rules)
            if area.covers(b.timeline.kommun, b.timeline.stadsdel)
        ]
        table = cells(billed, basis.rules)
    return Evaluation(period, area, table, complete(period, basis, now), billed)


def narrow(found: F, area: Area) -> F:
    """The figures of an area inside the evaluated one, without selecting the stays again (the
    cells are per municipality and district, so the area's are among them)."""
    table = {k: c for k, c in found.table.items() if area.covers(k[0], k[1])}
    if isinstance(found, Evaluation):
        billed = [b for b in found.billed if area.covers(b.timeline.kommun, b.timeline.stadsdel)]
        return replace(found, area=area, table=table, billed=billed)
    return replace(found, area=area, table=table)


def figures(
    conn: Connection,
    principal: Principal,
    basis: Basis,
    periods: list[Period],
    area: Area,
    now: datetime,
) -> list[Figures]:
    """The area's figures for each period: a month the monthly job kept, and no write since has
    touched, from its kept cells; a kept month writes touched from its kept stays' cells and the
    touched stays evaluated anew (refresh.py); any other period evaluated from its stays. 403 as
    evaluate."""
    scope.require(conn, principal, area, basis.rules.municipal_party_types)
    found = kept.fresh(conn, basis, periods)
    listed: list[Figures] = []
    for period in periods:
        table = found.get(period.label)
        if table is None:
            table = refresh.current(conn, basis, period)
        if table is None:
            listed.append(evaluate(conn, principal, basis, period, area, now))
        else:
            whole = Figures(period, COUNTY_AREA, table, complete(period, basis, now))
            listed.append(narrow(whole, area))
    return listed


def answers(
    conn: Connection,
    principal: Principal,
    basis: Basis,
    periods: list[Period],
    area: Area,
    now: datetime,
) -> list[tuple[Period, list[Answered]]]:
    """The area's stays of each period with their answers to the follow-up questions, in
    discharge order: a kept month's as the job kept them (a touched one's with the touched stays
    evaluated anew, refresh.py), the others evaluated. 403 as evaluate."""
    scope.require(conn, principal, area, basis.rules.municipal_party_types)
    found = kept.fresh_answers(conn, basis, periods, area)
    listed = []
    for period in periods:
        stays = found.get(period.label)
        change = None if stays is not None else refresh.update_of(conn, basis, period)
        if change is not None:
            stays = refresh.answers_of(conn, change, area)
        if stays is None:
            billed = evaluate(conn, principal, basis, period, area, now).billed
            stays = [answered(b.timeline) for b in billed]
        listed.append((period, stays))
    return listed


def evaluate_measure(
    conn: Connection,
    principal: Principal,
    basis: Basis,
    measure_id: str,
    period: Period,
    area: Area,
    now: datetime,
) -> Resource:
    """$evaluate-measure: the summary MeasureReport of one Measure for one area and period (a
    month the monthly job kept from its cells)."""
    definition = measure(measure_id)
    found = figures(conn, principal, basis, [period], area, now)[0]
    return report_of(definition.id, found, basis, now)


def report_of(measure_id: str, found: Figures, basis: Basis, now: datetime) -> Resource:
    return measure_report(
        measure(measure_id),
        found.table,
        found.area,
        found.period,
        basis.areas,
        basis.rules.groups,
        found.complete,
        now,
    )
