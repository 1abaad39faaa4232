"""What `serve` and the app's start-up set up for speed, without changing any answer."""

import asyncio
import gc
import threading
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from service.cli import serve
from service.cli.main import app
from service.rest.app import create_app
from service.settings import Settings
from tests.rest.conftest import settings_for


def test_start_up_freezes_what_it_built_out_of_the_collectors_reach(tmp_path: Path) -> None:
    gc.unfreeze()
    with TestClient(create_app(Settings(data_dir=tmp_path, run_worker=False))) as client:
        assert gc.get_freeze_count() > 100_000  # the guide's profiles and the validator
        assert client.get("/fhir/metadata").status_code == 200
    gc.unfreeze()


def _uvicorn_options(monkeypatch: pytest.MonkeyPatch, arguments: list[str]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda _app, **options: seen.update(options))
    monkeypatch.setattr(serve, "_exit_cleanly_after_drain", lambda: None)
    result = CliRunner().invoke(app, ["serve", *arguments])
    assert result.exit_code == 0, result.output
    return seen


def test_the_uvicorn_access_line_is_off_unless_asked_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = ["--data-dir", str(tmp_path)]
    assert _uvicorn_options(monkeypatch, folder)["access_log"] is False
    assert _uvicorn_options(monkeypatch, [*folder, "--access-log"])["access_log"] is True


def test_a_read_by_id_stays_on_the_event_loop_on_sqlite_only(backend: str, tmp_path: Path) -> None:
    services = create_app(settings_for(backend, tmp_path)).state.services
    caller = threading.get_ident()
    on_loop = asyncio.run(services.read(lambda: threading.get_ident() == caller))
    assert on_loop is (backend == "sqlite")
    services.store.dispose()
