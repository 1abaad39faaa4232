"""The report tables: the month's statistics (one row per area and care type, every measure) and
an invoice basis's lines, from the same cells and lines the MeasureReport and the JSON show."""

from collections.abc import Callable
from typing import Any

from mappers.reports.table import Column, Table, Value
from service.statistics.areas import STOCKHOLM_CITY, Areas
from service.statistics.evaluate import Figures
from service.statistics.figures import Cell, Key, merge, share
from service.statistics.scope import Area

ALL_CARE = "alla"
Figure = Callable[[Cell], Value]

STATISTICS: list[tuple[Column, Figure]] = [
    (Column("Vårdtillfällen", "integer"), lambda c: c.stays),
    (Column("Med underrättelse om utskrivningsklar", "integer"), lambda c: c.ready_stays),
    (Column("Vårdtillfällen ≥ 1 dag (SKR)", "integer"), lambda c: c.skr_stays),
    (Column("Utskrivningsklara dagar", "integer"), lambda c: c.ready_days),
    (Column("Medel dagar (SKR, ≥ 1 dag)", "decimal"), lambda c: c.skr_mean),
    (Column("Medel dagar inkl. dag 0", "decimal"), lambda c: c.mean_with_dag0),
    (Column("Dagar med betalningsansvar", "integer"), lambda c: c.billable_days),
    (Column("Belopp (kr)", "kronor"), lambda c: c.priced_amount),
    (Column("Vårdtillfällen utan debitering (undantag)", "integer"), lambda c: c.excluded_stays),
    (Column("Utskrivna 65+", "integer"), lambda c: c.readmission_denominator),
    (Column("Oplanerat återinskrivna inom 7 dagar", "integer"), lambda c: c.readmissions),
    (Column("Andel återinskrivna", "share"), lambda c: c.readmission_share),
    (Column("Inskrivningsmeddelande inom 24 h", "integer"), lambda c: c.admission_on_time),
    (
        Column("Andel inskrivningsmeddelande i tid", "share"),
        lambda c: share(c.admission_on_time, c.stays),
    ),
    (Column("Kallelse SIP förväntad", "integer"), lambda c: c.sip_expected),
    (Column("Kallelse SIP inom 3 dagar", "integer"), lambda c: c.sip_invited_on_time),
    (
        Column("Andel kallelse SIP i tid", "share"),
        lambda c: share(c.sip_invited_on_time, c.sip_expected),
    ),
    (Column("SIP", "integer"), lambda c: c.sips),
    (Column("SIP med patient/närstående", "integer"), lambda c: c.sip_participation),
    (Column("Andel SIP med delaktighet", "share"), lambda c: share(c.sip_participation, c.sips)),
    (
        Column("Informationsöverföring senast utskrivningsdagen", "integer"),
        lambda c: c.information_on_time,
    ),
    (
        Column("Andel informationsöverföring i tid", "share"),
        lambda c: share(c.information_on_time, c.stays),
    ),
    (Column("Utskrivningsmeddelande till hemtjänst", "integer"), lambda c: c.home_care_expected),
    (Column("Kvitterat av hemtjänst", "integer"), lambda c: c.home_care_acknowledged),
    (
        Column("Andel kvitterat av hemtjänst", "share"),
        lambda c: share(c.home_care_acknowledged, c.home_care_expected),
    ),
    (Column("Avvikelser", "integer"), lambda c: c.deviation_count),
]
AREA_COLUMNS = [
    Column("Månad"),
    Column("Område"),
    Column("Kommunkod"),
    Column("Kommun"),
    Column("Stadsdel"),
    Column("Vårdform"),
]


def _areas(found: Figures, areas: Areas) -> list[Area]:
    """The areas of the rows: the county, each municipality, each district, as far as
    the evaluated area reaches."""
    area = found.area
    listed: list[Area] = []
    if area.kommun is None:
        listed.append(area)
    kommuner = [area.kommun] if area.kommun else list(areas.kommuner)
    for kommun in kommuner:
        if area.stadsdel is None:
            listed.append(Area(kommun))
        if kommun == STOCKHOLM_CITY:
            period = found.period
            districts = (
                [area.stadsdel]
                if area.stadsdel
                else areas.districts_between(period.first, period.last)
            )
            listed += [Area(STOCKHOLM_CITY, d) for d in districts]
    return listed


