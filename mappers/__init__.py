"""Conversions at the edges: HL7 v2 ADT to FHIR, FHIR to report rows, legacy imports."""
