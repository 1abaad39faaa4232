"""Every conformance suite against the real lus-fhir server, started as a subprocess.

Each TestScript test is one pytest case (`<script id>::<test name>`). A test that fails because
of a known server bug is listed in KNOWN_SERVER_BUGS and marked strict xfail: the suite keeps
expecting the correct behaviour, and the xfail turns into a failure once the server is fixed, so
the entry is removed then.
"""

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.credentials import acting_organizations
from conformance.engine import Runner, ScriptResult, runner
from conformance.profiles import profile_errors
from conformance.reports.html import html_report
from conformance.reports.junit import junit_xml
from conformance.suites import load_suite, suite_names
from conformance.suites.generate import drift, messages, negative
from service.auth.backend_client import BackendAuth
from tests.conformance.memory_server import MemoryServer
from tests.support.auth import backend_auth, load_directory
from tests.support.server import ServerProcess, start_server

REPO = Path(__file__).resolve().parents[2]
README = REPO / "conformance" / "README.md"
SUITES = ("messages", "negative", "receiver", "rest", "security")
STARTUP_SECONDS = 30.0

KNOWN_SERVER_BUGS: dict[str, str] = {}


def _cases() -> list[Any]:
    cases = []
    for suite in SUITES:
        for script, _ in load_suite(suite):
            for test in script["test"]:
                case_id = f"{script['id']}::{test['name']}"
                marks = []
                if case_id in KNOWN_SERVER_BUGS:
                    marks.append(pytest.mark.xfail(reason=KNOWN_SERVER_BUGS[case_id], strict=True))
                cases.append(pytest.param(case_id, id=case_id, marks=marks))
    return cases


