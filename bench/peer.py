"""lus-fhir against HAPI FHIR side by side: the same load from one external load generator (wrk,
1 thread, 8 connections by default) against real servers on the same machine, in one run.

Servers (`--servers`, default all): `sqlite` (lus-fhir secure: authentication, access policy and
access log on, the client Södersjukhuset's system with a token from the token endpoint — the
realistic deployment), `sqlite-open` (LUS_FHIR_AUTH=off, LUS_FHIR_AUDIT=off), `pg1` and `pg2`
(secure on PostgreSQL with one and two `serve --workers` processes; when
LUS_FHIR_TEST_POSTGRES_URL is set), `hapi` (HAPI FHIR JPA 8 on H2, `docker/hapi`, started on port
8091 with the guide's package unless `--hapi URL` names a running one). `--baseline DIR` adds
`base`: a secure SQLite lus-fhir run from another checkout, for A/B comparisons of a change.

Every server starts empty and gets the same data: the Stockholm directory and `--patients` (200)
patients (distinct personnummer, general practitioners spread over five vårdcentraler).
Figures (`--figures`, by prefix): read by id, search by `_id`, by a token (`identifier`), by a
reference with `_include`, validated create (HAPI does not validate), a transaction of 10
creates, `$validate`. Each figure is warmed on every server just before it is measured (HAPI's
JIT for `--hapi-warmup` seconds), so reads and searches meet the same data everywhere; its
rounds are interleaved between the servers (the order rotating), so machine noise hits all
alike. req/s, p50 and p99 are medians over the rounds, ×HAPI and ×base medians of the
per-round ratios; memory is the resident set of each server's process tree after the load; the
load average is printed before and after. Targets (issue 17): reads and searches >= 2× HAPI,
validated creates >= 1.5×, p99 < 25 ms at 8 connections on SQLite, pg2 at least the same.

    apt-get install wrk
    .venv/bin/python bench/peer.py [--seconds 5] [--rounds 3] [--servers sqlite,hapi]
    .venv/bin/python bench/peer.py --servers sqlite --baseline /tmp/main --figures search
"""

import argparse
import copy
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from fhir_profiles import GENERATED
from fhir_profiles.build.directory import OUTPUT as DIRECTORY
from service.auth.backend_client import BackendAuth, new_key, public_jwks
from service.demo import directory_bundle
from tests.support.databases import fresh_postgres_database, postgres_url
from tests.support.server import start_server

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).with_suffix(".lua")
HAPI = ROOT / "docker" / "hapi"
HAPI_PORT = 8091
HOSPITAL = "Organization/sodersjukhuset"
SCOPES = "system/Patient.cruds system/Organization.rs"
OPEN = {"LUS_FHIR_AUTH": "off", "LUS_FHIR_AUDIT": "off"}
PERSONNUMMER = "http://electronichealth.se/identifier/personnummer"
PRACTICES = ["vc-sickla", "vc-huddinge", "vc-taby-centrum", "vc-sodertalje", "vc-norrtalje"]
TOLVAN = {
    k: v
    for k, v in json.loads((GENERATED / "Patient-tolvan.json").read_text()).items()
    if k != "id"
}
TRANSACTION = {
    "resourceType": "Bundle",
    "type": "transaction",
    "entry": [{"resource": TOLVAN, "request": {"method": "POST", "url": "Patient"}}] * 10,
}
Request = tuple[str, str, str]  # method, path, body ("" for none)


@dataclass
class Server:
    name: str
    base: str
    pid: int
    auth: BackendAuth | None = None
    ids: list[str] = field(default_factory=list)

    @property
    def root(self) -> str:
        return self.base.removesuffix("/fhir")

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.auth.token()}"} if self.auth else {}


@dataclass
class Figure:
    rate: float
    p50: float
    p99: float
    errors: int
    requests: int = 0  # answered in the round (bench/rest.py divides CPU time by it)


def personnummer(n: int) -> str:
    """A valid personnummer of someone born 1912-12-12 (Luhn check digit over YYMMDDNNN)."""
    digits = f"121212{n:03d}"
    total = 0
    for i, d in enumerate(digits):
        x = int(d) * (2 - i % 2)
        total += x - 9 if x > 9 else x
    return f"19{digits}{(10 - total % 10) % 10}"


def patient(n: int) -> dict[str, Any]:
    resource = copy.deepcopy(TOLVAN)
    resource["identifier"][0]["value"] = personnummer(n)
    resource["generalPractitioner"] = [{"reference": f"Organization/{PRACTICES[n % 5]}"}]
    return resource


