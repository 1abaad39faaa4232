"""The files the CLI and the HTTP operations hand out: the same bytes for the same data whichever
asks. Statistics as CSV, xlsx or JSON rows; an issued invoice basis as its JSON, CSV or xlsx."""

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from mappers.reports import csv, xlsx
from mappers.reports.table import Table, Value
from service.outcome import FhirError
from service.statistics.invoice import dumps
from service.statistics.rows import invoice_table

FORMATS = ("json", "csv", "xlsx")
MEDIA = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class File:
    content: bytes
    media_type: str
    suffix: str


def check_format(value: str | None, where: str = "format") -> str:
    fmt = (value or "json").lower()
    if fmt not in FORMATS:
        raise FhirError.of(
            400, "invalid", f"{where}={value!r}: the formats are {', '.join(FORMATS)}", where
        )
    return fmt


def _json_value(value: Value) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def table_file(table: Table, fmt: str) -> File:
    if fmt == "csv":
        return File(csv.write(table), MEDIA["csv"], "csv")
    if fmt == "xlsx":
        return File(xlsx.write(table), MEDIA["xlsx"], "xlsx")
    rows = [
        {c.header: _json_value(v) for c, v in zip(table.columns, row, strict=True)}
        for row in table.rows
    ]
    text = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    return File(text.encode(), MEDIA["json"], "json")


def invoice_file(document: dict[str, Any], fmt: str) -> File:
    if fmt == "json":
        return File(dumps(document), MEDIA["json"], "json")
    return table_file(invoice_table(document), fmt)
