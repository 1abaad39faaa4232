"""Every route sits in the app's own list and carries the checks every route must make."""

from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute
from fastapi.testclient import TestClient

from service.http import errors, routing
from service.http.url import check_url
from service.rest.app import create_app
from service.settings import Settings


def test_the_app_matches_its_routes_directly_and_each_checks_the_url(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, run_worker=False))
    routes = [r for r in app.router.routes if isinstance(r, APIRoute | APIWebSocketRoute)]
    assert {r.path for r in routes} >= {"/fhir/{res_type}/{res_id}", "/fhir/ws", "/hl7v2"}
    assert all(hasattr(r, "path_regex") for r in app.router.routes)  # no included router
    assert all(check_url in [d.dependency for d in r.dependencies] for r in routes)


def test_a_router_built_without_the_checks_stops_start_up() -> None:
    plain = APIRouter(prefix="/fhir")

    @plain.get("/unchecked")
    async def unchecked() -> dict[str, str]:
        return {}

    with pytest.raises(ValueError, match="/fhir/unchecked lacks"):
        routing.include(FastAPI(), plain)


def test_an_included_route_refuses_a_nul_like_every_route() -> None:
    checked = routing.router(prefix="/x")

    @checked.get("/{name}")
    async def named(name: str) -> dict[str, str]:
        return {"name": name}

    app = FastAPI()
    errors.install(app)
    routing.include(app, checked)
    with TestClient(app) as client:
        assert client.get("/x/a").json() == {"name": "a"}
        refused = client.get("/x/a?q=%00")
        assert refused.status_code == 400
        assert refused.json()["issue"][0]["expression"] == ["q"]
