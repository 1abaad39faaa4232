"""Run the service in this process on a loopback port, with the demo data loaded: the harness
`lus-fhir demo` and the end-to-end tests share."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from service.demo import load_demo
from service.rest.app import create_app
from service.settings import Settings
from service.simulation.credentials import Credentials
from service.simulation.net import free_port


@dataclass(frozen=True)
class Running:
    base: str  # the FHIR base URL
    loaded: int  # demo resources loaded
    credentials: Credentials  # registered clients of the simulated systems


@contextmanager
def running(settings: Settings, port: int = 0) -> Iterator[Running]:
    """The service on a loopback port with the demo data; stops the server on exit."""
    port = port or free_port()
    app = create_app(settings)
    base = f"http://127.0.0.1:{port}/fhir"
    services = app.state.services
    count = load_demo(services.engine_processor(base))
    credentials = Credentials(services.store, base.removesuffix("/fhir"))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the service did not start on port {port}")
        time.sleep(0.05)
    try:
        yield Running(base, count, credentials)
    finally:
        server.should_exit = True
        thread.join(15)
