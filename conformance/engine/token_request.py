"""SMART Backend Services token requests, which a TestScript cannot express by itself: the body
is a form with a client assertion signed at run time by the origin's key. The extension
TOKEN_REQUEST on an operation names the flaw to put into the request (`none` for a valid one),
so a suite checks that a server refuses each way an assertion can be wrong."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from conformance.engine.context import Context, Resource, ScriptError
from service.auth.backend_client import BackendAuth, assertion, new_key
from service.auth.grant import ASSERTION_TYPE, GRANT_TYPE

TOKEN_REQUEST = "https://lus-fhir.se/fhir/StructureDefinition/testscript-token-request"
# On any operation: send it only once the access token of the named token response has expired.
AFTER_EXPIRY = "https://lus-fhir.se/fhir/StructureDefinition/testscript-after-token-expiry"
# Beyond expires_in, for clocks of client and server that differ by up to this much.
EXPIRY_MARGIN_SECONDS = 2.0
MAX_LIFETIME_SECONDS = 300

FLAWS = (
    "none",
    "wrong-aud",
    "expired",
    "exp-too-far",
    "reused-jti",
    "bad-signature",
    "unknown-kid",
    "alg-none",
    "alg-hs256",
    "wrong-grant-type",
    "unknown-client",
)


def flaw_of(operation: Resource) -> str | None:
    """The flaw an operation's TOKEN_REQUEST extension names; None for other operations."""
    named = [e for e in operation.get("extension", []) if e.get("url") == TOKEN_REQUEST]
    if not named:
        return None
    flaw = named[0].get("valueCode")
    if len(named) != 1 or flaw not in FLAWS:
        raise ScriptError(f"extension {TOKEN_REQUEST} needs one valueCode of {', '.join(FLAWS)}")
    return str(flaw)


def form(flaw: str, client: Any, token_url: str, context: Context) -> dict[str, str]:
    """The form-encoded token request; the assertion's jti is kept for `reused-jti`."""
    if not isinstance(client, BackendAuth):
        raise ScriptError(
            "a token request needs an origin whose credentials are a client id and its private "
            "key (not a bearer token)"
        )
    jti = uuid.uuid4().hex
    if flaw == "reused-jti":
        if context.last_jti is None:
            raise ScriptError("reused-jti needs an earlier token request in the script")
        jti = context.last_jti
    context.last_jti = jti
    signed = _assertion(flaw, client, token_url, jti)
    return {
        "grant_type": "password" if flaw == "wrong-grant-type" else GRANT_TYPE,
        "scope": client.scope,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": signed,
    }


def _assertion(flaw: str, client: BackendAuth, token_url: str, jti: str) -> str:
    now = int(time.time())
    key, client_id = client.key, client.client_id
    if flaw == "wrong-aud":
        return assertion(client_id, key, token_url, jti=jti, aud=token_url + "/elsewhere")
    if flaw == "expired":
        return assertion(client_id, key, token_url, jti=jti, exp=now - 600)
    if flaw == "exp-too-far":
        return assertion(client_id, key, token_url, jti=jti, exp=now + 3600)
    if flaw == "bad-signature":
        return assertion(client_id, new_key(key.kid), token_url, jti=jti)
    if flaw == "unknown-kid":
        return assertion(client_id, key, token_url, kid=f"unknown-{uuid.uuid4()}", jti=jti)
    if flaw == "unknown-client":
        stranger = f"unknown-client-{uuid.uuid4()}"
        return assertion(stranger, key, token_url, jti=jti)
    if flaw in ("alg-none", "alg-hs256"):
        claims = {"iss": client_id, "sub": client_id, "aud": token_url, "exp": now + 300}
        return _unsafe(flaw, key.kid, claims | {"jti": jti}, client)
    return assertion(client_id, key, token_url, jti=jti)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unsafe(flaw: str, kid: str | None, claims: dict[str, Any], client: BackendAuth) -> str:
    """Assertions no JOSE library signs: `alg: none`, and HS256 keyed with the client's public
    JWK (the algorithm-confusion attack on servers that take the algorithm from the header)."""
    alg = "none" if flaw == "alg-none" else "HS256"
    header = {"alg": alg, "kid": kid, "typ": "JWT"}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    if alg == "none":
        return signing_input + "."
    secret = json.dumps(client.key.as_dict(private=False)).encode()
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def after_expiry(
    operation: Resource, context: Context, sleep: Callable[[float], None] = time.sleep
) -> None:
    """Wait until the token that the AFTER_EXPIRY extension's response holds has expired: the
    server must then refuse it. A suite cannot make a server issue a token that is already
    expired, so the run waits its lifetime out (at most five minutes, SMART's limit)."""
    named = [e for e in operation.get("extension", []) if e.get("url") == AFTER_EXPIRY]
    if not named:
        return
    exchange = context.exchange(named[0].get("valueString"))
    lifetime = (exchange.response_body or {}).get("expires_in")
    if (
        not isinstance(lifetime, (int, float))
        or isinstance(lifetime, bool)
        or not 0 < lifetime <= MAX_LIFETIME_SECONDS
    ):
        raise ScriptError(
            f"extension {AFTER_EXPIRY}: the response names no expires_in of 1 to "
            f"{MAX_LIFETIME_SECONDS} seconds (got {lifetime!r})"
        )
    remaining = exchange.finished + lifetime + EXPIRY_MARGIN_SECONDS - time.time()
    if remaining > 0:
        sleep(remaining)
