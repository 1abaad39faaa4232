"""Nacka's social services (B) learns nothing about Tolvan's stay by any path of the API, while
Hägersten-Älvsjö's social services (A), which takes part in it, does.

One row per route of the application: what B asks, and whether A (asking the same) sees the stay
— the positive control that makes each row able to fail. A route added without a row fails
`test_every_route_has_a_row`.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.delivery import DeliveryConfig, Worker
from service.export.worker import Exporter
from service.storage.schema import outbox, subscription_events
from tests.hl7v2.conftest import ER7
from tests.hl7v2.messages import adt
from tests.security.conftest import PERSONNUMMER, WARD, A, B, World
from tests.subscriptions.support import subscription
from tests.workflow.conftest import FHIR, notification, send

Request = tuple[str, str, dict[str, Any]]
PNR = f"http://electronichealth.se/identifier/personnummer|{PERSONNUMMER}"


@dataclass(frozen=True)
class Row:
    name: str
    route: tuple[str, str]  # (method, path template) of the route it exercises
    request: Callable[[World, TestClient], Request]
    a_sees: bool  # the same request by A shows the stay (False: nobody outside is shown data)
    b_status: tuple[int, ...] = (200,)
    extra: dict[str, Any] = field(default_factory=dict)


def _get(path: str) -> Callable[[World, TestClient], Request]:
    return lambda w, c: ("GET", path.format(w=w), {})


def _batch(kind: str) -> Callable[[World, TestClient], Request]:
    def make(w: World, c: TestClient) -> Request:
        entries = [
            {"request": {"method": "GET", "url": f"Patient/{w.patient}"}},
            {"request": {"method": "GET", "url": f"Task?patient=Patient/{w.patient}"}},
        ]
        body = {"resourceType": "Bundle", "type": kind, "entry": entries}
        return "POST", "/fhir", {"json": body, "headers": FHIR}

    return make


def _message(w: World, c: TestClient) -> Request:
    """B sends a message in its own name that tries to overwrite Tolvan's notification."""
    task = c.get(f"/fhir/Task/{w.task}").json() if c is w.a else {"id": w.task}
    header = {
        "resourceType": "MessageHeader",
        "id": "b-header",
        "eventCoding": {
            "system": "https://lus-fhir.se/fhir/CodeSystem/lus-event",
            "code": "inskrivningsmeddelande",
        },
        "sender": {"reference": B if c is w.b else A},
        "source": {"endpoint": "https://nacka.example.se/fhir"},
        "focus": [{"reference": f"Task/{w.task}"}],
    }
    bundle = {
        "resourceType": "Bundle",
        "id": "b-bundle",
        "type": "message",
        "timestamp": "2026-11-20T10:00:00+01:00",
        "entry": [{"resource": header}, {"resource": {"resourceType": "Task", **task}}],
    }
    return "POST", "/fhir/$process-message", {"json": bundle, "headers": FHIR}


def _search_post(w: World, c: TestClient) -> Request:
    form = {
        "content": f"patient=Patient/{w.patient}",
        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
    }
    return "POST", "/fhir/Task/_search", form


def _validate_type(w: World, c: TestClient) -> Request:
    body = {"resourceType": "Patient", "id": w.patient}
    return "POST", "/fhir/Patient/$validate", {"json": body, "headers": FHIR}


def _validate_instance(w: World, c: TestClient) -> Request:
    body = {"resourceType": "Parameters", "parameter": [{"name": "mode", "valueCode": "delete"}]}
    return "POST", f"/fhir/Patient/{w.patient}/$validate", {"json": body, "headers": FHIR}


def _create_if_none_exist(w: World, c: TestClient) -> Request:
    body = c.get(f"/fhir/Patient/{w.patient}").json() if c is w.a else _patient_like(w)
    headers = {**FHIR, "If-None-Exist": f"identifier={PNR}"}
    return "POST", "/fhir/Patient", {"json": {**body, "id": None}, "headers": headers}


def _patient_like(w: World) -> dict[str, Any]:
    read = w.ward.get(f"/fhir/Patient/{w.patient}").json()
    read.pop("meta", None)
    read.pop("id", None)
    return dict(read)


def _conditional_update(w: World, c: TestClient) -> Request:
    task = w.ward.get(f"/fhir/Task/{w.task}").json()
    task.pop("id")
    query = f"identifier={task['identifier'][0]['system']}|{w.task_identifier}"
    return "PUT", f"/fhir/Task?{query}", {"json": task, "headers": FHIR}


