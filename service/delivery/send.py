"""One HTTP delivery of a claimed row: build the request from the row, classify the response.

REST rows PUT the resource to {address}/{type}/{id} (idempotent: a re-send overwrites the same
Task); message rows POST the stored Bundle to {address}/$process-message unchanged, so a re-send
carries the same Bundle.id/identifier and the receiver can recognise it. Subscription rest-hook
rows POST their notification Bundle to the channel endpoint itself, with the channel's headers
(Content-Type = channel.payload) and the channel's own timeout (backport-timeout) when it asks for
one. The payload text is sent byte-for-byte as stored, never re-serialised.
Requests go out on the sending thread's httpcore pool (service/delivery/clients.py), with the
headers an httpx client would add (Host, Content-Length, User-Agent) and its URL encoding.
"""

import functools
import json
from dataclasses import dataclass
from urllib.parse import quote

import httpcore
import httpx

from service.delivery.claim import Claim
from service.delivery.policy import Outcome, Verdict, classify, network_failure

FHIR_JSON = "application/fhir+json"


@dataclass(frozen=True)
class Request:
    """`address` is the receiver's (parsed once per receiver, see `target`), `suffix` the
    resource's or operation's path below it."""

    method: str
    address: str
    suffix: str
    headers: dict[str, str]
    body: bytes

    @property
    def url(self) -> str:
        return self.address + self.suffix


class Unsendable(ValueError):
    """The row cannot be turned into a request (no address, unknown type, bad payload)."""


def build(claim: Claim) -> Request:
    if not claim.address:
        raise Unsendable(f"no endpoint address for {claim.receiver} (unroutable)")
    base = claim.address.rstrip("/")
    headers = {
        "Content-Type": f"{FHIR_JSON}; charset=utf-8",
        "Accept": FHIR_JSON,
        "X-Request-Id": claim.idempotency_key,
    }
    body = claim.payload.encode("utf-8")
    if claim.connection_type == "hl7-fhir-msg":
        return Request("POST", base, "/$process-message", headers, body)
    if claim.connection_type == "rest-hook":
        return Request("POST", claim.address, "", headers | json.loads(claim.headers or "{}"), body)
    if claim.connection_type in ("hl7-fhir-rest", None):
        try:
            resource = json.loads(claim.payload)
            kind, rid = resource["resourceType"], resource["id"]
        except (ValueError, KeyError, TypeError) as error:
            raise Unsendable(f"payload is not a FHIR resource with an id: {error}") from error
        return Request("PUT", base, f"/{kind}/{rid}", headers, body)
    raise Unsendable(f"unsupported connection type {claim.connection_type!r}")


def timeout(default: float, claim: Claim) -> float:
    """The row's own timeout, capped at the worker's: the claim lease is sized from the worker's
    timeout, so a longer request could outlive its lease and be sent a second time."""
    if claim.timeout_seconds is None:
        return default
    return min(float(claim.timeout_seconds), default)


# What httpcore raises for a request that got no answer (httpx raised its namesakes).
NETWORK_FAILURES = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    httpcore.ProxyError,
)


@functools.lru_cache(maxsize=1024)
def _parsed(address: str) -> tuple[bytes, bytes, int | None, bytes]:
    """A receiver's address as httpx.Client parsed it (percent-encoding, IDNA host); parsing
    took ~80 µs, a tenth of a notification's CPU, and a worker sends to few addresses."""
    url = httpx.URL(address)
    return url.raw_scheme, url.raw_host, url.port, url.raw_path


def target(request: Request) -> httpcore.URL:
    """The URL httpx would send `request.url` to. The suffix (/{type}/{id}, /$process-message)
    is percent-encoded on its own (FHIR's id characters need none); below an address without a
    path, httpx's "/" is dropped so that the suffix starts the path."""
    scheme, host, port, path = _parsed(request.address)
    if request.suffix and path == b"/":
        path = b""
    below = quote(request.suffix, safe="/$").encode()
    return httpcore.URL(scheme=scheme, host=host, port=port, target=path + below)


def _header(response: httpcore.Response, name: bytes) -> str | None:
    for key, value in response.headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def deliver(
    pool: httpcore.ConnectionPool, claim: Claim, default_timeout: float, user_agent: str
) -> Outcome:
    """Attempt the delivery once; never raises for the row's or the receiver's faults (every
    such failure becomes an Outcome)."""
    try:
        request = build(claim)
    except Unsendable as error:
        return Outcome(Verdict.DEAD, str(error))
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in request.headers.items()]
    if not any(k.lower() == b"user-agent" for k, _ in headers):
        headers.append((b"User-Agent", user_agent.encode("latin-1")))
    seconds = timeout(default_timeout, claim)
    limits = {"connect": seconds, "read": seconds, "write": seconds, "pool": seconds}
    try:
        response = pool.request(
            request.method,
            target(request),
            headers=headers,
            content=request.body,
            extensions={"timeout": limits},
        )
    except NETWORK_FAILURES as error:
        return network_failure(error)
    reason = response.extensions.get("reason_phrase", b"").decode("latin-1")
    return classify(response.status, reason, _header(response, b"retry-after"))