def load(server: Server, with_directory: bool, patients: int) -> None:
    """The same data on every server; the ids each server gave the patients are kept."""
    fhir = {"Content-Type": "application/fhir+json"}
    with httpx.Client(timeout=120, headers=fhir) as client:
        if with_directory:  # lus-fhir servers load it into their database before starting
            response = client.post(server.base, json=directory_bundle())
            response.raise_for_status()
        for n in range(patients):
            response = client.post(
                f"{server.base}/Patient", json=patient(n), headers=server.headers()
            )
            response.raise_for_status()
            server.ids.append(response.json()["id"])


def figures(server: Server) -> dict[str, list[Request]]:
    body = json.dumps(TOLVAN, ensure_ascii=False)
    return {
        "read": [("GET", f"/fhir/Patient/{i}", "") for i in server.ids],
        "search _id": [("GET", f"/fhir/Patient?_id={i}", "") for i in server.ids],
        "search token": [
            ("GET", f"/fhir/Patient?identifier={quote(f'{PERSONNUMMER}|{personnummer(n)}')}", "")
            for n in range(len(server.ids))
        ],
        "search _include": [
            (
                "GET",
                f"/fhir/Patient?general-practitioner=Organization/{p}"
                "&_include=Patient:general-practitioner&_count=10",
                "",
            )
            for p in PRACTICES
        ],
        "create": [("POST", "/fhir/Patient", body)],
        "transaction 10": [("POST", "/fhir", json.dumps(TRANSACTION, ensure_ascii=False))],
        "$validate": [("POST", "/fhir/Patient/$validate", body)],
    }


