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

The peer, run on the same machine: with --hapi (default LUS_FHIR_TEST_HAPI_URL) the same load at
fan-out 1 goes to HAPI FHIR JPA's own R4 rest-hook Subscriptions (`Task?patient=…`, see
bench/hapi_subscriptions.py), and each set-up is also printed as ratios against it. HAPI hands
writes to its matcher every 5 s by default; the fairer, faster peer is started with
`HAPI_JAVA_OPTS=-Dlus.subscriptions.interval-ms=100 docker/hapi/start.sh`.

With --baseline DIR (a `git archive main` checkout) each set-up that has `lus-fhir worker`
processes runs again right after with those workers started from DIR's code (server, bench and
receivers stay ours; the database is taken back to the baseline's schema before they start,
bench/outbox.py), --repeat times, and ratio lines compare the delivery alone at one load. On
PostgreSQL each run also prints how the outbox was written (updates per row, the share that were
HOT, WAL and heap bytes per row) and where the latency went: event → claim (split at the commit
when the server runs with `track_commit_timestamp = on`) and claim → arrival.

    .venv/bin/python bench/subscriptions.py [--subscriptions 100] [--rate 100] [--seconds 10]
        [--hapi http://127.0.0.1:8090/fhir] [--baseline DIR [--repeat 2]]
        [--worker-option=--concurrency=64]
"""

import argparse
import contextlib
import json
import os
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy import Engine, and_, select, text

from bench.hapi_subscriptions import bench_hapi
from bench.outbox import Writes, baseline_schema
from bench.steady import HEADER, Result, row, send_steadily
from service.delivery.config import DeliveryConfig
from service.demo import directory_bundle
from service.settings import Settings
from service.storage.database import engine_for
from service.storage.schema import outbox
from service.subscriptions.queue import EVENT
from tests.subscriptions.support import FHIR, Hook, notification_type, status_of, subscription
from tests.support.databases import fresh_postgres_database, postgres_url
from tests.support.receiver import Receiver
from tests.support.server import WorkerProcess, start_server
from tests.workflow.conftest import notification, patient, stay

# (label, on PostgreSQL, server processes [+ lus-fhir worker processes])
SETUPS = [("sqlite", False, "1"), ("postgresql", True, "1"), ("postgresql", True, "2")]
SETUPS.append(("postgresql", True, "1+1w"))
WORKER_TIMEOUT = 5.0  # LUS_FHIR_DELIVERY_TIMEOUT_SECONDS of a WorkerProcess: sizes its lease


class Arrivals:
    """Counts the hook's notifications by type, parsing each body once. `Hook.bundles` parses
    every body received so far under the receiver's lock: polled every 20 ms while 10,000
    notifications drained, it held that lock most of the time, so the receiver answered late
    and the latencies measured the bench's own polling."""

    def __init__(self, hook: Receiver) -> None:
        self.hook = hook
        self.seen = 0
        self.counts: Counter[str] = Counter()

    def count(self, kind: str) -> int:
        new = self.hook.requests[self.seen :]  # appended to only; a slice is taken atomically
        self.seen += len(new)
        self.counts.update(notification_type(json.loads(r.body)) for r in new)
        return self.counts[kind]


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


def _subscribe(
    client: httpx.Client, arrivals: Arrivals, stays: list[tuple[str, str]], count: int
) -> None:
    for i in range(count):
        patient_filter = f"patient=Patient/{stays[i % len(stays)][0]}"
        resource = subscription(
            "utskrivningsklar", f"{arrivals.hook.url}/{i}", filters=(patient_filter,)
        )
        assert client.post("/fhir/Subscription", json=resource, headers=FHIR).status_code == 201
    deadline = time.monotonic() + 60
    while arrivals.count("handshake") < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {arrivals.count('handshake')}/{count} handshakes")
        time.sleep(0.05)


def _send(client: httpx.Client, stays: list[tuple[str, str]], n: int) -> None:
    task = notification("utskrivningsklar", *stays[n % len(stays)], "2026-11-20T17:00:00+01:00")
    response = client.post("/fhir/Task", json=task, headers=FHIR)
    if response.status_code != 201:
        raise RuntimeError(response.text[:500])


def bench(
    database_url: str | None,
    workers: int,
    delivery_processes: int,
    count: int,
    fan_out: int,
    rate: float,
    seconds: float,
    code: Path | None = None,
    worker_options: tuple[str, ...] = (),
) -> tuple[Result, str]:
    """One run and, on PostgreSQL, how it wrote the outbox; `code` is the checkout the worker
    processes' `python -m service.cli.worker` comes from (the module is found in the working
    directory first) and whose schema they run on, ours when None."""
    engine = engine_for(Settings(database_url=database_url).database()) if database_url else None
    before = Writes.now(engine) if engine else None
    hook = Hook(keep_alive=True).start()
    arrivals = Arrivals(hook)
    sink = Receiver(keep_alive=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        deliver = not delivery_processes
        server = start_server(Path(tmp), database_url, deliver=deliver, workers=workers)
        delivering: list[WorkerProcess] = []
        try:
            root, auth = server.root, server.auth()  # its key store migrates the database
            if engine and code:
                baseline_schema(engine, code)
            with contextlib.chdir(code or Path.cwd()):
                delivering += [
                    WorkerProcess(str(database_url), Path(tmp) / f"worker-{i}.log", *worker_options)
                    for i in range(delivery_processes)
                ]
            with httpx.Client(base_url=root, timeout=30, auth=auth) as client:
                _directory(client, sink.url)
                stays = _stays(client, count // fan_out)
                _subscribe(client, arrivals, stays, count)
            began = time.monotonic()
            sent = len(send_steadily(root, rate, seconds, lambda c, n: _send(c, stays, n), auth))
            sending = time.monotonic() - began
            expected = sent * fan_out
            deadline = time.monotonic() + max(120, expected / 50)  # a backlog drains too
            while arrivals.count("event-notification") < expected:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{arrivals.count('event-notification')}/{expected}")
                time.sleep(0.02)
            done = time.monotonic() - began
        finally:
            for process in delivering:
                process.stop()
            server.stop()
            hook.stop()
            sink.stop()
    latencies = []
    stamped: dict[str, tuple[float, float]] = {}  # outbox key: event time, arrival
    for (_, body), arrived in zip(hook.received, hook.arrivals, strict=True):
        status = status_of(body)
        if status["type"] == "event-notification":
            event = status["events"][0]
            at = _seconds(event["timestamp"])
            latencies.append((arrived - at) * 1000)
            key = f"{status['subscription']['reference']}|{event['event-number']}"
            stamped.setdefault(key, (at, arrived))
    writes = ""
    if engine and before:
        writes = f"{Writes.now(engine).since(before)}\n  {_stages(engine, stamped)}"
        engine.dispose()
    return Result.of(latencies, sent, sending, expected, done), writes


def _seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


_COMMITTED = text(
    "SELECT 'Subscription/' || subscription_id || '|' || event_number,"
    " extract(epoch FROM pg_xact_commit_timestamp(xmin)) FROM subscription_events"
    " WHERE current_setting('track_commit_timestamp')::boolean"
)


def _stages(engine: Engine, stamped: dict[str, tuple[float, float]]) -> str:
    """Where an event's latency went, from the rows delivered at their first attempt (claimed
    at next_attempt_at less the lease): event → commit of the server's write (when the database
    runs with track_commit_timestamp, read from the event's log row), commit → claim (the outbox
    backlog), claim → arrival (the send, after the rows ahead of it in its run)."""
    lease = DeliveryConfig.from_settings(Settings(delivery_timeout_seconds=WORKER_TIMEOUT))
    query = select(outbox.c.idempotency_key, outbox.c.next_attempt_at).where(
        and_(outbox.c.event == EVENT, outbox.c.attempts == 1)
    )
    with engine.connect() as conn:
        claimed = {key: _seconds(at) - lease.lease_seconds for key, at in conn.execute(query)}
        committed = {key: float(at) for key, at in conn.execute(_COMMITTED)}
    keys = [k for k in stamped if k in claimed]
    if not keys:
        return "no first-attempt rows"
    spans: dict[str, list[float]] = {}
    if all(k in committed for k in keys):
        spans["event → commit"] = [committed[k] - stamped[k][0] for k in keys]
        spans["commit → claim"] = [claimed[k] - committed[k] for k in keys]
    else:
        spans["event → claim"] = [claimed[k] - stamped[k][0] for k in keys]
    spans["claim → arrival"] = [stamped[k][1] - claimed[k] for k in keys]

    def p(values: list[float], share: float) -> float:
        return sorted(values)[int(share * (len(values) - 1))] * 1000

    figures = [f"{name} p50 {p(v, 0.5):.0f} p99 {p(v, 0.99):.0f} ms" for name, v in spans.items()]
    return f"{', '.join(figures)} ({len(keys)} rows)"


def _ratios(ours: Result, peer: Result) -> str:
    return (
        f"{ours.events_per_s / peer.events_per_s:.2f}× the events/s, "
        f"{ours.notifications_per_s / peer.notifications_per_s:.2f}× the notifications/s, "
        f"p99 {ours.p99 / peer.p99:.3f}× HAPI's"
    )


def _against_baseline(
    setup: str, fan_out: int, results: dict[Path | None, list[Result]], baseline: Path
) -> str:
    """Our workers against the baseline's, median of each side's runs."""
    ours, base = results[None], results[baseline]

    def ratio(figure: Callable[[Result], float]) -> float:
        return statistics.median(map(figure, ours)) / statistics.median(map(figure, base))

    return (
        f"- {setup} fan-out {fan_out} against the baseline workers: "
        f"{ratio(lambda r: r.notifications_per_s):.2f}× the notifications/s, "
        f"p50 {ratio(lambda r: r.p50):.2f}×, p99 {ratio(lambda r: r.p99):.2f}× "
        f"(load average {os.getloadavg()[0]:.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscriptions", type=int, default=100)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--hapi",
        default=os.environ.get("LUS_FHIR_TEST_HAPI_URL"),
        help="FHIR base of a running HAPI server (docker/hapi) to run the peer on "
        "(default: LUS_FHIR_TEST_HAPI_URL)",
    )
    parser.add_argument(
        "--setup",
        action="append",
        choices=[f"{label} {processes}" for label, _, processes in SETUPS],
        help="run only these set-ups (repeatable; default: all)",
    )
    parser.add_argument("--fan-out", type=int, action="append", help="default: 1 and 10")
    parser.add_argument("--baseline", type=Path, help="checkout to compare the workers against")
    parser.add_argument("--repeat", type=int, default=1, help="ours/baseline pairs per set-up")
    parser.add_argument(
        "--worker-option",
        action="append",
        default=[],
        help="an option of the `lus-fhir worker` processes, e.g. --worker-option=--concurrency=64",
    )
    args = parser.parse_args()
    print(HEADER)
    setups = [s for s in SETUPS if not args.setup or f"{s[0]} {s[2]}" in args.setup]
    if not postgres_url():
        setups = [s for s in setups if not s[1]]
    ours: list[tuple[str, Result]] = []
    for label, postgres, processes in setups:
        workers, _, delivery = processes.partition("+")
        delivery_processes = int(delivery.removesuffix("w") or 0)
        codes: list[Path | None] = [None]
        if args.baseline and delivery_processes:
            codes = [None, args.baseline] * args.repeat
        for fan_out in args.fan_out or (1, 10):
            results: dict[Path | None, list[Result]] = {}
            for code in codes:  # ours and the baseline's one right after the other: alike loads
                database = fresh_postgres_database() if postgres else None
                result, writes = bench(
                    database,
                    int(workers),
                    delivery_processes,
                    args.subscriptions,
                    fan_out,
                    args.rate,
                    args.seconds,
                    code,
                    tuple(args.worker_option),
                )
                name = f"{label} base" if code else label
                print(row(name, processes, args.subscriptions, fan_out, result), flush=True)
                if writes:
                    print(f"  outbox: {writes}", flush=True)
                results.setdefault(code, []).append(result)
            if fan_out == 1:
                ours.append((f"{label} {processes}", results[None][0]))
            if args.baseline in results:
                print(_against_baseline(f"{label} {processes}", fan_out, results, args.baseline))
    if not postgres_url():
        print(
            "(PostgreSQL skipped: LUS_FHIR_TEST_POSTGRES_URL unset; see tests/support/postgres.sh)"
        )
    if not args.hapi:
        print("(HAPI peer skipped: no --hapi / LUS_FHIR_TEST_HAPI_URL; see docker/hapi)")
        return
    peer = bench_hapi(args.hapi.rstrip("/"), args.subscriptions, args.rate, args.seconds)
    print(row("hapi", "1", args.subscriptions, 1, peer), flush=True)
    for setup, result in ours:
        print(f"- lus-fhir {setup} against HAPI (fan-out 1): {_ratios(result, peer)}")


if __name__ == "__main__":
    main()
