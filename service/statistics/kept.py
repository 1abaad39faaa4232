"""Each month's figure cells as the monthly job computed them, so that a page over many months
reads twelve small rows instead of evaluating every stay of every month again.

A kept month is used only while it is known to be right:
- `basis` is a hash of everything the cells are computed against (the rules data with the daily
  amounts, the legal deadlines, the areas, who answers for each deviation, the follow-up
  questions' keys); other rules, other hash: the month is evaluated again.
- `watermark` is the `versions.seq` up to which every write is in the cells. A reader asks
  changes.affected() which months the writes after it touch; those are evaluated from the stays.
The job writes the watermark it read at its previous run (see job.py), so a write that was still
uncommitted when a run began is looked at again by the next one.
"""

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, fields
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from service.fhirtime import stamp
from service.routing.router import rules as routing_rules
from service.statistics import changes
from service.statistics.basis import Basis
from service.statistics.billing import Billed
from service.statistics.figures import Cell, Key, cell_of
from service.statistics.period import Period
from service.statistics.questions import QUESTIONS, Answered, answered
from service.statistics.scope import Area
from service.storage.schema import statistics_cells, statistics_stays
from service.storage.store import Store

Table = dict[Key, Cell]
CHUNK = 1000
COUNTS = tuple(f.name for f in fields(Cell) if f.name != "deviations")


def _plain(value: Any) -> Any:
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, date | time | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} in the statistics basis")


def basis_key(basis: Basis) -> str:
    """A hash of what the cells are computed against (not of where the rules file lies)."""
    routing = routing_rules()
    content = {
        "rules": {k: v for k, v in asdict(basis.rules).items() if k != "path"},
        "deadlines": asdict(basis.deadlines),
        "areas": asdict(basis.areas),
        "questions": [q.key for q in QUESTIONS],  # a question whose rule changes gets a new key
        "responsible": {
            "deviations": routing.deviations,
            "avvikelse": routing.events.get("avvikelse"),
        },
    }
    text = json.dumps(content, sort_keys=True, default=_plain, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain_cell(cell: Cell) -> list[Any]:
    return [
        [getattr(cell, n) for n in COUNTS],
        sorted([*d, n] for d, n in cell.deviations.items()),
    ]


def _cell(counts: list[Any], deviations: list[Any]) -> Cell:
    return _counted(counts, Counter({(code, party): n for code, party, n in deviations}))


def _counted(counts: list[Any], deviations: Counter[tuple[str, str]]) -> Cell:
    cell = Cell(**dict(zip(COUNTS, counts, strict=True)))
    cell.deviations = deviations
    return cell


def encode(table: Table) -> str:
    rows = [
        [*key, *_plain_cell(cell)]
        for key, cell in sorted(table.items(), key=lambda item: tuple(p or "" for p in item[0]))
    ]
    return json.dumps(rows, ensure_ascii=False)


def decode(text: str) -> Table:
    table: Table = {}
    for kommun, stadsdel, group, counts, deviations in json.loads(text):
        table[(kommun, stadsdel, group)] = _cell(counts, deviations)
    return table


def encode_cell(cell: Cell) -> str:
    return json.dumps(_plain_cell(cell), ensure_ascii=False)


def summed(cells: Iterable[tuple[Key, str]]) -> Table:
    """The cells per key of stays' encoded cells, added as plain numbers (building a Cell for
    each of a month's thousands of stays cost most of a late write's refresh)."""
    sums: dict[Key, tuple[list[Any], Counter[tuple[str, str]]]] = {}
    for key, text in cells:
        counts, deviations = json.loads(text)
        found = sums.setdefault(key, ([0] * len(COUNTS), Counter()))
        for i, n in enumerate(counts):
            found[0][i] += n
        for code, party, n in deviations:
            found[1][(code, party)] += n
    return {key: _counted(counts, deviations) for key, (counts, deviations) in sums.items()}


def stay_rows(period: Period, billed: list[Billed], basis: Basis) -> list[dict[str, Any]]:
    """The kept rows of these billed stays of the month: answers and own cell."""
    rows = []
    for item in billed:
        found = answered(item.timeline)
        rows.append(
            {
                **asdict(found),
                "month": period.label,
                "discharge_date": found.discharge_date.isoformat(),
                "cell": encode_cell(cell_of(item, basis.rules)),
            }
        )
    return rows


def insert_stays(conn: Connection, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), CHUNK):
        conn.execute(insert(statistics_stays), rows[i : i + CHUNK])


