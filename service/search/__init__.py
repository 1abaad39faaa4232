"""FHIR search: which parameters exist, what values a resource yields for them, and the SQL."""
