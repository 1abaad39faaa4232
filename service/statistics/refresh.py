"""A kept month brought up to date after late data without evaluating all its stays again: the
stays the later writes name (changes.touched) are evaluated anew, their kept rows replaced, and
the month's cells summed again from every kept stay's own cell.

Sums of the stays' cells are the cells a full evaluation makes (figures.py adds the same cells),
so the reports, files and pages stay as a full evaluation gives them. Not possible, and None,
when the month is not kept under these rules, a write touched every stay (an Organization), some
kept stay has no cell (kept before migration 0016), or the payment model is the average model
(a stay's billed days there depend on all the municipality's stays).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select, update

from service.fhirtime import stamp
from service.statistics import changes, kept, selection
from service.statistics.basis import Basis
from service.statistics.billing import Billed, bill
from service.statistics.figures import Cell, Key, cell_of, key_of
from service.statistics.period import Period
from service.statistics.questions import Answered, answered
from service.statistics.scope import Area
from service.statistics.timeline import timeline
from service.storage.schema import statistics_cells, statistics_stays
from service.storage.store import Store

Table = dict[Key, Cell]
PER_PATIENT = "per-patient"  # rules.yaml payment.model


@dataclass(frozen=True)
class Update:
    """What a kept month needs to be up to date: the stays later writes touched, and those of
    them discharged in the month now, evaluated anew."""

    period: Period
    touched: frozenset[str]  # Encounter ids whose kept rows are replaced
    billed: list[Billed]


def _touched(conn: Connection, basis: Basis, period: Period) -> changes.Touched | None:
    """What the writes since the month was kept touched; None when it is not kept under these
    rules or they touched every stay."""
    query = select(statistics_cells.c.basis, statistics_cells.c.watermark).where(
        statistics_cells.c.month == period.label
    )
    row = conn.execute(query).first()
    if row is None or row.basis != kept.basis_key(basis):
        return None
    return changes.touched(conn, row.watermark, changes.latest(conn))


def update_of(conn: Connection, basis: Basis, period: Period) -> Update | None:
    """The update the kept month needs, or None when it must be evaluated from all its stays."""
    touched = None if basis.rules.model != PER_PATIENT else _touched(conn, basis, period)
    if touched is None:
        return None
    stays = selection.discharged_stays(conn, period, among=touched.encounters)
    billed = bill([timeline(s, basis) for s in stays], basis.rules)
    return Update(period, touched.encounters, billed)


def candidates(
    conn: Connection, basis: Basis, period: Period, kommun: str
) -> frozenset[str] | None:
    """The Encounters that may be the municipality's stays of a kept month: those kept as its
    stays and every stay written since; None when the month is not kept under these rules."""
    touched = _touched(conn, basis, period)
    if touched is None:
        return None
    query = select(statistics_stays.c.encounter).where(
        statistics_stays.c.month == period.label, statistics_stays.c.kommun == kommun
    )
    return frozenset(row.encounter for row in conn.execute(query)) | touched.encounters


def current(conn: Connection, basis: Basis, period: Period) -> Table | None:
    """The kept month's cells with every write so far in (nothing written); None as update_of
    or table_of."""
    change = update_of(conn, basis, period)
    return None if change is None else table_of(conn, basis, change)


def table_of(conn: Connection, basis: Basis, change: Update) -> Table | None:
    """The month's cells: the kept cells of the stays not touched and the touched ones' new
    cells, summed; None when a kept stay has no cell."""
    query = select(
        statistics_stays.c.encounter,
        statistics_stays.c.kommun,
        statistics_stays.c.stadsdel,
        statistics_stays.c.care_group,
        statistics_stays.c.cell,
    ).where(statistics_stays.c.month == change.period.label)
    rows = [row for row in conn.execute(query) if row.encounter not in change.touched]
    if any(row.cell is None for row in rows):
        return None
    table = kept.summed(((r.kommun, r.stadsdel, r.care_group), r.cell) for r in rows)
    for item in change.billed:
        table.setdefault(key_of(item), Cell()).add(cell_of(item, basis.rules))
    return table


def answers_of(conn: Connection, change: Update, area: Area) -> list[Answered]:
    """The month's stays of `area` with their answers, in discharge order: the kept ones not
    touched and the touched ones' new answers."""
    stays = [a for _, a in kept.kept_answers(conn, [change.period.label], area, change.touched)]
    for item in change.billed:
        if area.covers(item.timeline.kommun, item.timeline.stadsdel):
            stays.append(answered(item.timeline))
    return sorted(stays, key=lambda a: (a.discharged, a.encounter))


def refresh(
    store: Store, conn: Connection, basis: Basis, period: Period, watermark: int, now: datetime
) -> Table | None:
    """Bring the kept month up to date and keep it as right up to `watermark` (as kept.keep);
    its cells, or None (nothing written) when it must be evaluated from all its stays."""
    store.lock(conn, f"statistics-cells:{period.label}")
    change = update_of(conn, basis, period)
    table = None if change is None else table_of(conn, basis, change)
    if change is None or table is None:
        return None
    for chunk in selection.chunks(change.touched):
        conn.execute(
            delete(statistics_stays).where(
                statistics_stays.c.month == period.label,
                statistics_stays.c.encounter.in_(chunk),
            )
        )
    kept.insert_stays(conn, kept.stay_rows(period, change.billed, basis))
    conn.execute(
        update(statistics_cells)
        .where(statistics_cells.c.month == period.label)
        .values(watermark=watermark, cells=kept.encode(table), stored_at=stamp(now))
    )
    return table
