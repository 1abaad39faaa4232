"""What a request handler needs, built once at start-up and kept on `app.state.services`."""

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from fhir_profiles import CANONICAL
from service.fhirtime import Clock
from service.messaging.process import MessageProcessor
from service.outcome import operation_outcome
from service.rest.engine import Engine
from service.rest.resource_types import guide_profiles
from service.rest.transaction import Processor
from service.settings import Settings
from service.storage.store import Store
from service.validation import validator
from service.workflow.notify import Workflow

Resource = dict[str, Any]
MESSAGE_PROFILE = f"{CANONICAL}/StructureDefinition/lus-meddelande"


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
        self.workflow = Workflow(self.store, self.clock, self.settings.source())
        self.engine = Engine(
            self.store,
            self.validate_write,
            self.settings.default_page_size,
            self.settings.max_page_size,
            self.workflow.on_write,
        )
        self.messages = MessageProcessor(self.engine, self.store, self.clock, [MESSAGE_PROFILE])

    def validate_write(self, resource: Resource) -> Resource:
        if not self.settings.validate_writes:
            return operation_outcome()
        return validator().validate(resource, write_profiles(self.settings, resource))

    def base(self, request: Request) -> str:
        if self.settings.base_url:
            return self.settings.base_url.rstrip("/")
        return f"{str(request.base_url).rstrip('/')}/fhir"

    def processor(self, request: Request) -> Processor:
        return self.engine_processor(self.base(request))

    def engine_processor(self, base: str) -> Processor:
        return Processor(self.engine, base, self.settings.max_bundle_entries)
