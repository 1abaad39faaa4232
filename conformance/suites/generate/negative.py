"""The `negative` suite: HTTP-level errors, the guide's invalid examples, and $validate."""

import json

import yaml

from conformance.suites.generate.blocks import (
    EXAMPLES,
    GUIDE,
    Json,
    check,
    fixture,
    guide_resource,
    is_false,
    is_true,
    ok,
    operation,
    outcome_issue,
    script,
    template,
    test,
)
from fhir_profiles import INVALID_DIR

ERROR_ISSUE = "OperationOutcome.issue.where(severity = 'error' or severity = 'fatal').exists()"


def invalid_cases() -> list[Json]:
    loaded = yaml.safe_load((INVALID_DIR / "cases.yaml").read_text(encoding="utf-8"))
    cases: list[Json] = loaded["cases"]
    return cases


def _resource_type(case: Json) -> str:
    resource = json.loads((INVALID_DIR / f"{case['name']}.json").read_text(encoding="utf-8"))
    return str(resource["resourceType"])


def _case_fixtures() -> list[Json]:
    return [
        fixture(c["name"], f"{GUIDE}/examples-invalid/{c['name']}.json") for c in invalid_cases()
    ]


def fixture_files() -> dict[str, Json]:
    # Not JSON: RFC 8259 has no NaN. The engine serialises fixtures, and Python writes NaN as is,
    # so this is how a TestScript sends a syntactically invalid body.
    not_json = template(
        guide_resource("Patient-tolvan.json"), None, multipleBirthInteger=float("nan")
    )
    return {"not-json.json": not_json}


def http_errors() -> Json:
    return script(
        "negative-01-http",
        "HTTP-level errors",
        "Requests the server cannot process as FHIR are refused before validation, with the "
        "HTTP status the FHIR RESTful API names and an OperationOutcome.",
        [
            test(
                "NEG-HTTP-1",
                "malformed JSON",
                "POST [base]/Patient with a body that is not JSON (a NaN number, which RFC 8259 "
                "forbids) answers 400 with an OperationOutcome.",
                [
                    operation("create", resource="Patient", sourceId="not-json"),
                    check("400 Bad Request", response="bad"),
                    check("OperationOutcome", resource="OperationOutcome"),
                ],
            ),
            test(
                "NEG-HTTP-2",
                "wrong Content-Type",
                "POST [base]/Patient with Content-Type text/plain answers 415 Unsupported Media "
                "Type with an OperationOutcome.",
                [
                    operation(
                        "create", resource="Patient", sourceId="patient", contentType="text/plain"
                    ),
                    check("415 Unsupported Media Type", responseCode="415"),
                    check("OperationOutcome", resource="OperationOutcome"),
                ],
            ),
            test(
                "NEG-HTTP-3",
                "unknown resource type",
                "GET [base]/LusNoSuchType/1 answers 404 with an OperationOutcome.",
                [
                    operation("read", url="LusNoSuchType/1"),
                    check("404 Not Found", response="notFound"),
                    check("OperationOutcome", resource="OperationOutcome"),
                ],
            ),
            test(
                "NEG-HTTP-4",
                "body type differs from the URL",
                "POST [base]/Patient with an Organization body answers 400 with an "
                "OperationOutcome.",
                [
                    operation("create", resource="Patient", sourceId="organization"),
                    check("400 Bad Request", response="bad"),
                    check("OperationOutcome", resource="OperationOutcome"),
                ],
            ),
            test(
                "NEG-HTTP-5",
                "body id differs from the URL",
                "PUT [base]/Patient/[id] with a body whose id is another answers 400 with an "
                "OperationOutcome.",
                [
                    operation("update", url="Patient/lus-conformance-other-id", sourceId="patient"),
                    check("400 Bad Request", response="bad"),
                    check("OperationOutcome", resource="OperationOutcome"),
                ],
            ),
        ],
        fixtures=[
            fixture("not-json", "fixtures/not-json.json"),
            fixture("patient", f"{EXAMPLES}/Patient-tolvan.json"),
            fixture("organization", f"{EXAMPLES}/Organization-region-stockholm.json"),
        ],
    )


def invalid_examples() -> Json:
    tests = []
    for case in invalid_cases():
        kind = _resource_type(case)
        code, expression = case["error"]["code"], case["error"]["expression"]
        tests.append(
            test(
                "NEG-PROFILE-1",
                case["name"],
                f"{case['name']}: {case['rule']} POST [base]/{kind} answers 422 with an "
                f"OperationOutcome error {code} at {expression}.",
                [
                    operation("create", resource=kind, sourceId=case["name"]),
                    check("422 Unprocessable Entity", response="unprocessable"),
                    check("OperationOutcome", resource="OperationOutcome"),
                    outcome_issue(f"error {code}", code),
                    outcome_issue(f"error {code} at {expression}", code, expression),
                ],
            )
        )
    return script(
        "negative-02-invalid-examples",
        "Writes that break the guide's profiles are rejected",
        "Each invalid example of the guide (fhir_profiles/examples-invalid/cases.yaml) breaks "
        "exactly one rule; creating it answers 422 with an OperationOutcome naming the rule by "
        "the guide's lus-validation-issue code and the failing element's FHIRPath.",
        tests,
        fixtures=_case_fixtures(),
    )


def validate() -> Json:
    tests = [
        test(
            "NEG-VALIDATE-2",
            "validate a valid example",
            "POST [base]/Patient/$validate with the guide's Patient-tolvan answers 200 with an "
            "OperationOutcome without errors.",
            [
                operation("validate", resource="Patient", sourceId="valid-patient"),
                ok(),
                check("OperationOutcome", resource="OperationOutcome"),
                is_false("no error issues", ERROR_ISSUE),
            ],
        )
    ]
    for case in invalid_cases():
        kind = _resource_type(case)
        code = case["error"]["code"]
        tests.append(
            test(
                "NEG-VALIDATE-1",
                f"validate {case['name']}",
                f"POST [base]/{kind}/$validate with {case['name']} answers 200 with an "
                f"OperationOutcome holding the error {code}.",
                [
                    operation("validate", resource=kind, sourceId=case["name"]),
                    ok(),
                    check("OperationOutcome", resource="OperationOutcome"),
                    is_true("an error issue", ERROR_ISSUE),
                    outcome_issue(f"error {code}", code),
                ],
            )
        )
    return script(
        "negative-03-validate",
        "$validate reports the broken rule",
        "The $validate operation (type level, the resource as the body) answers 200 with an "
        "OperationOutcome: no errors for a valid example, the recorded error for each invalid "
        "example of the guide.",
        tests,
        fixtures=[fixture("valid-patient", f"{EXAMPLES}/Patient-tolvan.json"), *_case_fixtures()],
    )


def scripts() -> list[Json]:
    return [http_errors(), invalid_examples(), validate()]