def _update(w: World, c: TestClient) -> Request:
    task = w.ward.get(f"/fhir/Task/{w.task}").json()
    task["description"] = "ändrad av någon annan"
    return "PUT", f"/fhir/Task/{w.task}", {"json": task, "headers": FHIR}


def _patch(w: World, c: TestClient) -> Request:
    operations = [{"op": "add", "path": "/description", "value": "ändrad"}]
    headers = {"Content-Type": "application/json-patch+json"}
    return "PATCH", f"/fhir/Task/{w.task}", {"content": json.dumps(operations), "headers": headers}


def _token(w: World, c: TestClient) -> Request:
    form = {"grant_type": "client_credentials", "scope": "system/*.rs"}
    return "POST", "/auth/token", {"data": form}


def _hidden_create(w: World, c: TestClient) -> Request:
    """A Task in B's name about Tolvan's stay: B may not link to a stay it takes no part in."""
    task = w.ward.get(f"/fhir/Task/{w.task}").json()
    for key in ("id", "meta"):
        task.pop(key)
    task["requester"] = {"reference": B if c is w.b else A}
    return "POST", "/fhir/Task", {"json": task, "headers": FHIR}


def _hl7v2(w: World, c: TestClient) -> Request:
    """B sends an ADT update of Tolvan's stay at the ward: refused (AE), the ACK shows nothing."""
    return "POST", "/hl7v2", {"content": adt("A08", control_id="B1"), "headers": ER7}


def _hl7v2_message(w: World, c: TestClient) -> Request:
    """The ward's own stored A01 of Tolvan: only a caller who may read what it changed sees it."""
    answer = w.ward.post("/hl7v2", content=adt("A01", control_id="W1"), headers=ER7)
    assert answer.status_code == 200 and "|AA|" in answer.text, answer.text
    return "GET", "/hl7v2/messages?sender=TAKECARE|SE2321000016-15CQ&control-id=W1", {}


