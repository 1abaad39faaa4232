"""A search request parsed and checked against the parameters the server supports.

Unknown or unsupported parameters are collected, not silently dropped: lenient handling turns them
into warnings in the result Bundle, strict handling into a 400 (see `Prefer: handling`).
"""

from dataclasses import dataclass, field

from service.fhirtime import parse_range, stamp
from service.outcome import FhirError
from service.search.parameters import SearchParam, for_type

RESULT_PARAMETERS = frozenset(
    {
        "_count",
        "_offset",
        "_sort",
        "_include",
        "_revinclude",
        "_summary",
        "_total",
        "_format",
        "_pretty",
        "_elements",
    }
)
MODIFIERS = {
    "token": {"", "missing", "not", "exact"},
    "string": {"", "missing", "exact", "contains"},
    "date": {"", "missing"},
    "reference": {"", "missing"},
    "uri": {"", "missing", "below"},
    "number": {"", "missing"},
    "quantity": {"", "missing"},
    "special": {""},
}
# The largest integer a database column or LIMIT/OFFSET takes (SQLite's INTEGER, PostgreSQL's
# bigint): Python's are unbounded, and binding a larger one fails in the driver.
LARGEST_INTEGER = 2**63 - 1
# Links in one chain (`patient.organization.partof.name` has three): each is a subquery, and a
# URL of thousands would exhaust the recursion of the parser and of the SQL compiler.
MAX_CHAIN_DEPTH = 8


@dataclass(frozen=True)
class Criterion:
    name: str
    param: SearchParam | None  # None for _id and _lastUpdated, answered from the resources table
    kind: str
    modifier: str
    values: tuple[str, ...]  # OR-ed
    chain: "Criterion | None" = None
    chain_type: str | None = None


@dataclass
class SearchRequest:
    res_type: str
    criteria: list[Criterion] = field(default_factory=list)
    count: int = 20
    offset: int = 0
    sort: list[tuple[str, bool]] = field(default_factory=list)  # (param, descending)
    include: list[tuple[str, str, str | None]] = field(default_factory=list)
    revinclude: list[tuple[str, str, str | None]] = field(default_factory=list)
    summary_count: bool = False
    total: str = "accurate"
    ignored: list[str] = field(default_factory=list)
    # The organizations whose participation limits what matches (None: no limit, e.g. the
    # region-wide role or the server itself); see service.access.visibility.
    visible_to: frozenset[str] | None = None


def _bad(text: str, expression: str | None = None) -> FhirError:
    return FhirError.of(400, "invalid", text, expression)


