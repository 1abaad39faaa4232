"""`make chaos`: real `lus-fhir serve` and `lus-fhir worker` processes, a real receiver process,
and faults under a steady write and delivery load — SIGKILL of the server and of the worker at
random moments, a PostgreSQL restart half-way (on a cluster of the run's own), SIGTERM while
requests and deliveries are in flight, a full disk under SQLite — then the checks of
tests/chaos/verify.py. Prints the numbers; exit 1 on any loss or wrong answer.

    python -m tests.chaos.run [--rounds N] [--seed S] [--backend sqlite|postgres|all]
"""

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from service.storage.database import engine_for
from tests.chaos import disk, drain, world
from tests.chaos.cluster import Cluster
from tests.chaos.load import Load, Refusal
from tests.chaos.rounds import Outage, kill_rounds
from tests.chaos.system import ReceiverProcess, System
from tests.chaos.verify import Tally, check, is_outcome, wait_drained

LOGS = Path("build/chaos")
STAYS = 16  # patients with a stay: each notice goes to two receivers, ordered per patient
DRAIN_SECONDS = 120.0
# Each answer a little late, so that a kill falls between a receiver's answer and its recording
# (the case that must re-send) often enough to be seen.
RECEIVER_DELAY = 0.02
SHOWN = 30  # problems printed per backend (all are counted)


@dataclass
class Report:
    backend: str
    rounds: int
    faults: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    tally: Tally = field(default_factory=Tally)
    drained_after: float | None = None
    reconnected: list[float | None] = field(default_factory=list)  # per database restart
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def problems(self) -> list[str]:
        return self.tally.problems

    def lines(self) -> list[str]:
        t = self.tally
        drained = "never" if self.drained_after is None else f"{self.drained_after:.1f} s"
        out = [
            f"{self.backend}: {self.rounds} rounds in {self.seconds:.0f} s, "
            f"faults {dict(sorted(self.faults.items()))}",
            f"  writes acknowledged {t.acknowledged}, checked {t.acknowledged} "
            f"(answers {dict(sorted(self.statuses.items()))})",
            f"  notifications {t.notifications}, delivered {t.delivered}, requests received "
            f"{t.received}, re-sends {t.resent}; outbox drained after the load in {drained}",
        ]
        if self.reconnected:
            shown = ", ".join("never" if s is None else f"{s:.1f} s" for s in self.reconnected)
            out.append(f"  writes served again after the database came back: {shown}")
        out += [f"  {note}" for note in self.notes]
        out.append(f"  outcome: {'FAIL' if self.problems else 'ok'}, {len(self.problems)} problems")
        out += [f"  - {problem}" for problem in self.problems[:SHOWN]]
        return out


def judge_refusals(refusals: list[Refusal], outages: list[Outage], report: Report) -> None:
    """Outside an outage every write is answered 201; inside one, 201 or a 503 OperationOutcome."""
    for refusal in refusals:
        expected = refusal.status == 503 and any(o.covers(refusal.at) for o in outages)
        if not expected or not is_outcome(refusal.body):
            report.tally.add(f"write answered {refusal.status}: {refusal.body[:300]}")
    for outage in outages:
        if not any(r.status == 503 and outage.covers(r.at) for r in refusals):
            report.tally.add("no 503 while the database was down")
        if outage.reconnected_after is None:
            report.tally.add("the server did not serve writes again after the database returned")


def _engine(url: str) -> Engine:
    return engine_for(url.replace("postgresql://", "postgresql+psycopg://", 1))


def faults_under_load(backend: str, rounds: int, seed: int, folder: Path) -> Report:
    report = Report(backend, rounds)
    with ExitStack() as running:  # stopped in reverse order, whatever happens
        cluster = Cluster() if backend == "postgres" else None
        if cluster is not None:
            running.callback(cluster.remove)
        url = cluster.url if cluster else f"sqlite:///{folder / 'lus-fhir.sqlite3'}"
        receiver = ReceiverProcess(folder, delay=RECEIVER_DELAY)
        running.callback(receiver.stop)
        engine = _engine(url)
        running.callback(engine.dispose)
        system = System.start(folder, url)
        running.callback(lambda: (system.server.stop(), system.worker.stop()))
        try:
            _faults(report, system, receiver, engine, seed, cluster)
        except Exception as error:  # e.g. a process that did not come back: a finding too
            report.tally.add(f"the run stopped: {error!r}"[:2000])
    return report


def _faults(
    report: Report,
    system: System,
    receiver: ReceiverProcess,
    engine: Engine,
    seed: int,
    cluster: Cluster | None,
) -> None:
    with system.client() as client:
        stays = world.build(client, receiver.url, STAYS)
    load = Load(system.server.root, system.server.auth(), stays, seed).start()
    try:
        outages = kill_rounds(system, load, report.rounds, random.Random(seed), cluster)
    finally:
        load.stop()
        report.faults, report.statuses = system.counts(), load.statuses
    report.notes.append(drain.requests_in_flight(system, load, engine, report.tally))
    report.notes.append(drain.deliveries_in_flight(system, load, receiver, engine, report.tally))
    report.notes.append(
        drain.deliveries_in_flight(system, load, receiver, engine, report.tally, built_in=True)
    )
    report.drained_after = wait_drained(engine, DRAIN_SECONDS)
    server_exit, worker_exit = system.stop()
    check(report.tally, engine, load.acknowledged, receiver.journal, system.faults)
    report.faults = system.counts()
    report.reconnected = [o.reconnected_after for o in outages]
    judge_refusals(load.refusals, outages, report)
    if report.drained_after is None:
        report.tally.add(f"outbox not drained {DRAIN_SECONDS:.0f} s after the load")
    if (server_exit, worker_exit) != (0, 0):
        report.tally.add(f"SIGTERM at the end: exit {server_exit} (server), {worker_exit}")


def run_backend(backend: str, rounds: int, seed: int) -> Report:
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix=f"lus-chaos-{backend}-"))
    report = faults_under_load(backend, rounds, seed, folder)
    if backend == "sqlite":
        report.notes += disk.check(Path(tempfile.mkdtemp(dir=folder)), report.tally)
    report.seconds = time.monotonic() - started
    if report.problems:
        kept = LOGS / backend
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(folder, kept, ignore=shutil.ignore_patterns("*.sqlite3*"))
        report.notes.append(f"logs kept in {kept}")
    shutil.rmtree(folder, ignore_errors=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "all"], default="all")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"chaos: {args.rounds} rounds per backend, seed {seed}", flush=True)
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    reports = []
    for backend in ("sqlite", "postgres") if args.backend == "all" else (args.backend,):
        reports.append(run_backend(backend, args.rounds, seed))
        print("\n".join(reports[-1].lines()), flush=True)
    print(f"chaos: seed {seed}; load before: {load}; after: ", end="")
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    sys.exit(1 if any(r.problems for r in reports) else 0)


if __name__ == "__main__":
    main()
