"""Registered clients, in the database so every server process sees the same registrations.

A client acts for one Organization of the directory and proves who it is with a key
(a JWKS given at registration, or the URL of its JWKS, which lets it rotate keys), with an
organization certificate (SITHS), whose HSA-id names the registration, or — a person at the web
pages — by signing in at an OpenID Connect provider whose ID token carries the registration's
identity. Its scopes are the most it can be granted; `region` marks the region-wide role.
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, delete, insert, select

from service.auth.scopes import ScopeError, Scopes
from service.fhirtime import stamp
from service.storage import generations
from service.storage.schema import clients, resources

CLIENTS = "clients"
HSA_ID = re.compile(r"^SE[0-9]{10}-[0-9A-Za-z]+$")
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

_cache: generations.Cache["Client | None"] = generations.Cache(CLIENTS)


class RegistrationError(ValueError):
    """A registration that cannot be stored, with the reason."""


@dataclass(frozen=True)
class Client:
    client_id: str
    organization: str
    scopes: Scopes
    jwks: dict[str, Any] | None = None
    jwks_url: str | None = None
    hsa_id: str | None = None
    region: bool = False
    created_at: str = ""
    oidc_issuer: str | None = None
    oidc_identity: str | None = None  # the value of the issuer's identity claim


def check_jwks(jwks: Any) -> dict[str, Any]:
    """A JWK Set whose keys each carry `kty` and a unique `kid` (SMART's registration rule)."""
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not keys:
        raise RegistrationError("a JWKS is a JSON object with a non-empty array 'keys'")
    kids = [k.get("kid") for k in keys if isinstance(k, dict)]
    if len(kids) != len(keys) or not all(isinstance(k, str) and k for k in kids):
        raise RegistrationError("every key of the JWKS needs a 'kid'")
    if len(set(kids)) != len(kids):
        raise RegistrationError("the kids of the JWKS must be unique")
    for key in keys:
        if key.get("kty") not in ("RSA", "EC"):
            raise RegistrationError(f"key {key['kid']}: kty must be RSA or EC")
        if "d" in key or "p" in key:
            raise RegistrationError(f"key {key['kid']} is a private key: register the public key")
    checked: dict[str, Any] = jwks
    return checked


def check_jwks_url(url: str, what: str = "the JWKS URL") -> str:
    """An https URL (or http on loopback) of a key server or an OpenID Connect issuer."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname in LOOPBACK:
        return url  # a server on this machine (development and tests)
    raise RegistrationError(f"{what} must be https (or http on loopback): {url!r}")


def _organization_exists(conn: Connection, organization: str) -> bool:
    kind, _, rid = organization.partition("/")
    if kind != "Organization" or not rid:
        return False
    row = conn.execute(
        select(resources.c.deleted).where(
            resources.c.res_type == "Organization", resources.c.res_id == rid
        )
    ).first()
    return row is not None and not row.deleted


def add(conn: Connection, client: Client, now: datetime) -> Client:
    if not client.client_id or len(client.client_id) > 255:
        raise RegistrationError("the client id must be 1 to 255 characters")
    if not _organization_exists(conn, client.organization):
        raise RegistrationError(
            f"{client.organization} is not an Organization of the directory "
            "(load the directory first: lus-fhir directory load)"
        )
    if not (client.jwks or client.jwks_url or client.hsa_id or client.oidc_identity):
        raise RegistrationError(
            "a client needs --jwks, --jwks-url, --hsa-id or --oidc-identity to prove itself"
        )
    if client.oidc_identity:
        if not client.oidc_issuer:
            raise RegistrationError("--oidc-identity needs the issuer (LUS_FHIR_OIDC_ISSUER)")
        check_jwks_url(client.oidc_issuer, "the OpenID Connect issuer")
        if by_oidc(conn, client.oidc_issuer, client.oidc_identity) is not None:
            raise RegistrationError(
                f"{client.oidc_identity!r} of {client.oidc_issuer} is registered to another client"
            )
    if client.hsa_id and not HSA_ID.match(client.hsa_id):
        raise RegistrationError(f"{client.hsa_id!r} is not an HSA-id (SE + 10 digits + -…)")
    if not client.scopes.granted:
        raise RegistrationError("a client needs at least one scope")
    if get(conn, client.client_id) is not None:
        raise RegistrationError(f"client {client.client_id!r} is already registered")
    if client.hsa_id and by_hsa_id(conn, client.hsa_id) is not None:
        raise RegistrationError(f"HSA-id {client.hsa_id} is registered to another client")
    conn.execute(
        insert(clients).values(
            client_id=client.client_id,
            organization=client.organization,
            jwks=json.dumps(client.jwks) if client.jwks else None,
            jwks_url=client.jwks_url,
            hsa_id=client.hsa_id,
            scopes=str(client.scopes),
            region=client.region,
            created_at=stamp(now),
            oidc_issuer=client.oidc_issuer if client.oidc_identity else None,
            oidc_identity=client.oidc_identity,
        )
    )
    generations.bump(conn, CLIENTS)
    return client


def remove(conn: Connection, client_id: str) -> bool:
    removed = conn.execute(delete(clients).where(clients.c.client_id == client_id)).rowcount
    if removed:
        generations.bump(conn, CLIENTS)
    return bool(removed)


def _client(row: Any) -> Client:
    try:
        scopes = Scopes.parse(row.scopes)
    except ScopeError:
        scopes = Scopes(frozenset())
    return Client(
        client_id=row.client_id,
        organization=row.organization,
        scopes=scopes,
        jwks=json.loads(row.jwks) if row.jwks else None,
        jwks_url=row.jwks_url,
        hsa_id=row.hsa_id,
        region=bool(row.region),
        created_at=row.created_at,
        oidc_issuer=row.oidc_issuer,
        oidc_identity=row.oidc_identity,
    )


def registered(conn: Connection) -> list[Client]:
    return [_client(r) for r in conn.execute(select(clients).order_by(clients.c.client_id))]


def get(conn: Connection, client_id: str) -> Client | None:
    """A registration by client id (cached while no registration changes)."""

    def load() -> Client | None:
        row = conn.execute(select(clients).where(clients.c.client_id == client_id)).first()
        return _client(row) if row else None

    return _cache.get(conn, ("id", client_id), load)


def by_hsa_id(conn: Connection, hsa_id: str) -> Client | None:
    def load() -> Client | None:
        row = conn.execute(select(clients).where(clients.c.hsa_id == hsa_id)).first()
        return _client(row) if row else None

    return _cache.get(conn, ("hsa", hsa_id), load)


def by_oidc(conn: Connection, issuer: str, identity: str) -> Client | None:
    """The registration of a person the issuer's ID token names with `identity`."""

    def load() -> Client | None:
        row = conn.execute(
            select(clients).where(
                clients.c.oidc_issuer == issuer, clients.c.oidc_identity == identity
            )
        ).first()
        return _client(row) if row else None

    return _cache.get(conn, ("oidc", issuer, identity), load)
