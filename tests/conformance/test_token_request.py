"""The engine's token requests: each flaw is in the assertion it signs, and a script that asks
for a token request it cannot make is an error."""

import base64
import json
import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from conformance.engine.context import Context, Exchange, ScriptError
from conformance.engine.token_request import (
    AFTER_EXPIRY,
    TOKEN_REQUEST,
    after_expiry,
    flaw_of,
    form,
)
from service.auth.backend_client import BackendAuth, new_key, public_jwks

URL = "https://fhir.test/auth/token"
KEY = new_key()
CLIENT = BackendAuth("kommun", KEY, URL, "system/Task.rs")


def _parts(signed: str) -> tuple[dict[str, Any], dict[str, Any]]:
    def decode(part: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        return loaded

    header, claims, _ = signed.split(".")
    return decode(header), decode(claims)


def _verifies(signed: str) -> bool:
    try:
        jwt.decode(signed, KeySet.import_key_set(public_jwks(KEY)), algorithms=["ES384"])
    except Exception:  # joserfc raises several error types for a bad signature
        return False
    return True


def _request(flaw: str, context: Context | None = None) -> dict[str, str]:
    return form(flaw, CLIENT, URL, context or Context())


def test_a_valid_request_is_signed_by_the_clients_key() -> None:
    fields = _request("none")
    assert fields["grant_type"] == "client_credentials"
    assert fields["scope"] == "system/Task.rs"
    header, claims = _parts(fields["client_assertion"])
    assert (header["alg"], header["kid"]) == ("ES384", KEY.kid)
    assert (claims["iss"], claims["sub"], claims["aud"]) == ("kommun", "kommun", URL)
    assert _verifies(fields["client_assertion"])


@pytest.mark.parametrize(
    ("flaw", "wrong"),
    [
        ("wrong-aud", lambda h, c: c["aud"] != URL),
        ("expired", lambda h, c: c["exp"] < time.time()),
        ("exp-too-far", lambda h, c: c["exp"] > time.time() + 3000),
        ("unknown-kid", lambda h, c: h["kid"] != KEY.kid),
        ("unknown-client", lambda h, c: c["iss"] == c["sub"] != "kommun"),
        ("alg-none", lambda h, c: h["alg"] == "none"),
        ("alg-hs256", lambda h, c: h["alg"] == "HS256"),
    ],
)
def test_each_flaw_is_in_the_assertion(flaw: str, wrong: Any) -> None:
    assert wrong(*_parts(_request(flaw)["client_assertion"]))


def test_a_bad_signature_names_the_registered_kid_but_does_not_verify() -> None:
    signed = _request("bad-signature")["client_assertion"]
    assert _parts(signed)[0]["kid"] == KEY.kid
    assert not _verifies(signed)


def test_a_wrong_grant_type_keeps_a_valid_assertion() -> None:
    fields = _request("wrong-grant-type")
    assert fields["grant_type"] == "password"
    assert _verifies(fields["client_assertion"])


def test_a_reused_jti_is_the_previous_requests() -> None:
    context = Context()
    first = _parts(_request("none", context)["client_assertion"])[1]["jti"]
    again = _parts(_request("reused-jti", context)["client_assertion"])[1]["jti"]
    assert again == first


@pytest.mark.parametrize(
    ("call", "text"),
    [
        (lambda: _request("reused-jti"), "reused-jti needs an earlier token request"),
        (lambda: form("none", None, URL, Context()), "a client id and its private key"),
        (lambda: flaw_of({"extension": [{"url": TOKEN_REQUEST, "valueCode": "x"}]}), "valueCode"),
    ],
)
def test_a_request_the_engine_cannot_make_is_a_script_error(call: Any, text: str) -> None:
    with pytest.raises(ScriptError) as refused:
        call()
    assert text in str(refused.value)


def test_other_operations_are_no_token_requests() -> None:
    assert flaw_of({"type": {"code": "read"}}) is None


def _waited(expires_in: Any, answered_ago: float = 0.0) -> list[float]:
    context = Context()
    context.exchanges["token"] = Exchange(
        "POST",
        URL,
        {},
        None,
        200,
        {},
        {"expires_in": expires_in},
        "",
        1.0,
        finished=time.time() - answered_ago,
    )
    slept: list[float] = []
    operation = {"extension": [{"url": AFTER_EXPIRY, "valueString": "token"}]}
    after_expiry(operation, context, slept.append)
    return slept


def test_an_operation_after_expiry_waits_the_tokens_lifetime_out() -> None:
    [waited] = _waited(30)
    assert 31.5 < waited <= 32.0
    assert _waited(30, answered_ago=40) == []


@pytest.mark.parametrize("expires_in", [None, 0, 301, True, "30"])
def test_waiting_for_a_lifetime_the_response_does_not_give_is_an_error(expires_in: Any) -> None:
    with pytest.raises(ScriptError) as refused:
        _waited(expires_in)
    assert "expires_in of 1 to 300 seconds" in str(refused.value)
