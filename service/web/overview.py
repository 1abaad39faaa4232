"""*Översikt*: the monthly statistics of one area over a range of months, as trend charts with the
county as a reference line (when the caller may see the county) and a table under each chart,
plus the same rows as the report CLI's file for download.

Every figure is a column of the report table (service/statistics/rows.py STATISTICS), read from
the same cells, so the chart, its table and the CSV cannot disagree.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from mappers.reports.table import Column, Table, Value
from service.auth.principal import Principal
from service.fhirtime import STOCKHOLM
from service.statistics.areas import STOCKHOLM_CITY, Areas
from service.statistics.basis import Basis
from service.statistics.evaluate import Figures, figures, narrow
from service.statistics.figures import Cell, Key, merge
from service.statistics.files import check_format, table_file
from service.statistics.period import Period, month_of, parse_month
from service.statistics.rows import ALL_CARE, STATISTICS, statistics_table
from service.statistics.scope import COUNTY_AREA, Area, area_of_subject, permitted
from service.web.pages import bad, context, page_router, render, who

router = page_router()
MAX_MONTHS = 36
DEFAULT_MONTHS = 12
# The charts, by the report table's column headers; bars for counts, lines for means and shares.
CHARTS = (
    ("Medel dagar (SKR, ≥ 1 dag)", "Medelantal utskrivningsklara dagar per vårdtillfälle"),
    ("Dagar med betalningsansvar", "Dagar med betalningsansvar"),
    ("Andel återinskrivna", "Oplanerat återinskrivna inom 7 dagar, 65+"),
    ("Andel inskrivningsmeddelande i tid", "Inskrivningsmeddelande inom 24 timmar"),
    ("Andel kallelse SIP i tid", "Kallelse till SIP inom 3 dagar"),
    ("Andel SIP med delaktighet", "SIP där patient eller närstående deltog"),
    ("Andel informationsöverföring i tid", "Informationsöverföring senast utskrivningsdagen"),
    ("Andel kvitterat av hemtjänst", "Utskrivningsmeddelande kvitterat av hemtjänsten"),
    ("Avvikelser", "Avvikelser"),
)
FIGURE = {column.header: (column, figure) for column, figure in STATISTICS}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Query:
    months: list[Period]
    area: Area
    care: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    column: Column
    months: list[str]
    area: list[Value]
    county: list[Value] | None  # None when the caller may not see the county

    def data(self) -> str:
        """The chart's series as JSON for charts.js (shares in per cent)."""

        def number(value: Value) -> float | None:
            if value is None:
                return None
            assert isinstance(value, int | Decimal)
            return float(value * 100) if self.column.kind == "share" else float(value)

        series = [{"label": "area", "values": [number(v) for v in self.area]}]
        if self.county is not None:
            series.append({"label": "county", "values": [number(v) for v in self.county]})
        kind = "bar" if self.column.kind == "integer" else "line"
        return json.dumps(
            {"kind": kind, "unit": self.column.kind, "months": self.months, "series": series}
        )


def option(area: Area) -> str:
    return area.location.removeprefix("Location/")


def area_label(area: Area, areas: Areas) -> str:
    if area.stadsdel:
        return f"{areas.name(None, area.stadsdel)} (stadsdel)"
    return areas.name(area.kommun)


def choices(allowed: frozenset[Area] | None, areas: Areas, months: list[Period]) -> list[Area]:
    """The areas the caller may pick: everything for the region; else its own, with the
    districts of a whole Stockholm city."""
    first, last = months[0].first, months[-1].last
    if allowed is None:
        listed = [COUNTY_AREA, *(Area(k) for k in areas.kommuner)]
    else:
        listed = sorted(allowed, key=lambda a: (a.kommun or "", a.stadsdel or ""))
    if Area(STOCKHOLM_CITY) in listed:
        listed += [Area(STOCKHOLM_CITY, d) for d in areas.districts_between(first, last)]
    return list(dict.fromkeys(listed))


def last_complete_month(now: datetime) -> Period:
    return month_of(now.astimezone(STOCKHOLM).date().replace(day=1) - timedelta(days=1))


def month_range(first: Period, last: Period) -> list[Period]:
    months = [first]
    while months[-1].last < last.first:
        months.append(month_of(months[-1].last + timedelta(days=1)))
    return months


