"""`lus-fhir serve` refuses set-ups it cannot run correctly."""

from pathlib import Path

from typer.testing import CliRunner

from service.cli.main import app


def test_several_processes_need_postgresql(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--workers", "2", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "PostgreSQL" in result.output
