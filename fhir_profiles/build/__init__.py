"""Regenerates the guide's JSON from its sources (`python -m fhir_profiles.build`)."""
