"""The client side of SMART Backend Services, for everything in this project that calls a FHIR
server as a registered system: the demo's simulated receivers, the conformance suites, tests and
benchmarks. An httpx Auth that signs a fresh assertion, gets a token and reuses it until shortly
before it expires (a 401 gets one new token and one retry)."""

import ssl
import threading
import time
import uuid
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import httpx
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from service.auth.grant import ASSERTION_TYPE, GRANT_TYPE

# A token is renewed once this share of its lifetime has passed (30 s ahead of a 2-minute one).
RENEW_AFTER = 0.75


def new_key(kid: str | None = None) -> ECKey:
    """A fresh ES384 key pair for a client (its public half goes into the registration)."""
    return ECKey.generate_key(
        "P-384", {"kid": kid or str(uuid.uuid4()), "alg": "ES384"}, private=True
    )


def public_jwks(*keys: ECKey | RSAKey) -> dict[str, Any]:
    return {"keys": [k.as_dict(private=False) for k in keys]}


def assertion(
    client_id: str,
    key: ECKey | RSAKey,
    token_url: str,
    lifetime: int = 300,
    kid: str | None = None,
    **claims: Any,
) -> str:
    """A signed client assertion; `kid` and `claims` override the standard ones (tests and the
    security conformance suite break them)."""
    now = int(time.time())
    body = {
        "iss": client_id,
        "sub": client_id,
        "aud": token_url,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
    } | claims
    alg = "ES384" if isinstance(key, ECKey) else "RS384"
    header = {"alg": alg, "kid": kid or key.kid, "typ": "JWT"}
    return jwt.encode(header, body, key, algorithms=[alg])


def token_form(client_id: str, key: ECKey | RSAKey, token_url: str, scope: str) -> dict[str, str]:
    return {
        "grant_type": GRANT_TYPE,
        "scope": scope,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion(client_id, key, token_url),
    }


@dataclass
class BackendAuth(httpx.Auth):
    client_id: str
    key: ECKey | RSAKey
    token_url: str
    scope: str = "system/*.cruds"
    verify: ssl.SSLContext | bool = True  # how the token endpoint's certificate is checked
    _token: str | None = field(default=None, init=False)
    _renew_at: float = field(default=0.0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def token(self, renew: bool = False) -> str:
        with self._lock:
            if renew or self._token is None or time.time() > self._renew_at:
                form = token_form(self.client_id, self.key, self.token_url, self.scope)
                response = httpx.post(self.token_url, data=form, timeout=30, verify=self.verify)
                if response.status_code != 200:
                    raise httpx.HTTPStatusError(
                        f"token request refused: {response.status_code} {response.text}",
                        request=response.request,
                        response=response,
                    )
                body = response.json()
                self._token = str(body["access_token"])
                lifetime = float(body.get("expires_in", 300))
                self._renew_at = time.time() + RENEW_AFTER * lifetime
            return self._token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """A request that already carries an Authorization header (a test sending a wrong
        one on purpose) is sent as it is."""
        if "authorization" in request.headers:
            yield request
            return
        request.headers["Authorization"] = f"Bearer {self.token()}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {self.token(renew=True)}"
            yield request
