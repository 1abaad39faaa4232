"""Compare our validator with a real HAPI FHIR server's `$validate` over the guide's examples.

Every valid example (fhir_profiles/fsh-generated/resources, non-conformance resources) and every
invalid case (fhir_profiles/examples-invalid/cases.yaml) is validated twice: by
`service.validation.validator()` and by HAPI (`POST [base]/{type}/$validate?profile=...`, profile =
the resource's meta.profile). The rows are written as `hapi-comparison.json` and
`hapi-comparison.md` into the report directory (env `LUS_FHIR_INTEROP_REPORT_DIR`, default
`build/interop/`).

Which invalid cases HAPI must reject is decided by the kind of rule the case breaks
(`EXPECTATIONS`): rules any R4 validator checks generically (primitive formats, unknown elements,
empty strings, cardinality, required bindings, fixed values and patterns) must be caught; the
others are recorded with the reason HAPI may see them differently, never failed.

Standalone: `.venv/bin/python -m tests.interop.compare http://127.0.0.1:8090/fhir`.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx

from fhir_profiles.build import invalid_examples
from fhir_profiles.guide import guide
from service.validation import validator

Resource = dict[str, Any]
Verdict = Literal["accept", "reject", "error"]
ROOT = Path(__file__).resolve().parents[2]
REPORT_NAME = "hapi-comparison"

MUST = "must"
RECORD = "record"

# Code prefix of the recorded error (CodeSystem/lus-validation-issue) -> (expectation, reason).
EXPECTATIONS: dict[str, tuple[str, str]] = {
    "structure.": (MUST, "FHIR R4 syntax: any conformant validator or parser rejects it"),
    "cardinality.": (MUST, "cardinality from the profile's snapshot"),
    "binding.required": (MUST, "required binding to a ValueSet installed from the guide"),
    "pattern.": (MUST, "fixed value or pattern from the profile"),
    "invariant.": (
        RECORD,
        "FHIRPath invariant of the guide: HAPI evaluates the expression with its own FHIRPath "
        "engine; a difference is a finding to look at, not a test failure",
    ),
    "reference.target": (
        RECORD,
        "reference target type: HAPI's $validate resolves no references and does not check "
        "an unresolved reference's type against the profile's targetProfile (reports nothing)",
    ),
    "extension.unknown": (
        RECORD,
        "unknown extension: HAPI's instance validator allows any extension by default "
        "(FhirInstanceValidator anyExtensionsAllowed) and reports it as information only",
    ),
    "bundle.message": (
        RECORD,
        "message Bundle rules: HAPI reports them, but its element paths into the Bundle can "
        "differ from ours",
    ),
}
DEFAULT_EXPECTATION = (RECORD, "rule kind without an agreed expectation")


def expectation(code: str) -> tuple[str, str]:
    for prefix, value in EXPECTATIONS.items():
        if code == prefix or (prefix.endswith(".") and code.startswith(prefix)):
            return value
    return DEFAULT_EXPECTATION


@dataclass
class Row:
    example: str
    kind: Literal["valid", "invalid"]
    profile: str
    ours: Verdict
    hapi: Verdict
    expected_code: str = ""
    expected_expression: str = ""
    expectation: str = ""
    reason: str = ""
    hapi_at_expected_expression: bool | None = None
    hapi_status: int = 0
    hapi_messages: list[str] = field(default_factory=list)
    hapi_other_messages: list[str] = field(default_factory=list)
    our_messages: list[str] = field(default_factory=list)

    @property
    def agree(self) -> bool:
        return self.ours == self.hapi

    @property
    def expected(self) -> Verdict:
        return "accept" if self.kind == "valid" else "reject"


def _errors(outcome: Resource) -> list[Resource]:
    return [i for i in outcome.get("issue", []) if i.get("severity") in ("error", "fatal")]


def _message(issue: Resource) -> str:
    where = ", ".join(issue.get("expression") or issue.get("location") or [])
    text = issue.get("diagnostics") or (issue.get("details") or {}).get("text") or ""
    return f"{where}: {text}" if where else str(text)


def _our_message(issue: Resource) -> str:
    codings = (issue.get("details") or {}).get("coding") or [{}]
    code = codings[0].get("code", "")
    where = ", ".join(issue.get("expression") or [])
    return f"{code} @ {where}: {issue.get('diagnostics', '')}"


def profile_of(resource: Resource) -> str:
    profiles = (resource.get("meta") or {}).get("profile") or []
    return str(profiles[0]) if profiles else ""


class Hapi:
    """The few calls the interop tests make to a HAPI FHIR base URL."""

    def __init__(self, base: str, timeout: float = 120.0) -> None:
        self.base = base.rstrip("/")
        self.client = httpx.Client(
            timeout=timeout, headers={"Accept": "application/fhir+json"}, follow_redirects=True
        )

    def close(self) -> None:
        self.client.close()

    def get(self, path: str, params: dict[str, str] | None = None) -> httpx.Response:
        return self.client.get(f"{self.base}/{path}", params=params)

    def validate(self, resource: Resource, profile: str = "") -> tuple[int, Resource]:
        """(HTTP status, OperationOutcome) of `$validate`; a parse failure answers 400 + outcome."""
        params = {"profile": profile} if profile else {}
        response = self.client.post(
            f"{self.base}/{resource['resourceType']}/$validate",
            params=params,
            content=json.dumps(resource, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/fhir+json"},
        )
        try:
            body: Resource = response.json()
        except ValueError:
            body = {}
        if body.get("resourceType") != "OperationOutcome":
            body = {
                "resourceType": "OperationOutcome",
                "issue": [
                    {
                        "severity": "fatal",
                        "code": "exception",
                        "diagnostics": f"HTTP {response.status_code}: {response.text[:500]}",
                    }
                ],
            }
        return response.status_code, body


def hapi_verdict(status: int, outcome: Resource) -> Verdict:
    if status >= 500:
        return "error"
    return "reject" if _errors(outcome) or status >= 400 else "accept"


def _at(issue: Resource, expression: str) -> bool:
    """The issue points at `expression` or inside it (HAPI may name a child element)."""
    for found in issue.get("expression") or issue.get("location") or []:
        if found == expression or found.startswith((expression + ".", expression + "[")):
            return True
    return False


def compare_valid(hapi: Hapi, resource: Resource) -> Row:
    return _compare(hapi, f"{resource['resourceType']}/{resource['id']}", resource, None)


def compare_invalid(hapi: Hapi, case: invalid_examples.InvalidCase) -> Row:
    return _compare(hapi, case.name, case.resource(), case)


def _compare(
    hapi: Hapi, name: str, resource: Resource, case: invalid_examples.InvalidCase | None
) -> Row:
    our_errors = _errors(validator().validate(resource))
    profile = profile_of(resource)
    status, outcome = hapi.validate(resource, profile)
    hapi_errors = _errors(outcome)
    row = Row(
        example=name,
        kind="valid" if case is None else "invalid",
        profile=profile,
        ours="reject" if our_errors else "accept",
        hapi=hapi_verdict(status, outcome),
        hapi_status=status,
        hapi_messages=[_message(i) for i in hapi_errors],
        hapi_other_messages=[
            f"{i.get('severity')}: {_message(i)}" for i in outcome["issue"] if i not in hapi_errors
        ],
        our_messages=[_our_message(i) for i in our_errors],
    )
    if case is not None:
        row.expected_code, row.expected_expression = case.code, case.expression
        row.expectation, row.reason = expectation(case.code)
        row.hapi_at_expected_expression = any(_at(i, case.expression) for i in hapi_errors)
    return row


def compare(hapi: Hapi) -> list[Row]:
    rows = [compare_valid(hapi, resource) for resource in guide().examples]
    rows += [compare_invalid(hapi, case) for case in invalid_examples.load()]
    return rows


def report_dir() -> Path:
    configured = os.environ.get("LUS_FHIR_INTEROP_REPORT_DIR")
    return Path(configured) if configured else ROOT / "build" / "interop"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(rows: list[Row], hapi_base: str) -> str:
    disagreements = [r for r in rows if not r.agree]
    lines = [
        "# Our validator vs HAPI FHIR `$validate`",
        "",
        f"HAPI: {hapi_base}. {len(rows)} examples "
        f"({sum(r.kind == 'valid' for r in rows)} valid, "
        f"{sum(r.kind == 'invalid' for r in rows)} invalid); "
        f"{len(disagreements)} disagreement(s).",
        "",
        "## Disagreements",
        "",
    ]
    header = [
        "| example | kind | expected error | our verdict | HAPI verdict | expectation | reason "
        "| HAPI's messages |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]

    def line(r: Row) -> str:
        expected = f"{r.expected_code} @ {r.expected_expression}" if r.expected_code else ""
        messages = "<br>".join(_cell(m) for m in r.hapi_messages)
        if not messages:
            others = [m for m in r.hapi_other_messages if "dom-6" not in m]
            messages = "(no errors)" + "".join(f"<br>_{_cell(m)}_" for m in dict.fromkeys(others))
        return (
            f"| {r.example} | {r.kind} | {_cell(expected)} | {r.ours} | {r.hapi} "
            f"| {r.expectation} | {_cell(r.reason)} | {messages} |"
        )

    if disagreements:
        lines += header + [line(r) for r in disagreements]
    else:
        lines.append("None.")
    lines += ["", "## All examples", "", *header, *(line(r) for r in rows), ""]
    return "\n".join(lines)


def write_report(rows: list[Row], hapi_base: str, directory: Path | None = None) -> Path:
    """Write `hapi-comparison.json` and `.md`; returns the JSON path. Atomic per file, so
    concurrent pytest-xdist workers that write the same report do not interleave."""
    out = directory or report_dir()
    out.mkdir(parents=True, exist_ok=True)
    data = {
        "hapi": hapi_base,
        "summary": {
            "examples": len(rows),
            "disagreements": sum(not r.agree for r in rows),
            "hapi_missed_must": [
                r.example for r in rows if r.expectation == MUST and r.hapi != "reject"
            ],
            "hapi_rejected_valid": [
                r.example for r in rows if r.kind == "valid" and r.hapi != "accept"
            ],
        },
        "rows": [{**asdict(r), "agree": r.agree} for r in rows],
    }
    targets = {
        out / f"{REPORT_NAME}.json": json.dumps(data, indent=2, ensure_ascii=False) + "\n",
        out / f"{REPORT_NAME}.md": markdown(rows, hapi_base),
    }
    for path, text in targets.items():
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return out / f"{REPORT_NAME}.json"


def main(argv: list[str]) -> int:
    base = argv[1] if len(argv) > 1 else os.environ.get("LUS_FHIR_TEST_HAPI_URL", "")
    if not base:
        print("usage: python -m tests.interop.compare HAPI_BASE_URL", file=sys.stderr)
        return 2
    hapi = Hapi(base)
    try:
        rows = compare(hapi)
    finally:
        hapi.close()
    path = write_report(rows, base)
    print(f"{sum(not r.agree for r in rows)} disagreement(s) in {len(rows)} examples: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
