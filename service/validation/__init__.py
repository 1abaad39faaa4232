"""Profile-driven FHIR R4 validation in pure Python.

`validator().validate(resource, profiles)` returns an OperationOutcome whose issues carry codes
from the guide's `lus-validation-issue` CodeSystem.
"""

from service.validation.validator import Validator, validator

__all__ = ["Validator", "validator"]
