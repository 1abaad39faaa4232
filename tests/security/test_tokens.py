"""The token endpoint (SMART Backend Services) and access tokens: every refusal, the client's key
rotation at its JWKS URL, the service's own key rotation, and the replay store shared by two
server processes. On SQLite and PostgreSQL."""

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey

from service.auth import clients
from service.auth.backend_client import assertion, new_key, public_jwks, token_form
from service.auth.clients import Client
from service.auth.scopes import Scopes
from service.auth.tokens import TokenError
from service.demo import directory_bundle
from service.fhirtime import utc_now
from service.rest.app import create_app
from service.settings import Settings
from service.simulation.net import free_port
from tests.delivery.support import FakeClock
from tests.support.auth import load_directory, principal, register, signed_in
from tests.support.databases import fresh_postgres_database
from tests.support.server import start_server
from tests.workflow.conftest import FHIR

TOKEN_URL = "http://testserver/auth/token"
KOMMUN = "Organization/sdf-hagersten-alvsjo"


@dataclass
class Service:
    client: TestClient  # unauthenticated: each test sends what it means to send
    clock: FakeClock
    key: ECKey

    def register(self, client_id: str, **options: Any) -> None:
        store = self.client.app.state.services.store  # type: ignore[attr-defined]
        registration = Client(
            client_id, KOMMUN, Scopes.parse(options.pop("scopes", "system/Task.rs")), **options
        )
        with store.begin() as conn:
            clients.add(conn, registration, utc_now())

    def token(self, form: dict[str, str]) -> httpx.Response:
        return self.client.post("/auth/token", data=form)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Service]:
    url = fresh_postgres_database() if request.param == "postgres" else None
    clock = FakeClock(utc_now())
    app = create_app(Settings(data_dir=tmp_path, database_url=url, run_worker=False), clock)
    with signed_in(app) as admin:
        assert admin.post("/fhir", json=directory_bundle(), headers=FHIR).status_code == 200
        key = new_key()
        found = Service(TestClient(app), clock, key)
        found.register("kommun", jwks=public_jwks(key))
        # the assertions are signed with the real time: a set-up that took a loaded machine
        # half a minute left the service's clock that far behind ("expired" was not)
        clock.now = utc_now()
        yield found


def _form(key: ECKey | RSAKey | OctKey, signed: str | None = None, **fields: str) -> dict[str, str]:
    form = token_form("kommun", key, TOKEN_URL, "system/Task.rs")  # type: ignore[arg-type]
    if signed is not None:
        form["client_assertion"] = signed
    return form | fields


def _refused(response: httpx.Response, status: int, error: str, words: str = "") -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    assert words.lower() in body["error_description"].lower(), body
    assert response.headers["cache-control"] == "no-store"


