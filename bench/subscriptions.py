"""Subscription notifications end to end: 100 active rest-hook subscriptions, notification Tasks
sent over REST at a steady --rate, latency from the event (the Task's lastUpdated, stamped inside
the write's transaction, so before its commit) to the notification's arrival at a keep-alive
receiver on loopback.

The Stockholm directory is loaded with every Endpoint pointed at a loopback sink, so each Task is
routed and delivered as in production (that outbox traffic shares the worker). Each subscription
filters on one patient; `fan-out` subscriptions match every event (1: one notification per
event; 10: ten). A real `lus-fhir serve` with its delivery worker; SQLite, and PostgreSQL when
LUS_FHIR_TEST_POSTGRES_URL is set, there also with `--workers 2` (two server processes sharing
the database, each delivering through SKIP LOCKED claims) and as one server process plus one
`lus-fhir worker` process (`1+1w`: requests and deliveries each get a core).

    .venv/bin/python bench/subscriptions.py [--subscriptions 100] [--rate 100] [--seconds 10]
"""

import argparse
import statistics
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import httpx

from service.demo import directory_bundle
from tests.subscriptions.support import FHIR, Hook, status_of, subscription
from tests.support.databases import fresh_postgres_database, postgres_url
from tests.support.receiver import Receiver
from tests.support.server import WorkerProcess, start_server
from tests.workflow.conftest import notification, patient, stay

CLIENTS = 16  # enough that a slow response does not lower the offered rate


def _directory(client: httpx.Client, sink: str) -> None:
    bundle = directory_bundle()
    for entry in bundle["entry"]:
        if entry.get("resource", {}).get("resourceType") == "Endpoint":
            entry["resource"]["address"] = sink
    assert client.post("/fhir", json=bundle, headers=FHIR).status_code == 200


def _stays(client: httpx.Client, count: int) -> list[tuple[str, str]]:
    """Admitted patients (stay + admission notice), so the events cause no deviations."""
    stays = []
    for _ in range(count):
        p = patient(client, "0180", "hagersten-alvsjo")
        ids = (p, stay(client, p, "2026-11-20T08:00:00+01:00"))
        admission = notification("inskrivningsmeddelande", *ids, "2026-11-20T09:00:00+01:00")
        assert client.post("/fhir/Task", json=admission, headers=FHIR).status_code == 201
        stays.append(ids)
    return stays


def _subscribe(client: httpx.Client, hook: Hook, stays: list[tuple[str, str]], count: int) -> None:
    for i in range(count):
        patient_filter = f"patient=Patient/{stays[i % len(stays)][0]}"
        resource = subscription("utskrivningsklar", f"{hook.url}/{i}", filters=(patient_filter,))
        assert client.post("/fhir/Subscription", json=resource, headers=FHIR).status_code == 201
    deadline = time.monotonic() + 60
    while len(hook.bundles("handshake")) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(hook.bundles('handshake'))}/{count} handshakes")
        time.sleep(0.05)


def _send(client: httpx.Client, stays: list[tuple[str, str]], n: int) -> None:
    task = notification("utskrivningsklar", *stays[n % len(stays)], "2026-11-20T17:00:00+01:00")
    response = client.post("/fhir/Task", json=task, headers=FHIR)
    if response.status_code != 201:
        raise RuntimeError(response.text[:500])


def _load(base: str, stays: list[tuple[str, str]], rate: float, seconds: float) -> int:
    """Send at `rate`/s from CLIENTS threads on a fixed schedule; returns how many were sent."""
    total = int(rate * seconds)
    start = time.monotonic() + 0.2

    def client_loop(offset: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            for n in range(offset, total, CLIENTS):
                delay = start + n / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                _send(client, stays, n)

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return total


def bench(
    label: str,
    database_url: str | None,
    workers: int,
    delivery_processes: int,
    count: int,
    fan_out: int,
    rate: float,
    seconds: float,
) -> str:
    hook = Hook(keep_alive=True).start()
    sink = Receiver(keep_alive=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        deliver = not delivery_processes
        server = start_server(Path(tmp), database_url, deliver=deliver, workers=workers)
        delivering = [
            WorkerProcess(str(database_url), Path(tmp) / f"worker-{i}.log")
            for i in range(delivery_processes)
        ]
        root = server.base.removesuffix("/fhir")
        try:
            with httpx.Client(base_url=root, timeout=30) as client:
                _directory(client, sink.url)
                stays = _stays(client, count // fan_out)
                _subscribe(client, hook, stays, count)
            began = time.monotonic()
            sent = _load(root, stays, rate, seconds)
            sending = time.monotonic() - began
            expected = sent * fan_out
            deadline = time.monotonic() + 120
            while len(hook.bundles("event-notification")) < expected:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{len(hook.bundles('event-notification'))}/{expected}")
                time.sleep(0.02)
            done = time.monotonic() - began
        finally:
            for process in delivering:
                process.stop()
            server.stop()
            hook.stop()
            sink.stop()
    latencies = []
    for (_, body), arrived in zip(hook.received, hook.arrivals, strict=True):
        status = status_of(body)
        if status["type"] == "event-notification":
            at = datetime.fromisoformat(status["events"][0]["timestamp"].replace("Z", "+00:00"))
            latencies.append((arrived - at.timestamp()) * 1000)
    latencies.sort()
    p99 = latencies[int(0.99 * (len(latencies) - 1))]
    return (
        f"| {label:10} | {workers}{f'+{delivery_processes}w' if delivery_processes else ''} "
        f"| {count:4} | {fan_out:3} "
        f"| {sent / sending:8.1f} | {expected / done:8.1f} "
        f"| {statistics.median(latencies):7.1f} | {p99:7.1f} | {latencies[-1]:7.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscriptions", type=int, default=100)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    print(
        "| database   | processes | subs | fan-out | events/s | notifications/s "
        "| p50 ms | p99 ms | max ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    setups = [("sqlite", False, 1, 0)]
    if postgres_url():
        setups += [("postgresql", True, n, workers) for n, workers in ((1, 0), (2, 0), (1, 1))]
    if not postgres_url():
        print(
            "(PostgreSQL skipped: LUS_FHIR_TEST_POSTGRES_URL unset; see tests/support/postgres.sh)"
        )
    for label, postgres, workers, delivery_processes in setups:
        for fan_out in (1, 10):
            database = fresh_postgres_database() if postgres else None
            row = bench(
                label,
                database,
                workers,
                delivery_processes,
                args.subscriptions,
                fan_out,
                args.rate,
                args.seconds,
            )
            print(row, flush=True)


if __name__ == "__main__":
    main()