ROWS = [
    Row(
        "read Patient",
        ("GET", "/fhir/{res_type}/{res_id}"),
        _get("/fhir/Patient/{w.patient}"),
        True,
        (404,),
    ),
    Row(
        "read Encounter",
        ("GET", "/fhir/{res_type}/{res_id}"),
        _get("/fhir/Encounter/{w.stay}"),
        True,
        (404,),
    ),
    Row(
        "read Task", ("GET", "/fhir/{res_type}/{res_id}"), _get("/fhir/Task/{w.task}"), True, (404,)
    ),
    Row(
        "vread",
        ("GET", "/fhir/{res_type}/{res_id}/_history/{version}"),
        _get("/fhir/Patient/{w.patient}/_history/1"),
        True,
        (404,),
    ),
    Row(
        "instance history",
        ("GET", "/fhir/{res_type}/{res_id}/_history"),
        _get("/fhir/Task/{w.task}/_history"),
        True,
        (404,),
    ),
    Row("type history", ("GET", "/fhir/{res_type}/_history"), _get("/fhir/Task/_history"), True),
    Row("system history", ("GET", "/fhir/_history"), _get("/fhir/_history?_count=500"), True),
    Row(
        "search by patient",
        ("GET", "/fhir/{res_type}"),
        _get("/fhir/Task?patient=Patient/{w.patient}"),
        True,
    ),
    Row(
        "search by identifier",
        ("GET", "/fhir/{res_type}"),
        _get(f"/fhir/Patient?identifier={PNR}"),
        True,
    ),
    Row(
        "search total",
        ("GET", "/fhir/{res_type}"),
        _get("/fhir/Task?_summary=count"),
        False,
        extra={"total": True},
    ),
    Row(
        "search _include",
        ("GET", "/fhir/{res_type}"),
        _get("/fhir/Task?_include=Task:patient&_include=Task:focus"),
        True,
    ),
    Row(
        "search _revinclude from the directory",
        ("GET", "/fhir/{res_type}"),
        _get(
            f"/fhir/Organization?_id={WARD.split('/')[1]}&_revinclude=Task:requester&_revinclude=Encounter:service-provider"
        ),
        True,
    ),
    Row(
        "chained search",
        ("GET", "/fhir/{res_type}"),
        _get(f"/fhir/Encounter?subject:Patient.identifier={PERSONNUMMER}"),
        True,
    ),
    Row(
        "_has (not supported: ignored)",
        ("GET", "/fhir/{res_type}"),
        _get("/fhir/Patient?_has:Task:patient:status=requested"),
        True,
    ),
    Row("POST _search", ("POST", "/fhir/{res_type}/_search"), _search_post, True),
    Row("batch", ("POST", "/fhir"), _batch("batch"), True),
    Row("transaction", ("POST", "/fhir/"), _batch("transaction"), True, (404,)),
    Row("$process-message", ("POST", "/fhir/$process-message"), _message, False, (403, 404, 422)),
    Row("$validate (type)", ("POST", "/fhir/{res_type}/$validate"), _validate_type, False),
    Row(
        "$validate (instance)",
        ("POST", "/fhir/{res_type}/{res_id}/$validate"),
        _validate_instance,
        False,
        (404,),
    ),
    Row(
        "$delivery-status",
        ("GET", "/fhir/{res_type}/{res_id}/$delivery-status"),
        _get("/fhir/Task/{w.task}/$delivery-status"),
        False,
        (404,),
        extra={"a_ok": True},
    ),
    Row(
        "$status of all",
        ("GET", "/fhir/Subscription/$status"),
        _get("/fhir/Subscription/$status"),
        False,
        extra={"subscription": True},
    ),
    Row(
        "$status of another's",
        ("GET", "/fhir/Subscription/{res_id}/$status"),
        _get("/fhir/Subscription/{w.a_subscription}/$status"),
        False,
        (404,),
        extra={"a_ok": True},
    ),
    Row(
        "$events of another's",
        ("GET", "/fhir/Subscription/{res_id}/$events"),
        _get("/fhir/Subscription/{w.a_subscription}/$events"),
        True,
        (404,),
    ),
    Row(
        "$get-ws-binding-token of another's",
        ("GET", "/fhir/Subscription/{res_id}/$get-ws-binding-token"),
        _get("/fhir/Subscription/{w.a_subscription}/$get-ws-binding-token"),
        False,
        (404, 422),
    ),
    Row("create linking the stay", ("POST", "/fhir/{res_type}"), _hidden_create, False, (403,)),
    Row("conditional create", ("POST", "/fhir/{res_type}"), _create_if_none_exist, True, (201,)),
    Row("update", ("PUT", "/fhir/{res_type}/{res_id}"), _update, False, (403,)),
    Row("conditional update", ("PUT", "/fhir/{res_type}"), _conditional_update, False, (403,)),
    Row("patch", ("PATCH", "/fhir/{res_type}/{res_id}"), _patch, False, (404,)),
    Row(
        "delete",
        ("DELETE", "/fhir/{res_type}/{res_id}"),
        _get("/fhir/Task/{w.task}"),
        False,
        (404,),
        extra={"method": "DELETE"},
    ),
    Row(
        "AuditEvent search",
        ("GET", "/fhir/AuditEvent"),
        _get("/fhir/AuditEvent?patient=Patient/{w.patient}"),
        False,
        (403,),
    ),
    Row(
        "AuditEvent read",
        ("GET", "/fhir/AuditEvent/{audit_id}"),
        _get("/fhir/AuditEvent/x"),
        False,
        (403,),
    ),
    Row("metadata", ("GET", "/fhir/metadata"), _get("/fhir/metadata"), False),
    Row(
        "smart-configuration",
        ("GET", "/fhir/.well-known/smart-configuration"),
        _get("/fhir/.well-known/smart-configuration"),
        False,
    ),
    Row("token endpoint", ("POST", "/auth/token"), _token, False, (401,)),
    Row("JWKS", ("GET", "/auth/jwks"), _get("/auth/jwks"), False),
    Row("OpenAPI", ("GET", "/openapi.json"), _get("/openapi.json"), False),
    Row("docs", ("GET", "/docs"), _get("/docs"), False),
    Row("docs redirect", ("GET", "/docs/oauth2-redirect"), _get("/docs/oauth2-redirect"), False),
    Row("redoc", ("GET", "/redoc"), _get("/redoc"), False),
]
ROWS += [
    Row(
        "statistics of another municipality",
        ("GET", "/fhir/Measure/{measure_id}/$evaluate-measure"),
        _get(
            "/fhir/Measure/lus-betalningsansvar/$evaluate-measure?periodStart=2026-11-01"
            "&periodEnd=2026-11-30&subject=Location/kommun-0180"
        ),
        False,
        (403,),
    ),
    Row(
        "statistics of the county (POST)",
        ("POST", "/fhir/Measure/{measure_id}/$evaluate-measure"),
        lambda w, c: (
            "POST",
            "/fhir/Measure/lus-betalningsansvar/$evaluate-measure",
            {
                "json": {
                    "resourceType": "Parameters",
                    "parameter": [
                        {"name": "periodStart", "valueDate": "2026-11-01"},
                        {"name": "periodEnd", "valueDate": "2026-11-30"},
                    ],
                },
                "headers": FHIR,
            },
        ),
        False,
        (403,),
    ),
    Row(
        "invoice basis of another municipality",
        ("POST", "/fhir/Measure/{measure_id}/$invoice-basis"),
        lambda w, c: (
            "POST",
            "/fhir/Measure/lus-betalningsansvar/$invoice-basis?kommun=0180&month=2026-11",
            {},
        ),
        False,
        (403,),
    ),
    Row("HL7 v2 message", ("POST", "/hl7v2"), _hl7v2, False),
    Row(
        "HL7 v2 stored message",
        ("GET", "/hl7v2/messages"),
        _hl7v2_message,
        True,
        (404,),
        extra={"control": "ward"},
    ),
]
ASYNC = {"Prefer": "respond-async", "Accept": "application/fhir+json"}


