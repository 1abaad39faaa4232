"""Outbox delivery throughput and latency: from the committed outbox insert to the receiver's
receipt, with real `lus-fhir worker` processes and a fast keep-alive receiver on loopback.

Two loads per set-up: a burst (N rows queued at once; throughput = N / time to the last receipt)
and a steady stream at --rate rows/s in small transactions (latency p50/p99 per row). Set-ups:
SQLite with 1 worker, PostgreSQL (LUS_FHIR_TEST_POSTGRES_URL) with 1 and 4 workers.
Targets (issue 17): one worker >= 1,000 notifications/s in the burst, steady p99 < 500 ms.
The workers' CPU time per notification in the burst is printed too (Linux /proc): on a shared,
loaded machine it says more than the wall-clock rate, whose ceiling is 1000 / (CPU ms) per core;
on PostgreSQL so is the database server's CPU per notification ("db ms", all its processes).

With --baseline DIR (a `git archive main` checkout, see docs/hardening.md) each set-up runs
again right after with the workers started from DIR's code, and the table adds our/baseline
ratios of the burst rate and the CPU per notification (one load, both alike); the baseline's
workers run on the baseline's schema (bench/outbox.py). On PostgreSQL each run also prints how
the outbox was written: updates per row, how many of them were HOT, WAL and heap bytes per row.

    .venv/bin/python bench/delivery.py [--burst 2000] [--rate 250] [--seconds 8] [--baseline DIR]
        [--setup "postgres 1" ...]
"""

import argparse
import contextlib
import itertools
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, func, select

from bench.outbox import Writes, baseline_schema, server_pids
from service.storage.database import engine_for, is_postgres, migrate
from service.storage.schema import outbox
from service.storage.store import Store
from tests.delivery.support import enqueue, row
from tests.support.databases import fresh_postgres_database, postgres_url
from tests.support.receiver import Receiver, receiver
from tests.support.server import WorkerProcess

SERIAL = itertools.count()  # unique notification numbers across runs
PATIENTS = 200  # ordering keys: rows of one patient are delivered strictly one after another


