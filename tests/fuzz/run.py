"""`make fuzz`: the fuzzer's requests against a real `lus-fhir serve`, on SQLite and (when
LUS_FHIR_TEST_POSTGRES_URL is set) on PostgreSQL, each with the directory and the example
journey loaded. Every answer is judged (tests.fuzz.exchange); the run goes on after a finding
and ends with the number of requests sent, the statuses seen and every finding with the
request that caused it. Exit 1 on any finding.

    python -m tests.fuzz.run [--requests N] [--seed S] [--backend sqlite|postgres|all]
"""

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from hypothesis import HealthCheck, Phase, given, seed, settings

from service.auth.principal import Principal
from tests.fuzz.exchange import FuzzRequest, clients_of, problems, send
from tests.fuzz.strategies import requests
from tests.fuzz.world import oidc_env, world
from tests.hl7v2.messages import SENDERS_FILE
from tests.statistics.world import AMOUNTS
from tests.support.databases import POSTGRES_ENV, REQUIRE_ENV, fresh_postgres_database
from tests.support.oidc import OidcProvider
from tests.support.server import ServerProcess, start_server

LOGS = Path("build/fuzz")


@dataclass
class Tally:
    backend: str
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    findings: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    last: str = "(none)"  # the request sent last, described
    log: Path | None = None  # the server's log, kept when there were findings

    def count(self, answers: list[tuple[FuzzRequest, httpx.Response]]) -> None:
        for sent, response in answers:
            self.sent += 1
            self.statuses[response.status_code] += 1
            for problem in problems(sent, response):
                self.found(sent.describe(), problem)

    def found(self, request: str, problem: str) -> None:
        """A finding, kept for the report and printed at once (a run takes an hour)."""
        self.findings.append((request, problem))
        print(
            f"  {self.backend} finding {len(self.findings)}: {request}\n  → {problem}", flush=True
        )

    def report(self) -> str:
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
        lines = [
            f"{self.backend}: {self.sent} requests in {self.seconds:.0f} s, "
            f"{len(self.findings)} findings",
            f"  statuses: {statuses}",
        ]
        for request, problem in self.findings:
            lines.append("  ---\n  " + request.replace("\n", "\n  ") + f"\n  → {problem}")
        if self.log:
            lines.append(f"  the server's log (tracebacks): {self.log}")
        return "\n".join(lines)


def _database(backend: str, folder: Path) -> str | None:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'lus-fhir.sqlite3'}"
    if os.environ.get(POSTGRES_ENV):
        return fresh_postgres_database()
    return None


class ServerGone(Exception):
    """The server process exited: the request before this one is the finding."""


def _fuzz(server: ServerProcess, count: int, chosen_seed: int, tally: Tally) -> None:
    def client(who: Principal | None) -> httpx.Client:
        return server.client(who) if who else httpx.Client(base_url=server.root, timeout=60)

    clients = clients_of(client)
    step = max(count // 10, 1)

    @seed(chosen_seed)
    @settings(
        max_examples=count,
        phases=[Phase.generate],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(request=requests())
    def one(request: FuzzRequest) -> None:
        if server.process.poll() is not None:
            raise ServerGone()
        tally.last = request.describe()
        before = tally.sent
        try:
            tally.count(send(clients, request))
        except httpx.HTTPError as error:
            tally.sent += 1
            tally.found(tally.last, f"no answer: {error!r}")
        if tally.sent // step > before // step:
            print(
                f"  {tally.backend}: {tally.sent} sent, {len(tally.findings)} findings", flush=True
            )

    try:
        one()
    except ServerGone:
        tally.found(tally.last, "the server exited")
    finally:
        for made in clients.values():
            made.close()


def run(backend: str, count: int, chosen_seed: int) -> Tally | None:
    tally = Tally(backend)
    with tempfile.TemporaryDirectory(prefix=f"lus-fuzz-{backend}-") as folder:
        url = _database(backend, Path(folder))
        if url is None:
            return None
        print(f"{backend}: loading the directory and the example journey", flush=True)
        provider = OidcProvider().start()
        world(url, provider).state.services.store.dispose()
        env = {"LUS_FHIR_HL7V2_SENDERS": SENDERS_FILE, "LUS_FHIR_DAILY_AMOUNTS": AMOUNTS}
        server = start_server(Path(folder), url, env={**env, **oidc_env(provider)})
        started = time.monotonic()
        try:
            _fuzz(server, count, chosen_seed, tally)
        finally:
            tally.seconds = time.monotonic() - started
            server.stop()
            provider.stop()
            if tally.findings:  # the server's tracebacks outlive the temporary folder
                LOGS.mkdir(parents=True, exist_ok=True)
                tally.log = LOGS / f"server-{backend}.log"
                shutil.copyfile(server.log, tally.log)
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000, help="per database")
    parser.add_argument("--seed", type=int, default=None, help="repeat an earlier run")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "all"], default="all")
    args = parser.parse_args(argv)
    chosen_seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"fuzz: {args.requests} requests per database, seed {chosen_seed}", flush=True)
    tallies, missing = [], []
    for backend in ("sqlite", "postgres") if args.backend == "all" else (args.backend,):
        tally = run(backend, args.requests, chosen_seed)
        if tally is None:
            missing.append(backend)
        else:
            tallies.append(tally)
    print("\n".join(t.report() for t in tallies))
    for backend in missing:
        print(f"{backend}: not run — set {POSTGRES_ENV} (tests/support/postgres.sh starts one)")
    findings = sum(len(t.findings) for t in tallies)
    sent = sum(t.sent for t in tallies)
    print(f"fuzz: {sent} requests sent, {findings} findings, seed {chosen_seed}")
    failed = findings > 0 or (missing and os.environ.get(REQUIRE_ENV))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
