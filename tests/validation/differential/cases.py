"""The differential set: official R4 examples with one rule broken each, and HAPI's verdicts.

`cases.yaml` holds the cases (base example + JSON Patch + literal text edits), `hapi.json` the
verdicts HAPI FHIR's `$validate` (the HL7 Java validator inside) gave for each, recorded by
`python -m tests.validation.differential.record URL`. `make test` compares our validator with the
recorded verdicts; the interop stage re-checks them against a running HAPI.
"""

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import jsonpatch
import yaml

from fhir_profiles.build.r4_examples import OUT as R4_EXAMPLES

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases.yaml"
VERDICTS = HERE / "hapi.json"
EXAMPLES = HERE / "examples"
Verdict = Literal["accept", "reject"]


@dataclass(frozen=True)
class Issue:
    """One issue as the HL7 Java validator reported it (message id from `details.coding`)."""

    severity: str
    message_id: str
    expression: str


@dataclass(frozen=True)
class Recorded:
    verdict: Verdict
    issues: tuple[Issue, ...] = ()

    @property
    def error_ids(self) -> set[str]:
        return {i.message_id for i in self.issues if i.severity in ("error", "fatal")}


@dataclass(frozen=True)
class Case:
    name: str
    family: str
    rule: str
    base: str
    patch: tuple[dict[str, Any], ...] = ()
    text: tuple[dict[str, str], ...] = ()
    prepare: tuple[dict[str, Any], ...] = field(default=(), repr=False)

    def body(self) -> str:
        """The case as JSON text, exactly as it is sent to both validators."""
        resource = json.loads(_base_path(self.base).read_text(encoding="utf-8"))
        for patch in (self.prepare, self.patch):
            if patch:
                resource = jsonpatch.apply_patch(resource, list(patch))
        text = json.dumps(resource, ensure_ascii=False)
        for edit in self.text:
            if edit["old"] not in text:
                raise ValueError(f"case {self.name}: text {edit['old']!r} not in {self.base}")
            text = text.replace(edit["old"], edit["new"], 1)
        return text

    @property
    def resource_type(self) -> str:
        return str(json.loads(_base_path(self.base).read_text(encoding="utf-8"))["resourceType"])


def _base_path(name: str) -> Path:
    for folder in (R4_EXAMPLES, EXAMPLES):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"official example {name} is in neither {R4_EXAMPLES} nor {EXAMPLES}")


@cache
def load() -> tuple[Case, ...]:
    data = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    prepare = {base: tuple(p["patch"]) for base, p in (data.get("prepare") or {}).items()}
    cases = tuple(
        Case(
            name=raw["name"],
            family=raw["family"],
            rule=raw["rule"],
            base=raw["base"],
            patch=tuple(raw.get("patch") or ()),
            text=tuple(raw.get("text") or ()),
            prepare=() if raw["family"] == "original" else prepare.get(raw["base"], ()),
        )
        for raw in data["cases"]
    )
    names = [c.name for c in cases]
    if len(set(names)) != len(names):
        raise ValueError(f"{CASES}: duplicate case names")
    return cases


def recorded() -> dict[str, Recorded]:
    """HAPI's verdicts by case name (empty before the first recording)."""
    if not VERDICTS.is_file():
        return {}
    data = json.loads(VERDICTS.read_text(encoding="utf-8"))
    return {
        name: Recorded(
            entry["verdict"],
            tuple(Issue(i["severity"], i["id"], i["expression"]) for i in entry["issues"]),
        )
        for name, entry in data["cases"].items()
    }


def hapi_issues(outcome: dict[str, Any]) -> tuple[Issue, ...]:
    """Errors and warnings of a HAPI OperationOutcome, with the Java validator's message ids."""
    found = []
    for issue in outcome.get("issue", []):
        severity = str(issue.get("severity"))
        if severity not in ("fatal", "error", "warning"):
            continue
        codings = (issue.get("details") or {}).get("coding") or []
        message_id = next(
            (str(c.get("code")) for c in codings if str(c.get("system", "")).endswith("messageId")),
            _hapi_code(str(issue.get("diagnostics", ""))) or str(issue.get("code", "")),
        )
        expression = (issue.get("expression") or issue.get("location") or [""])[0]
        found.append(Issue(severity, message_id, str(expression)))
    return tuple(found)


def _hapi_code(diagnostics: str) -> str:
    """HAPI's own errors (parser, server) carry a `HAPI-nnnn:` prefix instead of a message id."""
    head = diagnostics.split(":", 1)[0]
    return head if head.startswith("HAPI-") else ""


def verdict_of(status: int, issues: tuple[Issue, ...]) -> Verdict:
    errors = any(i.severity in ("error", "fatal") for i in issues)
    return "reject" if errors or status >= 400 else "accept"
