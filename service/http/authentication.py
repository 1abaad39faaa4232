"""The first thing every request meets: its request id, then its principal.

A pure ASGI middleware, so no route can be added that skips it: every path outside PUBLIC needs
a principal, or the request ends here with 401, `WWW-Authenticate: Bearer` and an
OperationOutcome (and is logged); on the web pages (/app/) it is sent to the sign-in page
instead. Only the web pages take a session cookie (after an OpenID Connect sign-in), so no
foreign site can make a browser call the FHIR API with its session. A client certificate is
checked against its CA's CRL (service/auth/revocation.py) before its registration is looked up,
so a revoked one is refused like any other. The request id
(`X-Request-Id`, made when the client sends none) is echoed on every response and named in the
access log.
"""

import json
import re
import ssl
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.audit.event import MINOR_FAILURE, REQUEST, AuditRecord, RequestInfo, new_id
from service.auth.authenticate import Authenticator, Unauthenticated
from service.auth.principal import Principal
from service.auth.revocation import CertificateRevoked, Revocations
from service.http.headers import FHIR_JSON
from service.outcome import issue, operation_outcome
from service.web.sessions import SESSION_COOKIE, Sessions, clear_cookie

# Paths anyone may call: discovery, the token endpoint and its keys, the API description, and
# the websocket channel (authenticated by its binding token from $get-ws-binding-token).
PUBLIC = frozenset(
    {
        "/fhir/metadata",
        "/fhir/.well-known/smart-configuration",
        "/auth/token",
        "/auth/jwks",
        "/fhir/ws",
        "/docs",
        "/docs/oauth2-redirect",
        "/openapi.json",
        "/app/inloggning",
        "/app/inloggning/start",
        "/app/inloggning/svar",
    }
)
PUBLIC_PREFIXES = ("/app/static/",)  # the pages' vendored CSS and scripts (a fixed list)
PAGES = "/app/"
SIGN_IN_PAGE = "/app/inloggning"
_REQUEST_ID = re.compile(r"^[!-~]{1,200}$")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _certificate(scope: Scope) -> bytes | None:
    """The client certificate (DER) the handshake verified: the first of the ASGI TLS
    extension's `client_cert_chain` (PEM strings, see service/http/tls.py)."""
    tls = scope.get("extensions", {}).get("tls") or {}
    chain = tls.get("client_cert_chain") or []
    if not chain or not isinstance(chain[0], str):
        return None
    try:
        return ssl.PEM_cert_to_DER_cert(chain[0])
    except ValueError:
        raise Unauthenticated(
            "the client certificate cannot be read", method="certificate"
        ) from None


def _from_certificate(
    authenticator: Authenticator, revocations: Revocations | None, der: bytes
) -> Principal:
    """The registration of a certificate its CA has not revoked."""
    if revocations is not None:
        try:
            revocations.check(der)
        except CertificateRevoked as refused:
            raise Unauthenticated(str(refused), method="certificate") from None
    return authenticator.from_certificate(der)


