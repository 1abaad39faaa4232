"""The guide's SubscriptionTopics (Basic with R5 cross-version extensions), compiled once.

A topic is read from the guide rather than from the database so that every server process
evaluates the same, released definition; clients cannot create topics.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from fhirpathpy import compile as fhirpath_compile
from fhirpathpy.models import models

from fhir_profiles.guide import guide, is_topic

R5 = "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic"
Resource = dict[str, Any]
Criteria = Callable[[Resource, Resource | None], bool]


@dataclass(frozen=True)
class Topic:
    url: str
    resource_type: str  # the resourceTrigger's resource
    interactions: frozenset[str]  # create | update
    criteria: Criteria  # fhirPathCriteria over %current / %previous
    filters: frozenset[str]  # canFilterBy filterParameter codes

    def triggered(self, current: Resource, previous: Resource | None) -> bool:
        interaction = "create" if previous is None else "update"
        if current.get("resourceType") != self.resource_type:
            return False
        return interaction in self.interactions and self.criteria(current, previous)


def _parts(extension: Resource) -> list[tuple[str, Any]]:
    return [
        (part["url"], next(v for k, v in part.items() if k.startswith("value")))
        for part in extension.get("extension", [])
    ]


def _criteria(expression: str | None) -> Criteria:
    if not expression:
        return lambda current, previous: True
    compiled = fhirpath_compile(expression, models["r4"])

    def run(current: Resource, previous: Resource | None) -> bool:
        result = compiled(current, {"current": current, "previous": previous or []})
        return result == [True]

    return run


def _topic(basic: Resource) -> Topic:
    url = ""
    trigger: list[tuple[str, Any]] = []
    filters: set[str] = set()
    for extension in basic.get("extension", []):
        name = extension.get("url", "").removeprefix(f"{R5}.")
        if name == "url":
            url = extension["valueUri"]
        elif name == "resourceTrigger":
            trigger = _parts(extension)
        elif name == "canFilterBy":
            filters.update(v for k, v in _parts(extension) if k == "filterParameter")
    resource = next(v for k, v in trigger if k == "resource")
    return Topic(
        url=url,
        resource_type=str(resource).rsplit("/", 1)[-1],
        interactions=frozenset(v for k, v in trigger if k == "supportedInteraction"),
        criteria=_criteria(next((v for k, v in trigger if k == "fhirPathCriteria"), None)),
        filters=frozenset(filters),
    )


@cache
def topics() -> dict[str, Topic]:
    """Topic canonical url → Topic."""
    found = (_topic(r) for r in guide().resources if is_topic(r))
    return {topic.url: topic for topic in found}


def for_resource_type(resource_type: str) -> list[Topic]:
    return [t for t in topics().values() if t.resource_type == resource_type]
