"""CSRF tokens for the pages' forms. A browser sends its client certificate (or session) with
every request, also one a foreign site makes it send, so each form carries a token only this
server can make: an HMAC of the principal (and its web session, if any) and the time, under a
key kept in the database (every server process signs and checks with the same one)."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from service.auth.principal import Principal
from service.outcome import FhirError
from service.storage.schema import web_secrets
from service.storage.store import Store

LIFETIME = timedelta(hours=8)
KEY_NAME = "csrf"


class Csrf:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._key: bytes | None = None

    def _secret(self) -> bytes:
        """The key, made by the first process that needs it."""
        if self._key is None:
            query = select(web_secrets.c.secret).where(web_secrets.c.name == KEY_NAME)
            with self.store.reading() as conn:
                found = conn.execute(query).scalar()
            if found is None:
                try:
                    with self.store.begin() as conn:
                        made = secrets.token_hex(32)
                        conn.execute(insert(web_secrets).values(name=KEY_NAME, secret=made))
                    found = made
                except IntegrityError:  # another process made it first
                    with self.store.reading() as conn:
                        found = conn.execute(query).scalar_one()
            self._key = bytes.fromhex(found)
        return self._key

    def _mac(self, principal: Principal, issued: int) -> str:
        session = principal.session or ""  # a signed-in person's token dies with the session
        message = f"{principal.organization}|{principal.client_id}|{session}|{issued}".encode()
        return hmac.new(self._secret(), message, hashlib.sha256).hexdigest()

    def token(self, principal: Principal, now: datetime) -> str:
        issued = int(now.timestamp())
        return f"{issued}.{self._mac(principal, issued)}"

    def check(self, principal: Principal, token: str | None, now: datetime) -> None:
        """Refuse (403) a missing, foreign, forged or expired token."""
        issued_text, _, mac = (token or "").partition(".")
        if not issued_text.isdigit() or not mac:
            raise _refused("formuläret saknar giltig CSRF-token; ladda om sidan och försök igen")
        issued = int(issued_text)
        if not hmac.compare_digest(mac, self._mac(principal, issued)):
            raise _refused("formulärets CSRF-token gäller inte för dig; ladda om sidan")
        age = now.timestamp() - issued
        if not -60 <= age <= LIFETIME.total_seconds():  # a minute of clock skew
            raise _refused("formulärets CSRF-token har gått ut; ladda om sidan och försök igen")


def _refused(text: str) -> FhirError:
    return FhirError.of(403, "forbidden", text)
