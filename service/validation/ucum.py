"""UCUM unit codes: the syntax of the UCUM specification (§2-§5) over its table of atoms.

`ucum-atoms.json` lists the prefixes and the metric and non-metric unit atoms (case-sensitive
codes) of ucum-essence.xml; a prefix is only allowed on a metric atom. Grammar:
    main-term := "/" term | term
    term      := component (("." | "/") component)*
    component := annotatable annotation? | annotation | factor | "(" term ")"
    annotatable := simple-unit exponent?      simple-unit := atom | prefix metric-atom
Unit conversion is not needed by any rule here, so it is not implemented.
"""

import json
import re
from functools import cache, lru_cache
from pathlib import Path

_ATOMS = Path(__file__).with_name("ucum-atoms.json")
_EXPONENT = re.compile(r"^(.*?[^0-9+\-])([+\-]?[0-9]+)$")
_ANNOTATION = re.compile(r"\{[!-z|~]*\}")


@cache
def _table() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    data = json.loads(_ATOMS.read_text(encoding="ascii"))
    return frozenset(data["prefixes"]), frozenset(data["metric"]), frozenset(data["nonMetric"])


@lru_cache(maxsize=1024)
def problem(code: str) -> str | None:
    """Why `code` is not a valid UCUM unit, or None when it is."""
    if not code or any(c.isspace() for c in code):
        return f"unexpected whitespace or empty unit in '{code}'"
    if not code.isascii():
        return f"the unit '{code}' contains non-ASCII characters"
    text = code[1:] if code.startswith("/") else code
    try:
        rest = _term(text, 0)
    except ValueError as error:
        return str(error)
    return None if rest == len(text) else f"unexpected character '{text[rest]}' in '{code}'"


def _term(text: str, at: int) -> int:
    at = _component(text, at)
    while at < len(text) and text[at] in "./":
        at = _component(text, at + 1)
    return at


def _component(text: str, at: int) -> int:
    if at >= len(text):
        raise ValueError(f"a unit is missing at the end of '{text}'")
    if text[at] == "(":
        end = _term(text, at + 1)
        if end >= len(text) or text[end] != ")":
            raise ValueError(f"unbalanced parenthesis in '{text}'")
        return end + 1
    if text[at] == "{":
        return _annotation(text, at)
    end = at
    depth = 0
    while end < len(text) and (depth or text[end] not in "./(){"):
        depth += (text[end] == "[") - (text[end] == "]")
        end += 1
    symbol = text[at:end]
    if not symbol:
        raise ValueError(f"a unit is missing in '{text}'")
    if not symbol.isdigit() and not _simple(symbol):
        raise ValueError(f"the unit '{symbol}' is unknown")
    if end < len(text) and text[end] == "{":
        return _annotation(text, end)
    return end


def _annotation(text: str, at: int) -> int:
    match = _ANNOTATION.match(text, at)
    if match is None:
        raise ValueError(f"unclosed or invalid annotation in '{text}'")
    return match.end()


def _simple(symbol: str) -> bool:
    """An atom or prefixed metric atom, with an optional integer exponent."""
    if _atom(symbol):
        return True
    match = _EXPONENT.match(symbol)
    return match is not None and _atom(match.group(1))


def _atom(symbol: str) -> bool:
    prefixes, metric, non_metric = _table()
    if symbol in metric or symbol in non_metric:
        return True
    return any(symbol.startswith(prefix) and symbol[len(prefix) :] in metric for prefix in prefixes)
