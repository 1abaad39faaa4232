"""A stored resource's named top-level elements, picked out by the database: the statistics read a
month's thousands of resources but only a few elements of each, so the database's JSON functions
hand back those elements as one small JSON array instead of the whole resource to parse.

SQLite: `json_extract(content, '$.a', '$.b')` (one parse per row). PostgreSQL: the text is cast to
jsonb once per row (`OFFSET 0` keeps the planner from repeating the cast for each element).
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
    """The JSON array text of `names`' values in the JSON text `column` (null where absent)."""

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
    picked = ", ".join(f"j -> '{n}'" for n in element.names)
    column = compiler.process(element.column, **kw)
    return (
        f"(SELECT CAST(json_build_array({picked}) AS TEXT) "
        f"FROM (SELECT CAST({column} AS jsonb) AS j OFFSET 0) AS picked)"
    )


# The database's own JSON text starts with its value, so the C scanner reads it directly
# (json.loads first matches leading and trailing whitespace with a regular expression, twice a row).
_SCAN = json.JSONDecoder().raw_decode


def resource(kind: str, names: tuple[str, ...], text: str) -> Resource:
    """The resource as far as `names` go (absent elements stay absent)."""
    values = _SCAN(text)[0]
    found: Resource = {n: v for n, v in zip(names, values, strict=True) if v is not None}
    found["resourceType"] = kind
    return found
