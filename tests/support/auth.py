"""Credentials for tests that are not about security: real access tokens, signed with the
service's own keys, for a principal the test names.

In-process apps (TestClient) get an httpx Auth that issues a token for its principal from the
app's `Tokens` (renewed as the app's clock moves on, so tests with a fake clock stay signed in).
Server processes get a registered client and the SMART token flow (`register` + BackendAuth).
The default identity is Region Stockholm with the region-wide role, whose units are the
hospitals and wards of the shipped directory: what most tests write in the name of.
"""

import json
from collections.abc import Generator
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fhir_profiles.build.directory import OUTPUT as DIRECTORY
from service.auth import clients
from service.auth.backend_client import BackendAuth, new_key, public_jwks
from service.auth.clients import Client
from service.auth.keys import Keys
from service.auth.principal import INTERNAL, Principal
from service.auth.scopes import Scopes
from service.auth.tokens import Tokens
from service.fhirtime import utc_now
from service.settings import SERVICE_URI
from service.storage.database import engine_for, migrate
from service.storage.store import Store

REGION = "Organization/region-stockholm"
ALL_SCOPES = "system/*.cruds"


@cache
def _directory_tree() -> dict[str, list[str]]:
    bundle = json.loads(DIRECTORY.read_text(encoding="utf-8"))
    children: dict[str, list[str]] = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        parent = (resource.get("partOf") or {}).get("reference")
        if resource["resourceType"] == "Organization" and parent:
            children.setdefault(parent, []).append(f"Organization/{resource['id']}")
    return children


def directory_units(organization: str) -> frozenset[str]:
    """An organization's units in the shipped Stockholm directory (loaded or not)."""
    tree, found, todo = _directory_tree(), {organization}, [organization]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return frozenset(found)


def principal(
    organization: str = REGION, region: bool = True, scopes: str = ALL_SCOPES
) -> Principal:
    return Principal(
        organization=organization,
        units=directory_units(organization),
        client_id=f"test-{organization.split('/')[-1]}",
        scopes=Scopes.parse(scopes),
        region=region,
    )


class ServiceAuth(httpx.Auth):
    """Bearer tokens from an in-process app, for one principal."""

    def __init__(self, app: FastAPI, who: Principal) -> None:
        self.services = app.state.services
        self.who = who
        self._token: tuple[str, datetime] | None = None

    def token(self) -> str:
        """A token issued at the app's current time (again once that moved on or back)."""
        now = self.services.clock()
        if self._token is None or not (
            self._token[1] <= now < self._token[1] + timedelta(seconds=200)
        ):
            key = self.services.keys.signing_key(now)
            self._token = (self.services.tokens.issue(self.who, now, key).token, now)
        return self._token[0]

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if "authorization" not in request.headers:
            request.headers["Authorization"] = f"Bearer {self.token()}"
        yield request


def headers_for(app: FastAPI, who: Principal) -> dict[str, str]:
    """Authorization header for one request as `who` (e.g. a receiver acknowledging)."""
    return {"Authorization": f"Bearer {ServiceAuth(app, who).token()}"}


def signed_in(app: FastAPI, who: Principal | None = None, **kwargs: Any) -> TestClient:
    """A TestClient whose requests carry a token for `who` (default: the region-wide role)."""
    client = TestClient(app, **kwargs)
    client.auth = ServiceAuth(app, who or principal())
    return client


def register(
    database_url: str,
    organization: str = REGION,
    region: bool = True,
    scopes: str = ALL_SCOPES,
    client_id: str | None = None,
    hsa_id: str | None = None,
) -> tuple[str, Any]:
    """Register a client with a fresh key in a server's database: (client id, private key);
    with `hsa_id` it can also prove itself with a certificate carrying that HSA-id."""
    key = new_key()
    client_id = client_id or f"test-{organization.split('/')[-1]}-{key.kid[:8]}"
    engine = engine_for(database_url)
    migrate(engine)
    store = Store(engine)
    try:
        with store.begin() as conn:
            registration = Client(
                client_id,
                organization,
                Scopes.parse(scopes),
                public_jwks(key),
                hsa_id=hsa_id,
                region=region,
            )
            clients.add(conn, registration, utc_now())
    finally:
        engine.dispose()
    return client_id, key


def backend_auth(database_url: str, root: str, **kwargs: Any) -> BackendAuth:
    """A registered client's SMART token flow against a running server at `root`."""
    client_id, key = register(database_url, **kwargs)
    return BackendAuth(client_id, key, f"{root}/auth/token", kwargs.get("scopes", ALL_SCOPES))


class StoredKeysAuth(httpx.Auth):
    """Bearer tokens for a server process, signed with the keys in its database (the server
    loads a key it has not seen when a token names it): for tests that are not about how a
    token is obtained."""

    def __init__(self, database_url: str, who: Principal | None = None) -> None:
        engine = engine_for(database_url)
        migrate(engine)
        lifetime = timedelta(seconds=300)
        self._engine = engine
        self._tokens = Tokens(
            Keys(Store(engine), timedelta(hours=24), lifetime), SERVICE_URI, lifetime
        )
        self.who = who or principal()
        self._token: tuple[str, datetime] | None = None

    def token(self) -> str:
        now = utc_now()
        if self._token is None or now - self._token[1] > timedelta(seconds=200):
            key = self._tokens.keys.signing_key(now)
            self._token = (self._tokens.issue(self.who, now, key).token, now)
        return self._token[0]

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if "authorization" not in request.headers:
            request.headers["Authorization"] = f"Bearer {self.token()}"
        yield request


def seed(app: FastAPI, resources: list[dict[str, Any]]) -> None:
    """Store a snapshot of data (e.g. the guide's example journey, receipts included) the way an
    operator's import does: one transaction as the service itself. What the test then asks
    goes over HTTP with a token like any other request."""
    services = app.state.services
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": r,
                "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
            }
            for r in resources
        ],
    }
    answer = services.engine_processor("http://testserver/fhir").process(bundle, INTERNAL)
    statuses = {e["response"]["status"] for e in answer["entry"]}
    assert statuses <= {"200", "201"}, answer


def load_directory(database_url: str) -> None:
    """The shipped Stockholm directory in a server's database (registrations name its
    organizations), loaded as `lus-fhir directory load` does."""
    from service.demo import directory_bundle
    from service.rest.app import create_app
    from service.settings import Settings

    app = create_app(Settings(database_url=database_url, run_worker=False))
    services = app.state.services
    try:
        services.engine_processor("http://localhost/fhir").process(directory_bundle(), INTERNAL)
    finally:
        services.store.engine.dispose()
