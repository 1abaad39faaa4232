"""A small OpenID Connect provider on loopback for the sign-in tests: discovery, an authorization
endpoint that signs in whoever the test names (no login form), a token endpoint that checks the
client (client_secret_basic or private_key_jwt), the code, the redirect URI and the PKCE
verifier (S256), ID tokens signed with its own RSA key, its JWKS, and an end-session endpoint.

`claims` overrides claims of the next ID tokens (a wrong `aud`, an old `exp`, another
`nonce`); `forge` signs them with a key outside its JWKS under the same kid; `unsigned` sends
`alg: none`; `wrong_challenge` stores a challenge the verifier cannot match, as if the code had
been stolen by someone without the verifier.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from service.simulation.net import free_port
from tests.support.receiver import serve_in_background, shut_down

CLIENT_ID = "lus-fhir-web"
CLIENT_SECRET = "provider-secret-for-tests"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str
    subject: str


@dataclass
class OidcProvider:
    person: str = "anna"  # the subject the next sign-in is for
    clock: Any = time.time  # seconds since the epoch, for iat/exp
    port: int = field(default_factory=free_port)
    claims: dict[str, Any] = field(default_factory=dict)
    forge: bool = False
    unsigned: bool = False
    wrong_challenge: bool = False
    client_key: RSAKey | None = None  # set: the client proves itself with private_key_jwt
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, {"kid": "op-1"}))
    codes: dict[str, Grant] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    logouts: list[dict[str, str]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
        }

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """Sign in `person` at once and send the browser back with a code (or an error)."""
        redirect = query.get("redirect_uri", "")
        if query.get("client_id") != CLIENT_ID or not redirect:
            return 400, {}, b"unknown client or no redirect_uri"
        problem = None
        if query.get("response_type") != "code":
            problem = "unsupported_response_type"
        elif query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            problem = "invalid_request"
        elif "openid" not in query.get("scope", "").split():
            problem = "invalid_scope"
        if problem:
            target = f"{redirect}?{urlencode({'error': problem, 'state': query.get('state', '')})}"
            return 302, {"Location": target}, b""
        code = secrets.token_urlsafe(16)
        challenge = "not-the-challenge" if self.wrong_challenge else query["code_challenge"]
        self.codes[code] = Grant(
            CLIENT_ID, redirect, challenge, query.get("nonce", ""), self.person
        )
        target = f"{redirect}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        return 302, {"Location": target}, b""

    def _client_ok(self, headers: Any, form: dict[str, str]) -> bool:
        if self.client_key is not None:
            if form.get("client_assertion_type") != (
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            ):
                return False
            try:
                token = jwt.decode(form.get("client_assertion", ""), self.client_key)
            except ValueError:
                return False
            claims = token.claims
            return bool(
                claims.get("iss") == claims.get("sub") == CLIENT_ID
                and claims.get("aud") == f"{self.issuer}/token"
                and claims.get("exp", 0) > time.time()
            )
        basic = headers.get("Authorization", "")
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        return bool(secrets.compare_digest(basic, f"Basic {expected}"))

    def token(self, headers: Any, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        if not self._client_ok(headers, form):
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        grant = self.codes.pop(form.get("code", ""), None)  # a code is used once
        if grant is None or grant.redirect_uri != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant", "error_description": "unknown code"}
        verifier = form.get("code_verifier", "")
        if _b64(hashlib.sha256(verifier.encode()).digest()) != grant.challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verifier"}
        return 200, {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(grant),
        }

    def id_token(self, grant: Grant) -> str:
        now = int(self.clock())
        claims = {
            "iss": self.issuer,
            "sub": grant.subject,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant.nonce,
            "name": grant.subject.title(),
            **self.claims,
        }
        if self.unsigned:
            header = _b64(json.dumps({"alg": "none", "kid": "op-1"}).encode())
            return f"{header}.{_b64(json.dumps(claims).encode())}."
        key = RSAKey.generate_key(2048, {"kid": "op-1"}) if self.forge else self.key
        return jwt.encode({"alg": "RS256", "kid": "op-1"}, claims, key)

    def jwks(self) -> dict[str, Any]:
        return KeySet([self.key]).as_dict(private=False)

    def start(self) -> "OidcProvider":
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, document: dict[str, Any]) -> None:
                body = json.dumps(document).encode()
                self._answer(status, {"Content-Type": "application/json"}, body)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/.well-known/openid-configuration":
                    self._json(200, provider.discovery())
                elif parts.path == "/jwks":
                    self._json(200, provider.jwks())
                elif parts.path == "/authorize":
                    self._answer(*provider.authorize(query))
                elif parts.path == "/logout":
                    provider.logouts.append(query)
                    back = query.get("post_logout_redirect_uri", "")
                    self._answer(302, {"Location": back}, b"")
                else:
                    self._answer(404, {}, b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if urlsplit(self.path).path != "/token":
                    self._answer(404, {}, b"")
                    return
                self._json(*provider.token(self.headers, form))

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = serve_in_background(ThreadingHTTPServer(("127.0.0.1", self.port), Handler))
        return self

    def stop(self) -> None:
        shut_down(self._server)
        self._server = None


def main() -> None:
    """`python -m tests.support.oidc --port 9400 --person anna`: the provider on its own, to try
    the sign-in by hand (docs/web.md); every sign-in is `--person`'s."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=9400)
    parser.add_argument("--person", default="anna")
    arguments = parser.parse_args()
    provider = OidcProvider(person=arguments.person, port=arguments.port).start()
    print(f"issuer {provider.issuer}  client {CLIENT_ID}  secret {CLIENT_SECRET}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        provider.stop()


if __name__ == "__main__":
    main()
