"""Verification of a SMART Backend Services client assertion (RFC 7523, client-confidential-
asymmetric), including the rules JOSE libraries leave to the server:

- only RS384 and ES384 signatures (never `none`, never HMAC: the allow-list is explicit);
- `iss` = `sub` = a registered client id, `aud` = this token endpoint's URL;
- `exp` in the future and at most five minutes ahead (plus CLOCK_SKEW for clocks that differ);
- `jku`, when given, equal to the registered JWKS URL; exactly one key for `kid` and `alg`;
- `jti` used once per client while the assertion could be valid (`replay.consume`).

Every failure is `invalid_client`, as SMART says; the description tells the client which rule.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from service.auth.clients import Client
from service.auth.jwks import JwksCache, JwksError

ALGORITHMS = {"RS384": "RSA", "ES384": "EC"}
MAX_LIFETIME = timedelta(minutes=5)
CLOCK_SKEW = timedelta(seconds=30)


class InvalidAssertion(Exception):
    """The assertion does not authenticate the client (answered as invalid_client)."""


@dataclass(frozen=True)
class Verified:
    client: Client
    jti: str
    expires: datetime


def _fail(text: str) -> InvalidAssertion:
    return InvalidAssertion(text)


def _unverified(assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        compact = jws.extract_compact(assertion.encode("ascii"))
        claims = json.loads(compact.payload)
    except (JoseError, ValueError, UnicodeError) as error:
        raise _fail(f"client_assertion is not a signed JWT: {error}") from None
    if not isinstance(claims, dict):
        raise _fail("client_assertion's payload is not a JSON object")
    return dict(compact.protected), claims


def _key(client: Client, header: dict[str, Any], jwks_cache: JwksCache) -> RSAKey | ECKey:
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in ALGORITHMS:
        raise _fail(f"alg {alg!r} is not accepted; sign with one of {', '.join(ALGORITHMS)}")
    if not isinstance(kid, str) or not kid:
        raise _fail("the assertion header needs the kid of the signing key")
    jku = header.get("jku")
    if jku is not None and jku != client.jwks_url:
        raise _fail("jku is not the JWKS URL registered for this client")
    if client.jwks_url:
        try:
            jwks = jwks_cache.keys(client.jwks_url, kid)
        except JwksError as error:
            raise _fail(str(error)) from None
    else:
        jwks = client.jwks or {"keys": []}
    matching = [
        k for k in jwks.get("keys", []) if k.get("kid") == kid and k.get("kty") == ALGORITHMS[alg]
    ]
    if len(matching) != 1:
        raise _fail(f"the client's JWKS has no single {ALGORITHMS[alg]} key with kid {kid!r}")
    try:
        key = (RSAKey if alg.startswith("RS") else ECKey).import_key(matching[0])
    except (JoseError, ValueError) as error:
        raise _fail(f"key {kid!r} of the client's JWKS cannot be used: {error}") from None
    return key


def _audience_ok(audience: Any, token_url: str) -> bool:
    if isinstance(audience, list):
        return token_url in audience
    return isinstance(audience, str) and audience == token_url


def verify(
    assertion: str,
    token_url: str,
    now: datetime,
    lookup: Callable[[str], Client | None],
    jwks_cache: JwksCache,
) -> Verified:
    header, unverified = _unverified(assertion)
    if header.get("typ") not in (None, "JWT"):
        raise _fail(f"typ {header.get('typ')!r}: a client assertion is typ JWT")
    client_id = unverified.get("iss")
    client = lookup(client_id) if isinstance(client_id, str) else None
    if client is None:
        raise _fail(f"iss {client_id!r} is not a registered client")
    key = _key(client, header, jwks_cache)
    try:
        claims = jwt.decode(assertion, key, algorithms=[str(header["alg"])]).claims
    except JoseError as error:
        raise _fail(f"the assertion's signature does not verify: {error.error}") from None
    if claims.get("sub") != client.client_id or claims.get("iss") != client.client_id:
        raise _fail("iss and sub must both be the client id")
    if not _audience_ok(claims.get("aud"), token_url):
        raise _fail(f"aud must be this token endpoint: {token_url}")
    expires = claims.get("exp")
    if not isinstance(expires, int) or isinstance(expires, bool):
        raise _fail("exp is required and must be a NumericDate (integer seconds)")
    moment = now.timestamp()
    if expires <= moment:
        raise _fail("the assertion has expired (exp is in the past)")
    if expires > moment + (MAX_LIFETIME + CLOCK_SKEW).total_seconds():
        raise _fail("exp is more than five minutes ahead: an assertion lives at most 5 minutes")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > 255:
        raise _fail("jti is required: a unique string of at most 255 characters")
    return Verified(client, jti, datetime.fromtimestamp(expires, now.tzinfo))
