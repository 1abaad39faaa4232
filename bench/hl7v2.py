"""HL7 v2 intake throughput and ACK latency over MLLP against a real `lus-fhir serve --mllp-port`:
whole stays (A01, A08, A02, A03 of distinct patients) over 1 and 8 connections, on SQLite and
(when LUS_FHIR_TEST_POSTGRES_URL is set) PostgreSQL, each against a server that commits every
message alone (LUS_FHIR_WRITE_BATCH=1) and one with group commit (32), in alternating rounds.
Every ACK is checked for AA. Prints one row per run with the load average, then the ratios;
targets: >= 300 messages/s and ACK p99 < 100 ms on SQLite at 8 connections. `--workers N`
(PostgreSQL) instead compares one serving process with `serve --workers N`, whose processes
all take MLLP connections on the one port.

`--cpu N` instead applies N whole stays in this process (the intake called directly, committing
each message alone, SQLite) and prints the process CPU per message, the figure the throughput on
one SQLite writer is bound by; `--baseline DIR` runs the same loop on another checkout (e.g.
`git archive main | tar -x -C /tmp/main`) in alternating rounds and prints the ratio.

    .venv/bin/python bench/hl7v2.py [--seconds 10] [--rounds 2]
    LUS_FHIR_TEST_POSTGRES_URL=… .venv/bin/python bench/hl7v2.py --workers 2 [--seconds 10]
    .venv/bin/python bench/hl7v2.py --cpu 100 [--rounds 3] [--baseline /tmp/main]
"""

import argparse
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench.baseline import alternate
from service.hl7v2.client import MllpClient
from service.simulation.net import free_port
from tests.hl7v2.messages import SENDERS_FILE, adt
from tests.support.auth import REGION, load_directory, register
from tests.support.databases import fresh_postgres_database, postgres_url
from tests.support.server import ServerProcess, start_server

WARDS = ("SE2321000016-1A2B", "SE2321000016-1C4D")
# The region's integration engine: its MLLP feed writes the stays of the region's wards.
FEED_SCOPES = "system/Patient.cruds system/Encounter.cruds"