def _kick_off(path: str) -> Callable[[World, TestClient], Request]:
    return lambda w, c: ("GET", path, {"headers": ASYNC})


def _exported_by(w: World, c: TestClient) -> str:
    """The status URL of an export `c` kicked off and the export worker ran."""
    answer = c.get("/fhir/$export?_type=Patient,Encounter,Task", headers=ASYNC)
    assert answer.status_code == 202, answer.text
    services = w.admin.app.state.services
    exporter = Exporter(services.store, services.clock, services.settings)
    while exporter.run_once():
        pass
    return str(answer.headers["Content-Location"]).removeprefix("http://testserver")


def _own_export_file(w: World, c: TestClient) -> Request:
    """The caller's own export: B's has no Encounter file, A's holds Tolvan's stay."""
    status = _exported_by(w, c)
    return "GET", status.replace("$export-status", "$export-file") + "/Encounter.ndjson", {}


def _a_export(then: str, method: str = "GET") -> Callable[[World, TestClient], Request]:
    """A's export job, asked for by `c` at its status URL (+ `then`)."""

    def make(w: World, c: TestClient) -> Request:
        status = _exported_by(w, w.a)
        if then:
            status = status.replace("$export-status", "$export-file") + then
        return method, status, {}

    return make


ROWS += [
    Row("$export kick-off", ("GET", "/fhir/$export"), _kick_off("/fhir/$export"), False, (202,)),
    Row(
        "Patient/$export kick-off",
        ("GET", "/fhir/Patient/$export"),
        _kick_off("/fhir/Patient/$export"),
        False,
        (202,),
    ),
    Row(
        "Group/$export of Tolvan's municipality",
        ("GET", "/fhir/Group/{group_id}/$export"),
        _kick_off("/fhir/Group/kommun-0180/$export"),
        False,
        (202,),
    ),
    Row(
        "own $export file",
        ("GET", "/fhir/$export-file/{job_id}/{file_name}"),
        _own_export_file,
        True,
        (404,),
    ),
    Row(
        "another's $export file",
        ("GET", "/fhir/$export-file/{job_id}/{file_name}"),
        _a_export("/Encounter.ndjson"),
        True,
        (404,),
    ),
    Row(
        "another's $export status",
        ("GET", "/fhir/$export-status/{job_id}"),
        _a_export(""),
        False,
        (404,),
        extra={"a_ok": True},
    ),
    Row(
        "delete another's $export",
        ("DELETE", "/fhir/$export-status/{job_id}"),
        _a_export("", "DELETE"),
        False,
        (404,),
        extra={"a_ok": True},
    ),
]


def _page_form(action: str, fields: dict[str, str]) -> Callable[[World, TestClient], Request]:
    """A web form POSTed with the asker's own valid CSRF token: the access rule decides."""

    def make(w: World, c: TestClient) -> Request:
        app = c.app
        token = app.state.csrf.token(c.auth.who, app.state.services.clock())  # type: ignore[attr-defined]
        body = {**fields, "csrf": token}
        if "vardtillfalle" in fields:
            body["vardtillfalle"] = w.stay
        return "POST", f"/app/fakturaunderlag/{action}", {"data": body}

    return make


