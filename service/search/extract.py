"""The search-index rows of one resource: every value each of its search parameters yields.

Rows are plain dicts for the `search_index` table. Strings are stored normalised (case and accents
folded, as FHIR string search requires) with the original kept for `:exact`.
"""

import unicodedata
from collections.abc import Iterator
from typing import Any

from service.fhirtime import parse_range, stamp
from service.search.parameters import SearchParam, for_type

OPEN_END = "9999-12-31T23:59:59.999999Z"
OPEN_START = "0001-01-01T00:00:00.000000Z"
Row = dict[str, Any]


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _tokens(value: Any) -> Iterator[tuple[str | None, str]]:
    if isinstance(value, bool):
        yield None, "true" if value else "false"
    elif isinstance(value, str | int):
        yield None, str(value)
    elif isinstance(value, dict):
        if "coding" in value or ("text" in value and "value" not in value):
            for coding in value.get("coding", []):
                if "code" in coding:
                    yield coding.get("system"), coding["code"]
        elif "code" in value:
            yield value.get("system"), value["code"]
        elif "value" in value:
            yield value.get("system"), str(value["value"])


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key in ("text", "family", "city", "district", "state", "postalCode", "country"):
            if isinstance(value.get(key), str):
                yield value[key]
        for key in ("given", "prefix", "suffix", "line"):
            yield from (v for v in value.get(key, []) if isinstance(v, str))


def _dates(value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        parsed = parse_range(value)
        if parsed:
            yield stamp(parsed[0]), stamp(parsed[1])
    elif isinstance(value, dict) and ("start" in value or "end" in value):
        start = parse_range(value["start"]) if "start" in value else None
        end = parse_range(value["end"]) if "end" in value else None
        yield (stamp(start[0]) if start else OPEN_START, stamp(end[1]) if end else OPEN_END)


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict) and isinstance(value.get("reference"), str):
        yield value["reference"]


def rows_for(param: SearchParam, value: Any) -> Iterator[Row]:
    base = {"param": param.code}
    if param.type == "token":
        for system, code in _tokens(value):
            yield {**base, "system": system, "value": code, "exact": code}
    elif param.type == "string":
        for text in _strings(value):
            yield {**base, "value": normalise(text)[:512], "exact": text[:512]}
    elif param.type == "date":
        for start, end in _dates(value):
            yield {**base, "date_start": start, "date_end": end}
    elif param.type in ("reference", "uri"):
        for ref in _references(value):
            yield {**base, "value": ref[:512], "exact": ref[:512]}
    elif param.type in ("number", "quantity"):
        number = value.get("value") if isinstance(value, dict) else value
        if isinstance(number, int | float):
            yield {**base, "number": repr(number)}


SKIPPED = frozenset({"_id", "_lastUpdated"})  # answered from the resources table itself


def index_rows(resource: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for code, param in for_type(resource["resourceType"]).items():
        if code in SKIPPED:
            continue
        try:
            values = param.evaluate(resource)
        except Exception:
            continue
        for value in values:
            rows.extend(rows_for(param, value))
    return rows
