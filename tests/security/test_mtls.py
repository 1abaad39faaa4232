"""Mutual TLS against a real `lus-fhir serve --tls-cert … --tls-client-ca …` process, with
SITHS-like function certificates whose subject serialNumber is the HSA-id of a registration. On
SQLite and on PostgreSQL (there with two server processes, `--workers 2`).

The world is the one of conftest.py, made over HTTPS: the ward admits Tolvan and sends the
admission notice to Hägersten-Älvsjö (A); Nacka (B) takes no part in the stay.
"""

import ssl
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from service.auth.backend_client import BackendAuth
from service.cli.main import app
from service.demo import directory_bundle
from tests.security.conftest import WARD, A, B
from tests.support.auth import ALL_SCOPES, principal, register
from tests.support.certificates import CertificateAuthority, Issued
from tests.support.databases import fresh_postgres_database
from tests.support.server import ServerProcess, start_server
from tests.workflow.conftest import FHIR, notification, patient, send, stay

HSA_A = "SE2120000000-sdfha1"
HSA_B = "SE2120001231-nacka1"


@dataclass
class Party:
    """A registration that proves itself both ways: its certificate and its SMART keys."""

    client_id: str
    key: Any
    certificate: Issued


@dataclass
class TLSWorld:
    server: ServerProcess
    ca: CertificateAuthority
    other_ca: CertificateAuthority
    a: Party
    b: Party
    patient: str
    stay: str
    task: str

    def with_certificate(self, certificate: Issued | None) -> httpx.Client:
        """A client that presents `certificate` (none when None) and sends no token."""
        context = self.ca.context(certificate)
        return httpx.Client(base_url=self.server.root, verify=context, timeout=30)

    def with_token(self, party: Party, certificate: Issued | None = None) -> httpx.Client:
        """A client with the party's SMART token (and `certificate`, if given)."""
        token_url = f"{self.server.root}/auth/token"
        auth = BackendAuth(party.client_id, party.key, token_url, ALL_SCOPES, self.ca.context())
        context = self.ca.context(certificate)
        return httpx.Client(base_url=self.server.root, verify=context, auth=auth, timeout=30)


def _party(world_ca: CertificateAuthority, url: str, organization: str, hsa_id: str) -> Party:
    client_id, key = register(url, organization, region=False, hsa_id=hsa_id)
    return Party(client_id, key, world_ca.client(hsa_id))


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def tls(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TLSWorld]:
    directory = tmp_path_factory.mktemp(f"mtls-{request.param}")
    postgres = request.param == "postgres"
    url = fresh_postgres_database() if postgres else f"sqlite:///{directory / 'lus-fhir.sqlite3'}"
    ca = CertificateAuthority.create(directory / "pki")
    other_ca = CertificateAuthority.create(directory / "other-pki", "Other CA")
    server = start_server(directory, url, workers=2 if postgres else 1, tls=ca)
    try:
        with server.client() as admin:  # a bearer token over TLS, no client certificate
            assert admin.post("/fhir", json=directory_bundle(), headers=FHIR).status_code == 200
        a, b = _party(ca, url, A, HSA_A), _party(ca, url, B, HSA_B)
        with server.client(principal(WARD, region=False)) as ward:
            who = patient(ward, "0180", "hagersten-alvsjo")
            encounter = stay(ward, who, "2026-11-20T08:00:00+01:00")
            task = notification(
                "inskrivningsmeddelande", who, encounter, "2026-11-20T09:00:00+01:00"
            )
            sent = send(ward, task)
        yield TLSWorld(server, ca, other_ca, a, b, who, encounter, str(sent["_id"]))
    finally:
        server.stop()


def _ids(bundle: dict[str, Any]) -> set[str]:
    return {e["resource"]["id"] for e in bundle.get("entry", [])}


