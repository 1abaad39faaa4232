"""The TestScript engine: every operation and assertion kind, passing and failing."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest

from conformance.engine import Runner, ScriptResult
from conformance.engine.assertions import compare, contains_minimum
from conformance.reports.html import html_report
from conformance.reports.junit import junit_xml
from conformance.reports.testreport import test_report as build_test_report
from tests.conformance.memory_server import MemoryServer

PATIENT = {"resourceType": "Patient", "name": [{"family": "Tolvansson", "given": ["Tolvan"]}]}


def op(code: str, **fields: Any) -> dict[str, Any]:
    return {"operation": {"type": {"code": code}, **fields}}


def check(**fields: Any) -> dict[str, Any]:
    return {"assert": fields}


def script(*tests: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "TestScript",
        "id": "t",
        "name": "T",
        "contained": [{**PATIENT, "id": "patient"}],
        "fixture": [
            {
                "id": "patient-fixture",
                "autocreate": False,
                "autodelete": False,
                "resource": {"reference": "#patient"},
            }
        ],
        "test": [{"name": f"test-{i}", "action": actions} for i, actions in enumerate(tests)],
    }
    body.update(extra)
    return body


@pytest.fixture
def server() -> MemoryServer:
    return MemoryServer()


def run(server: MemoryServer, body: dict[str, Any], tmp_path: Path = Path(".")) -> ScriptResult:
    with httpx.Client(base_url="http://fhir.test/fhir/", transport=server.transport()) as client:
        return Runner(client, validator=lambda r, p: [] if r.get("name") else ["name missing"]).run(
            body, tmp_path
        )


def results(outcome: ScriptResult) -> list[str]:
    return [a.result for t in outcome.tests for a in t.actions]


def test_create_read_update_delete_round_trip(server: MemoryServer) -> None:
    outcome = run(
        server,
        script(
            [
                op("create", sourceId="patient-fixture", responseId="created"),
                check(response="created"),
                check(headerField="Location", operator="contains", value="Patient/"),
                check(resource="Patient"),
                op("read", targetId="created"),
                check(response="okay"),
                check(expression="Patient.name.family", value="Tolvansson"),
                check(minimumId="patient-fixture"),
                op("update", targetId="created", sourceId="patient-fixture"),
                check(responseCode="200"),
                op("vread", targetId="created"),
                check(response="okay"),
                op("history", targetId="created"),
                check(expression="Bundle.entry.count()", value="2"),
                op("delete", targetId="created"),
                check(response="noContent"),
                op("read", targetId="created"),
                check(response="gone"),
                check(resource="OperationOutcome"),
            ]
        ),
    )
    assert results(outcome) == ["pass"] * 19, [a.message for t in outcome.tests for a in t.actions]
    assert [r.method for r in server.requests] == [
        "POST",
        "GET",
        "PUT",
        "GET",
        "GET",
        "DELETE",
        "GET",
    ]
    assert server.requests[3].url.path == "/fhir/Patient/1/_history/1"


def test_search_capabilities_transaction_validate_and_message(server: MemoryServer) -> None:
    bundle = {"resourceType": "Bundle", "id": "b", "type": "transaction", "entry": []}
    outcome = run(
        server,
        script(
            [
                op("create", sourceId="patient-fixture"),
                op("search", resource="Patient", params="?name=${family}"),
                check(expression="Bundle.total", value="0"),
                check(navigationLinks=True),
                op("capabilities"),
                check(expression="CapabilityStatement.fhirVersion", value="4.0.1"),
                check(contentType="application/fhir+json"),
                op("transaction", sourceId="bundle"),
                check(expression="Bundle.type", value="transaction-response"),
                op("validate", resource="Patient", sourceId="patient-fixture"),
                check(resource="OperationOutcome"),
                op("process-message", sourceId="bundle"),
                check(requestURL="$process-message", operator="contains"),
                check(requestMethod="post"),
            ],
            contained=[{**PATIENT, "id": "patient"}, bundle],
            fixture=[
                {
                    "id": "patient-fixture",
                    "autocreate": False,
                    "autodelete": False,
                    "resource": {"reference": "#patient"},
                },
                {
                    "id": "bundle",
                    "autocreate": False,
                    "autodelete": False,
                    "resource": {"reference": "#b"},
                },
            ],
            variable=[{"name": "family", "defaultValue": "Nobody"}],
        ),
    )
    assert results(outcome) == ["pass"] * 14, [a.message for t in outcome.tests for a in t.actions]
    assert server.requests[1].url.params["name"] == "Nobody"
    assert server.requests[-1].url.path == "/fhir/$process-message"


def test_failing_assertion_fails_the_test_and_skips_the_rest(server: MemoryServer) -> None:
    outcome = run(
        server,
        script(
            [
                op("read", resource="Patient", params="/missing"),
                check(response="okay"),
                check(resource="Patient"),
            ],
            [
                op("read", resource="Patient", params="/missing"),
                check(response="notFound"),
            ],
        ),
    )
    first, second = outcome.tests
    assert [a.result for a in first.actions] == ["pass", "fail", "skip"]
    assert "expected equals '200', got 404" in first.actions[1].message
    assert second.result == "pass"
    assert outcome.result == "fail"


def test_warning_only_does_not_fail(server: MemoryServer) -> None:
    outcome = run(
        server,
        script(
            [
                op("capabilities"),
                check(expression="CapabilityStatement.kind", operator="notEmpty", warningOnly=True),
            ]
        ),
    )
    assert results(outcome) == ["pass", "warning"]
    report = build_test_report(outcome, "http://fhir.test/fhir", datetime.now(UTC))
    assert report["result"] == "pass"


def test_variables_from_response_headers_and_expressions(server: MemoryServer) -> None:
    outcome = run(
        server,
        script(
            [
                op("create", sourceId="patient-fixture", responseId="created"),
                op("read", resource="Patient", params="/${createdId}"),
                check(expression="Patient.id", value="${createdId}"),
                check(headerField="ETag", value="${etag}"),
            ],
            variable=[
                {"name": "createdId", "expression": "Patient.id", "sourceId": "created"},
                {"name": "etag", "headerField": "ETag", "sourceId": "created"},
            ],
        ),
    )
    assert results(outcome) == ["pass"] * 4, [a.message for t in outcome.tests for a in t.actions]


def test_script_errors_are_errors_not_failures(server: MemoryServer) -> None:
    outcome = run(
        server,
        script(
            [
                op("read", targetId="nothing-recorded"),
            ],
            [
                op("capabilities"),
                check(expression="${undefined}", value="x"),
            ],
            [
                op("capabilities"),
                check(path="fhir:CapabilityStatement", value="x"),
            ],
        ),
    )
    assert [t.result for t in outcome.tests] == ["error", "error", "error"]
    assert (
        "no fixture or response with id 'nothing-recorded'" in outcome.tests[0].actions[0].message
    )
    assert "unknown variable" in outcome.tests[1].actions[1].message


def test_setup_failure_skips_tests_and_teardown_still_runs(server: MemoryServer) -> None:
    body = script([op("capabilities"), check(response="okay")])
    body["setup"] = {
        "action": [op("read", resource="Patient", params="/x"), check(response="okay")]
    }
    body["teardown"] = {"action": [op("delete", resource="Patient", params="/x")]}
    outcome = run(server, body)
    assert [a.result for a in outcome.setup] == ["pass", "fail"]
    assert outcome.tests[0].result == "skip"
    assert [a.result for a in outcome.teardown] == ["pass"]
    assert server.requests[-1].method == "DELETE"


def test_autocreate_and_autodelete_fixtures(server: MemoryServer, tmp_path: Path) -> None:
    (tmp_path / "patient.json").write_text(json.dumps(PATIENT))
    body = script([op("read", targetId="p"), check(response="okay")])
    body["fixture"] = [
        {
            "id": "p",
            "autocreate": True,
            "autodelete": True,
            "resource": {"reference": "patient.json"},
        }
    ]
    outcome = run(server, body, tmp_path)
    assert outcome.result == "pass"
    assert [r.method for r in server.requests] == ["POST", "GET", "DELETE"]
    assert ("Patient", "1") in server.deleted


def test_validate_profile_and_compare_to_source(server: MemoryServer) -> None:
    outcome = run(
        server,
        script(
            [
                op("create", sourceId="patient-fixture", responseId="created"),
                check(validateProfileId="p", sourceId="created"),
                check(
                    compareToSourceId="patient-fixture",
                    compareToSourceExpression="Patient.name.family",
                    expression="Patient.name.family",
                ),
                check(validateProfileId="p", sourceId="nameless"),
            ],
            profile=[{"id": "p", "reference": "http://example.org/StructureDefinition/p"}],
            contained=[{**PATIENT, "id": "patient"}, {"resourceType": "Patient", "id": "nn"}],
            fixture=[
                {
                    "id": "patient-fixture",
                    "autocreate": False,
                    "autodelete": False,
                    "resource": {"reference": "#patient"},
                },
                {
                    "id": "nameless",
                    "autocreate": False,
                    "autodelete": False,
                    "resource": {"reference": "#nn"},
                },
            ],
        ),
    )
    assert results(outcome) == ["pass", "pass", "pass", "fail"]
    assert "name missing" in outcome.tests[0].actions[3].message


def test_network_failure_is_an_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with httpx.Client(
        base_url="http://fhir.test/fhir/", transport=httpx.MockTransport(refuse)
    ) as c:
        outcome = Runner(c).run(script([op("capabilities"), check(response="okay")]), Path("."))
    assert outcome.tests[0].actions[0].result == "error"
    assert "connection refused" in outcome.tests[0].actions[0].message


@pytest.mark.parametrize(
    ("actual", "operator", "expected", "passed"),
    [
        (["a"], "equals", "a", True),
        (["a"], "equals", "b", False),
        (["a", "a"], "equals", "a", False),
        (["a"], "notEquals", "b", True),
        (["200"], "in", "200,201", True),
        (["404"], "in", "200,201", False),
        (["404"], "notIn", "200,201", True),
        ([5], "greaterThan", "3", True),
        ([5], "lessThan", "3", False),
        (["abc"], "contains", "b", True),
        (["abc"], "notContains", "b", False),
        ([], "empty", None, True),
        ([1], "empty", None, False),
        ([1], "notEmpty", None, True),
        ([True], "eval", None, True),
        ([False], "eval", None, False),
    ],
)
def test_operators(actual: list[Any], operator: str, expected: str | None, passed: bool) -> None:
    assert compare(actual, operator, expected) is passed


def test_minimum_content_matching() -> None:
    actual = {"name": [{"family": "A", "given": ["B"]}, {"family": "C"}], "active": True}
    assert contains_minimum(actual, {"name": [{"family": "C"}]})
    assert not contains_minimum(actual, {"name": [{"family": "D"}]})
    assert not contains_minimum(actual, {"active": False})


def test_reports_render_failures_with_their_exchange(server: MemoryServer) -> None:
    outcome = run(
        server,
        script(
            [
                op("read", resource="Patient", params="/missing"),
                check(response="okay", label="patient exists"),
            ],
            [op("capabilities"), check(response="okay")],
        ),
    )
    issued = datetime(2026, 11, 23, tzinfo=UTC)
    report = build_test_report(outcome, "http://fhir.test/fhir", issued)
    assert report["result"] == "fail"
    assert report["score"] == 50.0
    assert report["test"][0]["action"][1]["assert"]["result"] == "fail"
    xml = ElementTree.fromstring(junit_xml([outcome]))
    suite = xml.find("testsuite")
    assert suite is not None and suite.get("failures") == "1" and suite.get("tests") == "2"
    page = html_report([outcome], "http://fhir.test/fhir", issued)
    assert "patient exists" in page and "/fhir/Patient/missing" in page and "404" in page
