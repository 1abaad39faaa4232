"""`lus-fhir conformance …` command-line behaviour that needs no server."""

from pathlib import Path

from typer.testing import CliRunner

from service.cli.main import app


def test_unknown_suite_is_a_usage_error() -> None:
    result = CliRunner().invoke(
        app,
        ["conformance", "run", "--target", "http://127.0.0.1:9/fhir", "--suite", "no-such-suite"],
    )
    assert result.exit_code == 2
    assert "no suite 'no-such-suite'" in result.output


def test_unreachable_target_is_an_error_with_reports(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "caps.json").write_text(
        '{"resourceType": "TestScript", "id": "caps", "name": "caps", "test": [{"name": "meta",'
        ' "action": [{"operation": {"type": {"code": "capabilities"}}},'
        ' {"assert": {"response": "okay"}}]}]}'
    )
    result = CliRunner().invoke(
        app,
        [
            "conformance",
            "run",
            "--target",
            "http://127.0.0.1:9/fhir",
            "--suite",
            str(suite),
            "--junit",
            str(tmp_path / "junit.xml"),
            "--report",
            str(tmp_path / "report"),
            "--timeout",
            "2",
        ],
    )
    assert result.exit_code == 2, result.output
    assert "1 tests: 0 passed, 0 failed, 1 errors" in result.output
    assert "<error" in (tmp_path / "junit.xml").read_text()
    assert (tmp_path / "report" / "TestReport-caps.json").exists()
    assert "caps" in (tmp_path / "report" / "index.html").read_text()
