"""A period's figures for one area, as the principal may see them: select the stays, apply the
rules to each (timeline), bill them, and sum them into cells every output reads."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from service.auth.principal import Principal
from service.statistics import scope, selection
from service.statistics.basis import Basis
from service.statistics.billing import Billed, bill
from service.statistics.figures import Cell, Key, cells
from service.statistics.measures import measure
from service.statistics.period import Period
from service.statistics.report import measure_report
from service.statistics.rules import Rules
from service.statistics.scope import Area
from service.statistics.timeline import timeline

Resource = dict[str, Any]


@dataclass(frozen=True)
class Evaluation:
    period: Period
    area: Area
    billed: list[Billed]  # the area's stays discharged in the period, in discharge order
    table: dict[Key, Cell]
    complete: bool  # the period is over and its late data is in (rules: pending_days)


def evaluate(
    conn: Connection, principal: Principal, basis: Basis, period: Period, area: Area, now: datetime
) -> Evaluation:
    """The area's figures; 403 when the principal may not see the area."""
    scope.require(conn, principal, area, basis.rules.municipal_party_types)
    kommuner = None if area.kommun is None else frozenset({area.kommun})
    stays = selection.discharged_stays(conn, period, kommuner)
    # the whole municipality is billed before narrowing to a district (the average model)
    billed = [
        b
        for b in bill([timeline(s, basis) for s in stays], basis.rules)
        if area.covers(b.timeline.kommun, b.timeline.stadsdel)
    ]
    complete = now >= period.end() + basis.rules.pending
    return Evaluation(period, area, billed, cells(billed, basis.rules), complete)


def narrow(found: Evaluation, area: Area, rules: Rules) -> Evaluation:
    """The figures of an area inside the evaluated one, without selecting the stays again."""
    billed = [b for b in found.billed if area.covers(b.timeline.kommun, b.timeline.stadsdel)]
    return Evaluation(found.period, area, billed, cells(billed, rules), found.complete)


def evaluate_measure(
    conn: Connection,
    principal: Principal,
    basis: Basis,
    measure_id: str,
    period: Period,
    area: Area,
    now: datetime,
) -> Resource:
    """$evaluate-measure: the summary MeasureReport of one Measure for one area and period."""
    definition = measure(measure_id)
    found = evaluate(conn, principal, basis, period, area, now)
    return report_of(definition.id, found, basis, now)


def report_of(measure_id: str, found: Evaluation, basis: Basis, now: datetime) -> Resource:
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
