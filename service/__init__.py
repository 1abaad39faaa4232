"""lus-fhir: FHIR R4 interoperability service for the Swedish discharge process (LUS)."""

__version__ = "0.1.0"
