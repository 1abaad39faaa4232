"""Real `lus-fhir serve` and `lus-fhir worker` processes, for tests and benchmarks that need
separate processes (concurrency through HTTP, SIGKILL crash recovery, scale-out, the conformance
suites, mutual TLS)."""

import os
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from service.auth.principal import Principal
from service.simulation.net import free_port
from tests.support.auth import StoredKeysAuth
from tests.support.certificates import CertificateAuthority


@dataclass
class ServerProcess:
    base: str
    process: subprocess.Popen[bytes]
    log: Path
    database_url: str
    tls: CertificateAuthority | None = None  # HTTPS: issued its certificate, verifies clients'

    @property
    def root(self) -> str:
        return self.base.removesuffix("/fhir")

    @property
    def verify(self) -> ssl.SSLContext | bool:
        """What an HTTP client checks the server's certificate with."""
        return self.tls.context() if self.tls else True

    def auth(self, who: Principal | None = None) -> StoredKeysAuth:
        """Tokens for `who` (default: the region-wide role) that this server accepts."""
        return StoredKeysAuth(self.database_url, who)

    def client(self, who: Principal | None = None, **kwargs: Any) -> httpx.Client:
        """An HTTP client of the server's root, signed in as `who`."""
        options = {"timeout": 60, "verify": self.verify, **kwargs}
        return httpx.Client(base_url=self.root, auth=self.auth(who), **options)

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing — what a crash looks like."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(
    data_dir: Path,
    database_url: str | None = None,
    timeout: float = 60,
    deliver: bool = False,
    workers: int = 1,
    env: dict[str, str] | None = None,
    tls: CertificateAuthority | None = None,
    port: int | None = None,
    options: tuple[str, ...] = (),
) -> ServerProcess:
    """Start `lus-fhir serve`; `deliver` runs its delivery worker (off by default, so tests that
    store example notifications never contact the examples' *.example.se endpoints); `tls`
    serves HTTPS with a certificate from that CA and verifies client certificates against it;
    `port` restarts a server where its clients already connect (a free one by default);
    `options` are more of serve's options."""
    port = port or free_port()
    log = data_dir / f"server-{port}.log"
    command = [
        sys.executable,
        "-m",
        "service.cli.main",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]
    if database_url:
        command += ["--db", database_url]
    if workers > 1:
        command += ["--workers", str(workers)]
    if tls is not None:
        server = tls.server()
        command += ["--tls-cert", str(server.cert), "--tls-key", str(server.key)]
        command += ["--tls-client-ca", str(tls.file)]
    command += options
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "LUS_FHIR_RUN_WORKER": str(deliver).lower(),
        **(env or {}),
    }
    with log.open("ab") as out:  # a restart on the same port appends to the same log
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = database_url or f"sqlite:///{data_dir / 'lus-fhir.sqlite3'}"
    base = f"{'https' if tls else 'http'}://127.0.0.1:{port}/fhir"
    started = ServerProcess(base, process, log, url, tls)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{log.read_text()[-3000:]}")
            try:
                metadata = httpx.get(f"{started.base}/metadata", timeout=2, verify=started.verify)
                if metadata.status_code == 200:
                    return started
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not start in {timeout} s:\n{log.read_text()[-3000:]}")
    except BaseException:  # a time-out or an interrupt: not left running behind it
        process.kill()
        raise


class WorkerProcess:
    def __init__(self, url: str, log: Path, *options: str, timeout: float = 30) -> None:
        self.log = log
        command = [sys.executable, "-m", "service.cli.worker", "--db", url, *options]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "LUS_FHIR_DELIVERY_TIMEOUT_SECONDS": "5"}
        started = log.stat().st_size if log.exists() else 0  # a restart appends to the log
        with log.open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            wait_for(lambda: b"delivering from" in log.read_bytes()[started:], timeout, self.tail)
        except BaseException:  # a time-out or an interrupt: not left running behind it
            self.kill()
            raise

    def tail(self) -> str:
        return self.log.read_text()[-3000:]

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no clean-up, as in a crash
        self.process.wait(10)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                return self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode


@contextmanager
def worker_process(url: str, log: Path, *options: str) -> Iterator[WorkerProcess]:
    process = WorkerProcess(url, log, *options)
    try:
        yield process
    finally:
        process.stop()


def wait_for(condition: Callable[[], bool], seconds: float, why: Callable[[], Any]) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s: {why()}")
        time.sleep(0.05)