class Run:
    """Queues rows and remembers when each was committed (monotonic, same clock as receipt)."""

    def __init__(self, engine: Engine, target: Receiver) -> None:
        self.engine, self.target = engine, target
        self.store = Store(engine)
        self.queued: dict[str, float] = {}

    def queue(self, count: int) -> None:
        numbers = [next(SERIAL) for _ in range(count)]
        rows = [row(n, n % PATIENTS, self.target.url) for n in numbers]
        enqueue(self.engine, rows, self.store.clock())
        now = time.monotonic()
        self.queued.update((r.key, now) for r in rows)

    def wait_delivered(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while len(set(self.target.keys())) < len(self.queued):
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {len(set(self.target.keys()))}/{len(self.queued)}")
            time.sleep(0.01)

    def latencies(self) -> list[float]:
        first: dict[str, float] = {}
        for request in self.target.requests:
            first.setdefault(request.key, request.at)
        return [first[key] - at for key, at in self.queued.items()]

    def pending(self) -> int:
        with self.engine.connect() as conn:
            query = select(func.count()).where(outbox.c.status != "delivered")
            return int(conn.execute(query).scalar_one())


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time each process has used so far (those still running)."""
    used = {}
    for pid in pids:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def used_since(before: dict[int, float], pids: list[int]) -> float:
    """CPU seconds the processes used since `before`, over those running both times."""
    now = cpu_seconds(pids)
    return sum(now[pid] - before[pid] for pid in now if pid in before)


def burst(
    engine: Engine, target: Receiver, count: int, pids: list[int]
) -> tuple[float, float, float]:
    """Rows per second, the workers' CPU milliseconds per row and, on PostgreSQL, the database
    server's (all its processes: the inserts, the workers' rounds, WAL writing)."""
    run = Run(engine, target)
    database = server_pids(engine) if is_postgres(engine) else []
    used, database_used = cpu_seconds(pids), cpu_seconds(database)
    started = time.monotonic()
    for _ in range(count // 100):
        run.queue(100)
    run.wait_delivered()
    rate = count / (max(r.at for r in target.requests) - started)
    per_row = 1000 / count
    return rate, used_since(used, pids) * per_row, used_since(database_used, database) * per_row


def steady(engine: Engine, target: Receiver, rate: float, seconds: float) -> list[float]:
    run = Run(engine, target)
    per_tx = 5
    interval = per_tx / rate
    started = time.monotonic()
    for n in range(int(rate * seconds / per_tx)):
        delay = started + n * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        run.queue(per_tx)
    run.wait_delivered()
    return run.latencies()


Measured = tuple[str, int, float, float, float, float, float, float, str]
SETUPS = ("sqlite 1", "postgres 1", "postgres 4")


def measure(
    name: str,
    url: str,
    workers: int,
    options: tuple[str, ...],
    args: argparse.Namespace,
    code: Path | None = None,
) -> Measured:
    """One set-up; `code` is the checkout whose `python -m service.cli.worker` runs (the
    module is found in the working directory first), ours when None."""
    engine = engine_for(url.replace("postgresql://", "postgresql+psycopg://", 1))
    migrate(engine)
    if code:
        baseline_schema(engine, code)
    postgres = is_postgres(engine)
    before = Writes.now(engine) if postgres else None
    with tempfile.TemporaryDirectory() as tmp, receiver(keep_alive=True) as target:
        with contextlib.chdir(code or Path.cwd()):
            processes = [
                WorkerProcess(url, Path(tmp) / f"w{i}.log", "--concurrency", "16", *options)
                for i in range(workers)
            ]
        try:
            steady(engine, target, args.rate / 5, 1)  # warm-up: connections, caches
            target.requests.clear()
            pids = [p.process.pid for p in processes]
            rate, cpu, database_cpu = burst(engine, target, args.burst, pids)
            target.requests.clear()
            latencies = sorted(steady(engine, target, args.rate, args.seconds))
        finally:
            for process in processes:
                process.stop()
    writes = Writes.now(engine).since(before) if before else ""
    engine.dispose()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    return name, workers, rate, cpu, database_cpu, p50, p99, latencies[-1] * 1000, writes


def _sqlite(tmp: Path, args: argparse.Namespace, code: Path | None) -> Measured:
    database = f"sqlite:///{tmp / ('baseline' if code else 'bench')}.sqlite3"
    # A separate SQLite worker is not woken by NOTIFY (the serve-process one is, by
    # `announce`), so it polls; 50 ms here instead of the 0.5 s default.
    return measure("sqlite", database, 1, ("--poll-seconds", "0.05"), args, code)


def _postgres(workers: int, args: argparse.Namespace, code: Path | None) -> Measured:
    return measure("postgres", fresh_postgres_database(), workers, (), args, code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=250.0, help="steady rows/s offered")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--baseline", type=Path, help="checkout to compare the workers against")
    parser.add_argument(
        "--setup", action="append", choices=SETUPS, help="run only these (default: all)"
    )
    args = parser.parse_args()
    chosen = args.setup or SETUPS
    setups: list[Callable[[Path | None], Measured]] = []
    with tempfile.TemporaryDirectory() as tmp:
        if "sqlite 1" in chosen:
            setups.append(partial(_sqlite, Path(tmp), args))
        if postgres_url():
            for workers in (1, 4):
                if f"postgres {workers}" in chosen:
                    setups.append(partial(_postgres, workers, args))
        else:
            print("PostgreSQL skipped: set LUS_FHIR_TEST_POSTGRES_URL")
        results, baselines = [], []
        for setup in setups:  # a set-up's two runs one right after the other: alike loads
            results.append(setup(None))
            if args.baseline:
                baselines.append(setup(args.baseline))
    print(f"\nburst {args.burst} rows; steady {args.rate:.0f} rows/s for {args.seconds:.0f} s")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    heads = ("burst/s", "cpu ms", "db ms", "p50 ms", "p99 ms", "max ms")
    print(f"{'database':<10} {'workers':>7} {' '.join(f'{c:>8}' for c in heads)}")
    tables = [("", results)] + ([(f"baseline {args.baseline}", baselines)] if baselines else [])
    for label, rows in tables:
        if label:
            print(label)
        for name, workers, rate, cpu, db, p50, p99, worst, writes in rows:
            figures = f"{rate:>8.0f} {cpu:>8.2f} {db:>8.2f} {p50:>8.1f} {p99:>8.1f} {worst:>8.1f}"
            print(f"{name:<10} {workers:>7} {figures}")
            if writes:
                print(f"{'':<10} outbox: {writes}")
    for ours, base in zip(results, baselines, strict=True) if baselines else ():
        print(
            f"{ours[0]} {ours[1]} worker(s) against the baseline: {ours[2] / base[2]:.2f}× the "
            f"burst rate, {ours[3] / base[3]:.2f}× the CPU per notification"
            + (f", {ours[4] / base[4]:.2f}× the database's" if base[4] else "")
        )
    ok = all(r[2] >= 1000 and r[6] < 500 for r in results if r[1] == 1)
    print("targets (one worker >= 1000/s, p99 < 500 ms):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
