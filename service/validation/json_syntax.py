"""FHIR JSON syntax the parsed value no longer shows (duplicate property names), and NUL
characters, which JSON escapes and no FHIR string may hold (PostgreSQL's text cannot).

Python's `json` keeps the last of two equal keys silently; the HL7 Java validator reports the
second as an error and ignores it. `loads` parses the way the Java validator reads (first value
wins) and returns where each duplicate was, as FHIRPath of the object that holds it.
"""

import json
from collections.abc import Iterator
from typing import Any


def loads(text: str | bytes) -> tuple[Any, list[tuple[str, str]]]:
    """The JSON value and its duplicate properties as (expression, property name)."""
    duplicates: list[tuple[dict[str, Any], str]] = []

    def first_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                duplicates.append((result, key))
            else:
                result[key] = value
        return result

    value = json.loads(text, object_pairs_hook=first_wins, parse_constant=_not_json)
    if not duplicates:
        return value, []
    paths = {id(obj): path for obj, path in _objects(value, _root_name(value))}
    return value, [(paths.get(id(obj), ""), key) for obj, key in duplicates]


def _not_json(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _root_name(value: Any) -> str:
    kind = value.get("resourceType") if isinstance(value, dict) else None
    return kind if isinstance(kind, str) else ""


def _objects(value: Any, path: str) -> Iterator[tuple[dict[str, Any], str]]:
    if isinstance(value, dict):
        yield value, path
        for key, item in value.items():
            yield from _objects(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _objects(item, f"{path}[{position}]")


def nul_path(value: Any) -> str | None:
    """Where the first NUL (U+0000) is, in a string value or a property name, as an expression
    (`Patient.name[0].family`), or None when there is none."""
    return next((path for path, text in _strings(value, _root_name(value)) if "\x00" in text), None)


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else key
            yield inner, key
            yield from _strings(item, inner)
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _strings(item, f"{path}[{position}]")