@pytest.fixture(scope="module")
def lus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server with the shipped directory, whose organizations clients are registered for;
    its access tokens live the shortest time allowed, so the suite's expired-token test waits
    half a minute, not five."""
    server = start_server(
        tmp_path_factory.mktemp("lus-data"),
        timeout=STARTUP_SECONDS,
        env={"LUS_FHIR_TOKEN_LIFETIME_SECONDS": "30"},
    )
    load_directory(server.database_url)
    yield server
    server.stop()


def _client(lus: ServerProcess, organization: str | None = None) -> BackendAuth:
    """A registered client and its SMART token flow: the region-wide role by default."""
    if organization is None:
        return backend_auth(lus.database_url, lus.root)
    return backend_auth(lus.database_url, lus.root, organization=organization, region=False)


def run_suites(
    lus: ServerProcess, suites: tuple[str, ...], credentials: dict[str, BackendAuth]
) -> list[ScriptResult]:
    """Each suite's scripts in order, with the guide's validator for validateProfileId."""
    out = []
    with httpx.Client(base_url=lus.base + "/", timeout=30, auth=_client(lus)) as client:
        engine = Runner(client, validator=profile_errors, credentials=credentials)
        for suite in suites:
            for script, folder in load_suite(suite):
                out.append(engine.run(script, folder))
    return out


@pytest.fixture(scope="module")
def results(lus: ServerProcess) -> list[ScriptResult]:
    """Every suite once, each origin acting as a client registered for its organization."""
    credentials = {o: _client(lus, o) for o in acting_organizations(SUITES)}
    return run_suites(lus, SUITES, credentials)


def _by_id(results: list[ScriptResult]) -> dict[str, runner.TestResult]:
    return {f"{r.script['id']}::{t.name}": t for r in results for t in r.tests}


def _explain(test: runner.TestResult) -> str:
    lines = [f"{test.name}: {test.description}"]
    for action in test.actions:
        if action.result in ("fail", "error"):
            lines.append(f"  {action.result}: {action.label} — {action.message}")
            if action.exchange is not None:
                lines.append(
                    f"    {action.exchange.method} {action.exchange.url} → "
                    f"{action.exchange.status} {action.exchange.response_text[:500]}"
                )
    return "\n".join(lines)


@pytest.mark.parametrize("case_id", _cases())
def test_conformance_test_passes(results: list[ScriptResult], case_id: str) -> None:
    test = _by_id(results)[case_id]
    assert test.actions, f"{case_id} ran no action"
    assert test.result == "pass", _explain(test)


def test_setup_and_teardown_pass(results: list[ScriptResult]) -> None:
    broken = [
        f"{r.script['id']}: {a.label} — {a.message}"
        for r in results
        for a in [*r.setup, *r.teardown]
        if a.result != "pass"
    ]
    assert broken == []


def test_every_script_of_every_suite_ran(results: list[ScriptResult]) -> None:
    assert set(suite_names()) == set(SUITES)
    expected = {script["id"] for suite in SUITES for script, _ in load_suite(suite)}
    assert {r.script["id"] for r in results} == expected
    assert len(expected) >= 20


def test_reports_name_every_script(results: list[ScriptResult], tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    html = tmp_path / "report" / "index.html"
    html.parent.mkdir()
    junit.write_text(junit_xml(results), encoding="utf-8")
    html.write_text(html_report(results, "lus-fhir", datetime.now(UTC)), encoding="utf-8")
    junit_text, html_text = junit.read_text(), html.read_text()
    for result in results:
        assert f'testsuite name="{result.name}"' in junit_text
        assert result.name in html_text
    failures = len(re.findall(r"<failure ", junit_text))
    assert failures == len(KNOWN_SERVER_BUGS), junit_text


def _cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli.main", *arguments],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )


def test_cli_runs_a_suite_with_reports(lus: ServerProcess, tmp_path: Path) -> None:
    """The documented command with a bearer token, on a suite without origins."""
    junit, report = tmp_path / "junit.xml", tmp_path / "report"
    run = _cli(
        *("conformance", "run", "--suite", "negative", "--token", lus.auth().token()),
        *("--target", lus.base, "--junit", str(junit), "--report", str(report)),
    )
    known_failures = sum(key.startswith("negative-") for key in KNOWN_SERVER_BUGS)
    assert run.returncode == (1 if known_failures else 0), run.stderr
    assert f"{known_failures} failed, 0 errors" in run.stderr
    index = (report / "index.html").read_text()
    for script, _ in load_suite("negative"):
        assert f'name="{script["name"]}"' in junit.read_text()
        assert script["name"] in index
        report_json = json.loads((report / f"TestReport-{script['id']}.json").read_text())
        assert report_json["resourceType"] == "TestReport"


def test_cli_credentials_are_registered_and_run_the_receiver_suite(
    lus: ServerProcess, tmp_path: Path
) -> None:
    """The documented workflow: make credentials, register them, run with --credentials (the
    token endpoint found through the target's SMART configuration)."""
    made = _cli("conformance", "credentials", "--out", str(tmp_path / "clients"))
    assert made.returncode == 0, made.stderr
    commands = [line.split() for line in made.stdout.splitlines()]
    assert {c[c.index("--organization") + 1] for c in commands} == {
        "Organization/region-stockholm",
        *acting_organizations(),
    }
    for command in commands:
        arguments = [a.strip('"') for a in command[1:]]
        registered = _cli(*arguments, "--db", lus.database_url)
        assert registered.returncode == 0, registered.stderr
    secret = tmp_path / "clients" / "credentials.json"
    assert secret.stat().st_mode & 0o077 == 0
    run = _cli(
        *("conformance", "run", "--suite", "receiver", "--target", lus.base),
        *("--credentials", str(secret)),
    )
    tests = sum(len(script["test"]) for script, _ in load_suite("receiver"))
    assert run.returncode == 0, run.stderr
    assert f"{tests} tests: {tests} passed, 0 failed, 0 errors" in run.stderr


def test_receiver_actions_by_another_organization_fail(lus: ServerProcess) -> None:
    """The origins matter: when another home-care provider acts as the receiver, the server
    refuses its receipt and the suite fails there."""
    other = _client(lus, "Organization/hemtjanst-solglantan")
    [outcome] = [
        r
        for r in run_suites(lus, ("receiver",), {"Organization/hemtjanst-aros": other})
        if r.script["id"] == "receiver-01-acknowledge"
    ]
    tests = {t.name: t for t in outcome.tests}
    assert {t.result for t in outcome.tests} <= {"fail", "error"}
    [refused] = [a for a in tests["read the notification"].actions if a.result == "fail"]
    assert refused.exchange is not None and refused.exchange.status == 404


def test_cli_lists_the_suites() -> None:
    run = _cli("conformance", "list")
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == sorted(SUITES)


def test_suites_are_generated_from_the_guide() -> None:
    assert drift() == [], "run: python -m conformance.suites.generate"


def test_every_test_names_a_documented_requirement() -> None:
    documented = set(re.findall(r"^\| `([A-Z]+(?:-[A-Z]+)*-\d+)` \|", README.read_text(), re.M))
    used = set()
    for suite in SUITES:
        for script, _ in load_suite(suite):
            for test in script["test"]:
                match = re.match(r"\[([A-Z]+(?:-[A-Z]+)*-\d+)\] ", test.get("description", ""))
                assert match, f"{script['id']}::{test['name']} names no requirement"
                used.add(match.group(1))
    assert used - documented == set(), "requirements missing from conformance/README.md"
    assert documented - used == set(), "README lists requirements no test checks"


def test_suites_cover_every_invalid_case_and_every_event() -> None:
    names = {case["name"] for case in negative.invalid_cases()}
    scripts = {script["id"]: script for script, _ in load_suite("negative")}
    assert {t["name"] for t in scripts["negative-02-invalid-examples"]["test"]} == names
    validated = {t["name"] for t in scripts["negative-03-validate"]["test"]}
    assert {f"validate {name}" for name in names} <= validated
    message_ids = {script["id"] for script, _ in load_suite("messages")}
    assert {re.sub(r"^messages-\d+-", "", i) for i in message_ids} == set(messages.events())


def test_suites_fail_against_a_server_that_does_not_validate(tmp_path: Path) -> None:
    """The assertions bite: a server storing whatever it is sent fails every invalid case."""
    server = MemoryServer()
    [(script, folder)] = [
        (s, f) for s, f in load_suite("negative") if s["id"] == "negative-02-invalid-examples"
    ]
    with httpx.Client(base_url="http://fhir.test/fhir/", transport=server.transport()) as client:
        outcome = Runner(client).run(script, folder)
    assert [t.result for t in outcome.tests] == ["fail"] * len(script["test"])


def test_security_suite_fails_against_a_server_without_authorization(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The refusals bite: lus-fhir with authentication off (every caller acts with all rights)
    fails every check that another organization is kept out, and passes the receiver's own."""
    lax = start_server(
        tmp_path_factory.mktemp("lax"), timeout=STARTUP_SECONDS, env={"LUS_FHIR_AUTH": "off"}
    )
    try:
        [(script, folder)] = [
            (s, f) for s, f in load_suite("security") if s["id"] == "security-02-access"
        ]
        with httpx.Client(base_url=lax.base + "/", timeout=30) as client:
            outcome = Runner(client, validator=profile_errors).run(script, folder)
    finally:
        lax.stop()
    results = {t.name: t.result for t in outcome.tests}
    assert results.pop("the receiver reads its notification") == "pass"
    assert results.pop("the receiver records its receipt") == "pass"
    assert set(results.values()) == {"fail"}, results
