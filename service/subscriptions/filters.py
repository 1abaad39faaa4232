"""Subscription filters (`backport-filter-criteria`): parsing, and matching one resource.

A filter is a search parameter of the topic's `canFilterBy` list, written like a search
(`Task?owner=Organization/x` or `owner=Organization/x`). Matching evaluates the parameter's own
FHIRPath on the focus and compares values as search does: several filters must all match, the
comma-separated values of one filter are alternatives.
"""

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl

from service.search.extract import normalise, rows_for
from service.search.parameters import SearchParam, for_type

MATCHABLE = frozenset({"reference", "token", "string", "uri"})
T = TypeVar("T")
Rows = dict[str, list[dict[str, Any]]]  # a resource's index rows per parameter code


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


def _rows(param: SearchParam, resource: dict[str, Any], memo: Rows) -> list[dict[str, Any]]:
    """The parameter's index rows of this resource, evaluated once per write (`memo`)."""
    if param.code not in memo:
        try:
            values = param.evaluate(resource)
        except Exception:
            values = []
        memo[param.code] = [row for value in values for row in rows_for(param, value)]
    return memo[param.code]


def matches(filters: Sequence[Filter], resource: dict[str, Any], memo: Rows | None = None) -> bool:
    """`memo` keeps each parameter's values of this resource, so many subscriptions filtering
    on the same parameter evaluate its FHIRPath once."""
    memo = {} if memo is None else memo
    for one in filters:
        rows = _rows(one.param, resource, memo)
        if not any(_value_matches(one.param, row, w) for row in rows for w in one.values):
            return False
    return True


def _wanted_key(param: SearchParam, wanted: str) -> Hashable | None:
    """The one key a row must have for `wanted` to match it (None: no such key, e.g. a string
    prefix or a token that names only a system)."""
    if param.type == "reference":
        return ("ref", _tail(wanted)) if "/" in wanted else ("id", wanted)
    if param.type == "token":
        code = wanted.partition("|")[2] if "|" in wanted else wanted
        return ("code", code) if code else None
    if param.type == "uri":
        return ("uri", wanted)
    return None


def _row_keys(param: SearchParam, row: dict[str, Any]) -> list[Hashable]:
    value = row.get("value")
    if param.type == "reference":
        tail = _tail(str(value or ""))
        return [("ref", tail), ("id", tail.rsplit("/", 1)[-1])]
    if param.type == "token":
        return [("code", value)]
    return [("uri", value)]


class Index(Generic[T]):
    """Many items' filters, indexed so that one resource is checked only against the items
    that can match it: each item is filed under the exact keys of its first filter whose every
    value has one (a match implies one of those keys), the others are checked one by one.
    The index only preselects; `matches` decides, so both always agree."""

    def __init__(self, items: Sequence[tuple[T, Sequence[Filter]]]) -> None:
        self.items = [item for item, _ in items]
        self._filters = [tuple(filters) for _, filters in items]
        self._scanned: list[int] = []
        self._filed: dict[str, dict[Hashable, list[int]]] = {}  # param code → key → positions
        self._params: dict[str, SearchParam] = {}
        for position, filters in enumerate(self._filters):
            for one in filters:
                keys = [_wanted_key(one.param, w) for w in one.values]
                if all(key is not None for key in keys):
                    self._params[one.param.code] = one.param
                    filed = self._filed.setdefault(one.param.code, {})
                    for key in dict.fromkeys(keys):
                        filed.setdefault(key, []).append(position)
                    break
            else:
                self._scanned.append(position)

    def matching(self, resource: dict[str, Any], memo: Rows) -> list[T]:
        """The items whose filters all match `resource`, in the order they were given."""
        positions = set(self._scanned)
        for code, filed in self._filed.items():
            param = self._params[code]
            for row in _rows(param, resource, memo):
                for key in _row_keys(param, row):
                    positions.update(filed.get(key, ()))
        return [
            self.items[p] for p in sorted(positions) if matches(self._filters[p], resource, memo)
        ]
