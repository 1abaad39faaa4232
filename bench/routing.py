"""What route matching costs a request: the app as served (every route in the app's own list,
service/http/routing.py) against the same routes behind FastAPI's `include_router`, which
matches an included router twice a request with scope bookkeeping per candidate. Both in this
process, in alternating rounds, on one app (the route list swapped between rounds), through the
ASGI interface (no socket, no load generator sharing the cores): the process CPU per request of
a read by id (a Patient that does not exist: the engine's read and the 404 OperationOutcome)
and an empty search, with authentication off so only the stack is measured.

    .venv/bin/python bench/routing.py [--requests 3000] [--rounds 5]
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import MutableMapping
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute

REQUESTS = {"read": ("/fhir/Patient/bench-missing", b""), "search": ("/fhir/Task", b"status=draft")}


async def call(app: FastAPI, path: str, query: bytes) -> int:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"accept", b"application/fhir+json")],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return int(sent[0]["status"])


def behind_include_router(routes: list[BaseRoute]) -> list[BaseRoute]:
    """The same routes as FastAPI's include_router keeps them: one included router."""
    grouped = APIRouter()
    grouped.routes.extend(routes)
    scratch = FastAPI()
    scratch.include_router(grouped)
    return list(scratch.router.routes)


async def cpu_per_request(app: FastAPI, name: str, requests: int) -> float:
    path, query = REQUESTS[name]
    expected = await call(app, path, query)
    start = time.process_time()
    for _ in range(requests):
        if await call(app, path, query) != expected:
            raise SystemExit(f"{name}: the answer changed during the run")
    return (time.process_time() - start) / requests * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.update(
        LUS_FHIR_DATABASE_URL=f"sqlite:///{tempfile.mkdtemp()}/routing.sqlite3",
        LUS_FHIR_AUTH="off",
        LUS_FHIR_AUDIT="off",
    )
    from service.rest.app import create_app

    app = create_app()
    flat = list(app.router.routes)
    sides = {"flat": flat, "include_router": behind_include_router(flat)}
    print(f"{len(flat)} routes; ms of CPU per request, round by round")
    for name in REQUESTS:
        measured: dict[str, list[float]] = {side: [] for side in sides}
        for number in range(args.rounds):
            for side, routes in sides.items():
                app.router.routes[:] = routes
                measured[side].append(await cpu_per_request(app, name, args.requests))
            ratio = measured["include_router"][-1] / measured["flat"][-1]
            print(
                f"{name} round {number + 1}: flat {measured['flat'][-1]:.3f}, include_router "
                f"{measured['include_router'][-1]:.3f} ({ratio:.2f}x)   "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        flat_ms = statistics.median(measured["flat"])
        included_ms = statistics.median(measured["include_router"])
        print(
            f"{name}: flat {flat_ms:.3f} ms, include_router {included_ms:.3f} ms, "
            f"saved {included_ms - flat_ms:.3f} ms ({included_ms / flat_ms:.2f}x)"
        )


if __name__ == "__main__":
    asyncio.run(main())
