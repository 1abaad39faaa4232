"""Requests to the web pages under /app/: every page with its query parameters (month ranges,
areas, care types, a municipality's invoice basis and its versions, downloads in every format),
the stay's timeline with the examples' ids and odd ones, the static files, and the forms
(report a cooperation failure, issue an invoice basis, dispute a line, answer a dispute) with
their fields right and wrong. Most forms carry the caller's own CSRF token (tests.fuzz.exchange
puts it in for CSRF_PLACEHOLDER), so they reach the code behind the check; some carry none or a
forged one."""

from urllib.parse import quote, urlencode

from hypothesis import strategies as st

from service.statistics.areas import areas
from service.statistics.disputes import DECISIONS, REASONS
from service.statistics.rows import ALL_CARE
from tests.fuzz.bodies import example_ids, examples_of, one_in
from tests.fuzz.exchange import (
    ANONYMOUS,
    CSRF_PLACEHOLDER,
    FORM,
    SIGN_IN,
    SIGN_IN_CHANGES,
    START,
    FuzzRequest,
)
from tests.fuzz.parameters import HUGE, TEXT

AREAS = areas()
MONTHS = st.sampled_from(
    ["2026-11"] * 4 + ["2026-10", "2026-01", "2025-12", "2026-13", "1899-01", "x", ""]
)
AREA_OPTIONS = st.sampled_from(
    [
        "lan-01",
        *(f"kommun-{code}" for code in sorted(AREAS.kommuner)[:6]),
        "kommun-0180",
        *(f"stadsdel-{code}" for code in sorted(AREAS.districts)[:4]),
        "stadsdel-x",
        "kommun-9999",
        "Location/lan-01",
    ]
)
KOMMUNER = st.sampled_from(["0180"] * 3 + ["0182", "0114", "9999", "x", ""])
VERSIONS = st.sampled_from(["1"] * 3 + ["2", "0", "-1", "x", ""]) | HUGE
ENCOUNTERS = sorted(str(e["id"]) for e in examples_of("Encounter") if "id" in e)
STAYS = (
    st.sampled_from(ENCOUNTERS)
    | st.sampled_from(ENCOUNTERS).map("Encounter/{}".format)
    | st.sampled_from(example_ids())
    | TEXT
)
VALUES = TEXT | HUGE
# Where to go after signing in: pages of the site, and tries to leave it.
RETURNS = (
    st.sampled_from(
        [
            "/app/uppfoljning?omrade=kommun-0180",
            "/app/",
            "https://evil.example/app/",
            "//evil.example/app/",
            "/app/\\evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "/fhir/Patient",
        ]
    )
    | TEXT
)


def _choose(draw: st.DrawFn, fields: dict[str, st.SearchStrategy[str]]) -> list[tuple[str, str]]:
    """All of a route's fields (half the time; else some of them), each now and then with any
    value, and now and then one the route does not know."""
    chosen = sorted(fields)
    if chosen and draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from(chosen), max_size=len(fields), unique=True))
    found = []
    for name in chosen:
        values = fields[name] | VALUES if draw(one_in(6)) else fields[name]
        found.append((name, draw(values)))
    if draw(one_in(8)):
        found.append((draw(TEXT), draw(VALUES)))
    return found


