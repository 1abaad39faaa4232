"""*Inloggning*: the sign-in page, the OpenID Connect redirect and callback, and sign-out.

The page offers what the operator configured: the organization's certificate (mutual TLS, the
browser presents it when the page is opened over HTTPS) and/or the OpenID Connect provider.
`/app/inloggning/start` begins the authorization code flow (state, nonce, PKCE S256, see
sessions.py and oidc.py); `/app/inloggning/svar` is the redirect URI: it takes up the browser's
own sign-in, exchanges the code, verifies the ID token and maps its identity claim to a
registration (`lus-fhir clients add --oidc-identity …`). An unknown person gets a 403 page and
no session. Sign-in, refusal and sign-out are in the access log (`login`, `logout`).
"""

from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from service.audit.event import MINOR_FAILURE, AuditRecord
from service.auth.clients import by_oidc
from service.auth.principal import Principal
from service.outcome import FhirError
from service.rest.services import Services
from service.web.oidc import Provider, SignInError
from service.web.pages import form, page_router, render
from service.web.sessions import (
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    SIGN_IN_LIFETIME,
    Sessions,
    clear_cookie,
    cookie,
    digest,
)

router = page_router()
CALLBACK = "/app/inloggning/svar"


def _provider(request: Request) -> tuple[Provider, Sessions]:
    provider: Provider | None = getattr(request.app.state, "oidc", None)
    if provider is None:
        raise FhirError.of(404, "not-found", "inloggning via OpenID Connect är inte inställd")
    sessions: Sessions = request.app.state.sessions
    return provider, sessions


def _root(request: Request) -> str:
    """This server's public root: the configured base URL's, else the request's."""
    services: Services = request.app.state.services
    return services.base(request).removesuffix("/fhir")


def _back(value: str | None) -> str:
    """Where to go after signing in: a page of this site only, never another host."""
    parts = urlsplit(value or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/app/") or "\\" in parts.path:
        return "/app/"
    return value or "/app/"


def _redirect(target: str, *cookies: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
    for value in cookies:
        response.headers.append("set-cookie", value)
    return response


def _refused(status: int, text: str) -> FhirError:
    code = {400: "invalid", 403: "forbidden"}.get(status, "transient")
    return FhirError.of(status, code, text)


async def _audit(request: Request, record: AuditRecord) -> None:
    services: Services = request.app.state.services
    record.authentication = "oidc"
    await run_in_threadpool(services.audit.submit, record)


@router.get("/inloggning")
async def sign_in_page(
    request: Request, till: str | None = None, slut: str | None = None, utloggad: str | None = None
) -> Response:
    services: Services = request.app.state.services
    settings = services.settings
    status = "utloggad" if utloggad else "slut" if slut else ""
    values = {
        "page": "",
        "title": "Logga in",
        "till": _back(till),
        "status": status,
        "oidc": getattr(request.app.state, "oidc", None) is not None,
        "certificate": settings.tls_client_ca is not None,
        "open": not settings.auth,
    }
    return render(request, "inloggning.html", values)


@router.get("/inloggning/start")
async def start(request: Request, till: str | None = None) -> Response:
    provider, sessions = _provider(request)
    token, attempt = await run_in_threadpool(sessions.begin_sign_in, _back(till))
    redirect_uri = _root(request) + CALLBACK
    try:
        url = await run_in_threadpool(
            provider.authorization_url, redirect_uri, attempt.state, attempt.nonce, attempt.verifier
        )
    except SignInError as error:
        raise _refused(error.status, f"inloggningstjänsten kan inte nås: {error}") from None
    lifetime = int(SIGN_IN_LIFETIME.total_seconds())
    return _redirect(url, cookie(SIGN_IN_COOKIE, token, lifetime))


@router.get("/inloggning/svar")
async def callback(
    request: Request,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> Response:
    provider, sessions = _provider(request)
    attempt = await run_in_threadpool(
        sessions.take_sign_in, request.cookies.get(SIGN_IN_COOKIE), state
    )
    if attempt is None:
        raise _refused(
            400,
            "inloggningen kunde inte slutföras: den startades inte i den här webbläsaren, "
            "är redan använd eller för gammal (state); börja om från inloggningssidan",
        )
    if error is not None or not code:
        raise _refused(403, f"inloggningstjänsten avbröt inloggningen ({error or 'ingen kod'})")
    redirect_uri = _root(request) + CALLBACK
    try:
        id_token = await run_in_threadpool(provider.exchange, code, redirect_uri, attempt.verifier)
        claims = await run_in_threadpool(provider.verify, id_token, attempt.nonce)
        identity = provider.identity(claims)
    except SignInError as refused:
        record = AuditRecord.of(None, "login", MINOR_FAILURE)
        record.detail = str(refused)
        await _audit(request, record)
        raise _refused(refused.status, f"inloggningen godtogs inte: {refused}") from None
    services: Services = request.app.state.services
    with services.store.reading() as conn:
        client = by_oidc(conn, provider.issuer, identity)
    if client is None:
        record = AuditRecord.of(None, "login", MINOR_FAILURE)
        record.detail = f"{provider.identity_claim} {identity!r} of {provider.issuer} is unknown"
        await _audit(request, record)
        raise _refused(
            403,
            f"du ({identity}) är inte registrerad för den här tjänsten; be förvaltningen "
            "registrera dig för din organisation (lus-fhir clients add --oidc-identity …)",
        )
    token = await run_in_threadpool(sessions.open, client.client_id, id_token)
    principal = await run_in_threadpool(
        services.authenticator.from_session, client.client_id, digest(token)
    )
    await _audit(request, AuditRecord.of(principal, "login"))
    lifetime = int(sessions.absolute.total_seconds())
    return _redirect(
        attempt.return_to, cookie(SESSION_COOKIE, token, lifetime), clear_cookie(SIGN_IN_COOKIE)
    )


@router.post("/utloggning")
async def sign_out(request: Request) -> Response:
    """Ends the session here, and at the provider when it offers RP-initiated logout."""
    await form(request)  # the CSRF check: a foreign site cannot sign the person out
    principal: Principal = request.state.principal
    target = "/app/inloggning?utloggad=1"
    token = request.cookies.get(SESSION_COOKIE)
    provider: Provider | None = getattr(request.app.state, "oidc", None)
    if principal.method != "oidc" or token is None or provider is None:
        return _redirect(target)
    sessions: Sessions = request.app.state.sessions
    ended = await run_in_threadpool(sessions.end, token)
    await _audit(request, AuditRecord.of(principal, "logout"))
    try:
        ending = (await run_in_threadpool(provider.metadata)).end_session_endpoint
    except SignInError:
        ending = None
    if ending and ended is not None:
        query = {
            "id_token_hint": ended.id_token,
            "post_logout_redirect_uri": _root(request) + target,
            "client_id": provider.client_id,
        }
        target = f"{ending}{'&' if '?' in ending else '?'}{urlencode(query)}"
    return _redirect(target, clear_cookie(SESSION_COOKIE))
