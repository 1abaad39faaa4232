"""Invariants: FHIRPath via fhirpathpy, the native core ones, severities and skipped functions."""

import re

from fhir_profiles import ROOT
from service.validation import Validator
from service.validation.invariants import Invariant, _evaluate, _luhn, holds
from tests.validation import conftest as c


def test_fhirpath_invariant_on_datatype(v: Validator) -> None:
    resource = c.encounter()
    resource["period"]["end"] = "2026-10-01"
    outcome = v.validate(resource)
    assert c.errors(outcome) == [("invariant", "Encounter.period")]
    codings = outcome["issue"][0]["details"]["coding"]
    assert [coding["code"] for coding in codings] == ["invariant", "invariant.per-1"]


def test_resource_level_invariant(v: Validator) -> None:
    resource = c.task()
    resource["lastModified"] = "2026-10-01T00:00:00+01:00"
    assert c.errors(v.validate(resource)) == [("invariant", "Task")]


def test_extension_must_have_value_or_children(v: Validator) -> None:
    resource = c.patient()
    resource["extension"] = [
        {"url": "http://hl7.org/fhir/5.0/StructureDefinition/extension-Patient.x"}
    ]
    assert c.errors(v.validate(resource)) == [("invariant", "Patient.extension[0]")]


def test_contact_point_needs_system() -> None:
    cpt2 = Invariant("cpt-2", "error", "", "value.empty() or system.exists()")
    assert holds(cpt2, {"system": "phone", "value": "1"}, "ContactPoint", {}, {})
    assert not holds(cpt2, {"value": "1"}, "ContactPoint", {}, {})


def test_skipped_and_broken_expressions_hold() -> None:
    for expression in ("conformsTo('http://x')", "text.div.htmlChecks()", "foo.bar(", "1 / 0 ="):
        assert holds(Invariant("x-1", "error", "", expression), {"a": 1}, "Element", {}, {})


def test_guard_shortcut_matches_evaluation() -> None:
    per1 = Invariant(
        "per-1", "error", "", "start.hasValue().not() or end.hasValue().not() or (start <= end)"
    )
    assert holds(per1, {"end": "2020"}, "Period", {}, {})
    assert not holds(per1, {"start": "2021", "end": "2020"}, "Period", {}, {})
    tricky = Invariant("t-1", "error", "", "a.empty() or b.exists() implies c.exists()")
    assert not holds(tricky, {"b": 1}, "Element", {}, {})


def test_matches_on_primitive() -> None:
    hsa = Invariant("lus-hsa-1", "error", "", "matches('^SE[0-9]{10}-[A-Za-z0-9]+$')")
    assert holds(hsa, "SE2321000016-1A2B", "string", {}, {})
    assert not holds(hsa, "SE23-1", "string", {}, {})


def test_luhn_rules_give_what_fhirpath_gives() -> None:
    """The guide's personnummer and samordningsnummer rules are evaluated in Python: for valid,
    wrong-check-digit, wrong-format and odd values the answer is FHIRPath's."""
    source = (ROOT / "input" / "fsh" / "patient.fsh").read_text(encoding="utf-8")
    expressions = [e for e in re.findall(r'Expression: "(.*)"', source) if _luhn(e)]
    assert len(expressions) == 2
    values = [
        "191212121212",
        "191212121213",
        "199001012389",
        "199001622386",
        "199001622387",
        "19121212121",
        "1912121212120",
        "19121212-1212",
        "291212121212",
        "191213121212",
        "191212121212\n",
        "",
        "abcdefghijkl",
    ]
    for expression in expressions:
        invariant = Invariant("lus-x", "error", "", expression)
        for value in values:
            expected = _evaluate(expression, value, "string", None, None)
            assert holds(invariant, value, "string", {}, {}) == expected, (expression, value)
    assert holds(Invariant("lus-x", "error", "", expressions[0]), "191212121212", "string", {}, {})
