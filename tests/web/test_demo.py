"""`serve --demo` writes its simulated year only into a database without stays of its own."""

from pathlib import Path

from service.demo import has_stays, load_demo
from service.rest.app import create_app
from service.settings import Settings
from tests.statistics.world import Clock, World
from tests.support.auth import signed_in


def test_the_demo_history_is_written_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, run_worker=False)
    app = create_app(settings)
    services = app.state.services
    load_demo(services.engine_processor("http://localhost/fhir"))
    assert not has_stays(services.store)  # the guide's example stays do not count
    with signed_in(app) as client:
        world = World(client, Clock(), settings.database())
        world.admitted(world.patient("0114"), "2026-10-01T08:00:00+02:00")
    assert has_stays(services.store)
