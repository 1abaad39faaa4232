"""SMART Backend Services discovery and the authorization server's own endpoints:
`GET /fhir/.well-known/smart-configuration`, `POST /auth/token`, `GET /auth/jwks`."""

from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from service.http import routing
from service.rest.services import Services

router = routing.router()
CAPABILITIES = ["client-confidential-asymmetric", "permission-v1", "permission-v2"]
SIGNING_ALGORITHMS = ["RS384", "ES384"]
SCOPES_SUPPORTED = [
    "system/*.cruds",
    "system/*.rs",
    "system/*.cud",
    "system/*.read",
    "system/*.write",
]
JWKS_MAX_AGE = 60  # a rotated-in key signs at once: verifiers should not keep the old set long
CORS = {"Access-Control-Allow-Origin": "*"}


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def token_url(services: Services, request: Request) -> str:
    """The URL a client's assertion must name as its `aud`: this token endpoint."""
    return services.root(request) + "/auth/token"


def smart_configuration(services: Services, request: Request) -> dict[str, object]:
    root = services.root(request)
    return {
        "issuer": services.settings.source(),
        "token_endpoint": f"{root}/auth/token",
        "jwks_uri": f"{root}/auth/jwks",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": SIGNING_ALGORITHMS,
        "scopes_supported": SCOPES_SUPPORTED,
        "capabilities": CAPABILITIES,
        "code_challenge_methods_supported": ["S256"],
    }


def security(services: Services, request: Request) -> dict[str, object]:
    """CapabilityStatement.rest.security: SMART Backend Services, and the token URL."""
    if not services.settings.auth:
        return {
            "cors": True,
            "description": "Authentication is OFF (development): every request acts as the "
            "development principal. Do not expose this server.",
        }
    root = services.root(request)
    return {
        "cors": True,
        "service": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                        "code": "SMART-on-FHIR",
                    }
                ]
            }
        ],
        "extension": [
            {
                "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                "extension": [{"url": "token", "valueUri": f"{root}/auth/token"}],
            }
        ],
        "description": "SMART Backend Services (client credentials with a signed JWT assertion, "
        "RS384 or ES384) or mutual TLS with a registered organization certificate; see "
        f"{services.base(request)}/.well-known/smart-configuration",
    }


@router.get("/fhir/.well-known/smart-configuration")
async def discovery(request: Request) -> JSONResponse:
    """JSON whatever Accept says (SMART App Launch 2.x, conformance)."""
    return JSONResponse(smart_configuration(_services(request), request), headers=CORS)


@router.post("/auth/token")
async def token(request: Request) -> JSONResponse:
    services = _services(request)
    mime = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if mime != "application/x-www-form-urlencoded" or len(raw) > 64 * 1024:
        body = {
            "error": "invalid_request",
            "error_description": "the token request is a form (application/x-www-form-urlencoded)",
        }
        return JSONResponse(body, 400, headers={"Cache-Control": "no-store"})
    form = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
    answer = await run_in_threadpool(
        services.token_endpoint.answer, form, token_url(services, request), services.clock()
    )
    return JSONResponse(answer.body, answer.status, headers=answer.headers)


@router.get("/auth/jwks")
async def jwks(request: Request) -> JSONResponse:
    """The keys that verify this service's access tokens (more than one around a rotation)."""
    services = _services(request)
    keys = await run_in_threadpool(services.keys.jwks, services.clock())
    headers = {**CORS, "Cache-Control": f"max-age={JWKS_MAX_AGE}"}
    return JSONResponse(keys, headers=headers)
