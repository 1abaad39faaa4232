"""The token endpoint's work, independent of HTTP: the OAuth 2.0 client credentials grant with a
signed JWT assertion (SMART Backend Services), answered as RFC 6749 §5.1/§5.2 JSON.

Granted scopes are the requested ones as far as the registration allows (SMART lets them differ
from the request); none left is `invalid_scope`. Every answer, issued or refused, is logged.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.access.units import units_of
from service.audit.event import MINOR_FAILURE, AuditRecord, write
from service.auth import assertion, replay
from service.auth.clients import Client
from service.auth.clients import get as registration
from service.auth.jwks import JwksCache
from service.auth.principal import Principal
from service.auth.scopes import ScopeError, Scopes
from service.auth.tokens import Tokens
from service.storage.store import Store

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
GRANT_TYPE = "client_credentials"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=lambda: dict(NO_STORE))


def _error(status: int, error: str, description: str) -> Answer:
    return Answer(status, {"error": error, "error_description": description})


def _one(form: dict[str, list[str]], name: str) -> str | None:
    values = form.get(name, [])
    if len(values) > 1:
        raise ValueError(f"{name} is given more than once")
    return values[0] if values else None


@dataclass
class TokenEndpoint:
    store: Store
    tokens: Tokens
    jwks: JwksCache

    def answer(self, form: dict[str, list[str]], token_url: str, now: datetime) -> Answer:
        record = AuditRecord.of(None, "token")
        answer = self._answer(form, token_url, now, record)
        if answer.status != 200:
            record.outcome = MINOR_FAILURE
            record.detail = f"{answer.body['error']}: {answer.body['error_description']}"
            with self.store.begin() as conn:
                write(conn, [record], now)
        return answer

    def _client(self, client_id: str) -> Client | None:
        with self.store.reading() as conn:
            return registration(conn, client_id)

    def _answer(
        self, form: dict[str, list[str]], token_url: str, now: datetime, record: AuditRecord
    ) -> Answer:
        try:
            grant_type = _one(form, "grant_type")
            assertion_type = _one(form, "client_assertion_type")
            signed = _one(form, "client_assertion")
            requested = _one(form, "scope")
        except ValueError as error:
            return _error(400, "invalid_request", str(error))
        if grant_type is None:
            return _error(400, "invalid_request", "grant_type is required")
        if grant_type != GRANT_TYPE:
            return _error(
                400, "unsupported_grant_type", f"only {GRANT_TYPE} is supported, not {grant_type!r}"
            )
        if assertion_type != ASSERTION_TYPE:
            return _error(401, "invalid_client", f"client_assertion_type must be {ASSERTION_TYPE}")
        if not signed:
            return _error(401, "invalid_client", "client_assertion is required")
        if not requested:
            return _error(400, "invalid_scope", "scope is required (e.g. system/Task.rs)")
        try:
            wanted = Scopes.parse(requested)
        except ScopeError as error:
            return _error(400, "invalid_scope", str(error))
        try:  # outside any transaction: fetching a JWKS must not hold the writers back
            verified = assertion.verify(signed, token_url, now, self._client, self.jwks)
        except assertion.InvalidAssertion as error:
            return _error(401, "invalid_client", str(error))
        client = verified.client
        record.client_id, record.organization = client.client_id, client.organization
        granted = wanted.within(client.scopes)
        if not granted.granted:
            return _error(
                400,
                "invalid_scope",
                f"none of the requested scopes is registered for {client.client_id} "
                f"(registered: {client.scopes})",
            )
        key = self.tokens.keys.signing_key(now)  # may rotate: its own transaction, first
        with self.store.reading() as conn:
            units = units_of(conn, client.organization)
        principal = Principal(
            organization=client.organization,
            units=units,
            client_id=client.client_id,
            scopes=granted,
            region=client.region,
        )
        with self.store.begin() as conn:
            if not replay.consume(conn, client.client_id, verified.jti, verified.expires, now):
                return _error(401, "invalid_client", "jti was used before: sign a new assertion")
            issued = self.tokens.issue(principal, now, key)
            record.token_id = issued.jti
            write(conn, [record], now)
        body = {
            "access_token": issued.token,
            "token_type": "bearer",
            "expires_in": issued.expires_in,
            "scope": str(granted),
        }
        return Answer(200, body)
