"""JUnit XML: one testsuite per TestScript, one testcase per test, for CI dashboards."""

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from conformance.engine import ScriptResult, TestResult


def _failure(test: TestResult) -> tuple[str, str] | None:
    for action in test.actions:
        if action.result in ("fail", "error"):
            detail = action.message
            if action.exchange is not None:
                detail += (
                    f"\n{action.exchange.method} {action.exchange.url} → {action.exchange.status}"
                )
            return action.result, f"{action.label}: {detail}"
    return None


def junit_xml(results: Sequence[ScriptResult]) -> str:
    root = ET.Element("testsuites")
    for result in results:
        setup = TestResult("setup", "", result.setup)
        failed_setup = setup.result in ("fail", "error")
        tests = [setup, *result.tests] if failed_setup or not result.tests else result.tests
        suite = ET.SubElement(root, "testsuite", name=result.name, tests=str(len(tests)))
        failures = errors = skipped = 0
        for test in tests:
            case = ET.SubElement(suite, "testcase", classname=result.name, name=test.name or "test")
            failure = _failure(test)
            if failure is not None:
                kind, text = failure
                tag = "failure" if kind == "fail" else "error"
                element = ET.SubElement(case, tag, message=text.splitlines()[0])
                element.text = text
                failures += kind == "fail"
                errors += kind == "error"
            elif test.result == "skip":
                ET.SubElement(case, "skipped", message="setup failed")
                skipped += 1
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        suite.set("skipped", str(skipped))
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
