"""Hypothesis strategies for whole requests, one per kind of route the service answers:
search (every type, GET and POST `_search`), the access log's search, read, vread, history,
create, update, conditional update, patch, delete, batch/transaction, `$process-message`,
`$validate`, the subscription and statistics operations, `$delivery-status`, the Bulk Data
`$export` with its status, files and delete, HL7 v2, the token endpoint and discovery, the web
pages and their forms (tests.fuzz.web), and paths that lead nowhere. Each carries headers FHIR gives
meaning to (Accept, `_format`, Content-Type, If-Match, If-None-Match, If-None-Exist, Prefer),
mostly right and sometimes wrong, and is sent as one of the callers of tests.fuzz.exchange."""

from urllib.parse import quote, urlencode

from hypothesis import strategies as st

from service.rest.resource_types import guide_profiles, supported_types
from tests.fuzz.bodies import (
    bundles,
    encoded,
    example_ids,
    examples_of,
    json_patches,
    one_in,
    parameters,
    resources,
)
from tests.fuzz.exchange import ANONYMOUS, FOLLOWED, JOB, PRINCIPALS, FuzzRequest
from tests.fuzz.hl7v2 import hl7v2_messages
from tests.fuzz.parameters import HUGE, TEXT, audit_parameters, search_parameters
from tests.fuzz.web import form_posts, page_requests, sign_ins
from tests.fuzz.world import SUBSCRIPTIONS

Headers = tuple[tuple[str, str], ...]
FHIR_JSON = "application/fhir+json"
GUIDE_TYPES = sorted(guide_profiles())
TYPES = st.one_of(
    st.sampled_from(GUIDE_TYPES),
    st.sampled_from(GUIDE_TYPES),
    st.sampled_from(sorted(supported_types())),
    st.sampled_from(["Nope", "patient", "AuditEvent", "Bundle", "Binary", "_history", "$x"]),
)
EXAMPLE_TYPES = sorted({str(e["resourceType"]) for e in examples_of()})
RAW_IDS = (
    st.sampled_from(example_ids()) | st.text(min_size=1, max_size=10) | st.sampled_from(["..", "/"])
)
# Path segments, percent-encoded (the client sends no control characters; the server decodes).
IDS = RAW_IDS.map(lambda text: quote(text, safe=""))
CALLERS = st.sampled_from([*PRINCIPALS, *["region"] * 14, ANONYMOUS])

ACCEPT = st.sampled_from(
    [
        FHIR_JSON,
        "application/json",
        "application/fhir+json; fhirVersion=4.0",
        "*/*",
        "application/fhir+xml",
        "text/html",
        "application/fhir+json;q=0,*/*;q=0.1",
        ",,;",
    ]
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/fhir+json; charset=utf-8",
        "application/fhir+xml",
        "application/x-www-form-urlencoded",
        "text/plain",
        "application/json-patch+json",
        "",
    ]
)
PREFER = st.sampled_from(
    [
        "return=minimal",
        "return=representation",
        "return=OperationOutcome",
        "handling=strict",
        "handling=lenient",
        "respond-async",
        "return=minimal, handling=strict",
        'return="x";;,=',
    ]
)
VERSION_TAGS = st.sampled_from(['W/"1"', '"2"', "1", "*", 'W/"0"', 'W/"a b"', "", "W/"])


@st.composite
def headers(draw: st.DrawFn, content_type: str | None = None) -> Headers:
    """The route's Content-Type (now and then another) and a few of the headers FHIR reads."""
    found: dict[str, str] = {}
    if content_type is not None:
        found["Content-Type"] = content_type
        if draw(one_in(8)):
            found["Content-Type"] = draw(CONTENT_TYPES | TEXT.map(_ascii))
    optional = {
        "Accept": ACCEPT,
        "Prefer": PREFER,
        "If-Match": VERSION_TAGS,
        "If-None-Match": VERSION_TAGS,
        "If-None-Exist": st.sampled_from(["_id=tolvan", "identifier=x|y", "", "x=1", "_count=x"]),
        "If-Modified-Since": st.sampled_from(["Mon, 02 Nov 2026 10:00:00 GMT", "x"]),
        "Authorization": st.sampled_from(["Bearer x.y.z", "Basic Zm9vOmJhcg==", "Bearer"]),
    }
    for name in draw(st.lists(st.sampled_from(sorted(optional)), max_size=3, unique=True)):
        if name != "Authorization" or draw(one_in(4)):
            found[name] = draw(optional[name] | TEXT.map(_ascii))
    return tuple(found.items())


