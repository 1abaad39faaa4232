"""CSV as Swedish spreadsheet programs open it: semicolon-separated, decimal comma, UTF-8 with a
byte-order mark (so Excel reads å, ä, ö), ISO dates, CRLF line ends."""

import csv
import io
from datetime import date
from decimal import Decimal

from mappers.reports.table import Table, Value

BOM = "\ufeff"


def cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.header for c in table.columns])
    for row in table.rows:
        writer.writerow([cell(v) for v in row])
    return (BOM + out.getvalue()).encode("utf-8")