def _refused(response: httpx.Response, words: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "login"
    assert words in body["issue"][0]["details"]["text"]


def test_a_municipalitys_certificate_shows_its_own_stays_only(tls: TLSWorld) -> None:
    search = f"/fhir/Task?patient=Patient/{tls.patient}"
    with tls.with_certificate(tls.a.certificate) as a:
        found = a.get(search)
        assert found.status_code == 200, found.text
        assert tls.task in _ids(found.json())
        assert a.get(f"/fhir/Encounter/{tls.stay}").status_code == 200
    with tls.with_certificate(tls.b.certificate) as b:
        hidden = b.get(search).json()
        assert hidden["total"] == 0 and not hidden.get("entry"), hidden
        assert b.get(f"/fhir/Encounter/{tls.stay}").status_code == 404
        assert b.get(f"/fhir/Task/{tls.task}").status_code == 404
        assert b.get(f"/fhir/Patient/{tls.patient}").status_code == 404


@pytest.mark.parametrize("tls_version", [None, ssl.TLSVersion.TLSv1_2], ids=["default", "TLS1.2"])
@pytest.mark.parametrize("which", ["another CA", "expired"])
def test_the_handshake_refuses_certificates_the_bundle_does_not_vouch_for(
    tls: TLSWorld, which: str, tls_version: ssl.TLSVersion | None
) -> None:
    """Refused before any HTTP: the request never reaches the service (no access-log line).
    With TLS 1.3 the client learns it only when it reads; with 1.2 the handshake itself fails."""
    certificate = {
        "another CA": tls.other_ca.client(HSA_A),
        "expired": tls.ca.client(HSA_A, expired=True),
    }[which]
    context = tls.ca.context(certificate)
    if tls_version is not None:
        context.maximum_version = tls_version
    marker = uuid.uuid4().hex
    expected: type[Exception] = httpx.ConnectError if tls_version else httpx.TransportError
    with (
        httpx.Client(base_url=tls.server.root, verify=context, timeout=30) as client,
        pytest.raises(expected),
    ):
        client.get(f"/fhir/Task?identifier={marker}")
    with tls.with_certificate(tls.a.certificate) as a:  # the server is still fine
        assert a.get(f"/fhir/Encounter/{tls.stay}").status_code == 200
    assert marker not in tls.server.log.read_text()


def test_a_certificate_without_a_registration_is_401(tls: TLSWorld) -> None:
    unregistered = tls.ca.client("SE2120009999-okand1")
    with tls.with_certificate(unregistered) as client:
        _refused(client.get("/fhir/Task"), "no client is registered for the certificate's HSA-id")
    with tls.with_certificate(tls.ca.client(None)) as client:
        _refused(client.get("/fhir/Task"), "has no serialNumber (HSA-id)")


def test_no_certificate_and_no_token_is_401_and_a_token_alone_works(tls: TLSWorld) -> None:
    with tls.with_certificate(None) as anonymous:
        _refused(anonymous.get("/fhir/Task"), "authentication is required")
    with tls.with_token(tls.a) as a:
        found = a.get(f"/fhir/Task?patient=Patient/{tls.patient}")
        assert found.status_code == 200, found.text
        assert tls.task in _ids(found.json())


def test_a_token_decides_when_a_certificate_comes_too(tls: TLSWorld) -> None:
    with tls.with_token(tls.b, tls.a.certificate) as b_with_a_certificate:
        assert b_with_a_certificate.get(f"/fhir/Task/{tls.task}").status_code == 404
    with tls.with_certificate(tls.a.certificate) as a:
        bad = a.get(f"/fhir/Task/{tls.task}", headers={"Authorization": "Bearer not-a-token"})
        _refused(bad, "")
        assert 'error="invalid_token"' in bad.headers["www-authenticate"]


def _logged(tls: TLSWorld, query: str, request_id: str) -> dict[str, Any]:
    """The AuditEvent of one request among those `query` finds, as the region reads it (the
    read log is written within moments, not with the answer)."""
    with tls.server.client() as region:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for entry in region.get(f"/fhir/AuditEvent?{query}").json().get("entry", []):
                event: dict[str, Any] = entry["resource"]
                ids = [e.get("what", {}).get("identifier", {}) for e in event.get("entity", [])]
                if {"value": request_id} in ids:
                    return event
            time.sleep(0.1)
    raise AssertionError(f"no AuditEvent for request {request_id}")


def test_token_and_certificate_are_the_same_registration_and_the_log_says_which(
    tls: TLSWorld,
) -> None:
    search = f"/fhir/Task?patient=Patient/{tls.patient}"
    answers: dict[str, dict[str, Any]] = {}
    clients: dict[str, Callable[[], httpx.Client]] = {
        "token": lambda: tls.with_token(tls.a),
        "certificate": lambda: tls.with_certificate(tls.a.certificate),
    }
    request_ids = {}
    for method, make in clients.items():
        request_ids[method] = f"mtls-{method}-{uuid.uuid4().hex}"
        with make() as client:
            response = client.get(search, headers={"X-Request-Id": request_ids[method]})
            assert response.status_code == 200, response.text
            answers[method] = response.json()
    assert answers["token"]["total"] == answers["certificate"]["total"] >= 1
    assert _ids(answers["token"]) == _ids(answers["certificate"])
    for method, request_id in request_ids.items():
        event = _logged(tls, f"agent={tls.a.client_id}&_sort=-date", request_id)
        client_agent, organization = event["agent"][0], event["agent"][1]
        assert client_agent["who"]["identifier"]["value"] == tls.a.client_id
        assert client_agent["policy"] == [f"urn:lus-fhir:authentication:{method}"]
        assert organization["who"] == {"reference": A}
        assert ("policy" in organization) == (method == "token")  # the token's jti


def test_a_refused_certificate_is_logged_as_a_certificate_attempt(tls: TLSWorld) -> None:
    request_id = f"mtls-refused-{uuid.uuid4().hex}"
    with tls.with_certificate(tls.ca.client("SE2120009999-okand2")) as client:
        assert client.get("/fhir/Task", headers={"X-Request-Id": request_id}).status_code == 401
    event = _logged(tls, "outcome=4&_sort=-date", request_id)
    assert event["agent"][0]["policy"] == ["urn:lus-fhir:authentication:certificate"]
    assert "SE2120009999-okand2" in event["outcomeDesc"]


def test_a_removed_registration_refuses_its_certificate_at_once(tls: TLSWorld) -> None:
    removed = _party(tls.ca, tls.server.database_url, A, "SE2120000000-removed1")
    with tls.with_certificate(removed.certificate) as client:
        assert client.get(f"/fhir/Encounter/{tls.stay}").status_code == 200
        command = ["clients", "remove", removed.client_id, "--db", tls.server.database_url]
        assert CliRunner().invoke(app, command).exit_code == 0
        _refused(client.get(f"/fhir/Encounter/{tls.stay}"), "SE2120000000-removed1")


def test_the_web_pages_sign_in_with_the_certificate(tls: TLSWorld) -> None:
    """A browser presenting an organization's certificate (as with a SITHS card) gets that
    registration's principal on the pages as on the API: A reads Tolvan's stay, Nacka's figures
    are Nacka's own, and without a certificate the pages send the browser to the sign-in page."""
    a = tls.with_certificate(tls.a.certificate)
    b = tls.with_certificate(tls.b.certificate)
    nobody = tls.with_certificate(None)
    with a, b, nobody:
        page = a.get(f"/app/vardtillfalle/{tls.stay}")
        assert page.status_code == 200, page.text
        assert tls.task in page.text and "Hägersten-Älvsjö" in page.text
        assert b.get(f"/app/vardtillfalle/{tls.stay}").status_code == 404
        overview = b.get("/app/")
        assert overview.status_code == 200, overview.text
        assert '<option value="kommun-0182" selected>' in overview.text
        assert "kommun-0180" not in overview.text
        assert nobody.get("/app/").status_code == 303  # to the sign-in page