def statistics_table(evaluations: list[Figures], areas: Areas, groups: tuple[str, ...]) -> Table:
    table = Table("Statistik", [*AREA_COLUMNS, *(c for c, _ in STATISTICS)])
    for found in evaluations:
        for area in _areas(found, areas):
            kind = "stadsdel" if area.stadsdel else ("kommun" if area.kommun else "län")
            for care in (*groups, ALL_CARE):

                def keep(key: Key, a: Area = area, g: str = care) -> bool:
                    return a.covers(key[0], key[1]) and g in (ALL_CARE, key[2])

                cell = merge(found.table, keep)
                table.add(
                    [
                        found.period.label,
                        kind,
                        area.kommun or "01",
                        areas.name(area.kommun),
                        areas.name(None, area.stadsdel) if area.stadsdel else None,
                        care,
                        *(figure(cell) for _, figure in STATISTICS),
                    ]
                )
    return table


INVOICE_COLUMNS = [
    Column("Vårdtillfälle"),
    Column("Personnummer"),
    Column("Avdelning"),
    Column("Vårdform"),
    Column("Stadsdel"),
    Column("Inskrivning"),
    Column("Inskrivningsmeddelande (Task)"),
    Column("Inskrivningsmeddelande skickat"),
    Column("Underrättelser om utskrivningsklar (Task skickat)"),
    Column("Inte längre utskrivningsklar (Task skickat)"),
    Column("Makulerade (Task)"),
    Column("Informationsöverföring skickad"),
    Column("Utskrivning"),
    Column("Dag 0"),
    Column("Första debiterbara dag"),
    Column("Debiterbara dagar", "integer"),
    Column("Belopp (kr)", "kronor"),
    Column("Undantag"),
]


def _sent(notices: list[dict[str, Any]]) -> str:
    return ", ".join(f"{n['task']} {n['sent']}" for n in notices)


def invoice_table(document: dict[str, Any]) -> Table:
    header = document["header"]
    table = Table("Fakturaunderlag", INVOICE_COLUMNS)
    for line in document["lines"]:
        admission = line["inskrivningsmeddelande"] or {}
        table.add(
            [
                line["encounter"],
                line["personnummer"],
                line["ward"],
                line["care_type"],
                line["stadsdel"],
                line["admission"],
                admission.get("task"),
                admission.get("sent"),
                _sent(line["utskrivningsklar"]),
                _sent(line["inte_langre_utskrivningsklar"]),
                ", ".join(line["makulerade"]),
                (line["informationsoverforing"] or {}).get("sent"),
                line["discharge"],
                ", ".join(p["dag_0"] for p in line["periods"]),
                ", ".join(p["first_billable_date"] for p in line["periods"]),
                line["billable_days"],
                line["amount"],
                line["exclusion"],
            ]
        )
    blanks: list[Value] = [None] * (len(INVOICE_COLUMNS) - 4)
    table.add(["Summa", *blanks, header["total_days"], header["total_amount"], None])
    table.notes = [
        ("Kommun", f"{header['kommun']} {header['kommun_namn']}"),
        ("Månad", header["month"]),
        ("Regelversion", f"{header['rule_set']['version']} ({header['rule_set']['model']})"),
        (
            "Dygnsbelopp",
            "; ".join(
                f"{a['year']}: {a['amount']} kr ({a['reference']})" for a in header["daily_amounts"]
            ),
        ),
        ("Vårdtillfällen", header["stays"]),
        ("Dagar med betalningsansvar", header["total_days"]),
        ("Belopp (kr)", header["total_amount"]),
        ("Version", header.get("version")),
        ("Ersätter version", (header.get("replaces") or {}).get("version")),
        ("Utfärdat", header.get("issued_at")),
        ("Kontrollsumma (SHA-256)", header["hash"]),
    ]
    return table