class Authentication:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._revocations: Revocations | None = None
        self._revocations_made = False

    def _revocations_of(self, services: Any) -> Revocations | None:
        """The app's CRL checking, made with the first certificate (it reads no file yet)."""
        if not self._revocations_made:
            self._revocations = Revocations.from_settings(services.settings, services.clock)
            self._revocations_made = True
        return self._revocations

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        request_id = given if given and _REQUEST_ID.match(given) else new_id()
        client = scope.get("client")
        query = scope.get("query_string", b"").decode("latin-1")
        line = f"{scope.get('method', 'GET')} {scope['path']}" + (f"?{query}" if query else "")
        info = RequestInfo(request_id, client[0] if client else None, line[:2000])
        token = REQUEST.set(info)
        try:
            await self._serve(scope, receive, _echo(send, request_id))
        finally:
            REQUEST.reset(token)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        services = scope["app"].state.services
        if scope["path"] in PUBLIC or scope["path"].startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return
        try:
            principal = await self._principal(scope, services)
        except Unauthenticated as refused:
            record = AuditRecord.of(None, "authenticate", MINOR_FAILURE)
            record.detail = refused.reason
            record.authentication = refused.method
            await run_in_threadpool(services.audit.submit, record)
            if _for_a_person(scope, refused):
                await _to_sign_in(scope, send, refused.method == "oidc")
            else:
                await _unauthorized(scope, send, refused)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)

    async def _principal(self, scope: Scope, services: Any) -> Any:
        authenticator = services.authenticator
        authorization = _header(scope, b"authorization")
        if authorization is not None:
            kind, _, credentials = authorization.partition(" ")
            if kind.lower() != "bearer" or not credentials.strip():
                raise Unauthenticated(
                    "the Authorization header must be 'Bearer <token>'", method="token"
                )
            return authenticator.from_bearer(credentials.strip())
        certificate = _certificate(scope)
        if certificate is not None:
            revocations = self._revocations_of(services)
            return await run_in_threadpool(
                _from_certificate, authenticator, revocations, certificate
            )
        session = _session_cookie(scope)
        if session is not None:
            return await run_in_threadpool(_from_session, scope, authenticator, session)
        if not authenticator.enabled:
            return authenticator.development()
        raise Unauthenticated(
            "authentication is required: send 'Authorization: Bearer <access token>' (see "
            "/fhir/.well-known/smart-configuration) or present a registered client certificate"
        )


def _session_cookie(scope: Scope) -> str | None:
    """The web session's cookie, on the web pages only."""
    if not scope["path"].startswith(PAGES):
        return None
    return cookie_parser(_header(scope, b"cookie") or "").get(SESSION_COOKIE) or None


def _from_session(scope: Scope, authenticator: Authenticator, token: str) -> Principal:
    sessions: Sessions | None = getattr(scope["app"].state, "sessions", None)
    session = sessions.find(token) if sessions is not None else None
    if session is None:
        raise Unauthenticated("the web session has ended or expired", method="oidc")
    return authenticator.from_session(session.client_id, session.id)


def _for_a_person(scope: Scope, refused: Unauthenticated) -> bool:
    """A page request with no credentials or an ended session goes to the sign-in page; a bad
    token or certificate (a script, a misconfigured card) keeps the API's 401."""
    page = scope["type"] == "http" and scope["path"].startswith(PAGES)
    return page and refused.method in (None, "oidc")


async def _to_sign_in(scope: Scope, send: Send, ended: bool) -> None:
    """303 to the sign-in page, which brings the person back here afterwards; an ended
    session's cookie is cleared."""
    query = scope.get("query_string", b"").decode("latin-1")
    back = scope["path"] + (f"?{query}" if query else "")
    target = f"{SIGN_IN_PAGE}?{urlencode({'till': back, **({'slut': '1'} if ended else {})})}"
    headers = [(b"location", target.encode("latin-1")), (b"content-length", b"0")]
    headers.append((b"cache-control", b"no-store"))
    if ended:
        headers.append((b"set-cookie", clear_cookie(SESSION_COOKIE).encode("latin-1")))
    await send({"type": "http.response.start", "status": 303, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def _echo(send: Send, request_id: str) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            headers.append((b"x-request-id", request_id.encode("latin-1")))
            message = {**message, "headers": headers}
        await send(message)

    return sending


async def _unauthorized(scope: Scope, send: Send, refused: Unauthenticated) -> None:
    challenge = 'Bearer realm="lus-fhir"'
    if refused.invalid_token:
        description = refused.reason.replace('"', "'")
        challenge += f', error="invalid_token", error_description="{description}"'
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": refused.reason[:120]})
        return
    body = json.dumps(operation_outcome(issue("error", "login", refused.reason))).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", FHIR_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"www-authenticate", challenge.encode("latin-1")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
