"""What a request handler needs, built once at start-up and kept on `app.state.services`."""

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from fhir_profiles import CANONICAL
from service.audit.event import AuditRecord, audited, write
from service.audit.log import AuditLog
from service.auth.authenticate import Authenticator
from service.auth.grant import TokenEndpoint
from service.auth.jwks import JwksCache
from service.auth.keys import Keys
from service.auth.principal import Principal
from service.auth.tokens import Tokens
from service.fhirtime import Clock
from service.messaging.process import MessageProcessor
from service.outcome import FhirError, operation_outcome
from service.rest.engine import Engine
from service.rest.resource_types import guide_profiles
from service.rest.transaction import Processor
from service.search import lookup
from service.search.request import SearchRequest
from service.settings import Settings
from service.storage.database import is_postgres
from service.storage.group_commit import GroupCommit
from service.storage.store import Store, Stored
from service.validation import validator
from service.workflow.notify import Workflow

Resource = dict[str, Any]
MESSAGE_PROFILE = f"{CANONICAL}/StructureDefinition/lus-meddelande"
T = TypeVar("T")


def write_profiles(settings: Settings, resource: Resource) -> list[str]:
    """Profiles a write is checked against beyond meta.profile: the guide's for its type."""
    profile = guide_profiles().get(resource.get("resourceType", ""))
    return [profile] if settings.enforce_guide_profiles and profile else []


@dataclass
class Services:
    settings: Settings
    store: Store
    clock: Clock
    operations: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        settings = self.settings
        self.workflow = Workflow(self.store, self.clock, settings.source())
        self.engine = Engine(
            self.store,
            self.validate_write,
            settings.default_page_size,
            settings.max_page_size,
            self.on_write,
        )
        self.messages = MessageProcessor(self.engine, self.store, self.clock, [MESSAGE_PROFILE])
        lifetime = timedelta(seconds=settings.token_lifetime_seconds)
        self.keys = Keys(self.store, timedelta(hours=settings.key_rotation_hours), lifetime)
        self.tokens = Tokens(self.keys, settings.source(), lifetime)
        self.token_endpoint = TokenEndpoint(self.store, self.tokens, JwksCache(self.clock))
        self.authenticator = Authenticator(settings, self.store, self.tokens, self.clock)
        self.audit = AuditLog(self.store, self.clock, settings.audit)
        batch = settings.write_batch or (1 if is_postgres(self.store.engine) else 32)
        self.group_commit = GroupCommit(self.store, batch) if batch > 1 else None
        self.reads_on_loop = not is_postgres(self.store.engine)

    async def read(self, work: Callable[[], T]) -> T:
        """Run a read by id. On SQLite on the event loop itself: the indexed lookup and the
        access rule take a fraction of a millisecond in the process, less than the hop to a
        pool thread and back (15 % of a read's py-spy samples were the hop's queue and
        wake-up, plus waits for the GIL); on PostgreSQL in the thread pool, since each query is
        a round trip to another process."""
        if self.reads_on_loop:
            return work()
        return await run_in_threadpool(work)

    async def search(self, request: SearchRequest, work: Callable[[], T]) -> T:
        """Run a search: a look-up (`lookup.looks_up`) as a read by id is run, for the same
        reason (the hop to a pool thread and back cost a `_id` search 0.64 of its 1.9 ms of
        CPU); any other in the thread pool, so a long one does not hold up the event loop."""
        if lookup.looks_up(request, self.engine.default_count):
            return await self.read(work)
        return await run_in_threadpool(work)

    async def write(self, work: Callable[[Connection], T]) -> T:
        """Run one write in a transaction of its own, or in a savepoint of a group commit."""
        if self.group_commit is None:
            return await run_in_threadpool(self._write_alone, work)
        return await asyncio.wrap_future(self.group_commit.submit(work, (FhirError,)))

    def _write_alone(self, work: Callable[[Connection], T]) -> T:
        with self.store.begin() as conn:
            return work(conn)

    def on_write(
        self, conn: Connection, stored: Stored, previous: Stored | None, principal: Principal
    ) -> list[Resource]:
        """The engine's one write hook: the workflow (access, case, routing, topics), then the
        access log entry, in the write's own transaction."""
        warnings = self.workflow.on_write(conn, stored, previous, principal)
        if self.settings.audit and audited(principal):
            subtype = {"POST": "create", "DELETE": "delete"}.get(stored.method, "update")
            shown = stored.resource or (previous.resource if previous else None)
            record = AuditRecord.of(principal, subtype).touched([shown])
            record.entities.add(f"{stored.res_type}/{stored.res_id}")
            write(conn, [record], self.clock())
        return warnings

    def log_access(
        self, principal: Principal, subtype: str, shown: Sequence[Resource | None]
    ) -> None:
        """Log a read, search or operation (committed within moments, see AuditLog)."""
        if audited(principal):
            self.audit.submit(AuditRecord.of(principal, subtype).touched(shown))

    def validate_write(self, resource: Resource) -> Resource:
        if not self.settings.validate_writes:
            return operation_outcome()
        return validator().validate(resource, write_profiles(self.settings, resource))

    def base(self, request: Request) -> str:
        if self.settings.base_url:
            return self.settings.base_url.rstrip("/")
        return f"{str(request.base_url).rstrip('/')}/fhir"

    def root(self, request: Request) -> str:
        """The service's root URL (the FHIR base without /fhir): the token endpoint lives there."""
        base = self.base(request)
        return base[: -len("/fhir")] if base.endswith("/fhir") else base

    def processor(self, request: Request) -> Processor:
        return self.engine_processor(self.base(request))

    def engine_processor(self, base: str) -> Processor:
        return Processor(self.engine, base, self.settings.max_bundle_entries)
