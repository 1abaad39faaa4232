"""FHIR TestReport resources: the standard, machine-readable result of a TestScript run."""

from datetime import datetime
from typing import Any

from conformance.engine import ActionResult, ScriptResult

# TestReport.result allows pass | fail | pending; an engine error fails the script.
_REPORT_RESULT = {
    "pass": "pass",
    "skip": "pass",
    "warning": "pass",
    "fail": "fail",
    "error": "fail",
}


def _action(action: ActionResult) -> dict[str, Any]:
    body: dict[str, Any] = {"result": action.result, "message": action.message}
    return {action.kind: body}


def test_report(result: ScriptResult, target: str, issued: datetime) -> dict[str, Any]:
    asserts = [a for a in result.all_actions() if a.kind == "assert" and a.result != "skip"]
    passed = sum(1 for a in asserts if a.result in ("pass", "warning"))
    script = result.script
    report: dict[str, Any] = {
        "resourceType": "TestReport",
        "status": "completed",
        "name": result.name,
        "testScript": {"reference": f"TestScript/{script.get('id', result.name)}"},
        "result": _REPORT_RESULT[result.result],
        "score": round(100.0 * passed / len(asserts), 1) if asserts else 100.0,
        "tester": "lus-fhir conformance",
        "issued": issued.isoformat(),
        "participant": [
            {"type": "test-engine", "uri": "urn:lus-fhir:conformance"},
            {"type": "server", "uri": target},
        ],
    }
    if "url" in script:
        report["testScript"]["display"] = script["url"]
    if result.setup:
        report["setup"] = {"action": [_action(a) for a in result.setup]}
    if result.tests:
        report["test"] = [
            {
                "name": t.name,
                "description": t.description,
                "action": [_action(a) for a in t.actions],
            }
            for t in result.tests
        ]
    if result.teardown:
        report["teardown"] = {
            "action": [
                {"operation": _action(a)["operation"]}
                for a in result.teardown
                if a.kind == "operation"
            ]
        }
    return report
