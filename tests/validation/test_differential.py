"""Our verdicts on the differential set against those of the HL7 Java validator (HAPI FHIR's
`$validate`), recorded in tests/validation/differential/hapi.json: at least 98 % agree, and every
case that does not is listed, with its reason, in conformance/README.md."""

import json
import re
from pathlib import Path

import pytest

from fhir_profiles import GENERATED
from service.validation import validator
from service.validation.issues import ISSUE_TYPES, JAVA_MESSAGE_SYSTEM
from tests.validation.differential.cases import Case, load, recorded

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "conformance" / "README.md"
SECTION = "### Remaining disagreements with the HL7 Java validator"
TARGET = 0.98
#: share of Java message ids we may not repeat (rules we check under our own codes only)
MESSAGE_SHORTFALL = 0.1
CASES = load()


def ours(case: Case) -> str:
    outcome = validator().validate_json(case.body())
    rejected = any(i["severity"] in ("error", "fatal") for i in outcome["issue"])
    return "reject" if rejected else "accept"


def documented() -> dict[str, str]:
    """Case name -> our verdict, from the table of the README section."""
    text = README.read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    return dict(re.findall(r"^\| `([a-z0-9-]+)` \| (accept|reject) \|", section, re.MULTILINE))


@pytest.fixture(scope="module")
def verdicts() -> dict[str, str]:
    return {case.name: ours(case) for case in CASES}


def test_set_is_large_enough_and_fully_recorded() -> None:
    mutated = [c for c in CASES if c.family != "original"]
    assert len(mutated) >= 300
    originals = {c.base for c in CASES if c.family == "original"}
    assert {c.base for c in mutated} <= originals, "every base example is also a case itself"
    assert set(recorded()) == {c.name for c in CASES}, "record again: hapi.json is stale"


def test_agreement_with_the_java_validator(verdicts: dict[str, str]) -> None:
    hapi = recorded()
    agree = sum(verdicts[name] == hapi[name].verdict for name in verdicts)
    assert agree / len(verdicts) >= TARGET, f"{agree}/{len(verdicts)} agree"


def test_every_disagreement_is_documented(verdicts: dict[str, str]) -> None:
    hapi = recorded()
    differ = {name: v for name, v in verdicts.items() if v != hapi[name].verdict}
    assert differ == documented()


def test_rejections_name_the_java_message(verdicts: dict[str, str]) -> None:
    """Where both reject and the Java validator named a message of its own (not HAPI's parse
    errors, HAPI-nnnn, nor a FHIRPath invariant), we report the same message id on most cases,
    so a vendor can compare the outcomes line by line."""
    hapi = recorded()
    compared, missing = 0, []
    for case in CASES:
        java = {i for i in hapi[case.name].error_ids if _is_message_id(i)}
        if verdicts[case.name] != "reject" or not java:
            continue
        compared += 1
        outcome = validator().validate_json(case.body())
        ids = {
            c["code"]
            for i in outcome["issue"]
            if i["severity"] in ("error", "fatal")
            for c in i["details"].get("coding", [])
            if c["system"] == JAVA_MESSAGE_SYSTEM
        }
        if not java & ids:
            missing.append((case.name, sorted(java)))
    assert compared >= 50
    assert len(missing) <= compared * MESSAGE_SHORTFALL, missing


def _is_message_id(code: str) -> bool:
    return bool(code) and code != "processing" and not code.startswith(("HAPI-", "http"))


def test_every_issue_code_is_in_the_guides_code_system() -> None:
    system = json.loads(
        (GENERATED / "CodeSystem-lus-validation-issue.json").read_text(encoding="utf-8")
    )
    assert set(ISSUE_TYPES) <= {c["code"] for c in system["concept"]}