def keep(
    store: Store,
    conn: Connection,
    basis: Basis,
    period: Period,
    table: Table,
    billed: list[Billed],
    watermark: int,
    now: datetime,
) -> None:
    """Keep (replace) the month's cells and its stays' answers and cells as right up to
    `watermark`."""
    store.lock(conn, f"statistics-cells:{period.label}")
    conn.execute(delete(statistics_cells).where(statistics_cells.c.month == period.label))
    conn.execute(delete(statistics_stays).where(statistics_stays.c.month == period.label))
    insert_stays(conn, stay_rows(period, billed, basis))
    conn.execute(
        insert(statistics_cells).values(
            month=period.label,
            basis=basis_key(basis),
            watermark=watermark,
            cells=encode(table),
            stored_at=stamp(now),
        )
    )


def _stale(conn: Connection, key: str, rows: list[Any], until: int) -> tuple[set[str], set[str]]:
    """(fresh, stale) months among the kept rows, as far as writes up to `until` go."""
    stale = {r.month for r in rows if r.basis != key}
    current = [r for r in rows if r.basis == key]
    since = min((r.watermark for r in current), default=until)
    touched = changes.affected(conn, since, until) if since < until else frozenset()
    for row in current:
        if row.watermark < until and (touched is None or row.month in touched):
            stale.add(row.month)
    return {r.month for r in rows} - stale, stale


def _fresh(conn: Connection, basis: Basis, periods: list[Period]) -> set[str]:
    labels = [p.label for p in periods if p.is_month]
    query = select(
        statistics_cells.c.month, statistics_cells.c.basis, statistics_cells.c.watermark
    ).where(statistics_cells.c.month.in_(labels))
    rows = list(conn.execute(query))
    return _stale(conn, basis_key(basis), rows, changes.latest(conn))[0] if rows else set()


def fresh(conn: Connection, basis: Basis, periods: list[Period]) -> dict[str, Table]:
    """The kept cells of those of `periods` that no write since has touched, by month label."""
    good = sorted(_fresh(conn, basis, periods))
    query = select(statistics_cells.c.month, statistics_cells.c.cells).where(
        statistics_cells.c.month.in_(good)
    )
    return {r.month: decode(r.cells) for r in conn.execute(query)} if good else {}


def fresh_answers(
    conn: Connection, basis: Basis, periods: list[Period], area: Area
) -> dict[str, list[Answered]]:
    """The kept stays of `area` with their answers, in discharge order, of those of `periods`
    that no write since has touched, by month label (a month without stays of the area: [])."""
    good = sorted(_fresh(conn, basis, periods))
    if not good:
        return {}
    found: dict[str, list[Answered]] = {label: [] for label in good}
    for month, stay in kept_answers(conn, good, area):
        found[month].append(stay)
    return found


def kept_answers(
    conn: Connection, months: list[str], area: Area, leaving: frozenset[str] = frozenset()
) -> list[tuple[str, Answered]]:
    """(month, stay) of the kept stays of `area` in `months`, in discharge order, but those of
    the Encounters `leaving`."""
    query = select(statistics_stays).where(statistics_stays.c.month.in_(months))
    if area.kommun is not None:
        query = query.where(statistics_stays.c.kommun == area.kommun)
    if area.stadsdel is not None:
        query = query.where(statistics_stays.c.stadsdel == area.stadsdel)
    query = query.order_by(statistics_stays.c.discharged, statistics_stays.c.encounter)
    return [
        (
            row.month,
            Answered(
                row.encounter,
                row.kommun,
                row.stadsdel,
                row.care_group,
                row.discharged,
                date.fromisoformat(row.discharge_date),
                row.marks,
            ),
        )
        for row in conn.execute(query)
        if row.encounter not in leaving
    ]


def under_other_rules(conn: Connection, basis: Basis) -> bool:
    """Whether a kept month was kept under other rules than `basis` (the rules changed since):
    until the job has re-made it, each look at it is evaluated from its stays."""
    query = select(statistics_cells.c.month).where(statistics_cells.c.basis != basis_key(basis))
    return conn.execute(query.limit(1)).first() is not None


def review(conn: Connection, basis: Basis, until: int, watermark: int) -> list[str]:
    """For the job: the kept months to evaluate again (touched by writes up to `until`, or kept
    under other rules); the others are marked right up to `watermark`."""
    rows = list(
        conn.execute(
            select(statistics_cells.c.month, statistics_cells.c.basis, statistics_cells.c.watermark)
        )
    )
    good, stale = _stale(conn, basis_key(basis), rows, until)
    if good:
        conn.execute(
            update(statistics_cells)
            .where(
                statistics_cells.c.month.in_(sorted(good)), statistics_cells.c.watermark < watermark
            )
            .values(watermark=watermark)
        )
    return sorted(stale)
