"""The FHIR RESTful API: FastAPI routes over the interaction engine, storage and validator."""