def _ascii(text: str) -> str:
    """Header values the HTTP client can send (printable ASCII, no space at either end)."""
    return "".join(c for c in text if " " <= c <= "~").strip()


def _format(params: list[tuple[str, str]], extra: str | None) -> tuple[tuple[str, str], ...]:
    return tuple(params + ([("_format", extra)] if extra is not None else []))


FORMATS = st.none() | st.none() | st.sampled_from(["json", "xml", FHIR_JSON, "html", "ttl", ""])


@st.composite
def searches(draw: st.DrawFn) -> FuzzRequest:
    res_type = draw(TYPES)
    params = draw(search_parameters(res_type))
    follow = draw(st.none() | st.sampled_from(FOLLOWED))
    who = draw(CALLERS)
    if draw(one_in(5)):
        form = not draw(one_in(6))  # or bytes that are no form: not even UTF-8
        body = urlencode(params).encode() if form else draw(st.binary(max_size=20))
        path = f"/fhir/{res_type}/_search"
        wanted = "application/x-www-form-urlencoded"
        return FuzzRequest("POST", path, (), draw(headers(wanted)), body, who, follow, form)
    query = _format(params, draw(FORMATS))
    return FuzzRequest("GET", f"/fhir/{res_type}", query, draw(headers()), None, who, follow, True)


@st.composite
def audit_searches(draw: st.DrawFn) -> FuzzRequest:
    if draw(one_in(4)):
        return FuzzRequest("GET", f"/fhir/AuditEvent/{draw(IDS)}", who=draw(CALLERS))
    params = tuple(draw(audit_parameters()))
    follow = draw(st.none() | st.sampled_from(FOLLOWED))
    return FuzzRequest("GET", "/fhir/AuditEvent", params, (), None, draw(CALLERS), follow, True)


@st.composite
def reads(draw: st.DrawFn) -> FuzzRequest:
    """Read, vread and the three histories, with their paging and `_since`."""
    res_type, res_id = draw(TYPES), draw(IDS)
    version = draw(IDS | HUGE.map(str.strip) | st.sampled_from(["1", "2"]))
    path = draw(
        st.sampled_from(
            [
                f"/fhir/{res_type}/{res_id}",
                f"/fhir/{res_type}/{res_id}/_history/{version}",
                f"/fhir/{res_type}/{res_id}/_history",
                f"/fhir/{res_type}/_history",
                "/fhir/_history",
            ]
        )
    )
    history = st.tuples(
        st.sampled_from(["_count", "_offset", "_since", "_at", "_list"]),
        st.sampled_from(["2", "0", "-1", "2026-11-02", "2026-11-02T10:00:00Z"]) | HUGE | TEXT,
    )
    params = draw(st.lists(history, max_size=3))
    follow = draw(st.none() | st.sampled_from(FOLLOWED))
    query = _format(params, draw(FORMATS))
    return FuzzRequest("GET", path, query, draw(headers()), None, draw(CALLERS), follow)


@st.composite
def writes(draw: st.DrawFn) -> FuzzRequest:
    """Create, update, conditional update, patch and delete of a (mostly) mutated example."""
    res_type = draw(st.sampled_from(EXAMPLE_TYPES) | TYPES)
    kind = draw(st.sampled_from(["create", "create", "update", "update", "conditional", "patch"]))
    who = draw(CALLERS)
    if draw(one_in(7)):
        kind = "delete"
    if kind == "delete":
        return FuzzRequest("DELETE", f"/fhir/{res_type}/{draw(IDS)}", who=who)
    if kind == "patch":
        body = draw(json_patches(res_type).flatmap(encoded))
        wanted = "application/json-patch+json"
        path = f"/fhir/{res_type}/{draw(IDS)}"
        return FuzzRequest("PATCH", path, (), draw(headers(wanted)), body, who)
    resource = draw(resources(res_type))
    if kind == "create":
        return FuzzRequest(
            "POST", f"/fhir/{res_type}", (), draw(headers(FHIR_JSON)), draw(encoded(resource)), who
        )
    if kind == "conditional":
        params = draw(search_parameters(res_type))
        body = draw(encoded(resource))
        return FuzzRequest(
            "PUT", f"/fhir/{res_type}", tuple(params), draw(headers(FHIR_JSON)), body, who
        )
    res_id = draw(RAW_IDS)
    if isinstance(resource, dict) and not draw(one_in(5)):
        resource = {**resource, "id": res_id}
    path = f"/fhir/{res_type}/{quote(res_id, safe='')}"
    return FuzzRequest("PUT", path, (), draw(headers(FHIR_JSON)), draw(encoded(resource)), who)


