"""TestScript origins: an operation is sent with the credentials of the organization its origin
acts for, and a script or credentials file that cannot say who acts is an error, not a guess."""

import json
from collections.abc import Generator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.credentials import CredentialsError, load
from conformance.engine import Runner
from conformance.engine.origins import ORIGIN_ORGANIZATION
from service.auth.backend_client import BackendAuth, new_key

ARO = "Organization/hemtjanst-aros"


class Named(httpx.Auth):
    def __init__(self, name: str) -> None:
        self.name = name

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.name}"
        yield request


def _script(origins: list[dict[str, Any]], origin: int | None = 1) -> dict[str, Any]:
    operation: dict[str, Any] = {"type": {"code": "capabilities"}}
    if origin is not None:
        operation["origin"] = origin
    return {
        "resourceType": "TestScript",
        "id": "o",
        "name": "O",
        "origin": origins,
        "test": [
            {"name": "as", "action": [{"operation": operation}, {"assert": {"response": "okay"}}]}
        ],
    }


def _origin(index: Any, organization: str | None = ARO) -> dict[str, Any]:
    extension = [{"url": ORIGIN_ORGANIZATION, "valueReference": {"reference": organization}}]
    return {"index": index, "extension": extension if organization else []}


def _run(
    script: dict[str, Any], credentials: dict[str, httpx.Auth] | None
) -> tuple[str, list[str]]:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization", ""))
        return httpx.Response(200, json={"resourceType": "CapabilityStatement"})

    transport = httpx.MockTransport(answer)
    with httpx.Client(
        base_url="http://fhir.test/", transport=transport, auth=Named("default")
    ) as c:
        outcome = Runner(c, credentials=credentials).run(script, Path("."))
    messages = [a.message for a in outcome.all_actions() if a.result != "pass"]
    return outcome.result, messages or seen


def test_an_origin_acts_with_its_organizations_credentials() -> None:
    credentials = {ARO: Named("aros"), "Organization/other": Named("other")}
    assert _run(_script([_origin(1)]), credentials) == ("pass", ["Bearer aros"])


def test_without_an_origin_the_default_client_acts() -> None:
    assert _run(_script([_origin(1)], origin=None), {ARO: Named("aros")}) == (
        "pass",
        ["Bearer default"],
    )


def test_without_credentials_every_origin_acts_as_the_default_client() -> None:
    assert _run(_script([_origin(1)]), None) == ("pass", ["Bearer default"])


@pytest.mark.parametrize(
    ("origins", "origin", "text"),
    [
        ([_origin(1)], 2, "names origin 2, which the TestScript does not declare"),
        ([_origin("1")], 1, "has no integer index"),
        (
            [_origin(1, None)],
            1,
            f"must name its organization with one extension {ORIGIN_ORGANIZATION}",
        ),
        (
            [_origin(1, "Organization/x")],
            1,
            "acts as Organization/x, and the credentials name no client",
        ),
    ],
)
def test_who_acts_is_never_guessed(origins: list[dict[str, Any]], origin: int, text: str) -> None:
    result, messages = _run(_script(origins, origin), {ARO: Named("aros")})
    assert result == "error"
    assert any(text in m for m in messages), messages


def _file(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return path


def test_a_credentials_file_gives_tokens_and_signed_clients(tmp_path: Path) -> None:
    key = new_key()
    document = {
        "token_url": "http://fhir.test/auth/token",
        "clients": {
            "default": {"token": "t0"},
            ARO: {"client_id": "aros", "jwk": key.as_dict(private=True), "scope": "system/Task.rs"},
        },
    }
    loaded = load(_file(tmp_path, document), "http://fhir.test/fhir")
    assert loaded.default is not None and list(loaded.by_organization) == [ARO]
    aros = loaded.by_organization[ARO]
    assert isinstance(aros, BackendAuth)
    assert (aros.client_id, aros.token_url, aros.scope) == (
        "aros",
        "http://fhir.test/auth/token",
        "system/Task.rs",
    )


@pytest.mark.parametrize(
    ("document", "text"),
    [
        ("{not json", "credentials.json:"),
        ({"clients": {}}, '"clients" must be an object naming at least one client'),
        ({"clients": {ARO: "x"}}, f"clients.{ARO} must be an object"),
        (
            {"clients": {ARO: {"client_id": "a"}}},
            'needs "token", or "client_id" and a private "jwk"',
        ),
        (
            {"token_url": "http://t/", "clients": {ARO: {"client_id": "a", "jwk": {"kty": "EC"}}}},
            f"clients.{ARO}.jwk",
        ),
        (
            {
                "token_url": "http://t/",
                "clients": {ARO: {"client_id": "a", "jwk": new_key().as_dict(private=False)}},
            },
            "must be a private EC or RSA key",
        ),
    ],
)
def test_a_broken_credentials_file_is_refused_naming_the_entry(
    tmp_path: Path, document: Any, text: str
) -> None:
    with pytest.raises(CredentialsError) as refused:
        load(_file(tmp_path, document), "http://127.0.0.1:9/fhir")
    assert text in str(refused.value)
