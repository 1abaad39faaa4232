"""A stored resource's named top-level elements: the statistics read a month's thousands of
resources but only a few elements of each, so where it is cheaper the database's JSON functions
hand back those elements as one small JSON array instead of the whole resource to parse.

SQLite: `json_extract(content, '$.a', '$.b')` (one parse per row). PostgreSQL hands the stored text
as it is and the names are picked here: its cast to jsonb and back to a JSON array cost the server
~20 µs a row, twice what fetching the whole text and reading it with json's C scanner costs
(a county month's 8 600 Encounters: 0.34 → 0.17 s to fetch, docs/statistics.md "Benchmark").
"""

import json
import re
from typing import Any

from sqlalchemy import ColumnElement, Text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

Resource = dict[str, Any]
NAME = re.compile(r"^[A-Za-z]+$")


class Elements(ColumnElement[str]):
    """SQLite: the JSON array text of `names`' values in the JSON text `column` (null where
    absent); PostgreSQL: the text itself (resource() picks the names)."""

    type = Text()
    inherit_cache = True
    # how SQLAlchemy's statement cache tells two of them apart (its own attribute, a list)
    _traverse_internals = [  # noqa: RUF012
        ("column", InternalTraversal.dp_clauseelement),
        ("names", InternalTraversal.dp_string_list),
    ]

    def __init__(self, column: ColumnElement[Any], names: tuple[str, ...]) -> None:
        if len(names) < 2 or not all(NAME.match(n) for n in names):
            raise ValueError(f"element names must be two or more plain names: {names!r}")
        self.column = column
        self.names = names


@compiles(Elements, "sqlite")
def _sqlite(element: Elements, compiler: SQLCompiler, **kw: Any) -> str:
    paths = ", ".join(f"'$.{n}'" for n in element.names)
    return f"json_extract({compiler.process(element.column, **kw)}, {paths})"


@compiles(Elements, "postgresql")
def _postgresql(element: Elements, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


# The database's own JSON text starts with its value, so the C scanner reads it directly
# (json.loads first matches leading and trailing whitespace with a regular expression, twice a row).
_SCAN = json.JSONDecoder().raw_decode


def resource(kind: str, names: tuple[str, ...], text: str) -> Resource:
    """The resource as far as `names` go (absent elements stay absent), from the array of their
    values (SQLite) or the whole resource (PostgreSQL)."""
    values = _SCAN(text)[0]
    if isinstance(values, dict):
        found: Resource = {n: values[n] for n in names if values.get(n) is not None}
    else:
        found = {n: v for n, v in zip(names, values, strict=True) if v is not None}
    found["resourceType"] = kind
    return found
