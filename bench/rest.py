"""What security costs in REST throughput (issue 12): validated creates, reads by id and searches
by `_id` at 1, 8 and 32 connections from an external load generator (wrk, as bench/peer.py
drives it), against real `lus-fhir serve` processes on SQLite and (when
LUS_FHIR_TEST_POSTGRES_URL is set) PostgreSQL.

Each database runs two servers with the same data: *secure* (authentication, access policy and
access log on; the client is Södersjukhuset's system with a token from the token endpoint, so
every read runs the participation check and every request leaves an access-log entry) and
*open* (LUS_FHIR_AUTH=off, LUS_FHIR_AUDIT=off). `--baseline DIR` adds *base*, a secure server
running another checkout's code, for an A/B of a change. Each cell is warmed on every server,
then measured in `--rounds` short rounds interleaved between the servers (the order rotating),
so machine noise hits all alike. Printed per cell: each server's median req/s and p99, the
median and range (min-max) of the per-round secure/open throughput ratio, and each server's
CPU per request (user + system time of its process from /proc/PID/stat over the round, the
access log's writer thread included; PostgreSQL's own processes are not). Target: secure/open
>= 0.90 in every cell.

    .venv/bin/python bench/rest.py [--seconds 2] [--rounds 5] [--baseline /work/wt-base]
"""

import argparse
import os
import statistics
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from bench.delivery import cpu_seconds, used_since
from bench.peer import OPEN, Figure, Server, figures, lus_server, uptime, wrk
from tests.support.databases import fresh_postgres_database, postgres_url

CELLS = (("create", "create"), ("read", "read"), ("search", "search _id"))
CONNECTIONS = (1, 8, 32)


def _servers(
    stack: ExitStack, database: Callable[[], str | None], baseline: str | None
) -> list[Server]:
    servers = [
        lus_server(stack, "open", database, env=OPEN, secure=False),
        lus_server(stack, "secure", database),
    ]
    if baseline:
        env = {"PYTHONPATH": str(Path(baseline).resolve())}
        servers.append(lus_server(stack, "base", database, env=env))
    return servers


@dataclass
class Round:
    figure: Figure
    cpu_ms: float  # the server process's CPU per answered request


def _round(server: Server, figure: str, connections: int, seconds: float, folder: Path) -> Round:
    before = cpu_seconds([server.pid])
    result = wrk(server, figures(server)[figure], seconds, connections, folder)
    used = used_since(before, [server.pid])
    return Round(result, used * 1000 / max(result.requests, 1))


def _ratios(ours: list[Round], theirs: list[Round]) -> list[float]:
    pairs = zip(ours, theirs, strict=True)
    return sorted(a.figure.rate / b.figure.rate for a, b in pairs if b.figure.rate)


def _cell(label: str, name: str, clients: int, results: dict[str, list[Round]]) -> str:
    cells = [label, name, str(clients)]
    for server, shown in results.items():
        rate = statistics.median(r.figure.rate for r in shown)
        p99 = statistics.median(r.figure.p99 for r in shown)
        cpu = statistics.median(r.cpu_ms for r in shown)
        errors = sum(r.figure.errors for r in shown)
        cells.append(f"{server} {rate:5.0f}/s p99 {p99:5.1f} cpu {cpu:5.2f} err {errors}")
    for server in [s for s in results if s != "open"]:
        ratios = _ratios(results[server], results["open"])
        cells.append(f"{statistics.median(ratios):4.2f} ({ratios[0]:4.2f}-{ratios[-1]:4.2f})")
    if "base" in results:
        pairs = zip(results["secure"], results["base"], strict=True)
        cells.append(f"{statistics.median(s.cpu_ms / b.cpu_ms for s, b in pairs):4.2f}")
    return "| " + " | ".join(cells) + " |"


def bench(label: str, database: Callable[[], str | None], args: argparse.Namespace) -> None:
    with ExitStack() as stack:
        servers = _servers(stack, database, args.baseline)
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        for name, figure in CELLS:
            for clients in CONNECTIONS:
                for server in servers:
                    wrk(server, figures(server)[figure], args.warmup, clients, folder)
                results: dict[str, list[Round]] = {s.name: [] for s in servers}
                for r in range(args.rounds):
                    for server in servers[r % len(servers) :] + servers[: r % len(servers)]:
                        shown = _round(server, figure, clients, args.seconds, folder)
                        results[server.name].append(shown)
                print(_cell(label, name, clients, results), f"load {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0, help="per round (wrk: whole s)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds per cell and server")
    parser.add_argument("--baseline", help="another lus-fhir checkout, run as server 'base'")
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"load before: {uptime()}", flush=True)
    base = " | base/open | secure/base CPU" if args.baseline else ""
    print(f"| database | op | clients | servers (req/s, p99 ms, CPU ms/req) | secure/open{base} |")
    wanted = args.databases.split(",")
    if "sqlite" in wanted:
        bench("sqlite", lambda: None, args)
    if "postgresql" in wanted and postgres_url():
        bench("postgresql", fresh_postgres_database, args)
    elif "postgresql" in wanted:
        print(
            "(PostgreSQL skipped: LUS_FHIR_TEST_POSTGRES_URL unset; see tests/support/postgres.sh)"
        )
    print(f"load after: {uptime()}")


if __name__ == "__main__":
    main()