@st.composite
def bundle_posts(draw: st.DrawFn) -> FuzzRequest:
    """Batch and transaction Bundles to the base, message Bundles to `$process-message`."""
    if draw(st.booleans()):
        path, body = "/fhir", draw(bundles().flatmap(encoded))
    else:
        path, body = "/fhir/$process-message", draw(resources("Bundle").flatmap(encoded))
    return FuzzRequest("POST", path, (), draw(headers(FHIR_JSON)), body, draw(CALLERS))


@st.composite
def validations(draw: st.DrawFn) -> FuzzRequest:
    res_type = draw(TYPES)
    path = draw(
        st.sampled_from([f"/fhir/{res_type}/$validate", f"/fhir/{res_type}/{draw(IDS)}/$validate"])
    )
    resource = draw(resources(res_type))
    body = resource
    if draw(st.booleans()):
        wrapped = draw(parameters(["resource", "mode", "profile"]))
        wrapped["parameter"].append({"name": "resource", "resource": resource})
        body = wrapped
    params = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["mode", "profile"]),
                st.sampled_from(["create", "update", "delete", "profile", "x"])
                | st.sampled_from(sorted(guide_profiles().values()))
                | TEXT,
            ),
            max_size=2,
        )
    )
    return FuzzRequest(
        "POST", path, tuple(params), draw(headers(FHIR_JSON)), draw(encoded(body)), draw(CALLERS)
    )


INVOICED = "lus-betalningsansvar"
MEASURES = [
    INVOICED,
    "lus-processuppfoljning",
    "lus-avvikelser",
    "lus-utskrivningsklara-dagar",
    "x",
]
PERIOD_VALUES = st.sampled_from(
    ["2026-11-01", "2026-11-30", "2026-01", "2026-11", "0180", "json", "csv", "xlsx", "1", "0"]
)


@st.composite
def operations(draw: st.DrawFn) -> FuzzRequest:
    """The subscription, statistics and delivery-status operations."""
    who = draw(CALLERS)
    sub_id = draw(IDS | st.sampled_from(sorted(SUBSCRIPTIONS)))
    kind = draw(st.sampled_from(["subscription", "measure", "invoice", "delivery"]))
    if kind == "subscription":
        path = draw(
            st.sampled_from(
                [
                    "/fhir/Subscription/$status",
                    f"/fhir/Subscription/{sub_id}/$status",
                    f"/fhir/Subscription/{sub_id}/$events",
                    f"/fhir/Subscription/{sub_id}/$get-ws-binding-token",
                ]
            )
        )
        names = ["id", "eventsSinceNumber", "eventsUntilNumber", "content"]
        values = st.sampled_from(["1", "0", "-1", "full-resource"]) | HUGE | TEXT
        params = draw(st.lists(st.tuples(st.sampled_from(names), values), max_size=3))
        return FuzzRequest("GET", path, tuple(params), draw(headers()), None, who)
    if kind == "delivery":
        path = f"/fhir/{draw(TYPES)}/{draw(IDS)}/$delivery-status"
        return FuzzRequest("GET", path, (), draw(headers()), None, who)
    if kind == "measure":
        names = ["periodStart", "periodEnd", "subject", "reportType", "measure"]
        path = f"/fhir/Measure/{draw(st.sampled_from(MEASURES))}/$evaluate-measure"
        method = draw(st.sampled_from(["GET", "POST"]))
    else:
        names = ["kommun", "month", "format", "version"]
        path = f"/fhir/Measure/{draw(st.sampled_from([INVOICED] * 4 + MEASURES))}/$invoice-basis"
        method = "POST"
    subjects = st.sampled_from(["Location/lan-01", "Location/kommun-0180", "Location/stadsdel-x"])
    values = PERIOD_VALUES | subjects | HUGE | TEXT
    params = draw(st.lists(st.tuples(st.sampled_from(names), values), max_size=4))
    body = None
    if method == "POST" and draw(st.booleans()):
        body = draw(parameters(names).flatmap(encoded))
    return FuzzRequest(method, path, tuple(params), draw(headers(FHIR_JSON)), body, who)


