"""`lus-fhir validate`: files, folders, NDJSON, stdin, formats and exit codes."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import validate as cli
from service.cli.validate import app
from service.subscriptions import definitions as d
from tests.subscriptions.support import subscription
from tests.validation import conftest as c

runner = CliRunner()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "ok.json").write_text(json.dumps(c.patient()))
    bad = c.encounter()
    bad["status"] = "ongoing"
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "bad.json").write_text(json.dumps(bad))
    (tmp_path / "notes.txt").write_text("not fhir")
    return tmp_path


def test_valid_file_exits_zero(folder: Path) -> None:
    result = runner.invoke(app, [str(folder / "ok.json")])
    assert result.exit_code == 0, result.output
    assert "1 resource(s) validated, 0 with errors" in result.output


def test_folder_is_searched_recursively(folder: Path) -> None:
    result = runner.invoke(app, [str(folder)])
    assert result.exit_code == 1
    line = f"{folder / 'nested' / 'bad.json'}: error binding.required Encounter.status: "
    assert line in result.output
    assert "2 resource(s) validated, 1 with errors" in result.output


def test_ndjson_lines_are_numbered(tmp_path: Path) -> None:
    bad = c.patient()
    bad["birthDate"] = "1912-13-12"
    lines = [json.dumps(c.patient()), "", json.dumps(bad)]
    (tmp_path / "patients.ndjson").write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, [str(tmp_path / "patients.ndjson")])
    assert result.exit_code == 1
    assert f"{tmp_path / 'patients.ndjson'}:3: error structure.primitive-format" in result.output


def test_json_format_and_profile_option(folder: Path) -> None:
    result = runner.invoke(
        app,
        [str(folder / "ok.json"), "--format", "json", "--profile", "http://example.org/nope"],
    )
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload[0]["source"] == str(folder / "ok.json")
    assert payload[0]["outcome"]["issue"][0]["details"]["coding"][0]["code"] == "profile.unknown"


def test_stdin_single_and_ndjson() -> None:
    result = runner.invoke(app, ["-"], input=json.dumps(c.task()))
    assert result.exit_code == 0, result.output
    text = json.dumps(c.task()) + "\n" + json.dumps({"resourceType": "Nope"}) + "\n"
    result = runner.invoke(app, ["-"], input=text)
    assert result.exit_code == 1
    assert "<stdin>:2: error structure.resource-type" in result.output


def test_usage_errors() -> None:
    assert runner.invoke(app, []).exit_code == 2
    result = runner.invoke(app, ["/does/not/exist.json"])
    assert result.exit_code == 2
    assert "No such file" in result.output


def test_broken_json_and_big_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "broken.json").write_text("{")
    result = runner.invoke(app, [str(tmp_path / "broken.json")])
    assert result.exit_code == 1
    assert "error structure.json" in result.output
    monkeypatch.setattr(cli, "MAX_FILE_BYTES", 10)
    (tmp_path / "broken.json").write_text(json.dumps(c.patient()))
    result = runner.invoke(app, [str(tmp_path / "broken.json")])
    assert result.exit_code == 1
    assert "over the 50 MB limit" in result.output
    assert "Traceback" not in result.output


def test_progress_for_many_resources(tmp_path: Path) -> None:
    lines = [json.dumps(c.patient()) for _ in range(25)]
    (tmp_path / "many.ndjson").write_text("\n".join(lines))
    result = runner.invoke(app, [str(tmp_path / "many.ndjson")])
    assert result.exit_code == 0
    assert "25 resource(s) validated" in result.output


def test_backport_subscription_validates_against_lus_subscription(tmp_path: Path) -> None:
    """The IG's Subscription extensions are known to the CLI's validator, not only the server's."""
    resource = subscription("utskrivningsklar", "https://mottagare.example.se/hook")
    (tmp_path / "subscription.json").write_text(json.dumps(resource))
    result = runner.invoke(
        app, [str(tmp_path / "subscription.json"), "--profile", d.LUS_SUBSCRIPTION_PROFILE]
    )
    assert result.exit_code == 0, result.output
    assert "1 resource(s) validated, 0 with errors" in result.output
    del resource["channel"]["_payload"]  # the IG requires the payload content extension
    (tmp_path / "subscription.json").write_text(json.dumps(resource))
    result = runner.invoke(
        app, [str(tmp_path / "subscription.json"), "--profile", d.LUS_SUBSCRIPTION_PROFILE]
    )
    assert result.exit_code == 1, result.output
    assert "error invariant Subscription.channel: Constraint failed: lus-sub-3" in result.output
