"""No false positives: the official R4 examples (hl7.fhir.r4.examples 4.0.1) of every resource type
the guide and the service use validate against their base definitions without errors."""

import json
from pathlib import Path
from typing import Any

import pytest

from fhir_profiles.build.r4_examples import OUT, TYPES
from service.validation import validator

EXAMPLES = sorted(OUT.glob("*.json"))


def test_every_type_has_official_examples() -> None:
    kinds = {json.loads(p.read_text(encoding="utf-8"))["resourceType"] for p in EXAMPLES}
    assert kinds == TYPES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_official_example_has_no_errors(path: Path) -> None:
    resource: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    outcome = validator().validate(resource)
    errors = [
        (i.get("expression"), i["details"]["text"])
        for i in outcome["issue"]
        if i["severity"] in ("error", "fatal")
    ]
    assert errors == []
