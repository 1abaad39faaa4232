"""The web pages as an OpenID Connect relying party: the authorization code flow with PKCE (S256)
against the provider the operator configures (LUS_FHIR_OIDC_*).

authlib builds the authorization request and makes the token request (client_secret_basic or
private_key_jwt); joserfc verifies the ID token. The rules that are ours: the discovery document
must name the configured issuer and https endpoints (http only on loopback); the ID token's
signature must verify with a key of the provider's JWKS (cached as its Cache-Control allows,
fetched again for an unknown `kid`) under an asymmetric algorithm — never `none`, never HMAC;
`iss` is the issuer, `aud` holds our client id (and `azp` is ours when there are several), `exp`
is in the future, `iat` not ahead of us, and `nonce` is the one this sign-in sent.
"""

import json
import threading
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.deprecate import AuthlibDeprecationWarning
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, JWKRegistry, KeySet, RSAKey

from service.auth.clients import RegistrationError, check_jwks_url
from service.auth.jwks import JwksCache, JwksError
from service.fhirtime import Clock

# authlib 1.9.6+ warns at import that it would rather drive the httpx2 fork than httpx, which the
# rest of the service uses and which it still supports; unfiltered, every CLI command printed it.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client
    from authlib.integrations.httpx_client import OAuthError as AuthlibOAuthError
    from authlib.oauth2.rfc7523 import PrivateKeyJWT
from service.settings import Settings

# Asymmetric signatures only: an HMAC key would be our client secret, `none` no signature.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
CLOCK_SKEW = 60  # seconds a provider's clock may differ from ours
METADATA_SECONDS = 3600
TIMEOUT = 10.0


class OidcSetupError(Exception):
    """Settings the sign-in cannot work with (checked at start-up)."""