def wrk(
    server: Server, requests: list[Request], seconds: float, connections: int, folder: Path
) -> Figure:
    script = folder / "requests.txt"
    script.write_text("".join(f"{m} {p}\n{b}\n" for m, p, b in requests), encoding="utf-8")
    headers = {
        "Content-Type": "application/fhir+json",
        "Accept": "application/fhir+json",
        **server.headers(),
    }
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
    command += ["-s", str(LUA)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += [server.root, "--", str(script)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    errors = result["status_errors"] + result["socket_errors"]
    rate = result["requests"] / (result["duration_us"] / 1e6)
    p50, p99 = result["p50_us"] / 1000, result["p99_us"] / 1000
    return Figure(rate, p50, p99, errors, result["requests"])


def resident_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants (uvicorn's worker processes)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += next(int(line.split()[1]) for line in status.splitlines() if line[:6] == "VmRSS:")
        todo += [int(c) for c in children]
    return total / 1024


def lus_server(
    stack: ExitStack,
    name: str,
    database: Callable[[], str | None],
    workers: int = 1,
    env: dict[str, str] | None = None,
    secure: bool = True,
    patients: int = 200,
) -> Server:
    """A lus-fhir server with the directory and, when `secure`, Södersjukhuset's client, both
    prepared with the `lus-fhir` command of the code the server runs (`env` may point
    PYTHONPATH at another checkout, whose migrations may be older)."""
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    url = database() or f"sqlite:///{folder / 'lus-fhir.sqlite3'}"
    environment = {**os.environ, **(env or {})}

    def cli(*arguments: str) -> None:
        command = [sys.executable, "-m", "service.cli.main", *arguments, "--db", url]
        subprocess.run(command, env=environment, check=True, capture_output=True)

    cli("directory", "load", str(DIRECTORY))
    key = new_key()
    if secure:
        jwks = folder / "jwks.json"
        jwks.write_text(json.dumps(public_jwks(key)))
        client = ["--client-id", f"bench-{name}", "--organization", HOSPITAL]
        cli("clients", "add", *client, "--jwks", str(jwks), "--scope", SCOPES)
    process = start_server(folder, url, workers=workers, env=env)
    stack.callback(process.stop)
    server = Server(name, process.base, process.process.pid)
    if secure:
        server.auth = BackendAuth(f"bench-{name}", key, f"{process.root}/auth/token", SCOPES)
    load(server, with_directory=False, patients=patients)
    return server


@contextmanager
def hapi_server(url: str | None, patients: int) -> Iterator[Server]:
    started = url is None
    if url is None:
        package_dir = ROOT / "build" / "ig"
        pack = [str(ROOT / ".venv/bin/lus-fhir"), "ig", "pack", "--out", str(package_dir)]
        subprocess.run(pack, check=True)
        package = next(package_dir.glob("*.tgz"))
        command = [str(HAPI / "start.sh"), str(HAPI_PORT), str(package)]
        env = {**os.environ, "HAPI_START_TIMEOUT": os.environ.get("HAPI_START_TIMEOUT", "1200")}
        url = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True, env=env).stdout
        url = url.strip()
    try:
        server = Server("hapi", url, _hapi_pid(url))
        load(server, with_directory=True, patients=patients)
        yield server
    finally:
        if started:
            subprocess.run([str(HAPI / "stop.sh")], check=False)


def _hapi_pid(url: str) -> int:
    """The process behind HAPI's URL (for its memory): docker/hapi's pid file when this
    checkout started it, otherwise the one listening on the URL's port (`--hapi`, started by
    someone else)."""
    pid_file = HAPI / "run" / "hapi.pid"
    if pid_file.exists():
        return int(pid_file.read_text())
    port = urlsplit(url).port or 80
    listening = ["ss", "-ltnpH", f"sport = :{port}"]
    answer = subprocess.run(listening, capture_output=True, text=True).stdout
    found = re.search(r"pid=(\d+)", answer)
    return int(found.group(1)) if found else 0


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def start(stack: ExitStack, args: argparse.Namespace) -> list[Server]:
    wanted, n = args.servers.split(","), args.patients
    servers: list[Server] = []
    if "sqlite" in wanted:
        servers.append(lus_server(stack, "sqlite", lambda: None, patients=n))
    if "sqlite-open" in wanted:
        servers.append(lus_server(stack, "sqlite-open", lambda: None, 1, OPEN, False, n))
    if args.baseline:
        env = {"PYTHONPATH": str(Path(args.baseline).resolve())}
        servers.append(lus_server(stack, "base", lambda: None, env=env, patients=n))
    for workers in (1, 2):
        if f"pg{workers}" in wanted and postgres_url():
            servers.append(
                lus_server(stack, f"pg{workers}", fresh_postgres_database, workers, patients=n)
            )
    if "hapi" in wanted:
        servers.append(stack.enter_context(hapi_server(args.hapi, args.patients)))
    return servers


def row(figure: str, name: str, shown: list[Figure], ratios: list[str]) -> str:
    cells = [
        f"{statistics.median(f.rate for f in shown):7.0f}",
        f"{statistics.median(f.p50 for f in shown):6.1f}",
        f"{statistics.median(f.p99 for f in shown):6.1f}",
        f"{sum(f.errors for f in shown):5}",
        *ratios,
    ]
    return f"| {figure} | {name} | {' | '.join(cells)} |"


def ratio(ours: list[Figure], theirs: list[Figure]) -> str:
    """The median of the per-round throughput ratios (same round, same machine noise)."""
    pairs = zip(ours, theirs, strict=True)
    return f"{statistics.median(a.rate / b.rate for a, b in pairs):5.2f}"


def run(args: argparse.Namespace) -> None:
    with ExitStack() as stack:
        servers = start(stack, args)
        references = [s for s in servers if s.name in ("hapi", "base")]
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        print(f"load before: {uptime()}", flush=True)
        chosen = tuple(args.figures.split(","))
        per_server = {
            s.name: {k: v for k, v in figures(s).items() if k.startswith(chosen)} for s in servers
        }
        titles = "".join(f" ×{r.name} |" for r in references)
        print(f"| figure | server | req/s | p50 ms | p99 ms | errors |{titles}")
        print("|---|---|---|---|---|---|" + "---|" * len(references))
        for figure in per_server[servers[0].name]:
            # Warmed just before measuring, so the reads and searches all meet the same data
            # (the creates come later); HAPI's JIT compiles the figure's hot path.
            for server in servers:
                warmup = args.hapi_warmup if server.name == "hapi" else args.warmup
                wrk(server, per_server[server.name][figure], warmup, args.connections, folder)
            results: dict[str, list[Figure]] = {s.name: [] for s in servers}
            for r in range(args.rounds):
                for server in servers[r % len(servers) :] + servers[: r % len(servers)]:
                    requests = per_server[server.name][figure]
                    results[server.name].append(
                        wrk(server, requests, args.seconds, args.connections, folder)
                    )
            for server in servers:
                ratios = [
                    ratio(results[server.name], results[reference.name])
                    if server is not reference
                    else "     "
                    for reference in references
                ]
                print(row(figure, server.name, results[server.name], ratios), flush=True)
        print(f"load after: {uptime()}")
        print("| server | RSS MiB |")
        print("|---|---|")
        for server in servers:
            print(f"| {server.name} | {resident_mib(server.pid):.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0, help="per round and figure")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds per figure")
    parser.add_argument("--hapi-warmup", type=float, default=15.0, help="seconds per figure")
    parser.add_argument("--servers", default="sqlite,sqlite-open,pg1,pg2,hapi")
    parser.add_argument("--patients", type=int, default=200, help="loaded into every server")
    parser.add_argument("--figures", default="", help="only these, by prefix: read,search")
    parser.add_argument("--hapi", help="a running HAPI FHIR base URL instead of starting one")
    parser.add_argument("--baseline", help="another lus-fhir checkout, run as server 'base'")
    args = parser.parse_args()
    run(args)


if __name__ == "__main__":
    main()
