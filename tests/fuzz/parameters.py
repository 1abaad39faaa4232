"""Search parameters for the fuzzer, from the registry the server searches with
(`service.search.parameters.for_type`: R4's and the guide's SearchParameters): every
parameter of a type with its modifiers and foreign ones, prefixes, values of its kind and of
others, chains through its reference targets (deeper than the server allows, too), and the
result parameters (`_count`, `_sort`, `_include` …)."""

from hypothesis import strategies as st

from service.audit.search import PARAMETERS as AUDIT_PARAMETERS
from service.search.parameters import for_type
from service.search.query import PREFIXES
from service.search.request import MAX_CHAIN_DEPTH, MODIFIERS
from tests.fuzz.bodies import ODD_STRINGS, example_ids

Param = tuple[str, str]
FOREIGN_MODIFIERS = ["text", "above", "below", "in", "not-in", "of-type", "iterate", "identifier"]
SYSTEMS = [
    "http://electronichealth.se/identifier/personnummer",
    "https://lus-fhir.se/fhir/CodeSystem/lus-event",
    "http://hl7.org/fhir/task-status",
]
CODES = [
    "191212121212",
    "requested",
    "completed",
    "inskrivningsmeddelande",
    "utskrivningsklar",
    "socialtjanst",
    "0180",
]
TEXT = st.text(max_size=12) | ODD_STRINGS
# Integers a database does not hold (past 2**63 - 1) and ones int() reads but a regex may not.
HUGE = st.sampled_from(["99999999999999999999", "9223372036854775808", "+1", " 2", "1_0", "٣"])


def _dates() -> st.SearchStrategy[str]:
    prefix = st.sampled_from(["", *PREFIXES, "xx", "EQ"])
    moment = st.one_of(
        st.dates().map(lambda d: d.isoformat()),
        st.datetimes(timezones=st.just(None)).map(lambda t: t.isoformat() + "Z"),
        st.sampled_from(
            ["2026", "2026-11", "2026-11-02T10:00", "2026-11-02T10:00:00+01:00", "99999", "0000"]
        ),
        TEXT,
    )
    return st.builds(str.__add__, prefix, moment)


def _numbers() -> st.SearchStrategy[str]:
    number = st.one_of(
        st.integers().map(str),
        st.floats().map(repr),
        st.sampled_from(["1e999", "-0", "1e-400", "0x10", "1_000", "٣"]),
    )
    unit = st.sampled_from(["", "|http://unitsofmeasure.org|d", "||d", "|", "|||"])
    return st.builds(lambda p, n, u: p + n + u, st.sampled_from(["", *PREFIXES]), number, unit)


def _references(targets: tuple[str, ...]) -> st.SearchStrategy[str]:
    kind = st.sampled_from([*targets, "Patient", "X"])
    rid = st.sampled_from(example_ids()) | TEXT
    return st.one_of(
        st.builds(lambda k, i: f"{k}/{i}", kind, rid),
        rid,
        st.builds(lambda k, i: f"https://lus-fhir.se/fhir/{k}/{i}", kind, rid),
        st.builds(lambda k, i: f"{k}/{i}/_history/1", kind, rid),
    )


