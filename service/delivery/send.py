"""One HTTP delivery of a claimed row: build the request from the row, classify the response.

REST rows PUT the resource to {address}/{type}/{id} (idempotent: a re-send overwrites the same
Task); message rows POST the stored Bundle to {address}/$process-message unchanged, so a re-send
carries the same Bundle.id/identifier and the receiver can recognise it. Subscription rest-hook
rows POST their notification Bundle to the channel endpoint itself, with the channel's headers
(Content-Type = channel.payload) and the channel's own timeout (backport-timeout) when it asks for
one. The payload text is sent byte-for-byte as stored, never re-serialised.
"""

import json
from dataclasses import dataclass

import httpx

from service.delivery.claim import Claim
from service.delivery.policy import Outcome, Verdict, classify, network_failure

FHIR_JSON = "application/fhir+json"


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


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
        return Request("POST", f"{base}/$process-message", headers, body)
    if claim.connection_type == "rest-hook":
        return Request("POST", claim.address, headers | json.loads(claim.headers or "{}"), body)
    if claim.connection_type in ("hl7-fhir-rest", None):
        try:
            resource = json.loads(claim.payload)
            kind, rid = resource["resourceType"], resource["id"]
        except (ValueError, KeyError, TypeError) as error:
            raise Unsendable(f"payload is not a FHIR resource with an id: {error}") from error
        return Request("PUT", f"{base}/{kind}/{rid}", headers, body)
    raise Unsendable(f"unsupported connection type {claim.connection_type!r}")


def timeout(client: httpx.Client, claim: Claim) -> httpx.Timeout:
    """The row's own timeout, capped at the client's: the claim lease is sized from the worker's
    timeout, so a longer request could outlive its lease and be sent a second time."""
    default = client.timeout
    if claim.timeout_seconds is None:
        return default
    asked = float(claim.timeout_seconds)

    def capped(limit: float | None) -> float:
        return asked if limit is None else min(asked, limit)

    return httpx.Timeout(
        connect=capped(default.connect),
        read=capped(default.read),
        write=capped(default.write),
        pool=capped(default.pool),
    )


def deliver(client: httpx.Client, claim: Claim) -> Outcome:
    """Attempt the delivery once; never raises (every failure becomes an Outcome)."""
    try:
        request = build(claim)
    except Unsendable as error:
        return Outcome(Verdict.DEAD, str(error))
    try:
        response = client.request(
            request.method,
            request.url,
            headers=request.headers,
            content=request.body,
            timeout=timeout(client, claim),
        )
    except httpx.HTTPError as error:
        return network_failure(error)
    return classify(
        response.status_code, response.reason_phrase, response.headers.get("Retry-After")
    )
