"""A real `lus-fhir serve` process on a free loopback port, for tests that need separate processes
(concurrency through HTTP, SIGKILL crash recovery, the conformance suites)."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from service.simulation.net import free_port


@dataclass
class ServerProcess:
    base: str
    process: subprocess.Popen[bytes]
    log: Path

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
) -> ServerProcess:
    """Start `lus-fhir serve`; `deliver` runs its delivery worker (off by default, so tests that
    store example notifications never contact the examples' *.example.se endpoints)."""
    port = free_port()
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
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "LUS_FHIR_RUN_WORKER": str(deliver).lower()}
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}/fhir"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/metadata", timeout=2).status_code == 200:
                return ServerProcess(base, process, log)
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not start in {timeout} s:\n{log.read_text()[-3000:]}")
