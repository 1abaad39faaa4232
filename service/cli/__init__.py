"""The `lus-fhir` command line."""
