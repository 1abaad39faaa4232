"""Clients' JSON Web Key Sets fetched from their JWKS URLs, cached as their Cache-Control allows.

SMART: the server SHALL NOT cache a JWKS longer than the client's Cache-Control permits and
refreshes it when an assertion names a `kid` it does not hold (a client that rotated its keys).
`no-store`/`no-cache` mean every use fetches again; no header at all means DEFAULT_SECONDS. After
one refresh for an unknown kid, another happens only once COOLDOWN has passed, so forged kids
cannot make the server hammer a client's key server.
"""

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from service.auth.clients import RegistrationError, check_jwks
from service.fhirtime import Clock

DEFAULT_SECONDS = 300
COOLDOWN = timedelta(seconds=10)
MAX_BYTES = 256 * 1024
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?", re.I)


class JwksError(Exception):
    """A key set that could not be fetched or is not a JWKS."""


@dataclass
class _Entry:
    jwks: dict[str, Any]
    expires: datetime
    refreshed_for_kid: datetime | None = None  # when an unknown kid last made it fetch


def cache_seconds(cache_control: str | None) -> int:
    """How long a response may be kept: 0 for no-store/no-cache, its max-age, else the default."""
    if cache_control is None:
        return DEFAULT_SECONDS
    lowered = cache_control.lower()
    if "no-store" in lowered or "no-cache" in lowered:
        return 0
    match = _MAX_AGE.search(lowered)
    return int(match.group(1)) if match else DEFAULT_SECONDS


class JwksCache:
    def __init__(self, clock: Clock, get: Callable[[str], httpx.Response] | None = None) -> None:
        self.clock = clock
        self._get = get or _fetch
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}

    def keys(self, url: str, kid: str) -> dict[str, Any]:
        """The key set at `url`, fetched again when expired or when it lacks `kid`."""
        now = self.clock()
        with self._lock:
            entry = self._entries.get(url)
        if entry is not None and now < entry.expires:
            if _has(entry.jwks, kid):
                return entry.jwks
            last = entry.refreshed_for_kid
            if last is not None and now - last < COOLDOWN:
                return entry.jwks  # refreshed for a kid a moment ago: this one is unknown
            return self._refresh(url, now, for_kid=True)
        return self._refresh(url, now)

    def _refresh(self, url: str, now: datetime, for_kid: bool = False) -> dict[str, Any]:
        try:
            response = self._get(url)
        except httpx.HTTPError as error:
            raise JwksError(f"the JWKS at {url} could not be fetched: {error}") from None
        if response.status_code != 200:
            raise JwksError(f"the JWKS at {url} answered HTTP {response.status_code}")
        if len(response.content) > MAX_BYTES:
            raise JwksError(f"the JWKS at {url} is larger than {MAX_BYTES} bytes")
        try:
            jwks = check_jwks(json.loads(response.content))
        except (ValueError, RegistrationError) as error:
            raise JwksError(f"the document at {url} is not a usable JWKS: {error}") from None
        seconds = cache_seconds(response.headers.get("cache-control"))
        with self._lock:
            refreshed = now if for_kid else None
            self._entries[url] = _Entry(jwks, now + timedelta(seconds=seconds), refreshed)
        return jwks


def _has(jwks: dict[str, Any], kid: str) -> bool:
    return any(k.get("kid") == kid for k in jwks.get("keys", []))


def _fetch(url: str) -> httpx.Response:
    return httpx.get(url, headers={"Accept": "application/json"}, timeout=5.0)