def test_a_valid_assertion_gets_a_short_lived_token(service: Service) -> None:
    response = service.token(_form(service.key, scope="system/Task.rs system/Patient.rs"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert 0 < body["expires_in"] <= 300
    assert body["scope"] == "system/Task.rs", "granted = requested ∩ registered"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert service.client.get("/fhir/Task", headers=headers).status_code == 200
    refused = service.client.get("/fhir/Patient", headers=headers)
    assert refused.status_code == 403 and "system/Patient.s" in refused.text


@pytest.mark.parametrize(
    ("name", "claims", "words"),
    [
        ("wrong aud", {"aud": "https://elsewhere.example.se/token"}, "aud"),
        ("expired", {"exp": lambda: int(time.time()) - 10}, "expired"),
        ("exp too far ahead", {"exp": lambda: int(time.time()) + 900}, "five minutes"),
        ("iss is not sub", {"sub": "someone-else"}, "iss and sub"),
        ("no jti", {"jti": ""}, "jti"),
        ("exp not a number", {"exp": "soon"}, "exp"),
    ],
)
def test_bad_claims_are_invalid_client(
    service: Service, name: str, claims: dict[str, Any], words: str
) -> None:
    # Times are taken when the test runs, not when it is collected: a long run outlived a
    # collection-time "15 minutes ahead".
    claims = {key: value() if callable(value) else value for key, value in claims.items()}
    signed = assertion("kommun", service.key, TOKEN_URL, **claims)
    _refused(service.token(_form(service.key, signed)), 401, "invalid_client", words)


def test_a_jti_is_used_once(service: Service) -> None:
    form = _form(service.key)
    assert service.token(form).status_code == 200
    _refused(service.token(form), 401, "invalid_client", "jti was used before")


def test_a_bad_signature_is_refused(service: Service) -> None:
    impostor = ECKey.generate_key("P-384", {"kid": service.key.kid, "alg": "ES384"}, private=True)
    signed = assertion("kommun", impostor, TOKEN_URL)
    _refused(service.token(_form(service.key, signed)), 401, "invalid_client", "signature")


def test_an_unknown_kid_is_refused(service: Service) -> None:
    other = new_key("not-registered")
    _refused(service.token(_form(other)), 401, "invalid_client", "no single EC key")


def test_alg_none_and_hmac_are_refused(service: Service) -> None:
    claims = {
        "iss": "kommun",
        "sub": "kommun",
        "aud": TOKEN_URL,
        "exp": int(time.time()) + 300,
        "jti": uuid.uuid4().hex,
    }

    def b64(value: dict[str, Any]) -> str:
        import base64

        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    unsigned = f"{b64({'alg': 'none', 'kid': service.key.kid})}.{b64(claims)}."
    _refused(service.token(_form(service.key, unsigned)), 401, "invalid_client", "'none'")
    secret = OctKey.import_key("a shared secret the server must never accept")
    hmac = jwt.encode(
        {"alg": "HS256", "kid": service.key.kid}, claims, secret, algorithms=["HS256"]
    )
    _refused(service.token(_form(service.key, hmac)), 401, "invalid_client", "HS256")


def test_grant_type_assertion_type_client_and_scope(service: Service) -> None:
    form = _form(service.key)
    _refused(service.token(form | {"grant_type": "password"}), 400, "unsupported_grant_type")
    _refused(
        service.token(_form(service.key) | {"client_assertion_type": "x"}), 401, "invalid_client"
    )
    stranger = new_key()
    signed = assertion("nobody", stranger, TOKEN_URL)
    _refused(service.token(_form(stranger, signed)), 401, "invalid_client", "not a registered")
    _refused(service.token(_form(service.key, scope="patient/*.read")), 400, "invalid_scope")
    _refused(service.token(_form(service.key, scope="system/Encounter.rs")), 400, "invalid_scope")
    missing = {k: v for k, v in _form(service.key).items() if k != "grant_type"}
    _refused(service.token(missing), 400, "invalid_request")


def test_requests_without_a_good_access_token_are_401(service: Service) -> None:
    bare = service.client.get("/fhir/Task")
    assert bare.status_code == 401
    assert bare.headers["www-authenticate"].startswith("Bearer")
    assert bare.json()["resourceType"] == "OperationOutcome"
    forged = jwt.encode(
        {"alg": "ES256", "kid": "x"}, {"sub": "kommun"}, ECKey.generate_key("P-256")
    )
    answer = service.client.get("/fhir/Task", headers={"Authorization": f"Bearer {forged}"})
    assert (
        answer.status_code == 401 and 'error="invalid_token"' in answer.headers["www-authenticate"]
    )
    token = service.token(_form(service.key)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert service.client.get("/fhir/Task", headers=headers).status_code == 200
    service.clock.advance(seconds=301)
    expired = service.client.get("/fhir/Task", headers=headers)
    assert expired.status_code == 401 and "expired" in expired.text


def test_the_service_rotates_its_keys_without_invalidating_tokens(service: Service) -> None:
    services = service.client.app.state.services  # type: ignore[attr-defined]
    who = principal(KOMMUN, region=False, scopes="system/Task.rs")

    def issue() -> str:
        now = service.clock()
        return str(services.tokens.issue(who, now, services.keys.signing_key(now)).token)

    [first] = service.client.get("/auth/jwks").json()["keys"]
    service.clock.advance(hours=24, seconds=-60)  # the old key signs its last tokens
    token = issue()
    service.clock.advance(seconds=90)  # past the rotation, within that token's life
    newer = issue()
    kids = [k["kid"] for k in service.client.get("/auth/jwks").json()["keys"]]
    assert len(kids) == 2 and first["kid"] in kids, "both keys published while both verify"
    for good in (token, newer):
        headers = {"Authorization": f"Bearer {good}"}
        assert service.client.get("/fhir/Task", headers=headers).status_code == 200
    service.clock.advance(seconds=300)  # the old key's last token has expired
    kids = [k["kid"] for k in service.client.get("/auth/jwks").json()["keys"]]
    assert first["kid"] not in kids and len(kids) == 1


def test_a_verified_token_is_remembered_within_bounds_and_only_as_sent(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache of verified tokens (service/auth/tokens.py) skips the signature check of a
    token seen before, is bounded, and is keyed by the exact token: a token with another
    signature is checked (and refused), never taken for the cached one. That a cached token is
    refused once expired is checked above (test_requests_without_a_good_access_token_are_401)."""
    services = service.client.app.state.services  # type: ignore[attr-defined]
    tokens = services.tokens
    checks: list[str] = []
    check = tokens._check

    def counted(token: str, now: Any) -> Any:
        checks.append(token)
        return check(token, now)

    monkeypatch.setattr(tokens, "_check", counted)
    monkeypatch.setattr("service.auth.tokens.CACHE_SIZE", 3)
    who = principal(KOMMUN, region=False, scopes="system/Task.rs")
    now = service.clock()
    issued = [tokens.issue(who, now, services.keys.signing_key(now)).token for _ in range(5)]
    first = issued[0]
    assert tokens.verify(first, now) == tokens.verify(first, now)
    assert checks == [first], "the second use of a token is not checked again"
    head, _, signature = first.rpartition(".")
    other = f"{head}.{signature[:10]}{'A' if signature[10] != 'A' else 'B'}{signature[11:]}"
    with pytest.raises(TokenError):
        tokens.verify(other, now)
    for token in issued[1:]:
        tokens.verify(token, now)
    assert len(tokens._verified) == 3, "the cache keeps at most CACHE_SIZE tokens"
    checks.clear()
    tokens.verify(first, now)
    assert checks == [first], "the least recently used token was dropped and is checked again"


class _KeyServer:
    """A client's JWKS URL on loopback, with the Cache-Control it chooses; counts fetches."""

    def __init__(self, cache_control: str) -> None:
        self.jwks: dict[str, Any] = {"keys": []}
        self.cache_control = cache_control
        self.fetches = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.fetches += 1
                body = json.dumps(server.jwks).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", server.cache_control)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return

        self.port = free_port()
        self._http = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/jwks.json"

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.mark.parametrize("cache_control", ["max-age=3600", "no-store"])
def test_a_client_rotates_its_key_at_its_jwks_url(service: Service, cache_control: str) -> None:
    keys = _KeyServer(cache_control)
    try:
        old, new = new_key("old"), new_key("new")
        keys.jwks = public_jwks(old)
        service.register("rotating", jwks_url=keys.url)
        for _ in range(2):
            signed = assertion("rotating", old, TOKEN_URL)
            assert service.token(_form(old, signed)).status_code == 200
        assert keys.fetches == (1 if cache_control == "max-age=3600" else 2)
        keys.jwks = public_jwks(new)  # the client rotated: the old key is gone
        before = keys.fetches
        assert service.token(_form(new, assertion("rotating", new, TOKEN_URL))).status_code == 200
        assert keys.fetches == before + 1, "an unknown kid fetches the JWKS again"
        refused = service.token(_form(old, assertion("rotating", old, TOKEN_URL)))
        assert refused.status_code == 401
    finally:
        keys.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> str | None:
    return fresh_postgres_database() if request.param == "postgres" else None


def test_two_server_processes_share_the_replay_store(database: str | None, tmp_path: Path) -> None:
    """Two processes behind one public URL: an assertion used at one is refused at the other."""
    public = {"LUS_FHIR_BASE_URL": "http://lus.test/fhir"}
    first = start_server(tmp_path, database, env=public)
    second = start_server(tmp_path, database, env=public)
    try:
        load_directory(first.database_url)
        client_id, key = register(first.database_url, KOMMUN, region=False, scopes="system/Task.rs")
        form = token_form(client_id, key, "http://lus.test/auth/token", "system/Task.rs")
        assert httpx.post(f"{first.root}/auth/token", data=form).status_code == 200
        replayed = httpx.post(f"{second.root}/auth/token", data=form)
        assert replayed.status_code == 401, replayed.text
        assert "jti was used before" in replayed.json()["error_description"]
        fresh = token_form(client_id, key, "http://lus.test/auth/token", "system/Task.rs")
        assert httpx.post(f"{second.root}/auth/token", data=fresh).status_code == 200
    finally:
        first.stop()
        second.stop()
