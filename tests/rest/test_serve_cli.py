"""`lus-fhir serve` refuses set-ups it cannot run correctly."""

from pathlib import Path

from typer.testing import CliRunner

from service.cli.main import app
from tests.support.certificates import CertificateAuthority


def test_several_processes_need_postgresql(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--workers", "2", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "PostgreSQL" in result.output


def test_tls_files_that_cannot_be_used_are_refused_before_starting(tmp_path: Path) -> None:
    ca = CertificateAuthority.create(tmp_path / "pki")
    server = ca.server()
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    serve = ["serve", "--data-dir", str(tmp_path)]
    pair = ["--tls-cert", str(server.cert), "--tls-key", str(server.key)]
    cases = [
        (["--tls-key", str(server.key)], "need --tls-cert"),
        (["--tls-cert", str(tmp_path / "missing.pem")], "cannot use the server certificate"),
        (["--tls-cert", str(server.cert), "--tls-key", str(garbage)], "with the key"),
        ([*pair, "--tls-client-ca", str(garbage)], "cannot read the client CA bundle"),
    ]
    for arguments, words in cases:
        result = CliRunner().invoke(app, serve + arguments)
        assert result.exit_code == 2, (arguments, result.output)
        assert words in " ".join(result.output.split()), (arguments, result.output)
