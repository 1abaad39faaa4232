"""OperationOutcome: the one shape every error, warning and validation result takes.

Raising `FhirError` anywhere in the engine ends the request with its status and outcome; the HTTP
layer never invents error bodies of its own.
"""

from typing import Any, Literal

Severity = Literal["fatal", "error", "warning", "information"]
Resource = dict[str, Any]


def issue(
    severity: Severity,
    code: str,
    text: str,
    expression: str | None = None,
    details_code: str | None = None,
    details_system: str | None = None,
) -> Resource:
    """One OperationOutcome.issue; `code` is the FHIR IssueType, `details_code` our stable code."""
    entry: Resource = {"severity": severity, "code": code, "details": {"text": text}}
    if details_code is not None and details_system is not None:
        entry["details"]["coding"] = [{"system": details_system, "code": details_code}]
    if expression is not None:
        entry["expression"] = [expression]
    return entry


def operation_outcome(*issues: Resource) -> Resource:
    if not issues:
        issues = (issue("information", "informational", "All OK"),)
    return {"resourceType": "OperationOutcome", "issue": list(issues)}


def has_errors(outcome: Resource) -> bool:
    return any(i.get("severity") in ("fatal", "error") for i in outcome.get("issue", []))


class FhirError(Exception):
    """A request that cannot be honoured: an HTTP status and the OperationOutcome explaining it."""

    def __init__(self, status: int, outcome: Resource, headers: dict[str, str] | None = None):
        super().__init__(_summary(outcome))
        self.status = status
        self.outcome = outcome
        self.headers = headers or {}

    @classmethod
    def of(cls, status: int, code: str, text: str, expression: str | None = None) -> "FhirError":
        return cls(status, operation_outcome(issue("error", code, text, expression)))


def _summary(outcome: Resource) -> str:
    return "; ".join(i.get("details", {}).get("text", i.get("code", "")) for i in outcome["issue"])
