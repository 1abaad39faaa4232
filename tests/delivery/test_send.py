"""The request line the worker sends is the one httpx.Client sent for the same row: the worker
parses each receiver's address once and appends the resource's path (service/delivery/send.py)."""

import json

import httpx
import pytest

from service.delivery.claim import Claim
from service.delivery.send import build, target

ADDRESSES = [
    "http://127.0.0.1:9999/fhir",
    "http://127.0.0.1:9999/fhir/",
    "http://127.0.0.1:9999",
    "https://exämple.se/r4 x/",
    "http://receiver.example/fhir?tenant=1",
]


@pytest.mark.parametrize("address", ADDRESSES)
@pytest.mark.parametrize("connection_type", ["hl7-fhir-rest", "hl7-fhir-msg", "rest-hook"])
@pytest.mark.parametrize("rid", ["t-1.A", "odd id"])
def test_the_target_is_what_httpx_sent_to(address: str, connection_type: str, rid: str) -> None:
    payload = json.dumps({"resourceType": "Task", "id": rid})
    claim = Claim(1, "k", "o", "e", "n", "r", None, address, connection_type, payload, 1, "", "")
    request = build(claim)
    sent, url = httpx.URL(request.url), target(request)
    assert (url.scheme, url.host, url.port) == (sent.raw_scheme, sent.raw_host, sent.port)
    assert url.target == sent.raw_path