class SignInError(Exception):
    """A sign-in that does not stand: `status` 400 for what the browser brought, 403 for an ID
    token that does not prove the person, 502 when the provider cannot be reached or answers
    wrongly. The text (English, for the log) names the rule."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status


@dataclass(frozen=True)
class Metadata:
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None
    algorithms: tuple[str, ...]


def _private_key(settings: Settings) -> RSAKey | ECKey | None:
    if settings.oidc_private_key is None:
        return None
    try:
        key = JWKRegistry.import_key(json.loads(settings.oidc_private_key.read_text("utf-8")))
    except (OSError, ValueError, JoseError) as error:
        raise OidcSetupError(f"LUS_FHIR_OIDC_PRIVATE_KEY: {error}") from None
    if not isinstance(key, RSAKey | ECKey) or not key.is_private:
        raise OidcSetupError("LUS_FHIR_OIDC_PRIVATE_KEY must be a private RSA or EC JWK")
    return key


class Provider:
    def __init__(self, settings: Settings, clock: Clock, jwks: JwksCache | None = None) -> None:
        if settings.oidc_issuer is None:
            raise OidcSetupError("LUS_FHIR_OIDC_ISSUER is not set")
        try:
            self.issuer = check_jwks_url(settings.oidc_issuer, "LUS_FHIR_OIDC_ISSUER")
        except RegistrationError as error:
            raise OidcSetupError(str(error)) from None
        if not settings.oidc_client_id:
            raise OidcSetupError("LUS_FHIR_OIDC_CLIENT_ID is needed with LUS_FHIR_OIDC_ISSUER")
        self.client_id = settings.oidc_client_id
        self.private_key = _private_key(settings)
        secret = settings.oidc_client_secret
        self.secret = secret.get_secret_value() if secret else None
        if (self.private_key is None) == (self.secret is None):
            raise OidcSetupError(
                "set one of LUS_FHIR_OIDC_CLIENT_SECRET and LUS_FHIR_OIDC_PRIVATE_KEY"
            )
        scopes = settings.oidc_scopes.split()
        self.scopes = " ".join(scopes if "openid" in scopes else ["openid", *scopes])
        self.identity_claim = settings.oidc_identity_claim
        self.clock = clock
        self.jwks = jwks or JwksCache(clock)
        self._lock = threading.Lock()
        self._metadata: tuple[Metadata, datetime] | None = None

    def metadata(self) -> Metadata:
        """The discovery document, fetched when first needed and again after an hour (so the
        server starts while the provider is away)."""
        now = self.clock()
        with self._lock:
            if self._metadata is not None and now < self._metadata[1]:
                return self._metadata[0]
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = _json(_get(url), url)
        if document.get("issuer") != self.issuer:
            raise SignInError(
                502,
                f"the discovery document names issuer {document.get('issuer')!r}, "
                f"not {self.issuer!r}",
            )
        endpoints = {}
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            endpoints[name] = _endpoint(document.get(name), name)
        ending = document.get("end_session_endpoint")
        offered = document.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = tuple(a for a in ALGORITHMS if a in offered)
        if not algorithms:
            raise SignInError(502, f"the provider signs ID tokens only with {offered}")
        found = Metadata(
            endpoints["authorization_endpoint"],
            endpoints["token_endpoint"],
            endpoints["jwks_uri"],
            _endpoint(ending, "end_session_endpoint") if ending else None,
            algorithms,
        )
        with self._lock:
            self._metadata = (found, now + timedelta(seconds=METADATA_SECONDS))
        return found

    def logout_origin(self) -> str | None:
        """The origin of the end-session endpoint (known once discovery was read): the pages'
        Content-Security-Policy must allow the sign-out form to be redirected there."""
        with self._lock:
            ending = self._metadata[0].end_session_endpoint if self._metadata else None
        if ending is None:
            return None
        parts = urlsplit(ending)
        return f"{parts.scheme}://{parts.netloc}"

    def _client(self, redirect_uri: str) -> OAuth2Client:
        method = "private_key_jwt" if self.private_key is not None else "client_secret_basic"
        client = OAuth2Client(
            client_id=self.client_id,
            client_secret=self.private_key or self.secret,
            token_endpoint_auth_method=method,
            scope=self.scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=TIMEOUT,
        )
        if self.private_key is not None:
            alg = "RS256" if isinstance(self.private_key, RSAKey) else "ES256"
            kid = {"kid": self.private_key.kid} if self.private_key.kid else None
            client.register_client_auth_method(
                PrivateKeyJWT(self.metadata().token_endpoint, headers=kid, alg=alg)
            )
        return client

    def authorization_url(self, redirect_uri: str, state: str, nonce: str, verifier: str) -> str:
        with self._client(redirect_uri) as client:
            url, _ = client.create_authorization_url(
                self.metadata().authorization_endpoint,
                state=state,
                code_verifier=verifier,
                nonce=nonce,
            )
        return str(url)

    def exchange(self, code: str, redirect_uri: str, verifier: str) -> str:
        """The ID token the provider gives for `code` (the PKCE verifier proves we asked)."""
        try:
            with self._client(redirect_uri) as client:
                token = client.fetch_token(
                    self.metadata().token_endpoint,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=verifier,
                )
        except AuthlibOAuthError as error:
            raise SignInError(403, f"the provider refused the code: {error.error}") from None
        except (httpx.HTTPError, ValueError) as error:
            raise SignInError(502, f"the token request failed: {error}") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SignInError(502, "the provider's token response has no id_token")
        return id_token

    def verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims, once signature, issuer, audience, times and nonce hold."""
        metadata = self.metadata()
        try:
            header = jws.extract_compact(id_token.encode("ascii")).protected
        except (JoseError, ValueError, UnicodeError) as error:
            raise SignInError(403, f"the ID token is not a signed JWT: {error}") from None
        if header.get("alg") not in metadata.algorithms:
            raise SignInError(403, f"the ID token's alg {header.get('alg')!r} is not accepted")
        try:
            keys = KeySet.import_key_set(
                self.jwks.keys(metadata.jwks_uri, str(header.get("kid", "")))  # type: ignore[arg-type]
            )
            token = jwt.decode(id_token, keys, algorithms=list(metadata.algorithms))
        except JwksError as error:
            raise SignInError(502, str(error)) from None
        except (JoseError, ValueError) as error:
            raise SignInError(403, f"the ID token's signature does not verify: {error}") from None
        now = int(self.clock().timestamp())
        registry = jwt.JWTClaimsRegistry(
            now=now,
            leeway=CLOCK_SKEW,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(token.claims)
        except JoseError as error:
            raise SignInError(403, f"the ID token does not hold: {error}") from None
        claims = dict(token.claims)
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.client_id:
            raise SignInError(403, "the ID token has several audiences and azp is not ours")
        return claims

    def identity(self, claims: dict[str, Any]) -> str:
        value = claims.get(self.identity_claim)
        if not isinstance(value, str) or not value:
            raise SignInError(403, f"the ID token has no claim {self.identity_claim!r}")
        return value


def _get(url: str) -> httpx.Response:
    try:
        return httpx.get(url, headers={"Accept": "application/json"}, timeout=TIMEOUT)
    except httpx.HTTPError as error:
        raise SignInError(502, f"{url} could not be fetched: {error}") from None


def _json(response: httpx.Response, url: str) -> dict[str, Any]:
    if response.status_code != 200:
        raise SignInError(502, f"{url} answered HTTP {response.status_code}")
    try:
        document = response.json()
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise SignInError(502, f"{url} is not a JSON object")
    return document


def _endpoint(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise SignInError(502, f"the discovery document has no {name}")
    try:
        return check_jwks_url(value, f"the provider's {name}")
    except RegistrationError as error:
        raise SignInError(502, str(error)) from None