MONTH = "kommun=0180&manad=2026-11"
ROWS += [
    Row(
        "web overview of another municipality",
        ("GET", "/app/"),
        _get("/app/?omrade=kommun-0180"),
        False,
        (403,),
    ),
    Row(
        "web statistics file of another municipality",
        ("GET", "/app/oversikt/fil"),
        _get("/app/oversikt/fil?omrade=kommun-0180&format=csv"),
        False,
        (403,),
    ),
    Row(
        "web follow-up of another municipality",
        ("GET", "/app/uppfoljning"),
        _get("/app/uppfoljning?omrade=kommun-0180"),
        False,
        (403,),
    ),
    Row(
        "web stay timeline",
        ("GET", "/app/vardtillfalle/{encounter_id}"),
        _get("/app/vardtillfalle/{w.stay}"),
        True,
        (404,),
    ),
    Row(
        "web stay search",
        ("GET", "/app/vardtillfalle"),
        _get("/app/vardtillfalle?id={w.stay}"),
        True,
        (404,),
    ),
    Row(
        "web invoice basis of another municipality",
        ("GET", "/app/fakturaunderlag"),
        _get(f"/app/fakturaunderlag?{MONTH}"),
        False,
        (403,),
    ),
    Row(
        "web invoice file of another municipality",
        ("GET", "/app/fakturaunderlag/fil"),
        _get(f"/app/fakturaunderlag/fil?{MONTH}&version=1&format=json"),
        False,
        (403,),
    ),
    Row(
        "web issue another municipality's basis",
        ("POST", "/app/fakturaunderlag/utfarda"),
        _page_form("utfarda", {"kommun": "0180", "manad": "2026-11"}),
        False,
        (403,),
    ),
    Row(
        "web dispute another municipality's line",
        ("POST", "/app/fakturaunderlag/bestrid"),
        _page_form(
            "bestrid",
            {
                "kommun": "0180",
                "manad": "2026-11",
                "version": "1",
                "vardtillfalle": "",
                "skal": "annat",
                "text": "x",
            },
        ),
        False,
        (403,),
    ),
    Row(
        "web answer a dispute",
        ("POST", "/app/fakturaunderlag/svar"),
        _page_form(
            "svar",
            {
                "kommun": "0180",
                "manad": "2026-11",
                "bestridande": "x",
                "beslut": "avslas",
                "svar": "x",
            },
        ),
        False,
        (403,),
    ),
    Row(
        "web cooperation-failure form",
        ("GET", "/app/samverkansbrist"),
        _get("/app/samverkansbrist"),
        False,
    ),
    Row(
        "web report a cooperation failure about a stay not taken part in",
        ("POST", "/app/samverkansbrist"),
        lambda w, c: (
            "POST",
            "/app/samverkansbrist",
            {
                "data": {
                    "csrf": c.app.state.csrf.token(  # type: ignore[attr-defined]
                        c.auth.who,  # type: ignore[attr-defined]
                        c.app.state.services.clock(),  # type: ignore[attr-defined]
                    ),
                    "vardtillfalle": w.stay,
                    "beskrivning": "x",
                }
            },
        ),
        False,
        (404,),
        extra={"a_ok": True},
    ),
    Row("web static file", ("GET", "/app/static/{name:path}"), _get("/app/static/app.css"), False),
    Row("web sign-in page", ("GET", "/app/inloggning"), _get("/app/inloggning"), False),
    Row(
        "web sign-in start without a provider configured",
        ("GET", "/app/inloggning/start"),
        _get("/app/inloggning/start"),
        False,
        (404,),
    ),
    Row(
        "web sign-in callback without a provider configured",
        ("GET", "/app/inloggning/svar"),
        _get("/app/inloggning/svar?code=x&state=y"),
        False,
        (404,),
    ),
    Row(
        "web sign-out (of a token caller: nothing to end)",
        ("POST", "/app/utloggning"),
        lambda w, c: (
            "POST",
            "/app/utloggning",
            {
                "data": {
                    "csrf": c.app.state.csrf.token(  # type: ignore[attr-defined]
                        c.auth.who,  # type: ignore[attr-defined]
                        c.app.state.services.clock(),  # type: ignore[attr-defined]
                    )
                }
            },
        ),
        False,
    ),
]
# Checked by its own test below: a subscription of B filtered on Tolvan receives nothing.
WEBSOCKET = ("WS", "/fhir/ws")


def _send(client: TestClient, request: Request, row: Row) -> Any:
    method, url, kwargs = request
    return client.request(row.extra.get("method", method), url, **kwargs)


