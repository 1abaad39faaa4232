"""Validation of the simulator's writes by sample: every resource it makes comes from a few
templates (resources.py), so the engine's full check of the first writes of each shape proves the
rest, and a county year need not pay the validator on every one of its ~800 000 writes.

A shape is the resource with its free values (ids, times, numbers, texts) blanked and its coded
values (code, system, url, status, …) kept: two resources of one shape differ only where the
templates fill in drawn values of the same kind. tests/simulation checks that a whole small
history validates in full, so a shape's sample stands for all of it.
"""

from dataclasses import dataclass, field
from typing import Any

from service.outcome import FhirError, has_errors
from service.rest.services import write_profiles
from service.settings import Settings
from service.validation.validator import validator

Resource = dict[str, Any]
CODED = frozenset({"resourceType", "code", "system", "url", "status", "intent", "profile"})


def shape(value: Any, key: str = "") -> Any:
    """The value with free leaves replaced by their type and coded leaves kept."""
    if isinstance(value, dict):
        return tuple(sorted((k, shape(v, k)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(sorted({repr(shape(v, key)) for v in value}))
    if key in CODED:
        return value
    return type(value).__name__


@dataclass
class Sampler:
    """Validates the first `per_shape` writes of every shape as the engine would (422 on errors)."""

    settings: Settings
    per_shape: int = 2
    seen: dict[Any, int] = field(default_factory=dict)

    def check(self, resource: Resource) -> None:
        key = shape(resource)
        count = self.seen.get(key, 0)
        if count >= self.per_shape:
            return
        self.seen[key] = count + 1
        outcome = validator().validate(resource, write_profiles(self.settings, resource))
        if has_errors(outcome):
            raise FhirError(422, outcome)
