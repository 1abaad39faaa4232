"""Revoked client certificates are refused (issue 12): the CRL of the certificate's CA decides,
checked for each request in the application.

First the revocation lists alone, with a clock the test moves; then a real `lus-fhir serve`
over TLS on SQLite and PostgreSQL (there with two server processes, `--workers 2`, given the
list with `--tls-crl`; on SQLite with LUS_FHIR_TLS_CRL). Hägersten-Älvsjö's social services
hold three function certificates: one in use, one whose key leaked and was revoked this
morning, and one that is revoked while the server runs.
"""

import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from typer.testing import CliRunner

from service.auth.revocation import CertificateRevoked, Revocations, RevocationSetupError
from service.cli.main import app
from service.demo import directory_bundle
from service.simulation.net import free_port
from tests.security.conftest import A
from tests.support.auth import ALL_SCOPES, register
from tests.support.certificates import CertificateAuthority, Issued
from tests.support.databases import fresh_postgres_database
from tests.support.revocation_lists import replace, revocation_list, serial_of
from tests.support.server import ServerProcess, start_server
from tests.workflow.conftest import FHIR

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
LEAKED_AT = datetime(2026, 12, 3, 7, 30, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Lists:
    ca: CertificateAuthority
    good: Issued
    leaked: Issued
    clock: Clock
    file: Path

    def revocations(self, grace: timedelta = timedelta(0), *files: Path) -> Revocations:
        every = timedelta(seconds=60)
        checking = Revocations(files or (self.file,), self.ca.file, self.clock, every, grace)
        checking.load()
        return checking


def _der(issued: Issued) -> bytes:
    pem = issued.cert.read_bytes()
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


@pytest.fixture
def lists(tmp_path: Path) -> Lists:
    ca = CertificateAuthority.create(tmp_path / "pki")
    good, leaked = ca.client("SE2120000000-good1"), ca.client("SE2120000000-leak1")
    file = tmp_path / "function-ca.crl"
    file.write_bytes(revocation_list(ca, {leaked: LEAKED_AT}, issued=NOW - timedelta(hours=1)))
    return Lists(ca, good, leaked, Clock(), file)


def test_a_listed_certificate_is_refused_naming_its_serial_number_and_the_date(
    lists: Lists,
) -> None:
    checking = lists.revocations()
    checking.check(_der(lists.good))
    with pytest.raises(CertificateRevoked) as refused:
        checking.check(_der(lists.leaked))
    text = str(refused.value)
    assert f"serial number {serial_of(lists.leaked):X} was revoked on 2026-12-03T07:30:00Z" in text
    assert "reason keyCompromise" in text and "TEST SITHS e-id Function CA" in text


def test_a_der_list_is_read_as_well(lists: Lists, tmp_path: Path) -> None:
    der = tmp_path / "function-ca.der"
    der.write_bytes(
        revocation_list(
            lists.ca, {lists.leaked: LEAKED_AT}, NOW, encoding=serialization.Encoding.DER
        )
    )
    checking = lists.revocations(timedelta(0), der)
    checking.check(_der(lists.good))
    with pytest.raises(CertificateRevoked):
        checking.check(_der(lists.leaked))


def test_a_replaced_list_is_read_at_the_next_check(lists: Lists) -> None:
    checking = lists.revocations()
    replace(lists.file, revocation_list(lists.ca, {lists.leaked: LEAKED_AT, lists.good: NOW}, NOW))
    lists.clock.now = NOW + timedelta(seconds=30)
    checking.check(_der(lists.good))  # not yet looked at: at most once a minute
    lists.clock.now = NOW + timedelta(seconds=61)
    with pytest.raises(CertificateRevoked, match="was revoked on 2026-12-03T09:00:00Z"):
        checking.check(_der(lists.good))


def test_a_broken_replacement_keeps_the_list_read_before(
    lists: Lists, caplog: pytest.LogCaptureFixture
) -> None:
    checking = lists.revocations()
    replace(lists.file, b"-----BEGIN X509 CRL-----\nnot a list\n-----END X509 CRL-----\n")
    lists.clock.now = NOW + timedelta(minutes=2)
    with caplog.at_level(logging.ERROR, "service.auth.revocation"):
        checking.check(_der(lists.good))
        with pytest.raises(CertificateRevoked, match="was revoked"):
            checking.check(_der(lists.leaked))
    assert "is not a CRL" in caplog.text and "the one read before stays in use" in caplog.text


def test_a_list_past_its_next_update_refuses_every_certificate_of_its_ca(
    lists: Lists, caplog: pytest.LogCaptureFixture
) -> None:
    """The list was issued an hour ago and is valid for a day (tests/support/revocation_lists)."""
    checking = lists.revocations()
    lists.clock.now = NOW + timedelta(hours=22, minutes=59)
    checking.check(_der(lists.good))
    lists.clock.now = NOW + timedelta(hours=24)
    with (
        caplog.at_level(logging.WARNING, "service.auth.revocation"),
        pytest.raises(CertificateRevoked, match="was due to be renewed at 2026-12-04T08:00:00Z"),
    ):
        checking.check(_der(lists.good))
    assert "the certificates of its CA are refused" in caplog.text


def test_a_grace_period_keeps_a_late_list_in_use_with_a_warning_at_each_check(
    lists: Lists, caplog: pytest.LogCaptureFixture
) -> None:
    checking = lists.revocations(grace=timedelta(hours=6))
    with caplog.at_level(logging.WARNING, "service.auth.revocation"):
        for minutes in (0, 1, 2):  # three check intervals past nextUpdate (2026-12-04T08:00)
            lists.clock.now = NOW + timedelta(hours=24, minutes=minutes)
            checking.check(_der(lists.good))
        with pytest.raises(CertificateRevoked, match="was revoked"):
            checking.check(_der(lists.leaked))  # still listed
    warnings = [r for r in caplog.records if "was due to be renewed" in r.getMessage()]
    assert len(warnings) == 3, caplog.text
    assert "grace period, until 2026-12-04T14:00:00Z" in warnings[0].getMessage()
    lists.clock.now = NOW + timedelta(hours=29, minutes=1)
    with pytest.raises(CertificateRevoked, match="due to be renewed"):
        checking.check(_der(lists.good))


def test_a_certificate_of_a_ca_without_a_list_is_refused(lists: Lists, tmp_path: Path) -> None:
    other = CertificateAuthority.create(tmp_path / "other", "TEST SITHS e-id Person CA")
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(lists.ca.file.read_bytes() + other.file.read_bytes())
    checking = Revocations([lists.file], bundle, lists.clock, timedelta(seconds=60))
    checking.check(_der(lists.good))
    with pytest.raises(CertificateRevoked, match=r"no revocation list of its issuer .*Person CA"):
        checking.check(_der(other.client("SE2120000000-person1")))


@pytest.mark.parametrize(
    "which", ["signed by another CA", "of a CA not in the bundle", "not a CRL", "missing"]
)
def test_a_list_that_cannot_be_used_is_refused_at_start_up(
    lists: Lists, tmp_path: Path, which: str
) -> None:
    other = CertificateAuthority.create(tmp_path / "other", "Other CA")
    content = {
        "signed by another CA": revocation_list(lists.ca, {}, NOW, signer=other),
        "of a CA not in the bundle": revocation_list(other, {}, NOW),
        "not a CRL": lists.good.cert.read_bytes(),
    }.get(which)
    file = tmp_path / "bad.crl"
    if content is not None:
        file.write_bytes(content)
    words = {"not a CRL": "is not a CRL", "missing": "cannot read the revocation list"}
    with pytest.raises(RevocationSetupError, match=words.get(which, "not signed by a CA")):
        lists.revocations(timedelta(0), lists.file, file)


# --- against a real server over TLS -----------------------------------------------------------

HSA_GOOD, HSA_LEAKED, HSA_LATER = "SE2120000000-crl1", "SE2120000000-crl2", "SE2120000000-crl3"


@dataclass
class Served:
    server: ServerProcess
    ca: CertificateAuthority
    crl: Path
    good: Issued
    leaked: Issued
    later: Issued
    leaked_at: datetime

    def client(self, certificate: Issued | None) -> httpx.Client:
        return httpx.Client(
            base_url=self.server.root, verify=self.ca.context(certificate), timeout=30
        )


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    directory = tmp_path_factory.mktemp(f"crl-{request.param}")
    postgres = request.param == "postgres"
    url = fresh_postgres_database() if postgres else f"sqlite:///{directory / 'lus-fhir.sqlite3'}"
    ca = CertificateAuthority.create(directory / "pki")
    good, leaked, later = (ca.client(h) for h in (HSA_GOOD, HSA_LEAKED, HSA_LATER))
    leaked_at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    crl = directory / "function-ca.crl"
    crl.write_bytes(revocation_list(ca, {leaked: leaked_at}))
    env = {"LUS_FHIR_TLS_CRL_CHECK_SECONDS": "0.5"}
    options: tuple[str, ...] = ()
    if postgres:
        options = ("--tls-crl", str(crl))
    else:
        env["LUS_FHIR_TLS_CRL"] = str(crl)
    server = start_server(
        directory, url, workers=2 if postgres else 1, tls=ca, env=env, options=options
    )
    try:
        with server.client() as admin:
            assert admin.post("/fhir", json=directory_bundle(), headers=FHIR).status_code == 200
        for hsa_id in (HSA_GOOD, HSA_LEAKED, HSA_LATER):
            register(url, A, region=False, scopes=ALL_SCOPES, hsa_id=hsa_id)
        yield Served(server, ca, crl, good, leaked, later, leaked_at)
    finally:
        server.stop()


def _refused(response: httpx.Response, *words: str) -> str:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "login"
    text: str = body["issue"][0]["details"]["text"]
    for word in words:
        assert word in text, text
    return text


def _logged_refusal(served: Served, request_id: str) -> dict[str, Any]:
    with served.server.client() as region:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = region.get("/fhir/AuditEvent?outcome=4&_sort=-date").json()
            for entry in found.get("entry", []):
                event: dict[str, Any] = entry["resource"]
                ids = [e.get("what", {}).get("identifier", {}) for e in event.get("entity", [])]
                if {"value": request_id} in ids:
                    return event
            time.sleep(0.1)
    raise AssertionError(f"no AuditEvent for request {request_id}")


def test_a_revoked_certificate_is_401_naming_it_and_logged(served: Served) -> None:
    request_id = f"crl-{uuid.uuid4().hex}"
    with served.client(served.leaked) as leaked:
        response = leaked.get("/fhir/Task", headers={"X-Request-Id": request_id})
    serial = f"{serial_of(served.leaked):X}"
    date = served.leaked_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    _refused(response, f"serial number {serial} was revoked on {date}")
    event = _logged_refusal(served, request_id)
    assert event["agent"][0]["policy"] == ["urn:lus-fhir:authentication:certificate"]
    assert serial in event["outcomeDesc"]


def test_a_certificate_not_revoked_is_served(served: Served) -> None:
    with served.client(served.good) as good:
        found = good.get("/fhir/Task")
        assert found.status_code == 200, found.text
        assert found.json()["resourceType"] == "Bundle"


def test_a_list_replaced_on_disk_refuses_the_newly_revoked_certificate_without_restart(
    served: Served,
) -> None:
    with served.client(served.later) as later:
        assert later.get("/fhir/Task").status_code == 200
        now = datetime.now(UTC).replace(microsecond=0)
        replace(
            served.crl,
            revocation_list(served.ca, {served.leaked: served.leaked_at, served.later: now}),
        )
        deadline = time.monotonic() + 30
        while (answer := later.get("/fhir/Task")).status_code == 200:  # the same connection
            assert time.monotonic() < deadline, "the new list was not read"
            time.sleep(0.2)
        _refused(answer, f"serial number {serial_of(served.later):X} was revoked")
    # every server process reads it: ten new connections in a row are refused
    refusals = 0
    deadline = time.monotonic() + 30
    while refusals < 10:
        assert time.monotonic() < deadline, "a server process still accepts the certificate"
        with served.client(served.later) as fresh:
            refusals = refusals + 1 if fresh.get("/fhir/Task").status_code == 401 else 0
    with served.client(served.good) as good:
        assert good.get("/fhir/Task").status_code == 200


def test_a_list_past_its_next_update_refuses_certificates_but_not_tokens(served: Served) -> None:
    """Fail closed by default: no grace period. A current list puts things right again."""
    issued = datetime.now(UTC) - timedelta(days=2)
    try:
        replace(served.crl, revocation_list(served.ca, {served.leaked: served.leaked_at}, issued))
        deadline = time.monotonic() + 30
        with served.client(served.good) as good:
            while (answer := good.get("/fhir/Task")).status_code == 200:
                assert time.monotonic() < deadline, "the late list was not noticed"
                time.sleep(0.2)
        _refused(answer, f"serial number {serial_of(served.good):X}", "was due to be renewed")
        with served.server.client() as token:
            assert token.get("/fhir/Task").status_code == 200
        assert "was due to be renewed" in served.server.log.read_text()
    finally:
        replace(served.crl, revocation_list(served.ca, {served.leaked: served.leaked_at}))
    deadline = time.monotonic() + 30
    with served.client(served.good) as good:
        while good.get("/fhir/Task").status_code != 200:
            assert time.monotonic() < deadline, "the current list was not read"
            time.sleep(0.2)


def test_serve_refuses_to_start_with_a_list_another_ca_signed(tmp_path: Path) -> None:
    ca = CertificateAuthority.create(tmp_path / "pki")
    other = CertificateAuthority.create(tmp_path / "other-pki", "Other CA")
    forged = tmp_path / "forged.crl"
    forged.write_bytes(revocation_list(ca, {}, signer=other))
    server = ca.server()
    command = [sys.executable, "-m", "service.cli.main", "serve", "--port", str(free_port())]
    command += ["--data-dir", str(tmp_path), "--tls-cert", str(server.cert)]
    command += ["--tls-key", str(server.key), "--tls-client-ca", str(ca.file)]
    command += ["--tls-crl", str(forged)]
    wide = {**os.environ, "COLUMNS": "1000"}  # rich wraps its lines at the terminal's width
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=wide)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"the revocation list {forged} is not signed by a CA of the client CA bundle" in (
        done.stderr
    )


def test_serve_refuses_a_list_without_the_ca_bundle_it_is_checked_against(tmp_path: Path) -> None:
    ca = CertificateAuthority.create(tmp_path / "pki")
    server = ca.server()
    crl = tmp_path / "function-ca.crl"
    crl.write_bytes(revocation_list(ca, {}))
    serve = ["serve", "--data-dir", str(tmp_path), "--tls-crl", str(crl)]
    pair = ["--tls-cert", str(server.cert), "--tls-key", str(server.key)]
    for arguments, words in [
        ([], "--tls-crl need --tls-cert"),
        (pair, "--tls-crl needs --tls-client-ca"),
    ]:
        result = CliRunner().invoke(app, serve + arguments)
        assert result.exit_code == 2, (arguments, result.output)
        assert words in " ".join(result.output.split()), (arguments, result.output)
