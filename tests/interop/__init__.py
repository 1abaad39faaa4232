"""Interop tests against real third-party FHIR servers (HAPI FHIR JPA)."""
