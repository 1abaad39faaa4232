"""Terminology checks on coded values: binding strength and codes unknown to a shipped system."""

from typing import Any

from service.validation.compiler import Binding
from service.validation.issues import Issues
from service.validation.slicing import codings
from service.validation.terminology import Terminology

CODED_TYPES = frozenset({"code", "Coding", "CodeableConcept", "Quantity"})
#: the Java validator's message for a value outside a required binding, by type
_JAVA_NOT_IN_VALUE_SET = {
    "code": "Terminology_TX_NoValid_16",
    "Quantity": "Terminology_TX_NoValid_12",
}


def check_binding(
    terminology: Terminology,
    binding: Binding,
    label: str,
    type_code: str,
    value: Any,
    expression: str,
    issues: Issues,
) -> None:
    """Required: error when no code is in the value set; extensible: warning. Value sets we cannot
    expand locally are skipped silently."""
    if type_code not in CODED_TYPES:
        return
    expansion = terminology.expand(binding.value_set)
    if expansion is None:
        return
    pairs = _quantity_unit(value) if type_code == "Quantity" else codings(value)
    if type_code == "Quantity" and not pairs:
        return
    if any(expansion.has_coding(system, code) for system, code in pairs):
        return
    shown = ", ".join(f"{s}#{c}" if s else str(c) for s, c in pairs if c is not None)
    found = f"the code {shown} is" if shown else "no code is"
    text = f"{label}: {found} not in the value set {binding.value_set} ({binding.strength} binding)"
    if binding.strength == "required":
        issues.add("binding.required", expression, text, java=_JAVA_NOT_IN_VALUE_SET.get(type_code))
    else:
        issues.add("binding.extensible", expression, text, severity="warning")


def _quantity_unit(value: Any) -> list[tuple[str | None, str]]:
    """A Quantity's unit as a coding (system, code): what a binding on a Quantity constrains."""
    if not isinstance(value, dict) or not isinstance(value.get("code"), str):
        return []
    system = value.get("system")
    return [(system if isinstance(system, str) else None, value["code"])]


def check_coding(terminology: Terminology, value: Any, expression: str, issues: Issues) -> None:
    """A Coding whose system we ship completely must use one of its codes."""
    system, code = value.get("system"), value.get("code")
    if not isinstance(system, str) or not isinstance(code, str):
        return
    concepts = terminology.system_codes(system)
    if concepts is not None and code not in concepts:
        issues.add(
            "binding.unknown-code",
            expression,
            f"Unknown code '{code}' in the CodeSystem '{system}'",
        )