FILTERS = {
    "fran": MONTHS,
    "till": MONTHS,
    "omrade": AREA_OPTIONS,
    "vardform": st.sampled_from([ALL_CARE, "somatisk", "psykiatrisk", "x"]),
}
FORMATS = st.sampled_from(["csv", "xlsx", "json", "x", ""])
INVOICE = {"kommun": KOMMUNER, "manad": MONTHS, "version": VERSIONS}
PAGES = {
    "/app/": FILTERS,
    "/app/uppfoljning": FILTERS,
    "/app/oversikt/fil": {**FILTERS, "format": FORMATS},
    "/app/fakturaunderlag": {**INVOICE, "klart": st.sampled_from(["utfardat", "bestritt", "x"])},
    "/app/fakturaunderlag/fil": {**INVOICE, "format": FORMATS},
    "/app/vardtillfalle": {"id": STAYS},
    "/app/samverkansbrist": {"vardtillfalle": STAYS},
    "/app/inloggning": {
        "till": RETURNS,
        "slut": st.sampled_from(["1", ""]),
        "utloggad": st.sampled_from(["1", ""]),
    },
    "/app/inloggning/svar": {
        "code": st.sampled_from(["x", ""]) | TEXT,
        "state": st.sampled_from(["x", ""]) | TEXT,
        "error": st.sampled_from(["access_denied", ""]),
    },
}
FORMS = {
    "/app/samverkansbrist": {
        "vardtillfalle": STAYS,
        "beskrivning": st.sampled_from(["Hemtjänsten fick inget besked", ""]),
        "parter": st.sampled_from(["Organization/hemtjanst-aros", ""]),
        "allvarlighet": st.sampled_from(["high", "moderate", "low", "x"]),
    },
    "/app/fakturaunderlag/utfarda": INVOICE,
    "/app/fakturaunderlag/bestrid": {
        **INVOICE,
        "vardtillfalle": STAYS,
        "skal": st.sampled_from([*sorted(REASONS), "x"]),
        "text": st.sampled_from(["Patienten flyttade", "", "x" * 3000]),
    },
    "/app/utloggning": {},
    "/app/fakturaunderlag/svar": {
        **INVOICE,
        "bestridande": st.sampled_from(["1", "x", ""]) | TEXT,
        "beslut": st.sampled_from([*sorted(DECISIONS), "x"]),
        "svar": st.sampled_from(["Godtas", ""]),
    },
}
STATIC = st.sampled_from(["app.css", "charts.js", "vendor/chart.umd.min.js", "../pages.py", "x"])


@st.composite
def page_requests(draw: st.DrawFn, callers: st.SearchStrategy[str]) -> FuzzRequest:
    """A page or a download with some of its query parameters; the stay's page by id; a
    static file."""
    who = draw(callers)
    kind = draw(st.sampled_from(["page", "page", "page", "stay", "static"]))
    if kind == "stay":
        path = f"/app/vardtillfalle/{quote(draw(STAYS), safe='')}"
        return FuzzRequest("GET", path, who=who)
    if kind == "static":
        return FuzzRequest("GET", f"/app/static/{draw(STATIC)}", who=who)
    path = draw(st.sampled_from(sorted(PAGES)))
    return FuzzRequest("GET", path, tuple(_choose(draw, PAGES[path])), who=who)


@st.composite
def form_posts(draw: st.DrawFn, callers: st.SearchStrategy[str]) -> FuzzRequest:
    """A form with some of its fields and (mostly) the caller's CSRF token, as a form or not,
    now and then from another site's Origin."""
    path = draw(st.sampled_from(sorted(FORMS)))
    fields = _choose(draw, FORMS[path])
    token = draw(st.sampled_from([CSRF_PLACEHOLDER] * 6 + ["", "1.x", "9999999999.ab"]))
    if not draw(one_in(10)):
        fields.append(("csrf", token))
    headers = [("Content-Type", FORM if not draw(one_in(8)) else "text/plain")]
    if draw(one_in(8)):
        headers.append(("Origin", draw(st.sampled_from(["https://evil.example", "null", "x"]))))
    body = urlencode(fields).encode() if not draw(one_in(10)) else draw(st.binary(max_size=40))
    return FuzzRequest("POST", path, (), tuple(headers), body, draw(callers))


@st.composite
def sign_ins(draw: st.DrawFn) -> FuzzRequest:
    """A browser's sign-in through the OpenID Connect provider, to a `till` of any kind, its
    callback now and then tampered with (tests.fuzz.exchange follows it)."""
    params = (("till", draw(RETURNS)),) if draw(st.booleans()) else ()
    change = draw(st.sampled_from(SIGN_IN_CHANGES))
    return FuzzRequest("GET", START, params, who=ANONYMOUS, follow=f"{SIGN_IN}:{change}")
