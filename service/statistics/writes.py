"""Every write the statistics make through the engine, in one place: stored MeasureReports, the
Locations they name as subject, and the simulator's history. Each goes through the same
validation, case state, index rows and workflow as a client's write; they are the service's own
work (the monthly job, the operator's simulator), so they act as INTERNAL.
"""

from typing import Any

from sqlalchemy import Connection

from service.auth.principal import INTERNAL
from service.rest.engine import Result
from service.rest.services import Services
from service.storage.store import Stored

Resource = dict[str, Any]
IGNORED = ("meta", "date")  # what may differ between two reports with the same figures


class EngineWrites:
    def __init__(self, services: Services) -> None:
        self.services = services

    def create(self, conn: Connection, resource: Resource) -> Stored:
        """Create `resource`, with its own id when it has one (the simulator's are seeded)."""
        kind = resource["resourceType"]
        result: Result = self.services.engine.create(
            conn, INTERNAL, kind, resource, new_id=resource.get("id")
        )
        assert result.stored is not None
        return result.stored

    def update(self, conn: Connection, resource: Resource, current: Stored | None = None) -> Stored:
        """`current`: the stored version as this transaction read it under lock (not read
        again)."""
        kind, res_id = resource["resourceType"], resource["id"]
        result = self.services.engine.update(
            conn, INTERNAL, kind, res_id, resource, current=current
        )
        assert result.stored is not None
        return result.stored

    def put_if_changed(self, conn: Connection, resource: Resource) -> Stored | None:
        """Write `resource` (fixed id) unless the stored version says the same; a change becomes
        the next version, so the resource's history shows what late data changed."""
        kind, res_id = resource["resourceType"], resource["id"]
        self.services.store.lock(conn, f"statistics:{kind}/{res_id}")
        current = self.services.store.read(conn, kind, res_id, lock=True)
        if (
            current is not None
            and current.resource is not None
            and _same(current.resource, resource)
        ):
            return None
        return self.update(conn, resource, current)


def _same(stored: Resource, new: Resource) -> bool:
    def strip(r: Resource) -> Resource:
        return {k: v for k, v in r.items() if k not in IGNORED}

    return strip(stored) == strip(new)
