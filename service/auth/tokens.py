"""Access tokens: short-lived JWTs the service signs, checked on every request in memory.

A token carries everything a request needs to know about its caller (client, organization, its
units, scopes, region role), so checking one reads no database. A verified token is remembered
until it expires: a client reusing its token pays for the signature check once.
"""

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from joserfc import jws, jwt
from joserfc.errors import JoseError

from service.auth.keys import ALGORITHM, Keys, SigningKey
from service.auth.principal import Principal
from service.auth.scopes import ScopeError, Scopes

CACHE_SIZE = 4096


class TokenError(Exception):
    """An access token that does not authenticate its bearer, with the reason."""


@dataclass(frozen=True)
class Issued:
    token: str
    expires_in: int
    jti: str


class Tokens:
    def __init__(self, keys: Keys, issuer: str, lifetime: timedelta) -> None:
        self.keys = keys
        self.issuer = issuer
        self.lifetime = lifetime
        self._lock = threading.Lock()
        self._verified: OrderedDict[str, tuple[int, Principal]] = OrderedDict()

    def issue(self, principal: Principal, now: datetime, key: SigningKey) -> Issued:
        """A token for the principal, signed with `key` (from `keys.signing_key`, taken before
        the caller's transaction because a rotation writes in its own)."""
        jti = str(uuid.uuid4())
        issued_at = int(now.timestamp())
        seconds = int(self.lifetime.total_seconds())
        units = sorted(u.split("/", 1)[1] for u in principal.units if u != principal.organization)
        claims = {
            "iss": self.issuer,
            "aud": self.issuer,
            "sub": principal.client_id,
            "iat": issued_at,
            "exp": issued_at + seconds,
            "jti": jti,
            "scope": str(principal.scopes),
            "org": principal.organization,
            "units": units,
            "region": principal.region,
        }
        header = {"alg": ALGORITHM, "kid": key.kid, "typ": "at+jwt"}
        return Issued(jwt.encode(header, claims, key.key, algorithms=[ALGORITHM]), seconds, jti)

    def verify(self, token: str, now: datetime) -> Principal:
        moment = int(now.timestamp())
        with self._lock:
            known = self._verified.get(token)
            if known is not None:
                self._verified.move_to_end(token)
        if known is not None:
            expires, principal = known
            if moment >= expires:
                raise TokenError("the access token has expired")
            return principal
        principal, expires = self._check(token, now)
        with self._lock:
            self._verified[token] = (expires, principal)
            while len(self._verified) > CACHE_SIZE:
                self._verified.popitem(last=False)
        return principal

    def _check(self, token: str, now: datetime) -> tuple[Principal, int]:
        try:
            header = jws.extract_compact(token.encode("ascii")).protected
            kid = header.get("kid")
            if header.get("alg") != ALGORITHM or not isinstance(kid, str):
                raise TokenError("the access token was not issued by this service")
            key = self.keys.verification_key(kid, now)
            if key is None:
                raise TokenError("the access token was not signed by a key of this service")
            claims = jwt.decode(token, key, algorithms=[ALGORITHM]).claims
        except (JoseError, ValueError, UnicodeError) as error:
            raise TokenError(f"the access token is not a valid JWT: {error}") from None
        moment = int(now.timestamp())
        if claims.get("iss") != self.issuer or claims.get("aud") != self.issuer:
            raise TokenError("the access token was issued for another service")
        expires = claims.get("exp")
        if not isinstance(expires, int) or moment >= expires:
            raise TokenError("the access token has expired")
        try:
            scopes = Scopes.parse(str(claims.get("scope", "")))
        except ScopeError as error:
            raise TokenError(str(error)) from None
        organization = str(claims.get("org", ""))
        units = {f"Organization/{u}" for u in claims.get("units", []) if isinstance(u, str)}
        principal = Principal(
            organization=organization,
            units=frozenset({organization, *units}),
            client_id=str(claims.get("sub", "")),
            scopes=scopes,
            region=claims.get("region") is True,
            token_id=str(claims.get("jti", "")),
            method="token",
        )
        return principal, expires
