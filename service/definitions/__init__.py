"""FHIR definitions: the registry of conformance resources and snapshot generation."""

from service.definitions.registry import DefinitionRegistry, registry

__all__ = ["DefinitionRegistry", "registry"]
