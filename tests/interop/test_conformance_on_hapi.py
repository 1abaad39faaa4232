"""The conformance suites against HAPI FHIR: results are saved (JUnit, TestReport, HTML) and every
test HAPI fails must be explained in conformance/README.md, so no failure goes unexamined."""

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conformance.suites import suite_names
from service.cli.main import app
from tests.interop.compare import report_dir

README = Path(__file__).resolve().parents[2] / "conformance" / "README.md"
SECTION = "### Tests HAPI FHIR fails and why"


def _documented() -> set[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`([a-z0-9-]+::[^`]+)`", section))


def _failed(report: Path) -> set[str]:
    failed = set()
    for path in sorted(report.glob("TestReport-*.json")):
        result = json.loads(path.read_text(encoding="utf-8"))
        script = path.stem.removeprefix("TestReport-")
        for test in result.get("test", []):
            outcomes = [a[k].get("result") for a in test.get("action", []) for k in a]
            if any(r in ("fail", "error") for r in outcomes):
                failed.add(f"{script}::{test.get('name')}")
    return failed


# HAPI's stock JPA server has no SMART Backend Services and no authorization (README).
SUITES = [s for s in suite_names() if s != "security"]


@pytest.mark.hapi
@pytest.mark.parametrize("suite", SUITES)
def test_suite_on_hapi_fails_only_where_explained(hapi_url: str, suite: str) -> None:
    out = report_dir() / f"hapi-{suite}"
    result = CliRunner().invoke(
        app,
        [
            "conformance",
            "run",
            "--target",
            hapi_url,
            "--suite",
            suite,
            "--junit",
            str(out.with_suffix(".xml")),
            "--report",
            str(out),
        ],
    )
    assert result.exit_code in (0, 1), result.output  # 2 would be a broken script or connection
    assert (out / "index.html").exists()
    unexplained = _failed(out) - _documented()
    assert unexplained == set(), (
        f"HAPI fails tests that conformance/README.md does not explain: {sorted(unexplained)}"
    )
