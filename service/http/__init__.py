"""The HTTP adapter: parses requests for the engine and renders its results as FHIR responses."""
