"""Finds the principal of a request: a bearer token, else a client certificate, else (on the web
pages) a session after an OpenID Connect sign-in, else — with authentication off — the
development principal. Every way of proving who one is gives the same Principal for the same
registration."""

import logging
from dataclasses import dataclass

from sqlalchemy import Connection

from service.access.units import units_of
from service.auth import certificates
from service.auth.clients import Client, by_hsa_id, get
from service.auth.principal import INTERNAL, WEB_SESSION, Principal
from service.auth.scopes import ALL
from service.auth.tokens import TokenError, Tokens
from service.fhirtime import Clock
from service.settings import Settings
from service.storage.store import Store

log = logging.getLogger(__name__)


class Unauthenticated(Exception):
    """No acceptable credentials; `invalid_token` when a token was given but is not good;
    `method` the way the caller tried (token or certificate), for the access log."""

    def __init__(self, reason: str, invalid_token: bool = False, method: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invalid_token = invalid_token
        self.method = "token" if invalid_token else method


@dataclass
class Authenticator:
    settings: Settings
    store: Store
    tokens: Tokens
    clock: Clock

    def __post_init__(self) -> None:
        self._development: Principal | None = None
        if not self.settings.auth:
            log.warning(
                "authentication is OFF (LUS_FHIR_AUTH=off): every request acts as %s",
                self.settings.development_organization or "the service itself (all rights)",
            )

    @property
    def enabled(self) -> bool:
        return self.settings.auth

    def from_bearer(self, token: str) -> Principal:
        try:
            return self.tokens.verify(token, self.clock())
        except TokenError as error:
            raise Unauthenticated(str(error), invalid_token=True) from None

    def from_certificate(self, der: bytes) -> Principal:
        """The registration whose HSA-id the certificate carries (the handshake already checked
        the certificate against the configured CA bundle and its validity)."""
        try:
            hsa = certificates.hsa_id(der)
        except certificates.CertificateError as error:
            raise Unauthenticated(str(error), method="certificate") from None
        with self.store.reading() as conn:
            client = by_hsa_id(conn, hsa)
            if client is None:
                raise Unauthenticated(
                    f"no client is registered for the certificate's HSA-id {hsa}",
                    method="certificate",
                )
            return _principal(conn, client, "certificate")

    def from_session(self, client_id: str, session: str) -> Principal:
        """The registration a web session signed in as (`session`: the SHA-256 of its cookie)."""
        with self.store.reading() as conn:
            client = get(conn, client_id)
            if client is None:
                raise Unauthenticated(
                    f"the session's registration {client_id} was removed", method="oidc"
                )
            return _principal(conn, client, "oidc", session)

    def development(self) -> Principal:
        """The principal of every request while authentication is off."""
        if self._development is None:
            organization = self.settings.development_organization
            if organization is None:
                self._development = Principal(
                    organization=INTERNAL.organization,
                    units=frozenset(),
                    client_id="development",
                    scopes=ALL,
                    internal=True,
                    method="development",
                )
            else:
                with self.store.reading() as conn:
                    units = units_of(conn, organization)
                self._development = Principal(
                    organization=organization,
                    units=units,
                    client_id="development",
                    scopes=ALL,
                    method="development",
                )
        return self._development


def _principal(
    conn: Connection, client: Client, method: str, session: str | None = None
) -> Principal:
    """A registration as the principal of a request; a web session's names the session in the
    access log (a prefix of its hash: the cookie cannot be made from it)."""
    return Principal(
        organization=client.organization,
        units=units_of(conn, client.organization),
        client_id=client.client_id,
        scopes=client.scopes,
        region=client.region,
        token_id=f"{WEB_SESSION}{session[:16]}" if session else None,
        method=method,
        session=session,
    )
