"""What route matching costs a request: the app as served (every route in the app's own list,
service/http/routing.py) against the same routes behind FastAPI's `include_router`, which
matches an included router twice a request with scope bookkeeping per candidate. Both in this
process, in alternating rounds, on one app (the route list swapped between rounds), through the
ASGI interface (no socket, no load generator sharing the cores): the process CPU per request of
a read by id of a stored Patient, a read of one that does not exist (the 404 OperationOutcome)
and a search by `_id`, with authentication off so only the stack is measured.

    .venv/bin/python bench/routing.py [--requests 3000] [--rounds 5]
"""

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import MutableMapping
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute

from bench.peer import directory_bundle, patient


async def call(
    app: FastAPI, path: str, query: bytes = b"", method: str = "GET", body: bytes = b""
) -> tuple[int, bytes]:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"accept", b"application/fhir+json"),
            (b"content-type", b"application/fhir+json"),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return int(sent[0]["status"]), b"".join(m.get("body", b"") for m in sent[1:])


async def stored_patient(app: FastAPI) -> str:
    """The directory and one patient, written the way bench/peer.py loads every server."""
    for path, resource in (("/fhir", directory_bundle()), ("/fhir/Patient", patient(1))):
        status, answer = await call(app, path, method="POST", body=json.dumps(resource).encode())
        if status >= 300:
            raise SystemExit(f"POST {path}: {status} {answer[:300]!r}")
    return str(json.loads(answer)["id"])


def behind_include_router(routes: list[BaseRoute]) -> list[BaseRoute]:
    """The same routes as FastAPI's include_router keeps them: one included router."""
    grouped = APIRouter()
    grouped.routes.extend(routes)
    scratch = FastAPI()
    scratch.include_router(grouped)
    return list(scratch.router.routes)


async def cpu_per_request(app: FastAPI, path: str, query: bytes, requests: int) -> float:
    expected, _ = await call(app, path, query)
    start = time.process_time()
    for _ in range(requests):
        if (await call(app, path, query))[0] != expected:
            raise SystemExit(f"{path}: the status changed during the run")
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
    found = await stored_patient(app)
    requests = {
        "read": (f"/fhir/Patient/{found}", b""),
        "read 404": ("/fhir/Patient/bench-missing", b""),
        "search _id": ("/fhir/Patient", f"_id={found}".encode()),
    }
    flat = list(app.router.routes)
    sides = {"flat": flat, "include_router": behind_include_router(flat)}
    print(f"{len(flat)} routes; ms of CPU per request, round by round")
    for name, (path, query) in requests.items():
        measured: dict[str, list[float]] = {side: [] for side in sides}
        for number in range(args.rounds):
            for side, routes in sides.items():
                app.router.routes[:] = routes
                measured[side].append(await cpu_per_request(app, path, query, args.requests))
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
