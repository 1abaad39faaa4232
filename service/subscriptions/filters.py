"""Subscription filters (`backport-filter-criteria`): parsing, and matching one resource.

A filter is a search parameter of the topic's `canFilterBy` list, written like a search
(`Task?owner=Organization/x` or `owner=Organization/x`). Matching evaluates the parameter's own
FHIRPath on the focus and compares values as search does: several filters must all match, the
comma-separated values of one filter are alternatives.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from service.search.extract import normalise, rows_for
from service.search.parameters import SearchParam, for_type

MATCHABLE = frozenset({"reference", "token", "string", "uri"})


class FilterError(ValueError):
    """The filter text is not one this topic accepts (the message says why)."""


@dataclass(frozen=True)
class Filter:
    param: SearchParam
    values: tuple[str, ...]


def parse(text: str, resource_type: str, allowed: frozenset[str]) -> list[Filter]:
    kind, mark, query = text.partition("?")
    if mark and kind != resource_type:
        raise FilterError(f"filter {text!r} is about {kind}, the topic about {resource_type}")
    pairs = parse_qsl(query if mark else text, keep_blank_values=True)
    if not pairs:
        raise FilterError(f"filter {text!r} names no parameter")
    params = for_type(resource_type)
    found = []
    for name, value in pairs:
        if ":" in name:
            raise FilterError(f"filter {text!r}: modifiers are not supported")
        if name not in allowed or name not in params:
            names = ", ".join(sorted(allowed))
            raise FilterError(f"filter {text!r}: {name!r} is not one of this topic's ({names})")
        if params[name].type not in MATCHABLE:
            raise FilterError(f"filter {text!r}: {params[name].type} parameters are not supported")
        values = tuple(v.strip() for v in value.split(",") if v.strip())
        if not values:
            raise FilterError(f"filter {text!r}: {name} has no value")
        found.append(Filter(params[name], values))
    return found


def _tail(reference: str) -> str:
    """`Type/id` of a relative or absolute reference (versions dropped)."""
    parts = reference.split("/_history/", 1)[0].rstrip("/").split("/")
    return "/".join(parts[-2:])


def _reference_matches(row: dict[str, Any], wanted: str) -> bool:
    have = _tail(str(row.get("value", "")))
    if "/" not in wanted:
        return have.rsplit("/", 1)[-1] == wanted
    return have == _tail(wanted)


def _token_matches(row: dict[str, Any], wanted: str) -> bool:
    if "|" not in wanted:
        return bool(row.get("value") == wanted)
    system, _, code = wanted.partition("|")
    if code and row.get("value") != code:
        return False
    return row.get("system") == (system or None) if system or code else False


def _value_matches(param: SearchParam, row: dict[str, Any], wanted: str) -> bool:
    if param.type == "reference":
        return _reference_matches(row, wanted)
    if param.type == "token":
        return _token_matches(row, wanted)
    if param.type == "string":
        return str(row.get("value", "")).startswith(normalise(wanted))
    return bool(row.get("value") == wanted)


def matches(
    filters: list[Filter], resource: dict[str, Any], memo: dict[str, list[Any]] | None = None
) -> bool:
    """`memo` keeps each parameter's values of this resource, so many subscriptions filtering
    on the same parameter evaluate its FHIRPath once."""
    memo = {} if memo is None else memo
    for one in filters:
        if one.param.code not in memo:
            try:
                values = one.param.evaluate(resource)
            except Exception:
                values = []
            memo[one.param.code] = [row for value in values for row in rows_for(one.param, value)]
        rows = memo[one.param.code]
        if not any(_value_matches(one.param, row, w) for row in rows for w in one.values):
            return False
    return True
