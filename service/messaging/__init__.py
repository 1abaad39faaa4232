"""FHIR messaging: `$process-message` for the guide's message Bundles."""