def integer_parameter(name: str, raw: str, minimum: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise _bad(f"{name} must be an integer, got {raw!r}", name) from None
    if value < minimum:
        raise _bad(f"{name} must be at least {minimum}, got {value}", name)
    return min(value, LARGEST_INTEGER)  # an offset past every match is an empty page anyway


def since_parameter(name: str, raw: str) -> str:
    """A `_since` value (history, export) as stored-time text: the start of the moment named."""
    parsed = parse_range(raw)
    if parsed is None:
        raise _bad(f"{name}={raw!r} is not a FHIR instant", name)
    return stamp(parsed[0])


def _criterion(
    res_type: str, name: str, raw_values: list[str], parameter: str | None = None
) -> Criterion | None:
    """One parameter as a criterion: `code[:modifier]`, or a chain `code[:Type].rest` whose rest
    is a criterion on the target type. Errors name `parameter`, the name as the client sent it."""
    parameter = parameter or name
    if parameter.count(".") > MAX_CHAIN_DEPTH:
        raise _bad(f"{parameter}: a chain may have at most {MAX_CHAIN_DEPTH} levels", parameter)
    head, dot, chain_name = name.partition(".")
    base, _, modifier = head.partition(":")
    if base in ("_id", "_lastUpdated"):
        if dot:
            raise _bad(f"{base} is not a reference parameter and cannot be chained", parameter)
        if modifier:  # answered from the resources table, which knows no modifier
            raise _bad(f"modifier :{modifier} is not supported on {base}", parameter)
        kind = "token" if base == "_id" else "date"
        return Criterion(base, None, kind, modifier, tuple(_split(raw_values)))
    param = for_type(res_type).get(base)
    if param is None:
        return None
    if dot:
        if param.type != "reference":
            raise _bad(f"{base} is not a reference parameter and cannot be chained", parameter)
        if modifier and modifier not in param.targets:
            raise _bad(f"{res_type}.{base} cannot refer to a {modifier}", parameter)
        candidates = [t for t in param.targets if _chain_root(chain_name) in for_type(t)]
        target = modifier or (candidates[0] if len(candidates) == 1 else None)
        if target is None:
            raise _bad(f"chained {base} needs a type, e.g. {base}:Patient.{chain_name}", parameter)
        inner = _criterion(target, chain_name, raw_values, parameter)
        if inner is None:
            raise _bad(f"{target} has no search parameter {chain_name!r}", parameter)
        return Criterion(base, param, "reference", "", (), inner, target)
    type_modifier = param.type == "reference" and modifier in param.targets
    if modifier not in MODIFIERS.get(param.type, {""}) and not type_modifier:
        raise _bad(
            f"modifier :{modifier} is not supported on {param.type} parameter {base}", parameter
        )
    return Criterion(base, param, param.type, modifier, tuple(_split(raw_values)))


def _chain_root(chain: str) -> str:
    return chain.split(".", 1)[0].split(":", 1)[0]


def _split(raw_values: list[str]) -> list[str]:
    """Comma-separated values are OR-ed; a backslash escapes a comma."""
    values: list[str] = []
    for raw in raw_values:
        current = ""
        escaped = False
        for char in raw:
            if escaped:
                current += char
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == ",":
                values.append(current)
                current = ""
            else:
                current += char
        values.append(current)
    return values


def _includes(res_type: str, raw: list[str], name: str) -> list[tuple[str, str, str | None]]:
    parsed = []
    for value in raw:
        parts = value.split(":")
        if len(parts) not in (2, 3):
            raise _bad(f"{name} must be Type:param[:Target], got {value!r}", name)
        source, param_code = parts[0], parts[1]
        param = for_type(source).get(param_code)
        if param is None or param.type != "reference":
            raise _bad(f"{name}: {source} has no reference parameter {param_code!r}", name)
        parsed.append((source, param_code, parts[2] if len(parts) == 3 else None))
    return parsed


def parse(
    res_type: str,
    params: list[tuple[str, str]],
    default_count: int,
    max_count: int,
    strict: bool,
) -> SearchRequest:
    request = SearchRequest(res_type, count=default_count)
    grouped: dict[str, list[str]] = {}
    for name, value in params:
        grouped.setdefault(name, []).append(value)
    for name, values in grouped.items():
        if name == "_count":
            request.count = min(integer_parameter(name, values[-1], 0), max_count)
        elif name == "_offset":
            request.offset = integer_parameter(name, values[-1], 0)
        elif name == "_sort":
            for key in _split(values):
                request.sort.append((key.lstrip("-"), key.startswith("-")))
        elif name == "_include":
            request.include = _includes(res_type, values, name)
        elif name == "_revinclude":
            request.revinclude = _includes(res_type, values, name)
        elif name == "_summary":
            if values[-1] == "count":
                request.summary_count = True
            elif values[-1] != "false":
                request.ignored.append(f"_summary={values[-1]}")
        elif name == "_total":
            if values[-1] not in ("none", "estimate", "accurate"):
                raise _bad("_total must be none, estimate or accurate", name)
            request.total = values[-1]
        elif name in RESULT_PARAMETERS:
            if name == "_elements":
                request.ignored.append(name)
        else:
            for value in values:
                criterion = _criterion(res_type, name, [value])
                if criterion is None:
                    request.ignored.append(name)
                    break
                request.criteria.append(criterion)
    for key, _ in request.sort:
        if key not in ("_id", "_lastUpdated") and key not in for_type(res_type):
            raise _bad(f"cannot sort {res_type} by unknown parameter {key!r}", "_sort")
    if strict and request.ignored:
        names = ", ".join(sorted(set(request.ignored)))
        raise _bad(f"unknown or unsupported search parameter(s) for {res_type}: {names}")
    return request
