"""REST throughput and latency: create (validated), read and search at 1, 8 and 32 concurrent
clients against a real `lus-fhir serve` process, on SQLite and (when LUS_FHIR_TEST_POSTGRES_URL is
set) PostgreSQL. Prints one table; targets: >= 1,000 reads/s and >= 300 creates/s, p99 < 50 ms at 8.

    .venv/bin/python bench/rest.py [--seconds 5]
"""

import argparse
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from fhir_profiles import GENERATED
from tests.support.databases import fresh_postgres_database, postgres_url
from tests.support.server import start_server

FHIR = {"Content-Type": "application/fhir+json"}
PATIENT = json.loads((GENERATED / "Patient-tolvan.json").read_text())


def _run(
    clients: int, seconds: float, request: Callable[[httpx.Client, int], httpx.Response]
) -> tuple[float, float, float, int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(n: int) -> None:
        local: list[float] = []
        with httpx.Client(timeout=30) as client:
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
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else 0.0
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, p99 * 1000, errors[0]


def bench(
    label: str, data_dir: Path, database_url: str | None, seconds: float, workers: int = 1
) -> None:
    server = start_server(data_dir, database_url, workers=workers)
    base = server.base
    try:
        with httpx.Client() as client:
            ids = [
                client.post(f"{base}/Patient", json=PATIENT, headers=FHIR).json()["id"]
                for _ in range(200)
            ]
        operations: dict[str, Callable[[httpx.Client, int], httpx.Response]] = {
            "create": lambda c, i: c.post(f"{base}/Patient", json=PATIENT, headers=FHIR),
            "read": lambda c, i: c.get(f"{base}/Patient/{ids[i % len(ids)]}"),
            "search": lambda c, i: c.get(
                f"{base}/Patient", params={"_id": ids[i % len(ids)], "_count": "10"}
            ),
        }
        for name, operation in operations.items():
            for clients in (1, 8, 32):
                rate, p50, p99, errors = _run(clients, seconds, operation)
                row = (
                    f"| {label:10} | {name:6} | {clients:3} | {rate:8.0f} | {p50:7.1f} | {p99:7.1f}"
                )
                print(f"{row} | {errors:5} |", flush=True)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    print("| database   | op     | clients | req/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        bench("sqlite", Path(tmp), None, args.seconds)
    if postgres_url():
        with tempfile.TemporaryDirectory() as tmp:
            bench("postgresql", Path(tmp), fresh_postgres_database(), args.seconds)
        with tempfile.TemporaryDirectory() as tmp:
            bench("pg 2 proc", Path(tmp), fresh_postgres_database(), args.seconds, workers=2)
    else:
        print(
            "(PostgreSQL skipped: LUS_FHIR_TEST_POSTGRES_URL unset; see tests/support/postgres.sh)"
        )


if __name__ == "__main__":
    main()