def parse_query(
    params: dict[str, str], basis: Basis, allowed: frozenset[Area] | None, now: datetime
) -> Query:
    """fran/till (YYYY-MM, default the last 12 complete months), omrade, vardform."""
    default_last = last_complete_month(now)
    last = parse_month(params["till"], now, "till") if params.get("till") else default_last
    if params.get("fran"):
        first = parse_month(params["fran"], now, "fran")
    else:
        start = last.first
        for _ in range(DEFAULT_MONTHS - 1):
            start = (start - timedelta(days=1)).replace(day=1)
        first = month_of(start)
    if first.first > last.first:
        raise bad(f"fran ({first.label}) ligger efter till ({last.label})")
    months = month_range(first, last)
    if len(months) > MAX_MONTHS:
        raise bad(f"högst {MAX_MONTHS} månader åt gången ({len(months)} begärdes)")
    if params.get("omrade"):
        area = area_of_subject(params["omrade"], basis.areas, "omrade")
    else:
        area = choices(allowed, basis.areas, months)[0] if allowed else COUNTY_AREA
    care = params.get("vardform") or ALL_CARE
    if care not in (*basis.rules.groups, ALL_CARE):
        raise bad(f"vardform={care!r}: välj {', '.join((*basis.rules.groups, ALL_CARE))}")
    return Query(months, area, care)


def monthly(
    conn: Connection, principal: Principal, basis: Basis, query: Query, county: bool, now: datetime
) -> list[tuple[Figures, Figures | None]]:
    """Per month: the area's figures and, when the caller may see it, the county's (the area's
    are then narrowed from the county's, so each month is read once). Months the monthly job
    kept come from their cells (statistics/kept.py); the others are evaluated."""
    if not county:
        return [(f, None) for f in figures(conn, principal, basis, query.months, query.area, now)]
    wholes = figures(conn, principal, basis, query.months, COUNTY_AREA, now)
    return [(narrow(whole, query.area), whole) for whole in wholes]


def _cell(found: Figures, care: str) -> Cell:
    def keep(key: Key) -> bool:
        return care in (ALL_CARE, key[2])

    return merge(found.table, keep)


def charts(pairs: list[tuple[Figures, Figures | None]], care: str) -> list[Chart]:
    months = [area.period.label for area, _ in pairs]
    area_cells = [_cell(area, care) for area, _ in pairs]  # summed once, read by every chart
    county_cells = None
    if all(county is not None for _, county in pairs):
        county_cells = [_cell(county, care) for _, county in pairs if county is not None]
    made = []
    for number, (header, title) in enumerate(CHARTS):
        column, figure = FIGURE[header]
        area_values = [figure(cell) for cell in area_cells]
        county_values = None if county_cells is None else [figure(c) for c in county_cells]
        made.append(
            Chart(f"diagram-{number + 1}", title, column, months, area_values, county_values)
        )
    return made


def download(found: list[Figures], basis: Basis, care: str) -> Table:
    """The report CLI's table for these months and area (its rows of one care type when a
    care type is chosen)."""
    table = statistics_table(found, basis.areas, basis.rules.groups)
    if care != ALL_CARE:
        column = [c.header for c in table.columns].index("Vårdform")
        table.rows = [row for row in table.rows if row[column] == care]
    return table


@router.get("/")
async def overview_page(request: Request) -> HTMLResponse:
    services, basis, principal = context(request)
    now = services.clock()
    params = dict(request.query_params)

    def run() -> dict[str, Any]:
        with services.store.reading() as conn:
            allowed = permitted(conn, principal, basis.rules.municipal_party_types)
            query = parse_query(params, basis, allowed, now)
            county = allowed is None and query.area != COUNTY_AREA  # a reference line beside it
            pairs = monthly(conn, principal, basis, query, county, now)
            areas = choices(allowed, basis.areas, query.months)
            name = who(conn, principal)
        services.log_access(principal, "web-overview", [])
        return {
            "page": "oversikt",
            "title": "Översikt",
            "who": name,
            "query": query,
            "option": option,
            "area_name": area_label(query.area, basis.areas),
            "areas": [Choice(option(a), area_label(a, basis.areas)) for a in areas],
            "groups": [*basis.rules.groups, ALL_CARE],
            "charts": charts(pairs, query.care),
            "county": county,
            "params": request.url.query,
        }

    return render(request, "oversikt.html", await run_in_threadpool(run))


@router.get("/oversikt/fil")
async def overview_file(request: Request) -> Response:
    services, basis, principal = context(request)
    now = services.clock()
    params = dict(request.query_params)
    fmt = check_format(params.get("format") or "csv")

    def run() -> tuple[Table, Query]:
        with services.store.reading() as conn:
            allowed = permitted(conn, principal, basis.rules.municipal_party_types)
            query = parse_query(params, basis, allowed, now)
            found = figures(conn, principal, basis, query.months, query.area, now)
        services.log_access(principal, "web-statistics-file", [])
        return download(found, basis, query.care), query

    table, query = await run_in_threadpool(run)
    file = table_file(table, fmt)
    months = query.months[0].label, query.months[-1].label
    name = "-".join(("statistik", option(query.area), *dict.fromkeys(months)))
    headers = {
        "Content-Disposition": f'attachment; filename="{name}.{file.suffix}"',
        "Cache-Control": "no-store",
    }
    return Response(file.content, media_type=file.media_type, headers=headers)
