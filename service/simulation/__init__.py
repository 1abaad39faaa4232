"""Simulated receivers and a scripted patient journey, for `lus-fhir demo` and end-to-end tests."""