def _shows_stay(world: World, text: str, asked: Request | None = None) -> bool:
    """Whether the text names the stay beyond what the request itself said (a 404 may repeat
    the id it was asked about: that tells the asker nothing new)."""
    said = json.dumps(asked, default=str) if asked else ""
    return any(marker in text and marker not in said for marker in world.markers())


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_b_learns_nothing_a_does(world: World, row: Row) -> None:
    before = world.ward.get(f"/fhir/Task/{world.task}").json()["meta"]["versionId"]
    asked = row.request(world, world.b)
    answer = _send(world.b, asked, row)
    assert answer.status_code in row.b_status, answer.text[:500]
    assert not _shows_stay(world, answer.text, asked), answer.text[:1000]
    if row.extra.get("total"):
        assert answer.json()["total"] == 0
    if row.extra.get("subscription"):
        assert world.a_subscription not in answer.text
    after = world.ward.get(f"/fhir/Task/{world.task}").json()["meta"]["versionId"]
    assert after == before, "B's request changed Tolvan's notification"
    if row.a_sees or row.extra.get("a_ok"):
        party = world.ward if row.extra.get("control") == "ward" else world.a
        control = _send(party, row.request(world, party), row)
        assert control.status_code < 300, control.text[:500]
        if row.a_sees:
            assert _shows_stay(world, control.text), f"A should see the stay: {control.text[:500]}"


def _routes(app: Any) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    todo = list(app.router.routes)
    while todo:
        route = todo.pop()
        if hasattr(route, "original_router"):
            todo += route.original_router.routes
            continue
        methods = getattr(route, "methods", None) or {"WS"}
        found |= {(m, route.path) for m in methods if m != "HEAD"}
    return found


def test_every_route_has_a_row(world: World) -> None:
    covered = {r.route for r in ROWS} | {WEBSOCKET}
    assert _routes(world.admin.app) - covered == set(), "add a row for each new route"


def test_only_the_routed_receiver_is_delivered_to(world: World) -> None:
    store = world.admin.app.state.services.store
    with store.reading() as conn:
        receivers = set(
            conn.execute(
                select(outbox.c.receiver).where(outbox.c.notification == f"Task/{world.task}")
            ).scalars()
        )
    assert A in receivers and B not in receivers


def test_b_subscription_on_a_patient_receives_nothing(world: World) -> None:
    services = world.admin.app.state.services
    config = DeliveryConfig(
        timeout_seconds=2.0,
        base_delay_seconds=5.0,
        max_delay_seconds=60.0,
        poll_seconds=0.05,
        lease_seconds=60.0,
        concurrency=8,
    )
    worker = Worker(services.store, services.workflow.deviation, config, unit_random=lambda: 1.0)
    try:
        while worker.run_once():
            pass
    finally:
        worker.close()
    with services.store.reading() as conn:
        counted = dict(
            conn.execute(
                select(subscription_events.c.subscription_id, func.count()).group_by(
                    subscription_events.c.subscription_id
                )
            ).all()
        )
    assert counted.get(world.a_subscription) == 1
    assert world.b_subscription not in counted
    delivered = [b for b in world.hook.bundles("event-notification")]
    assert len(delivered) == 1 and world.task in json.dumps(delivered[0])
    events = world.b.get(f"/fhir/Subscription/{world.b_subscription}/$events").json()
    assert not _shows_stay(world, json.dumps(events))
    assert world.task in world.a.get(f"/fhir/Subscription/{world.a_subscription}/$events").text


def test_b_websocket_on_a_patient_receives_nothing(world: World) -> None:
    """The websocket channel pushes from the event log: B's binding logs no event of Tolvan,
    A's subscription logs the next notification."""
    resource = subscription(
        "inskrivning",
        channel_type="websocket",
        filters=(f"patient=Patient/{world.patient}",),
    )
    created = world.b.post("/fhir/Subscription", json=resource, headers=FHIR).json()
    token = world.b.get(f"/fhir/Subscription/{created['id']}/$get-ws-binding-token").json()
    value = next(p["valueString"] for p in token["parameter"] if p["name"] == "token")
    with world.b.websocket_connect("/fhir/ws") as socket:
        socket.send_text(f"bind-with-token {value}")
        assert "handshake" in socket.receive_text()
        again = notification(
            "inskrivningsmeddelande", world.patient, world.stay, "2026-11-20T09:30:00+01:00"
        )
        send(world.ward, again)
    store = world.admin.app.state.services.store
    with store.reading() as conn:
        logged = dict(
            conn.execute(
                select(subscription_events.c.subscription_id, func.count()).group_by(
                    subscription_events.c.subscription_id
                )
            ).all()
        )
    assert logged.get(world.a_subscription) == 2
    assert created["id"] not in logged
