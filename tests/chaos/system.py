"""The processes of a chaos run and the faults done to them: one `lus-fhir serve` (delivery off),
one `lus-fhir worker` and the receiver process (tests/chaos/receiver.py), all on loopback.

A killed server is restarted on the same port, so the load's keep-alive clients just reconnect;
every fault is noted with its wall-clock time, which is what the checks attribute re-sends to.
"""

import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from service.simulation.net import free_port
from tests.support.server import ServerProcess, WorkerProcess, start_server, wait_for

# A short lease, so a killed worker's rows are due again soon; well above the delivery timeout
# (5 s, tests/support/server.py), so that a live worker's lease never runs out mid-send.
WORKER_OPTIONS = ("--concurrency", "8", "--lease-seconds", "12", "--poll-seconds", "0.2")
# The built-in worker's settings as close to WORKER_OPTIONS as serve takes them.
SERVE_WORKER = {"LUS_FHIR_WORKER_POLL_SECONDS": "0.2"}
TERM_LIMIT = 10.0  # seconds a process may take to drain after SIGTERM
STARTUP = 120.0  # seconds a process may take to start on a busy machine


@dataclass(frozen=True)
class Fault:
    kind: str  # "server-kill", "worker-kill", "postgres-restart", …
    at: float  # time.time() when it was done
    until: float | None = None  # when it ended: the process was gone, the database back

    def between(self, before: float, after: float) -> bool:
        """Whether the fault overlapped the span from `before` to `after`."""
        return self.at < after and (self.until or self.at) > before


class ReceiverProcess:
    """The receivers' process: records every request in `journal` before answering."""

    def __init__(self, folder: Path, delay: float = 0.0) -> None:
        self.port = free_port()
        self.journal = folder / "received.jsonl"
        self.log = folder / "receiver.log"
        command = [sys.executable, "-m", "tests.chaos.receiver", "--port", str(self.port)]
        command += ["--log", str(self.journal), "--delay", str(delay)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        wait_for(lambda: b"receiving at" in self.log.read_bytes(), 30, self.log.read_text)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/fhir"

    def slow(self, slow: bool) -> None:
        """Answer a second late (deliveries stay in flight) or promptly again."""
        self.process.send_signal(signal.SIGUSR1 if slow else signal.SIGUSR2)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@dataclass
class System:
    folder: Path
    database_url: str
    server: ServerProcess
    worker: WorkerProcess
    faults: list[Fault] = field(default_factory=list)

    @classmethod
    def start(cls, folder: Path, database_url: str) -> "System":
        server = start_server(folder, database_url, timeout=STARTUP)
        return cls(folder, database_url, server, cls._worker(folder, database_url))

    @staticmethod
    def _worker(folder: Path, database_url: str) -> WorkerProcess:
        return WorkerProcess(database_url, folder / "worker.log", *WORKER_OPTIONS, timeout=STARTUP)

    def client(self) -> httpx.Client:
        return self.server.client()

    def kill_server(self) -> None:
        at = time.time()
        self.server.kill()
        self.faults.append(Fault("server-kill", at, time.time()))
        self.restart_server()

    def kill_worker(self) -> None:
        # A span: the process may still send in the moment between SIGKILL and its death.
        at = time.time()
        self.worker.kill()  # returns once the process is gone
        self.faults.append(Fault("worker-kill", at, time.time()))
        self.restart_worker()

    def restart_server(self, deliver: bool = False) -> None:
        """On the same port; `deliver`: with its built-in delivery worker (one process)."""
        port = int(self.server.base.split(":")[-1].split("/")[0])
        self.server = start_server(
            self.folder, self.database_url, STARTUP, deliver=deliver, port=port, env=SERVE_WORKER
        )

    def restart_worker(self) -> None:
        self.worker = self._worker(self.folder, self.database_url)

    def terminate(self, process: subprocess.Popen[bytes]) -> tuple[int | None, float]:
        """SIGTERM: the exit status (None if still running after the limit, then killed) and
        the seconds it took."""
        self.faults.append(Fault("sigterm", time.time()))
        started = time.monotonic()
        process.terminate()
        try:
            status: int | None = process.wait(TERM_LIMIT + 5)
        except subprocess.TimeoutExpired:
            status = None
            process.kill()
            process.wait(10)
        return status, time.monotonic() - started

    def counts(self) -> Counter[str]:
        return Counter(f.kind for f in self.faults)

    def stop(self) -> tuple[int | None, int]:
        """SIGTERM both; their exit statuses (server, worker)."""
        self.server.stop()
        return self.server.process.returncode, self.worker.stop()
