"""FHIR primitive types: the JSON type each must have and the regex R4 defines for its value.

Regexes come from the R4 type definitions themselves (the `regex` extension on `{type}.value`),
compiled once; a few types (string, markdown, uri) are checked only for JSON type and emptiness.
"""

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from service.definitions.registry import CORE_SD, DefinitionRegistry

_REGEX_EXT = "http://hl7.org/fhir/StructureDefinition/regex"

#: primitive type -> predicate on the JSON value (bool is an int in Python, hence the care)
_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "positiveInt": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "unsignedInt": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "decimal": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
}
_STRING_TYPES = [
    "string",
    "base64Binary",
    "canonical",
    "code",
    "date",
    "dateTime",
    "id",
    "instant",
    "markdown",
    "oid",
    "time",
    "uri",
    "url",
    "uuid",
    "xhtml",
]
PRIMITIVES = frozenset(_STRING_TYPES) | frozenset(_JSON_TYPES)
#: the HL7 Java validator's message for a malformed value of each type
_JAVA_FORMAT = {
    "base64Binary": "Type_Specific_Checks_DT_Base64_Valid",
    "code": "Type_Specific_Checks_DT_Code_WS",
    "date": "Type_Specific_Checks_DT_Date_Valid",
    "dateTime": "Type_Specific_Checks_DT_DateTime_Valid",
    "decimal": "Type_Specific_Checks_DT_Decimal_Valid",
    "instant": "Type_Specific_Checks_DT_DateTime_Regex",
    "integer": "Type_Specific_Checks_DT_Integer_Valid",
    "oid": "Type_Specific_Checks_DT_OID_Valid",
    "time": "Type_Specific_Checks_DT_Time_Valid",
    "uri": "Type_Specific_Checks_DT_URI_WS",
    "url": "Type_Specific_Checks_DT_URI_WS",
    "canonical": "Type_Specific_Checks_DT_URI_WS",
    "uuid": "Type_Specific_Checks_DT_UUID_Valid",
}
_ZONE = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


def java_message(type_code: str, value: Any) -> str | None:
    """The Java validator's message id for a malformed primitive, where it has one."""
    if value == "":
        return "Type_Specific_Checks_DT_Primitive_NotEmpty"
    if not isinstance(value, str | int | float):
        return None
    text = str(value)
    if type_code == "id":
        return (
            "Resource_RES_ID_Malformed_Length"
            if len(text) > 64
            else "Resource_RES_ID_Malformed_Chars"
        )
    if type_code == "dateTime" and "T" in text and not _ZONE.search(text):
        return "Type_Specific_Checks_DT_DateTime_TZ"
    if type_code in ("positiveInt", "unsignedInt") and re.fullmatch(r"-?\d+", text):
        return (
            "Type_Specific_Checks_DT_Integer_LT1"
            if type_code == "positiveInt"
            else "Type_Specific_Checks_DT_Integer_LT0"
        )
    return _JAVA_FORMAT.get(type_code)


#: checked by regex; string/markdown/uri-like regexes only say "non-empty, no spaces" or less
_REGEX_TYPES = [
    "base64Binary",
    "code",
    "date",
    "dateTime",
    "decimal",
    "id",
    "instant",
    "integer",
    "oid",
    "positiveInt",
    "time",
    "unsignedInt",
    "uuid",
    "uri",
    "url",
    "canonical",
]
_JSON_NAMES = {"boolean": "a boolean", "decimal": "a number"}
_INTEGER_TYPES = frozenset({"integer", "positiveInt", "unsignedInt"})
_INT32 = (-(2**31), 2**31 - 1)
_DATE_TYPES = frozenset({"date", "dateTime", "instant"})


class Primitives:
    """Checks primitive values; built once per registry."""

    def __init__(self, registry: DefinitionRegistry) -> None:
        self.patterns: dict[str, re.Pattern[str]] = {}
        for name in _REGEX_TYPES:
            regex = _type_regex(registry, name)
            if regex is not None:
                self.patterns[name] = re.compile(regex)

    def problem(self, type_code: str, value: Any) -> tuple[str, str] | None:
        """(issue code, text) when `value` is not a valid JSON value of `type_code`, else None."""
        is_json_type = _JSON_TYPES.get(type_code)
        if is_json_type is not None:
            if not is_json_type(value):
                kind = _JSON_NAMES.get(type_code, "an integer")
                return "structure.json-type", f"must be {kind}, not {_describe(value)}"
        elif not isinstance(value, str):
            return "structure.json-type", f"must be a JSON string, not {_describe(value)}"
        elif value == "":
            return "structure.empty", "must not be an empty string"
        pattern = self.patterns.get(type_code)
        if pattern is None or type_code == "boolean":
            return None
        text = value if isinstance(value, str) else _number_text(value)
        if pattern.fullmatch(text) is None:
            return "structure.primitive-format", f"'{text}' is not a valid {type_code}"
        return self._range(type_code, text)

    def _range(self, type_code: str, text: str) -> tuple[str, str] | None:
        """What the regexes let through: integers out of range, days that do not exist."""
        if type_code == "positiveInt" and int(text) < 1:
            return "structure.primitive-format", f"'{text}' is not a valid {type_code}"
        if type_code in _INTEGER_TYPES and not _INT32[0] <= int(text) <= _INT32[1]:
            return "structure.primitive-format", f"'{text}' is out of the 32-bit integer range"
        if type_code in _DATE_TYPES and len(text) >= 10 and not _is_calendar_date(text[:10]):
            return "structure.primitive-format", f"'{text}' is not a real calendar date"
        return None


def _type_regex(registry: DefinitionRegistry, name: str) -> str | None:
    for element in registry.snapshot(CORE_SD + name) or []:
        if element["path"] == f"{name}.value":
            for type_ref in element.get("type", []):
                for ext in type_ref.get("extension", []):
                    if ext.get("url") == _REGEX_EXT:
                        return str(ext["valueString"])
    return None


def _is_calendar_date(text: str) -> bool:
    """`YYYY-MM-DD` that names a real day (the regexes allow 1975-02-30)."""
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _number_text(value: int | float) -> str:
    return str(value) if isinstance(value, int) else repr(value)


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
