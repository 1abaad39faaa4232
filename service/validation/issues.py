"""Validation issues: our stable `lus-validation-issue` codes and the FHIR IssueType of each.

Where the HL7 Java validator has a message for the same rule, the issue also carries that
message id (system `JAVA_MESSAGE_SYSTEM`, as HAPI FHIR reports it), so a vendor can compare our
outcome with the Java validator's line by line.
"""

from dataclasses import dataclass, field
from typing import Any

from fhir_profiles import CANONICAL
from service.outcome import Severity, issue, operation_outcome

ISSUE_SYSTEM = f"{CANONICAL}/CodeSystem/lus-validation-issue"
JAVA_MESSAGE_SYSTEM = "http://hl7.org/fhir/java-core-messageId"

#: our code -> the Java validator's message id for the same finding, where it is one message
JAVA_MESSAGES: dict[str, str] = {
    "cardinality.min": "Validation_VAL_Profile_Minimum",
    "cardinality.max": "Validation_VAL_Profile_Maximum",
    "reference.target": "Reference_REF_BadTargetType",
    "bundle.fullurl": "BUNDLE_ENTRY_URL_MATCHES_TYPE_ID",
    "binding.unknown-code": "Terminology_PassThrough_TX_Message",
}
#: failed core invariants the Java validator reports with a message of its own
JAVA_INVARIANTS: dict[str, str] = {
    "dom-3": "CONTAINED_ORPHAN_DOM3",
    "ref-1": "Reference_REF_CantResolve",
    "bdl-11": "Bundle_BUNDLE_Entry_Document",
    "bdl-12": "Validation_BUNDLE_Message",
}

#: our code -> FHIR IssueType
ISSUE_TYPES: dict[str, str] = {
    "structure.json": "structure",
    "structure.resource-type": "structure",
    "structure.unknown-element": "structure",
    "structure.json-type": "structure",
    "structure.primitive-format": "value",
    "structure.empty": "structure",
    "cardinality.min": "required",
    "cardinality.max": "structure",
    "type.not-allowed": "structure",
    "reference.target": "structure",
    "reference.unresolved": "not-found",
    "fixed.mismatch": "value",
    "pattern.mismatch": "value",
    "binding.required": "code-invalid",
    "binding.extensible": "code-invalid",
    "binding.unknown-code": "code-invalid",
    "slicing.no-match": "structure",
    "slicing.order": "structure",
    "extension.unknown": "structure",
    "extension.context": "structure",
    "invariant": "invariant",
    "bundle.fullurl": "structure",
    "bundle.message": "structure",
    "bundle.request": "structure",
    "profile.unknown": "not-supported",
    "narrative.xhtml": "value",
    "narrative.link": "value",
    "id.duplicate": "value",
    "attachment.data": "value",
    "quantity.ucum": "code-invalid",
    "questionnaire.item": "structure",
    "questionnaire.enable-when": "structure",
    "definition.invalid": "invalid",
    "canonical.relative": "value",
}


@dataclass(slots=True)
class Issues:
    """Collects issues for one resource, dropping exact duplicates (several profiles, one fault)."""

    items: list[dict[str, Any]] = field(default_factory=list)
    _seen: set[tuple[str, str, str, str]] = field(default_factory=set)

    def add(
        self,
        code: str,
        expression: str,
        text: str,
        severity: Severity = "error",
        invariant_key: str | None = None,
        java: str | None = None,
    ) -> None:
        key = (severity, code if invariant_key is None else invariant_key, expression, text)
        if key in self._seen:
            return
        self._seen.add(key)
        entry = issue(severity, ISSUE_TYPES[code], text, expression, code, ISSUE_SYSTEM)
        if invariant_key is not None:
            entry["details"]["coding"].append(
                {"system": ISSUE_SYSTEM, "code": f"invariant.{invariant_key}"}
            )
        java = java or JAVA_MESSAGES.get(code) or JAVA_INVARIANTS.get(invariant_key or "")
        if java is not None:
            entry["details"]["coding"].append({"system": JAVA_MESSAGE_SYSTEM, "code": java})
        self.items.append(entry)

    def outcome(self) -> dict[str, Any]:
        return operation_outcome(*self.items)
