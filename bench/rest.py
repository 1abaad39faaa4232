"""REST throughput and latency, and what security costs: validated creates, reads and searches
at 1, 8 and 32 concurrent clients against real `lus-fhir serve` processes, on SQLite and (when
LUS_FHIR_TEST_POSTGRES_URL is set) PostgreSQL.

Each database runs two servers side by side with the same data: *secure* (authentication,
access policy and access log on; the clients are Södersjukhuset's system with a token from the
token endpoint, so every read runs the participation check) and *open* (LUS_FHIR_AUTH=off,
LUS_FHIR_AUDIT=off). Rounds alternate between them, so machine noise hits both alike; the
ratio secure/open is the median over the rounds. Target: >= 0.90 for reads and creates.

    .venv/bin/python bench/rest.py [--seconds 5] [--rounds 3]
"""

import argparse
import json
import math
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import httpx

from fhir_profiles import GENERATED
from tests.support.auth import backend_auth, load_directory
from tests.support.databases import fresh_postgres_database, postgres_url
from tests.support.server import ServerProcess, start_server

FHIR = {"Content-Type": "application/fhir+json"}
PATIENT = json.loads((GENERATED / "Patient-tolvan.json").read_text())
HOSPITAL = "Organization/sodersjukhuset"
OPEN = {"LUS_FHIR_AUTH": "off", "LUS_FHIR_AUDIT": "off"}
Operation = Callable[[httpx.Client, int], httpx.Response]


def _run(
    clients: int, seconds: float, request: Operation, auth: httpx.Auth | None
) -> tuple[float, float, float, int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(n: int) -> None:
        local: list[float] = []
        with httpx.Client(timeout=30, auth=auth) as client:
            i = 0
            while time.monotonic() < deadline:
                started = time.perf_counter()
                response = request(client, n * 1_000_000 + i)
                local.append(time.perf_counter() - started)
                if response.status_code >= 400:
                    with lock:
                        errors[0] += 1
                i += 1
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    if not latencies:  # not one answer within the round (a machine loaded far past its cores)
        return 0.0, math.nan, math.nan, errors[0]
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else 0.0
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, p99 * 1000, errors[0]


def _operations(base: str, ids: list[str]) -> dict[str, Operation]:
    return {
        "create": lambda c, i: c.post(f"{base}/Patient", json=PATIENT, headers=FHIR),
        "read": lambda c, i: c.get(f"{base}/Patient/{ids[i % len(ids)]}"),
        "search": lambda c, i: c.get(
            f"{base}/Patient", params={"_id": ids[i % len(ids)], "_count": "10"}
        ),
    }


def _prepared(server: ServerProcess, auth: httpx.Auth | None) -> list[str]:
    with httpx.Client(auth=auth, timeout=30) as client:
        return [
            client.post(f"{server.base}/Patient", json=PATIENT, headers=FHIR).json()["id"]
            for _ in range(200)
        ]


def bench(label: str, database: Callable[[], str | None], seconds: float, rounds: int) -> None:
    with ExitStack() as stack:
        servers: dict[str, tuple[ServerProcess, httpx.Auth | None]] = {}
        for mode in ("secure", "open"):
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            url = database() or f"sqlite:///{folder / 'lus-fhir.sqlite3'}"
            load_directory(url)
            server = start_server(folder, url, env=OPEN if mode == "open" else None)
            stack.callback(server.stop)
            auth = None
            if mode == "secure":
                auth = backend_auth(
                    url,
                    server.root,
                    organization=HOSPITAL,
                    region=False,
                    scopes="system/Patient.cruds",
                )
            servers[mode] = (server, auth)
        operations = {
            mode: _operations(server.base, _prepared(server, auth))
            for mode, (server, auth) in servers.items()
        }
        for name in ("create", "read", "search"):
            for clients in (1, 8, 32):
                rates: dict[str, list[float]] = {"secure": [], "open": []}
                shown: dict[str, tuple[float, float, int]] = {}
                for _ in range(rounds):
                    for mode in ("open", "secure"):
                        rate, p50, p99, errors = _run(
                            clients, seconds, operations[mode][name], servers[mode][1]
                        )
                        rates[mode].append(rate)
                        shown[mode] = (p50, p99, errors)
                pairs = zip(rates["secure"], rates["open"], strict=True)
                ratio = statistics.median([s / o for s, o in pairs if o] or [math.nan])
                for mode in ("open", "secure"):
                    p50, p99, errors = shown[mode]
                    rate = statistics.median(rates[mode])
                    cells = f"{label:10} | {mode:6} | {name:6} | {clients:3} | {rate:8.0f}"
                    tail = f"{p50:7.1f} | {p99:7.1f} | {errors:5}"
                    extra = f"{ratio:5.2f}" if mode == "secure" else "     "
                    print(f"| {cells} | {tail} | {extra} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print("| database | mode | op | clients | req/s | p50 ms | p99 ms | errors | secure/open |")
    print("|---|---|---|---|---|---|---|---|---|")
    bench("sqlite", lambda: None, args.seconds, args.rounds)
    if postgres_url():
        bench("postgresql", fresh_postgres_database, args.seconds, args.rounds)
    else:
        print(
            "(PostgreSQL skipped: LUS_FHIR_TEST_POSTGRES_URL unset; see tests/support/postgres.sh)"
        )


if __name__ == "__main__":
    main()