def personnummer(n: int) -> str:
    """A valid personnummer for person n (born 1930-1989, Luhn check digit)."""
    year, day, serial = 1930 + n % 60, 1 + (n // 60) % 28, (n // 1680) % 1000
    body = f"{year % 100:02d}01{day:02d}{serial:03d}"
    total = sum(
        (d * (2 - i % 2)) // 10 + (d * (2 - i % 2)) % 10 for i, d in enumerate(map(int, body))
    )
    return f"{year // 100}{body}{(10 - total % 10) % 10}"


def stay(connection: int, person: int) -> list[bytes]:
    sender = {"f3": f"BENCH{connection}", "f4": "SE2321000016-15CQ"}
    pid = {3: f"{personnummer(connection * 20_000 + person)}^^^&1.2.752.129.2.1.3.1&ISO"}
    visit = f"B{connection}-{person}^^^&1.2.752.97.77&ISO"
    steps = (("A01", WARDS[0]), ("A08", WARDS[0]), ("A02", WARDS[1]), ("A03", WARDS[1]))
    return [
        adt(
            trigger,
            control_id=f"{connection}-{person}-{trigger}",
            f7=f"2026110{1 + n}120000",
            pid=pid,
            pv1={3: ward, 19: visit, 45: "20261105120000" if trigger == "A03" else ""},
            **sender,
        )
        for n, (trigger, ward) in enumerate(steps)
    ]


def run(port: int, connections: int, seconds: float, offset: int) -> tuple[float, float, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    failures: list[bytes] = []

    def worker(connection: int) -> None:
        local: list[float] = []
        with MllpClient("127.0.0.1", port, timeout=60) as client:
            person = 0
            while time.monotonic() < deadline:
                for message in stay(offset + connection, person):
                    started = time.perf_counter()
                    ack = client.send(message)
                    local.append(time.perf_counter() - started)
                    if b"MSA|AA|" not in ack:
                        failures.append(ack)
                person += 1
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    if failures:
        raise SystemExit(f"{len(failures)} messages were not accepted, e.g. {failures[0]!r}")
    latencies.sort()
    p99 = latencies[max(int(len(latencies) * 0.99) - 1, 0)]
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, p99 * 1000


def serve(data: Path, url: str | None, batch: int, workers: int = 1) -> tuple[ServerProcess, int]:
    """A `lus-fhir serve` (of `workers` processes) with its MLLP listener, the directory and a
    feed registration."""
    port = free_port()
    database = url or f"sqlite:///{data / 'lus-fhir.sqlite3'}"
    load_directory(database)
    feed, _ = register(database, REGION, region=False, scopes=FEED_SCOPES, client_id="feed")
    env = {
        "LUS_FHIR_MLLP_PORT": str(port),
        "LUS_FHIR_HL7V2_SENDERS": SENDERS_FILE,
        "LUS_FHIR_MLLP_CLIENT": feed,
        "LUS_FHIR_WRITE_BATCH": str(batch),
    }
    server = start_server(data, url, env=env, workers=workers, timeout=120)
    if workers > 1:  # imported here: a --baseline checkout older than it runs this script too
        from tests.support.listeners import wait_for_listeners

        wait_for_listeners(port, workers)
    return server, port


# A server to measure: its label, database URL (None: SQLite), write batch, processes.
Config = tuple[str, str | None, int, int]


def measure(name: str, configs: list[Config], seconds: float, rounds: int) -> None:
    """Rounds alternate between the two servers (e.g. committing each message alone and with
    group commit), so both see the same machine load; the ratio, second over first, is taken
    round by round."""
    with tempfile.TemporaryDirectory() as first_dir, tempfile.TemporaryDirectory() as second_dir:
        servers = [
            (label, *serve(Path(data), url, batch, workers))
            for (label, url, batch, workers), data in zip(
                configs, (first_dir, second_dir), strict=True
            )
        ]
        (first, *_), (second, *_) = servers
        ratios: dict[int, list[float]] = {1: [], 8: []}
        try:
            for number in range(rounds):
                rates: dict[tuple[str, int], float] = {}
                for connections in (1, 8):
                    for label, _, port in servers:
                        offset = number * 20 + (10 if connections == 8 else 0)
                        rate, p50, p99 = run(port, connections, seconds, offset)
                        rates[label, connections] = rate
                        print(
                            f"{name:<11} {label:<7} {connections:>11} {rate:>13.0f} "
                            f"{p50:>12.1f} {p99:>12.1f}   load {os.getloadavg()[0]:.1f}",
                            flush=True,
                        )
                    ratios[connections].append(
                        rates[second, connections] / rates[first, connections]
                    )
            for connections, found in ratios.items():
                print(
                    f"{name:<11} {second}/{first} at {connections} connection(s): "
                    f"{statistics.median(found):.2f}x (rounds: "
                    f"{', '.join(f'{r:.2f}' for r in found)})",
                    flush=True,
                )
        finally:
            for _, server, _ in servers:
                server.stop()


def cpu_per_message(stays: int) -> float:
    """Milliseconds of process CPU per message over `stays` whole stays applied in-process."""
    from service.hl7v2.service import intake, mllp_principal
    from service.rest.app import create_app
    from service.settings import Settings

    with tempfile.TemporaryDirectory() as data:
        database = f"sqlite:///{Path(data) / 'lus-fhir.sqlite3'}"
        load_directory(database)
        feed, _ = register(database, REGION, region=False, scopes=FEED_SCOPES, client_id="feed")
        settings = Settings(
            database_url=database,
            run_worker=False,
            hl7v2_senders=Path(SENDERS_FILE),
            mllp_client=feed,
            write_batch=1,
        )
        services = create_app(settings).state.services
        try:
            target, principal = intake(services), mllp_principal(services)
            messages = [m for person in range(stays + 5) for m in stay(0, person)]
            for message in messages[:20]:  # warm-up: imports, caches, the first statements
                target.answer(message, principal)
            started = time.process_time()
            for message in messages[20:]:
                answer = target.answer(message, principal)
                if answer.code != "AA":
                    raise SystemExit(f"not accepted: {answer.text!r}")
            return (time.process_time() - started) * 1000 / (len(messages) - 20)
        finally:
            services.store.dispose()


def cpu(stays: int, rounds: int, baseline: str | None) -> None:
    """Alternating rounds of this checkout and the baseline, each in a fresh process."""
    found = alternate(__file__, ["--cpu-once", str(stays)], rounds, baseline, "ms CPU per message")
    this = found["this"]
    print(f"median this: {this:.2f} ms CPU per message ({1000 / this:.0f} messages/s of CPU)")
    if "base" in found:
        print(f"median base: {found['base']:.2f} ms; base/this {found['base'] / this:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cpu", type=int, metavar="STAYS", help="CPU per message, in-process")
    parser.add_argument("--cpu-once", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", help="another checkout to compare --cpu with")
    parser.add_argument(
        "--workers", type=int, help="PostgreSQL: one serving process against this many"
    )
    args = parser.parse_args()
    if args.cpu_once:
        print(f"{cpu_per_message(args.cpu_once):.4f}")
        return
    if args.cpu:
        cpu(args.cpu, args.rounds, args.baseline)
        return
    print(
        f"{'database':<11} {'server':<7} {'connections':>11} {'messages/s':>13} "
        f"{'ACK p50 ms':>12} {'p99 ms':>12}"
    )
    if args.workers:
        if not postgres_url():
            raise SystemExit("--workers needs PostgreSQL: set LUS_FHIR_TEST_POSTGRES_URL")
        configs: list[Config] = [
            ("1 proc", fresh_postgres_database(), 1, 1),
            (f"{args.workers} procs", fresh_postgres_database(), 1, args.workers),
        ]
        measure("PostgreSQL", configs, args.seconds, args.rounds)
        return
    measure("SQLite", [("alone", None, 1, 1), ("group", None, 32, 1)], args.seconds, args.rounds)
    if postgres_url():
        alone, group = fresh_postgres_database(), fresh_postgres_database()
        configs = [("alone", alone, 1, 1), ("group", group, 32, 1)]
        measure("PostgreSQL", configs, args.seconds, args.rounds)


if __name__ == "__main__":
    main()
