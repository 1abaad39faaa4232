"""Registered clients for the simulated systems: each organization that takes part in the demo
(the region's directory administration, the region's clinical system, primary care, every
receiver) gets its own key pair and registration, and gets its tokens through the token endpoint
like any vendor's system would."""

import threading
from dataclasses import dataclass, field

from service.auth import clients
from service.auth.backend_client import BackendAuth, new_key, public_jwks
from service.auth.clients import Client
from service.auth.scopes import Scopes
from service.fhirtime import utc_now
from service.storage.store import Store

REGION = "Organization/region-stockholm"
SCOPES = "system/*.cruds"


@dataclass
class Credentials:
    store: Store
    root: str  # the service's root URL (its token endpoint is root/auth/token)
    _issued: dict[tuple[str, bool], BackendAuth] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def auth(self, organization: str, region: bool = False) -> BackendAuth:
        """The token flow of `organization`'s system (registered on first use)."""
        with self._lock:
            key = (organization, region)
            if key not in self._issued:
                self._issued[key] = self._register(organization, region)
            return self._issued[key]

    def _register(self, organization: str, region: bool) -> BackendAuth:
        signing = new_key()
        name = organization.split("/", 1)[1] + ("-region" if region else "")
        client_id = f"demo-{name}"
        registration = Client(
            client_id, organization, Scopes.parse(SCOPES), public_jwks(signing), region=region
        )
        with self.store.begin() as conn:
            if clients.get(conn, client_id) is not None:
                clients.remove(conn, client_id)
            clients.add(conn, registration, utc_now())
        return BackendAuth(client_id, signing, f"{self.root}/auth/token", SCOPES)