EXPORT_PARAMETERS = {
    "_type": st.sampled_from(["Patient", "Encounter,Task", "Task", "AuditEvent", "Nope", ""]),
    "_since": st.sampled_from(["2026-11-01T00:00:00Z", "2026-11-01", "2999-01-01T00:00:00Z", "x"]),
    "_outputFormat": st.sampled_from(["application/fhir+ndjson", "ndjson", "text/csv"]),
    "_typeFilter": st.sampled_from(["Task?status=requested", "x"]),
    "_elements": st.sampled_from(["id", "Patient.name"]),
    "patient": st.sampled_from(["Patient/tolvan", "x"]),
    "_until": st.sampled_from(["2026-11-01T00:00:00Z"]),
}
ASYNC = st.sampled_from(["respond-async"] * 6 + ["respond-async, handling=strict", "x", ""])


@st.composite
def exports(draw: st.DrawFn) -> FuzzRequest:
    """A Bulk Data kick-off at one of the three levels with some of the IG's parameters (also
    the ones this server refuses by name), now and then followed to the job's status; or the
    status, a file or the delete of a job id of any shape."""
    who = draw(CALLERS)
    if draw(one_in(4)):
        job, name = draw(IDS), draw(st.sampled_from(["Patient.ndjson", "x", "..", "Task.ndjson"]))
        method, path = draw(
            st.sampled_from(
                [
                    ("GET", f"/fhir/$export-status/{job}"),
                    ("DELETE", f"/fhir/$export-status/{job}"),
                    ("GET", f"/fhir/$export-file/{job}/{name}"),
                ]
            )
        )
        return FuzzRequest(method, path, who=who)
    group = draw(st.sampled_from(["kommun-0180", "kommun-0182", "kommun-9999", "x"]) | IDS)
    path = draw(
        st.sampled_from(["/fhir/$export", "/fhir/Patient/$export", f"/fhir/Group/{group}/$export"])
    )
    names = draw(st.lists(st.sampled_from(sorted(EXPORT_PARAMETERS)), max_size=3, unique=True))
    params = tuple((name, draw(EXPORT_PARAMETERS[name] | TEXT)) for name in names)
    found = dict(draw(headers()))
    found.setdefault("Prefer", draw(ASYNC))
    follow = draw(st.none() | st.just(JOB))
    return FuzzRequest("GET", path, params, tuple(found.items()), None, who, follow)


@st.composite
def edges(draw: st.DrawFn) -> FuzzRequest:
    """HL7 v2, the token endpoint, discovery, and paths and methods nobody serves."""
    who = draw(CALLERS)
    kind = draw(st.sampled_from(["hl7v2", "hl7v2", "lookup", "token", "discovery", "nowhere"]))
    if kind == "hl7v2":
        kinds = st.sampled_from(["x-application/hl7-v2+er7", "application/hl7-v2", "text/plain"])
        body = draw(hl7v2_messages())
        return FuzzRequest("POST", "/hl7v2", (), (("Content-Type", draw(kinds)),), body, who)
    if kind == "lookup":
        names = st.sampled_from(["sender", "control-id", "x"])
        params = draw(st.lists(st.tuples(names, TEXT), max_size=3))
        return FuzzRequest("GET", "/hl7v2/messages", tuple(params), (), None, who)
    if kind == "token":
        fields = st.sampled_from(
            ["grant_type", "client_assertion_type", "client_assertion", "scope"]
        )
        values = (
            st.sampled_from(
                [
                    "client_credentials",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    "system/*.rs",
                    "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.",
                    "a.b.c",
                ]
            )
            | TEXT
        )
        form = urlencode(draw(st.lists(st.tuples(fields, values), max_size=5))).encode()
        return FuzzRequest(
            "POST",
            "/auth/token",
            (),
            draw(headers("application/x-www-form-urlencoded")),
            form,
            ANONYMOUS,
        )
    if kind == "discovery":
        path = draw(
            st.sampled_from(
                ["/fhir/metadata", "/fhir/.well-known/smart-configuration", "/auth/jwks"]
            )
        )
        return FuzzRequest("GET", path, _format([], draw(FORMATS)), draw(headers()), None, who)
    method = draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]))
    path = "/" + "/".join(draw(st.lists(TYPES | IDS, max_size=5)))
    return FuzzRequest(
        method, path, (), draw(headers(FHIR_JSON)), draw(st.none() | st.binary(max_size=50)), who
    )


def requests() -> st.SearchStrategy[FuzzRequest]:
    """Any request, searches and writes most often."""
    return st.one_of(
        searches(),
        searches(),
        searches(),
        writes(),
        writes(),
        reads(),
        bundle_posts(),
        validations(),
        operations(),
        audit_searches(),
        exports(),
        page_requests(CALLERS),
        form_posts(CALLERS),
        sign_ins(),
        edges(),
    )