def values(kind: str, targets: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    """A value for a parameter of `kind`, sometimes one for another kind; several OR-ed."""
    token = st.one_of(
        st.sampled_from(CODES),
        st.builds(lambda s, c: f"{s}|{c}", st.sampled_from(["", *SYSTEMS]), st.sampled_from(CODES)),
        st.builds(lambda s: f"{s}|", st.sampled_from(SYSTEMS)),
    )
    by_kind = {
        "token": token,
        "string": TEXT,
        "date": _dates(),
        "reference": _references(targets),
        "uri": st.sampled_from(["https://lus-fhir.se/fhir/StructureDefinition/lus-task", ""])
        | TEXT,
        "number": _numbers(),
        "quantity": _numbers(),
        "missing": st.sampled_from(["true", "false", "TRUE", "1", ""]),
    }
    one = st.one_of(by_kind.get(kind, TEXT), by_kind.get(kind, TEXT), st.one_of(*by_kind.values()))
    return st.lists(one, min_size=1, max_size=3).map(",".join) | one.map(
        lambda v: v.replace(",", "\\,")
    )


@st.composite
def criterion(draw: st.DrawFn, res_type: str, links: int) -> Param:
    """`code[:modifier]=value` of `res_type`, or a chain of up to `links` more links."""
    params = for_type(res_type)
    if not params:
        return draw(TEXT), draw(TEXT)
    param = params[draw(st.sampled_from(sorted(params)))]
    if param.type == "reference" and links > 0 and draw(st.booleans()):
        target = draw(st.sampled_from([*param.targets, "Patient"] if param.targets else ["X"]))
        typed = f"{param.code}:{target}" if draw(st.booleans()) else param.code
        name, value = draw(criterion(target, links - 1))
        return f"{typed}.{name}", value
    modifier = draw(
        st.sampled_from(["", "", *MODIFIERS.get(param.type, set()), *param.targets])
        | st.sampled_from(FOREIGN_MODIFIERS)
    )
    kind = "missing" if modifier == "missing" else param.type
    name = f"{param.code}:{modifier}" if modifier else param.code
    return name, draw(values(kind, param.targets))


def _reference_parameters(res_type: str) -> list[str]:
    return sorted(code for code, p in for_type(res_type).items() if p.type == "reference")


@st.composite
def include(draw: st.DrawFn, res_type: str) -> str:
    """`Type:param[:Target]` naming a reference parameter of the searched type or another."""
    source = draw(st.sampled_from([res_type, "Task", "Encounter", "Patient", "Organization"]))
    codes = _reference_parameters(source) or ["x"]
    value = f"{source}:{draw(st.sampled_from(codes))}"
    if draw(st.booleans()):
        value += f":{draw(st.sampled_from(['Patient', 'Organization', 'Encounter', 'X']))}"
    return draw(st.sampled_from([value, value, value, "*", f"{res_type}:*"]) | TEXT)


def result_parameters(res_type: str) -> st.SearchStrategy[Param]:
    sortable = sorted(for_type(res_type)) or ["_id"]
    sort_key = st.builds(
        lambda minus, key: minus + key, st.sampled_from(["", "-"]), st.sampled_from(sortable)
    )
    integer = st.integers(-3, 10**6).map(str) | HUGE | TEXT
    return st.one_of(
        st.tuples(st.sampled_from(["_count", "_offset"]), integer),
        st.tuples(
            st.just("_sort"), st.lists(sort_key | TEXT, min_size=1, max_size=3).map(",".join)
        ),
        st.tuples(
            st.sampled_from(["_include", "_revinclude", "_include:iterate", "_revinclude:iterate"]),
            include(res_type),
        ),
        st.tuples(
            st.sampled_from(
                ["_summary", "_total", "_elements", "_format", "_pretty", "_contained"]
            ),
            st.sampled_from(["true", "false", "count", "text", "data", "none", "accurate", "json"])
            | TEXT,
        ),
        st.tuples(
            st.sampled_from(["_has:Task:patient:status", "_text", "_content", "_list", "_filter"]),
            TEXT,
        ),
    )


def search_parameters(res_type: str) -> st.SearchStrategy[list[Param]]:
    """What a search of `res_type` sends: criteria (chains one to a few links deep, now and then
    past the server's limit), result parameters and names the server does not know."""
    links = st.sampled_from([0, 0, 1, 1, 2, 3, 4, MAX_CHAIN_DEPTH + 1])
    known = links.flatmap(lambda n: criterion(res_type, n))
    unknown = st.tuples(TEXT, TEXT)
    return st.lists(
        st.one_of(known, known, known, result_parameters(res_type), unknown), max_size=6
    )


def audit_parameters() -> st.SearchStrategy[list[Param]]:
    """The access log's own search (service.audit.search) and its result parameters."""
    value = st.one_of(
        _dates(), _references(("Patient", "Organization")), st.sampled_from(CODES), TEXT
    )
    name = st.sampled_from(sorted(AUDIT_PARAMETERS)) | st.sampled_from(
        ["_count", "_offset", "_sort", "_total", "status"]
    )
    return st.lists(
        st.tuples(name, value | HUGE | st.sampled_from(["date", "-date", "5"])), max_size=4
    )
