"""xlsx with a header row, frozen panes and number formats per column kind (XlsxWriter).

The workbook is written with fixed document properties, so the same table gives the same bytes.
"""

import io
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter

from mappers.reports.table import Kind, Table

FORMATS: dict[Kind, str] = {
    "text": "@",
    "integer": "0",
    "decimal": "0.00",
    "share": "0.0%",
    "kronor": '#,##0 "kr"',
    "date": "yyyy-mm-dd",
}
CREATED = datetime(2026, 1, 1)  # fixed: a timestamp of "now" would change the bytes every time


def write(table: Table) -> bytes:
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    workbook.set_properties({"title": table.title, "author": "lus-fhir", "created": CREATED})
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    formats = {kind: workbook.add_format({"num_format": f}) for kind, f in FORMATS.items()}
    sheet = workbook.add_worksheet(table.title[:31])
    for col, column in enumerate(table.columns):
        sheet.write_string(0, col, column.header, bold)
        sheet.set_column(col, col, max(10, min(len(column.header) + 2, 40)))
    for r, row in enumerate(table.rows, start=1):
        for col, value in enumerate(row):
            kind = table.columns[col].kind
            if value is None:
                sheet.write_blank(r, col, None, formats[kind])
            elif isinstance(value, Decimal):
                sheet.write_number(r, col, float(value), formats[kind])
            elif isinstance(value, date):
                sheet.write_datetime(
                    r, col, datetime.combine(value, datetime.min.time()), formats[kind]
                )
            elif isinstance(value, int):
                sheet.write_number(r, col, value, formats[kind])
            else:
                sheet.write_string(r, col, value, formats[kind])
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(table.rows), 1), len(table.columns) - 1)
    if table.notes:
        notes = workbook.add_worksheet("Underlag")
        for r, (key, value) in enumerate(table.notes):
            notes.write_string(r, 0, key, bold)
            notes.write(r, 1, "" if value is None else str(value))
        notes.set_column(0, 0, 28)
        notes.set_column(1, 1, 80)
    workbook.close()
    return out.getvalue()
