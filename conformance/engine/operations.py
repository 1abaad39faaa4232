"""TestScript operations: turn one `operation` into one HTTP request and record the exchange."""

import json
import time
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from httpx import USE_CLIENT_DEFAULT
from httpx._client import UseClientDefault

from conformance.engine import token_request
from conformance.engine.context import Context, Exchange, Resource, ScriptError

FHIR_JSON = "application/fhir+json"
FORM = "application/x-www-form-urlencoded"
MIME_TYPES = {"json": FHIR_JSON, "xml": "application/fhir+xml"}

# Operation type code → (HTTP method, whether the request carries a body).
OPERATION_METHODS: dict[str, tuple[str, bool]] = {
    "read": ("GET", False),
    "vread": ("GET", False),
    "search": ("GET", False),
    "searchType": ("GET", False),
    "searchSystem": ("GET", False),
    "history": ("GET", False),
    "historyInstance": ("GET", False),
    "historyType": ("GET", False),
    "historySystem": ("GET", False),
    "capabilities": ("GET", False),
    "create": ("POST", True),
    "update": ("PUT", True),
    "updateCreate": ("PUT", True),
    "patch": ("PATCH", True),
    "delete": ("DELETE", False),
    "transaction": ("POST", True),
    "batch": ("POST", True),
    "validate": ("POST", True),
    "process-message": ("POST", True),
}


def _mime(code: str | None) -> str:
    if not code:
        return FHIR_JSON
    return MIME_TYPES.get(code, code)


def _target(context: Context, target_id: str) -> tuple[str, str, str | None]:
    """(type, id, versionId) of the resource a targetId names."""
    resource = context.source(target_id)
    if not resource or "resourceType" not in resource or "id" not in resource:
        raise ScriptError(f"targetId '{target_id}' names no resource with an id")
    version = resource.get("meta", {}).get("versionId")
    return resource["resourceType"], resource["id"], version


def _path(operation: Resource, context: Context, code: str) -> str:
    """The request path relative to the base, from `url`, `targetId`, `resource` and `params`."""
    if "url" in operation:
        return context.substitute(operation["url"])
    params = context.substitute(operation.get("params", ""))
    resource_type = operation.get("resource")
    if code == "capabilities":
        return "metadata"
    if code in ("transaction", "batch", "searchSystem", "historySystem"):
        return params.lstrip("/") if code == "historySystem" else params
    if code == "process-message":
        return "$process-message"
    if "targetId" in operation:
        target_type, target_id, version = _target(context, operation["targetId"])
        path = f"{target_type}/{target_id}"
        if code == "vread":
            path += f"/_history/{version}"
        elif code == "historyInstance" or code == "history":
            path += "/_history"
        return path + params
    if "sourceId" in operation and code in ("update", "updateCreate") and not params:
        source = context.source(operation["sourceId"]) or {}
        if "id" not in source:
            raise ScriptError("update needs a targetId, params or a sourceId with an id")
        return f"{source['resourceType']}/{source['id']}"
    if resource_type is None and "sourceId" in operation:
        resource_type = (context.source(operation["sourceId"]) or {}).get("resourceType")
    if resource_type is None:
        raise ScriptError(f"operation '{code}' needs resource, url or targetId")
    if code == "validate":
        return f"{resource_type}/$validate{params}"
    if code == "historyType":
        return f"{resource_type}/_history{params}"
    return f"{resource_type}{params}"


# RFC 3986 allows these unencoded in a path and query; anything else (e.g. the `|` of token
# searches) is percent-encoded, as strict servers (Tomcat under HAPI) require. `%` stays, so an
# already encoded value is not encoded twice.
URL_SAFE = "/?=&:,$*+;@!'()~%-._[]"


def execute(
    operation: Resource,
    context: Context,
    client: httpx.Client,
    auth: httpx.Auth | UseClientDefault | None = USE_CLIENT_DEFAULT,
) -> Exchange:
    """Send the operation's request with `auth` (the operation's origin); record it as the last
    exchange (and under responseId)."""
    code = operation.get("type", {}).get("code")
    if code is None and "method" not in operation:
        raise ScriptError("operation has neither type nor method")
    default_method, has_body = OPERATION_METHODS.get(code or "", ("GET", False))
    if code is not None and code not in OPERATION_METHODS and "method" not in operation:
        raise ScriptError(f"operation type '{code}' is not supported")
    method = str(operation.get("method", default_method)).upper()
    path = quote(_path(operation, context, code or ""), safe=URL_SAFE)
    headers = {"Accept": _mime(operation.get("accept"))}
    body: Resource | None = None
    if "sourceId" in operation and (has_body or method in ("POST", "PUT", "PATCH")):
        source = context.source(operation["sourceId"])
        if source is None:
            raise ScriptError(f"sourceId '{operation['sourceId']}' has no body")
        body = context.substitute_json(source)
        headers["Content-Type"] = _mime(operation.get("contentType"))
    content = json.dumps(body).encode("utf-8") if body is not None else None
    flaw = token_request.flaw_of(operation)
    if flaw is not None:
        # The origin's key signs the assertion; the token endpoint takes no bearer token.
        key_holder = client.auth if isinstance(auth, UseClientDefault) else auth
        body = token_request.form(flaw, key_holder, str(client.base_url.join(path)), context)
        content = urlencode(body).encode("ascii")
        headers["Content-Type"] = FORM
        auth = None
    for header in operation.get("requestHeader", []):
        headers[header["field"]] = context.substitute(header["value"])
    token_request.after_expiry(operation, context)
    started = time.perf_counter()
    response = client.request(method, path, headers=headers, content=content, auth=auth)
    exchange = Exchange(
        method=method,
        url=str(response.request.url),
        request_headers=headers,
        request_body=body,
        status=response.status_code,
        response_headers=dict(response.headers),
        response_body=_json_body(response),
        response_text=response.text,
        elapsed_ms=(time.perf_counter() - started) * 1000,
        finished=time.time(),
    )
    context.last = exchange
    if "responseId" in operation:
        context.exchanges[operation["responseId"]] = exchange
    if "requestId" in operation and body is not None:
        context.fixtures[operation["requestId"]] = body
    return exchange


def _json_body(response: httpx.Response) -> Resource | None:
    if not response.content:
        return None
    try:
        parsed: Any = response.json()
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None
