"""The state of one TestScript run: fixtures, recorded exchanges and variables.

Everything an operation or assertion may refer to by id lives here, so the runner stays a plain
loop and each operation/assertion is a function of (action, context).
"""

import re
from dataclasses import dataclass, field
from typing import Any

import fhirpathpy

Resource = dict[str, Any]

_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_\-]+)\}")


class ScriptError(Exception):
    """The TestScript itself is wrong or refers to something that does not exist."""


@dataclass
class Exchange:
    """One HTTP request and its response, kept for assertions and for the reports."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: Resource | None
    status: int
    response_headers: dict[str, str]
    response_body: Resource | None
    response_text: str
    elapsed_ms: float
    finished: float = 0.0  # time.time() when the response had arrived

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.response_headers.items():
            if key.lower() == lowered:
                return value
        return None


@dataclass
class Context:
    """Fixtures and exchanges by id, the last exchange, the script's variables, profiles and
    origins (index → the organization that origin acts for)."""

    fixtures: dict[str, Resource] = field(default_factory=dict)
    exchanges: dict[str, Exchange] = field(default_factory=dict)
    variables: list[Resource] = field(default_factory=list)
    profiles: list[Resource] = field(default_factory=list)
    origins: dict[int, str | None] = field(default_factory=dict)
    last: Exchange | None = None
    last_jti: str | None = None

    def source(self, source_id: str | None) -> Resource | None:
        """The resource an id names: a response body, else a fixture; the last response if None."""
        if source_id is None:
            return self.last.response_body if self.last else None
        if source_id in self.exchanges:
            return self.exchanges[source_id].response_body
        if source_id in self.fixtures:
            return self.fixtures[source_id]
        raise ScriptError(f"no fixture or response with id '{source_id}'")

    def exchange(self, source_id: str | None) -> Exchange:
        exchange = self.exchanges.get(source_id) if source_id else self.last
        if exchange is None:
            raise ScriptError(
                f"no response recorded{f' with id {source_id!r}' if source_id else ' yet'}"
            )
        return exchange

    def substitute(self, text: str) -> str:
        """Replace every ${name} with the variable's current value."""
        return _VARIABLE.sub(lambda match: self.variable(match.group(1)), text)

    def substitute_json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.substitute(value)
        if isinstance(value, list):
            return [self.substitute_json(item) for item in value]
        if isinstance(value, dict):
            return {key: self.substitute_json(item) for key, item in value.items()}
        return value

    def variable(self, name: str) -> str:
        """A variable is evaluated when used, against the fixture or response it names."""
        definition = next((v for v in self.variables if v.get("name") == name), None)
        if definition is None:
            raise ScriptError(f"unknown variable '${{{name}}}'")
        if "headerField" in definition:
            value = self.exchange(definition.get("sourceId")).header(definition["headerField"])
            if value is not None:
                return value
        elif "expression" in definition:
            source = self.source(definition.get("sourceId"))
            if source is not None:
                values = evaluate(source, definition["expression"])
                if values:
                    return stringify(values[0])
        elif "path" in definition:
            raise ScriptError(f"variable '{name}': XPath/JSONPath 'path' is not supported")
        if "defaultValue" in definition:
            return str(definition["defaultValue"])
        raise ScriptError(f"variable '{name}' has no value")


def evaluate(resource: Resource, expression: str) -> list[Any]:
    try:
        result = fhirpathpy.evaluate(resource, expression)
    except Exception as error:  # fhirpathpy raises bare Exceptions on syntax errors
        raise ScriptError(f"FHIRPath '{expression}' failed: {error}") from error
    return list(result)


def stringify(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
