"""Web sessions and the sign-ins under way, kept server-side in the database.

A cookie holds only a random token; the row is keyed by its SHA-256, so the table does not hold
anything a browser could present. A session ends after `idle` without a request or `absolute`
after sign-in, whichever comes first, and at sign-out — in every server process at once, since
they all read the same rows. `seen_at` is written at most once a minute (TOUCH; a quarter of
the idle limit when that is shorter), so a page view is mostly not a write. A sign-in under way
holds what the callback checks (state, nonce) and needs (the PKCE verifier), is bound to the
browser that started it by its own cookie, is used once and lasts SIGN_IN_LIFETIME.
"""

import hashlib
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update

from service.fhirtime import Clock, stamp, start_of
from service.storage.schema import web_sessions, web_sign_ins
from service.storage.store import Store

SESSION_COOKIE = "__Host-lus-session"
SIGN_IN_COOKIE = "__Host-lus-sign-in"
SIGN_IN_LIFETIME = timedelta(minutes=10)
TOUCH = timedelta(minutes=1)


@dataclass(frozen=True)
class Session:
    id: str  # SHA-256 of the cookie's token
    client_id: str
    id_token: str


@dataclass(frozen=True)
class SignIn:
    state: str
    nonce: str
    verifier: str
    return_to: str


def cookie(name: str, value: str, max_age: int) -> str:
    """A Set-Cookie value: sent only over HTTPS, never to scripts, not on cross-site
    subrequests (Lax: still on the provider's top-level redirect back to the callback), host-only
    (the `__Host-` prefix holds the browser to Secure, Path=/ and no Domain)."""
    return f"{name}={value}; Path=/; Max-Age={max_age}; Secure; HttpOnly; SameSite=Lax"


def clear_cookie(name: str) -> str:
    return cookie(name, "", 0)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _moment(value: str) -> datetime:
    moment = start_of(value)
    assert moment is not None  # written by stamp()
    return moment


@dataclass
class Sessions:
    store: Store
    clock: Clock
    idle: timedelta
    absolute: timedelta

    def begin_sign_in(self, return_to: str) -> tuple[str, SignIn]:
        """A new sign-in: the token for its cookie, and what the provider is sent."""
        token, now = secrets.token_urlsafe(32), self.clock()
        attempt = SignIn(
            secrets.token_urlsafe(32),
            secrets.token_urlsafe(32),
            secrets.token_urlsafe(48),
            return_to,
        )
        with self.store.begin() as conn:
            conn.execute(
                delete(web_sign_ins).where(
                    web_sign_ins.c.created_at < stamp(now - SIGN_IN_LIFETIME)
                )
            )
            conn.execute(
                insert(web_sign_ins).values(
                    id=digest(token), created_at=stamp(now), **asdict(attempt)
                )
            )
        return token, attempt

    def take_sign_in(self, token: str | None, state: str | None) -> SignIn | None:
        """The sign-in this browser started, if `state` is its own and it is fresh; used up
        either way (a second callback with the same state finds nothing)."""
        if not token or not state:
            return None
        with self.store.begin() as conn:
            row = conn.execute(
                select(web_sign_ins).where(web_sign_ins.c.id == digest(token))
            ).first()
            if row is None:
                return None
            conn.execute(delete(web_sign_ins).where(web_sign_ins.c.id == row.id))
        if not secrets.compare_digest(row.state, state):
            return None
        if self.clock() - _moment(row.created_at) > SIGN_IN_LIFETIME:
            return None
        return SignIn(row.state, row.nonce, row.verifier, row.return_to)

    def open(self, client_id: str, id_token: str) -> str:
        """A new session for the registration; the token for its cookie."""
        token, now = secrets.token_urlsafe(32), self.clock()
        with self.store.begin() as conn:
            conn.execute(
                delete(web_sessions).where(
                    (web_sessions.c.created_at < stamp(now - self.absolute))
                    | (web_sessions.c.seen_at < stamp(now - self.idle))
                )
            )
            conn.execute(
                insert(web_sessions).values(
                    id=digest(token),
                    client_id=client_id,
                    id_token=id_token,
                    created_at=stamp(now),
                    seen_at=stamp(now),
                )
            )
        return token

    def find(self, token: str) -> Session | None:
        """The live session of a cookie (None when unknown, ended or expired)."""
        key, now = digest(token), self.clock()
        with self.store.reading() as conn:
            row = conn.execute(select(web_sessions).where(web_sessions.c.id == key)).first()
        if row is None:
            return None
        seen = _moment(row.seen_at)
        if now - _moment(row.created_at) > self.absolute or now - seen > self.idle:
            self.end(token)
            return None
        if now - seen > min(TOUCH, self.idle / 4):
            with self.store.begin() as conn:
                conn.execute(
                    update(web_sessions).where(web_sessions.c.id == key).values(seen_at=stamp(now))
                )
        return Session(key, row.client_id, row.id_token)

    def end(self, token: str) -> Session | None:
        """Sign-out: the session is gone for every process."""
        key = digest(token)
        with self.store.begin() as conn:
            row = conn.execute(select(web_sessions).where(web_sessions.c.id == key)).first()
            conn.execute(delete(web_sessions).where(web_sessions.c.id == key))
        return Session(key, row.client_id, row.id_token) if row else None
