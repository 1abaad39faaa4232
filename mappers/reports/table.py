"""A report table: typed columns and rows of plain values, the one input of every file writer."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

Kind = Literal["text", "integer", "decimal", "share", "kronor", "date"]
Value = str | int | Decimal | date | None


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = "text"


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[list[Value]] = field(default_factory=list)
    notes: list[tuple[str, Value]] = field(default_factory=list)  # key/value lines (xlsx sheet)

    def add(self, row: list[Value]) -> None:
        if len(row) != len(self.columns):
            raise ValueError(f"{self.title}: a row has {len(row)} values for {len(self.columns)}")
        self.rows.append(row)
