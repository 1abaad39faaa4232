"""The clients a conformance run acts as: a credentials file names, per organization a TestScript
origin acts for, a registered client (SMART Backend Services key) or a bearer token, and the
default client for operations without an origin.

    {"token_url": "https://fhir.example.se/auth/token",        (optional: else discovered)
     "clients": {
       "default": {"client_id": "conformance-region", "jwk": {…private JWK…}},
       "Organization/hemtjanst-aros": {"client_id": "…", "jwk": {…}, "scope": "system/*.cruds"},
       "Organization/other": {"token": "eyJ…"}}}

`generate` makes one key per organization the shipped suites act as, so a test team only has
to register the public halves with the system under test.
"""

import json
import os
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey, import_key

from conformance.engine import origins
from conformance.suites import load_suite, suite_names
from service.auth.backend_client import BackendAuth, new_key, public_jwks

DEFAULT = "default"
SCOPE = "system/*.cruds"


class CredentialsError(Exception):
    """The credentials file cannot be used; the text says which entry and why."""


class Bearer(httpx.Auth):
    """A fixed bearer token; a request that already carries an Authorization header keeps it
    (a test that sends a wrong token on purpose)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.setdefault("Authorization", f"Bearer {self.token}")
        yield request


@dataclass
class Loaded:
    default: httpx.Auth | None
    by_organization: dict[str, httpx.Auth]


def load(path: Path, target: str) -> Loaded:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CredentialsError(f"{path}: {error}") from None
    clients = document.get("clients") if isinstance(document, dict) else None
    if not isinstance(clients, dict) or not clients:
        raise CredentialsError(f'{path}: "clients" must be an object naming at least one client')
    token_url: str | None = document.get("token_url")
    auths: dict[str, httpx.Auth] = {}
    for name, entry in clients.items():
        if not isinstance(entry, dict):
            raise CredentialsError(f"{path}: clients.{name} must be an object")
        if "token" in entry:
            auths[name] = Bearer(str(entry["token"]))
            continue
        if not isinstance(entry.get("client_id"), str) or not isinstance(entry.get("jwk"), dict):
            raise CredentialsError(
                f'{path}: clients.{name} needs "token", or "client_id" and a private "jwk"'
            )
        token_url = token_url or discover_token_url(target)
        auths[name] = BackendAuth(
            entry["client_id"],
            _private_key(path, name, entry["jwk"]),
            token_url,
            str(entry.get("scope", SCOPE)),
        )
    default = auths.pop(DEFAULT, None)
    return Loaded(default, auths)


def _private_key(path: Path, name: str, jwk: dict[str, Any]) -> ECKey | RSAKey:
    try:
        key = import_key(jwk)
    except (JoseError, ValueError, TypeError) as error:
        raise CredentialsError(f"{path}: clients.{name}.jwk: {error}") from None
    if not isinstance(key, (ECKey, RSAKey)) or not key.is_private:
        raise CredentialsError(f"{path}: clients.{name}.jwk must be a private EC or RSA key")
    return key


def discover_token_url(target: str) -> str:
    """The token endpoint the target's SMART configuration names."""
    url = target.rstrip("/") + "/.well-known/smart-configuration"
    try:
        response = httpx.get(url, timeout=30)
        endpoint = response.json().get("token_endpoint") if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError) as error:
        raise CredentialsError(f"{url}: {error}") from None
    if not isinstance(endpoint, str):
        raise CredentialsError(
            f'{url} names no token_endpoint: put "token_url" into the credentials file'
        )
    return endpoint


def acting_organizations(suites: Iterable[str] | None = None) -> list[str]:
    """The organizations the shipped suites' origins act for."""
    found = {
        organization
        for suite in suites or suite_names()
        for script, _ in load_suite(suite)
        for organization in origins.organizations(script).values()
        if organization is not None
    }
    return sorted(found)


@dataclass
class Generated:
    client_id: str
    organization: str
    jwks_file: Path
    region: bool

    def register_command(self) -> str:
        role = " --region" if self.region else ""
        return (
            f"lus-fhir clients add --client-id {self.client_id} --organization "
            f'{self.organization}{role} --scope "{SCOPE}" --jwks {self.jwks_file}'
        )


def generate(out: Path, region_organization: str) -> list[Generated]:
    """A key per client into `out`: credentials.json (private, mode 0600) and one public JWKS
    file per client, to register with the system under test."""
    out.mkdir(parents=True, exist_ok=True)
    wanted = [(DEFAULT, region_organization)] + [(o, o) for o in acting_organizations()]
    clients: dict[str, Any] = {}
    generated = []
    for name, organization in wanted:
        client_id = "conformance-" + ("region" if name == DEFAULT else organization.split("/")[-1])
        key = new_key()
        jwks_file = out / f"{client_id}.jwks.json"
        jwks_file.write_text(json.dumps(public_jwks(key), indent=2), encoding="utf-8")
        clients[name] = {"client_id": client_id, "jwk": key.as_dict(private=True)}
        generated.append(Generated(client_id, organization, jwks_file, name == DEFAULT))
    secret = out / "credentials.json"
    descriptor = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"clients": clients}, handle, indent=2)
    return generated
