"""Plain-path search parameters are evaluated by walking the JSON instead of by FHIRPath: on every
guide example and official R4 example, for every such parameter, the walk must give exactly the
index rows FHIRPath gives (the search index and subscription filters are made of them).

Rows, not raw values: fhirpathpy drops an element that has nothing but extensions (a protected
Patient's address carrying only its municipality code), which the walk keeps; such an element
yields no rows either way."""

import json
from typing import Any

import pytest
from fhirpathpy import compile as fhirpath_compile
from fhirpathpy.models import models

from fhir_profiles.build.r4_examples import OUT
from fhir_profiles.guide import guide
from service.search.extract import rows_for
from service.search.parameters import SearchParam, _walk, registry

EXAMPLES = [
    *guide().examples,
    *(json.loads(path.read_text(encoding="utf-8")) for path in sorted(OUT.glob("*.json"))),
]


def _rows(param: SearchParam, values: list[Any]) -> list[dict[str, Any]]:
    return [row for value in values for row in rows_for(param, value)]


def _walked() -> list[SearchParam]:
    return [
        param
        for params in registry().values()
        for param in params.values()
        if _walk(param.expression) is not None
    ]


def test_most_parameters_are_walked() -> None:
    walked, total = len(_walked()), sum(len(p) for p in registry().values())
    assert walked > total // 2, f"only {walked} of {total} parameters take the fast path"


@pytest.mark.parametrize("param", _walked(), ids=lambda p: f"{p.resource_type}.{p.code}")
def test_walk_gives_the_rows_fhirpath_gives(param: SearchParam) -> None:
    walk = _walk(param.expression)
    fhirpath = fhirpath_compile(param.expression, models["r4"])
    assert walk is not None
    checked = 0
    for resource in EXAMPLES:
        if param.resource_type not in ("Resource", resource["resourceType"]):
            continue
        expected = _rows(param, list(fhirpath(resource, {})))
        assert _rows(param, walk(resource)) == expected, resource["id"]
        checked += 1
    if param.resource_type == "Resource":
        assert checked == len(EXAMPLES)


@pytest.mark.parametrize(
    "expression",
    [
        "Observation.value",  # a choice: FHIRPath reads valueQuantity, valueString …
        "ConceptMap.source",  # a choice here, though `meta.source` is none
        "Patient.nosuchelement",  # not in the model: FHIRPath decides
        "Patient.extension('u').value.code",
        "Task.a | Task.b",  # a union removes duplicates
        "Task.for.where(reference.startsWith('Patient/'))",
        "Task",
    ],
)
def test_not_a_plain_path_is_left_to_fhirpath(expression: str) -> None:
    assert _walk(expression) is None


def test_walk_of_another_type_is_empty() -> None:
    walk = _walk("Task.owner")
    assert walk is not None
    assert walk({"resourceType": "Patient", "owner": {"reference": "x"}}) == []
    task = {"resourceType": "Task", "owner": {"reference": "Organization/a"}}
    assert walk(task) == [{"reference": "Organization/a"}]


def test_extension_value_is_walked() -> None:
    walk = _walk("Patient.address.extension('https://x/kommun').value")
    assert walk is not None
    address = {"extension": [{"url": "https://x/kommun", "valueCode": "0180"}, {"url": "o"}]}
    patient = {"resourceType": "Patient", "address": [address, {"city": "Solna"}]}
    assert walk(patient) == ["0180"]
    assert _walk("meta.source") is not None  # `source` is a choice only elsewhere


def test_where_filters_are_walked() -> None:
    phone = _walk("Patient.telecom.where(system='phone')")
    subject = _walk(
        "Encounter.subject.where(reference.startsWith('Patient/') or "
        "reference.contains('/Patient/'))"
    )
    assert phone is not None and subject is not None
    telecom = [{"system": "email", "value": "a@b.se"}, {"system": "phone", "value": "1"}]
    assert phone({"resourceType": "Patient", "telecom": telecom}) == [telecom[1]]
    for reference, kept in [
        ("Patient/p1", True),
        ("https://x/fhir/Patient/p1", True),
        ("Group/g1", False),
    ]:
        encounter = {"resourceType": "Encounter", "subject": {"reference": reference}}
        assert subject(encounter) == ([{"reference": reference}] if kept else [])
