"""What every page shares: the router under /app/, rendering with the security headers, the HTML
error page, form parsing with the CSRF check, the vendored static files and the Swedish number
and time formats."""

from collections.abc import Callable, Coroutine, Iterable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import Connection

from service.auth.principal import Principal
from service.fhirtime import STOCKHOLM, start_of
from service.http import routing
from service.http.errors import log_refusal
from service.outcome import FhirError
from service.rest.services import Services
from service.routing.directory import search
from service.statistics.basis import Basis

HERE = Path(__file__).parent
STATIC = HERE / "static"
# The only files /app/static/ serves: a fixed list, so no path can reach anything else.
STATIC_FILES = {
    "app.css": "text/css; charset=utf-8",
    "charts.js": "text/javascript; charset=utf-8",
    "vendor/chart.umd.min.js": "text/javascript; charset=utf-8",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # the pages show patients' data
}
STATUS_TITLES = {
    400: "Felaktig begäran",
    403: "Du har inte behörighet",
    404: "Sidan finns inte",
    409: "Konflikt",
    410: "Uppgiften är borttagen",
    415: "Fel format på formuläret",
    422: "Kan inte beräknas",
    502: "Inloggningstjänsten svarar inte",
}
MAX_FORM_BYTES = 64 * 1024


class PageRoute(APIRoute):
    """A route whose refusals are HTML pages (logged like every refused request), not the
    OperationOutcome JSON of the FHIR API."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except FhirError as error:
                await log_refusal(request, error)
                return error_page(request, error)

        return handle


def page_router() -> APIRouter:
    """The router of one page module: under /app/, refusals as HTML, not in the FHIR API's
    OpenAPI description."""
    return routing.router(prefix="/app", route_class=PageRoute, include_in_schema=False)


router = page_router()  # the static files


def _number(value: int | Decimal | float | None, decimals: int | None = None) -> str:
    """Swedish: decimal comma, a narrow no-break space between thousands; – for no value."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}" if decimals is not None else f"{value:,}"
    return text.replace(",", "\u202f").replace(".", ",")


def _share(value: Decimal | None) -> str:
    return "–" if value is None else _number(value * 100, 1) + "\u00a0%"


def _moment(value: str | datetime | None) -> str:
    """A timestamp as Stockholm local time, `2026-03-02 10:00`."""
    moment = start_of(value) if isinstance(value, str) else value
    if moment is None:
        return "–"
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(tal=_number, andel=_share, tid=_moment)
    return env


TEMPLATES = _environment()


def context(request: Request) -> tuple[Services, Basis, Principal]:
    principal: Principal = request.state.principal
    return request.app.state.services, request.app.state.statistics, principal


def names(conn: Connection, references: Iterable[str]) -> dict[str, str]:
    """Organization/… → its name in the directory (the reference itself when unknown)."""
    wanted = sorted({r for r in references if r and r.startswith("Organization/")})
    found = {r: r.removeprefix("Organization/") for r in wanted}
    ids = [r.removeprefix("Organization/") for r in wanted]
    for organization in search(conn, "Organization", [("_id", ",".join(ids))]) if ids else []:
        found[f"Organization/{organization['id']}"] = str(organization.get("name", ""))
    return found


def who(conn: Connection, principal: Principal) -> str:
    if principal.internal:
        return "Utvecklingsläge (tjänsten själv, ser allt)"
    return names(conn, [principal.organization])[principal.organization]


def render(
    request: Request, template: str, values: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """The page with the principal's name, a CSRF token for its forms and the security headers."""
    principal: Principal | None = getattr(request.state, "principal", None)
    shown: dict[str, Any] = {"csrf": "", "who": "", "sign_out": False, **values}
    if principal is not None:
        shown["csrf"] = request.app.state.csrf.token(principal, request.app.state.services.clock())
        shown["sign_out"] = principal.method == "oidc"
    html = TEMPLATES.get_template(template).render(**shown)
    return HTMLResponse(html, status_code=status, headers=_headers(request, shown["sign_out"]))


def _headers(request: Request, sign_out: bool) -> dict[str, str]:
    """The security headers; a page with the sign-out form lets it go on to the provider's
    end-session endpoint (browsers hold a form's redirects to form-action too)."""
    provider = getattr(request.app.state, "oidc", None)
    origin = provider.logout_origin() if sign_out and provider is not None else None
    if origin is None:
        return SECURITY_HEADERS
    policy = SECURITY_HEADERS["Content-Security-Policy"]
    allowed = policy.replace("form-action 'self'", f"form-action 'self' {origin}")
    return {**SECURITY_HEADERS, "Content-Security-Policy": allowed}


def error_page(request: Request, error: FhirError) -> HTMLResponse:
    title = STATUS_TITLES.get(error.status, "Något gick fel")
    return render(
        request,
        "fel.html",
        {"page": "", "title": title, "status": error.status, "detail": str(error)},
        error.status,
    )


def bad(text: str, status: int = 400) -> FhirError:
    return FhirError.of(status, "invalid", text)


async def form(request: Request) -> dict[str, str]:
    """A POSTed form's fields, after the CSRF check: the token must be the principal's own and
    fresh, and a browser's Origin (when sent) this server."""
    principal: Principal = request.state.principal
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        host = urlsplit(origin).netloc
        if host != request.headers.get("host"):
            raise bad(f"formuläret skickades från en annan webbplats ({origin})", 403)
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind != "application/x-www-form-urlencoded":
        raise bad("formuläret ska skickas som application/x-www-form-urlencoded", 415)
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise bad(f"formuläret är större än {MAX_FORM_BYTES} byte")
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        raise bad("formuläret kan inte läsas (UTF-8, högst 50 fält)") from None
    fields = {k: v[0] for k, v in parsed.items()}
    services: Services = request.app.state.services
    request.app.state.csrf.check(principal, fields.get("csrf"), services.clock())
    return fields


@router.get("/static/{name:path}")
async def static(name: str) -> FileResponse:
    media = STATIC_FILES.get(name)
    if media is None:
        raise bad(f"/app/static/{name} finns inte", 404)
    headers = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return FileResponse(STATIC / name, media_type=media, headers=headers)
