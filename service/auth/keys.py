"""The service's own keys for signing access tokens, rotated without downtime.

The newest key signs; a key is replaced once it is older than the rotation period, and it keeps
verifying (and stays published at the JWKS URL) for one token lifetime after that, so a token
signed just before a rotation is still good. Keys live in the database: every server process
signs and verifies with the same set, and a process meeting an unknown `kid` reloads it.
"""

import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from joserfc.jwk import ECKey
from sqlalchemy import Connection, delete, insert, select

from service.fhirtime import stamp, start_of
from service.storage.schema import signing_keys
from service.storage.store import Store

ALGORITHM = "ES256"
CURVE = "P-256"
RELOAD_COOLDOWN = timedelta(seconds=1)  # unknown kids cannot make every request read the database


@dataclass(frozen=True)
class SigningKey:
    kid: str
    key: ECKey
    created_at: datetime


def _load(conn: Connection) -> list[SigningKey]:
    rows = conn.execute(select(signing_keys).order_by(signing_keys.c.created_at.desc()))
    found = []
    for row in rows:
        created = start_of(row.created_at)
        assert created is not None
        key = ECKey.import_key(row.private_pem, {"kid": row.kid, "alg": ALGORITHM, "use": "sig"})
        found.append(SigningKey(row.kid, key, created))
    return found


class Keys:
    def __init__(self, store: Store, rotation: timedelta, lifetime: timedelta) -> None:
        self.store = store
        self.rotation = rotation
        self.lifetime = lifetime
        self._lock = threading.Lock()
        self._keys: list[SigningKey] = []
        self._reloaded: datetime | None = None

    def _live(self, key: SigningKey, now: datetime) -> bool:
        return now < key.created_at + self.rotation + self.lifetime

    def signing_key(self, now: datetime) -> SigningKey:
        """The newest key, made (and the retired ones dropped) when it is due."""
        with self._lock:
            if self._keys and now < self._keys[0].created_at + self.rotation:
                return self._keys[0]
        with self.store.begin() as conn:
            self.store.lock(conn, "signing-keys")
            keys = _load(conn)
            if not keys or now >= keys[0].created_at + self.rotation:
                keys.insert(0, self._make(conn, now))
            retired = [k.kid for k in keys if not self._live(k, now)]
            if retired:
                conn.execute(delete(signing_keys).where(signing_keys.c.kid.in_(retired)))
        with self._lock:
            self._keys = [k for k in keys if self._live(k, now)]
            return self._keys[0]

    def _make(self, conn: Connection, now: datetime) -> SigningKey:
        kid = str(uuid.uuid4())
        key = ECKey.generate_key(CURVE, {"kid": kid, "alg": ALGORITHM, "use": "sig"}, private=True)
        pem = key.as_pem(private=True).decode("ascii")
        conn.execute(insert(signing_keys).values(kid=kid, private_pem=pem, created_at=stamp(now)))
        return SigningKey(kid, key, now)

    def verification_key(self, kid: str, now: datetime) -> ECKey | None:
        """The key of a token's `kid`; an unknown one is looked for in the database once (another
        process may have rotated)."""
        for attempt in range(2):
            with self._lock:
                for key in self._keys:
                    if key.kid == kid and self._live(key, now):
                        return key.key
            if attempt == 0:
                self._reload(now)
        return None

    def _reload(self, now: datetime) -> None:
        with self._lock:
            if self._reloaded is not None and now - self._reloaded < RELOAD_COOLDOWN:
                return
            self._reloaded = now
        with self.store.reading() as conn:
            keys = [k for k in _load(conn) if self._live(k, now)]
        with self._lock:
            self._keys = keys

    def jwks(self, now: datetime) -> dict[str, Any]:
        """The public keys that verify tokens now, for the JWKS URL."""
        self.signing_key(now)
        with self._lock:
            keys = [k for k in self._keys if self._live(k, now)]
        return {"keys": [k.key.as_dict(private=False) for k in keys]}
