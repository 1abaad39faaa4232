"""A real HTTP receiver on loopback, a settable clock, and outbox rows the way the workflow
writes them — shared by the delivery tests and bench/delivery.py."""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import Engine, insert

from service.delivery import announce
from service.fhirtime import stamp
from service.storage.schema import outbox
from tests.support.server import free_port

T0 = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # a Friday afternoon


class FakeClock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Received:
    method: str
    path: str
    key: str
    body: bytes
    content_type: str
    user_agent: str
    at: float  # time.monotonic() on arrival


@dataclass
class Receiver:
    """Records every request on arrival, then answers `status` after `delay` seconds.

    `stop()` closes the port (connection refused); `start()` reopens it on the same port.
    Without keep-alive each request is its own connection, so "down" really is down.
    """

    keep_alive: bool = False
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    requests: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/fhir"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if receiver.keep_alive else "HTTP/1.0"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                receiver._record(
                    Received(
                        self.command,
                        self.path,
                        self.headers.get("X-Request-Id", ""),
                        body,
                        self.headers.get("Content-Type", ""),
                        self.headers.get("User-Agent", ""),
                        time.monotonic(),
                    )
                )
                if receiver.delay:
                    time.sleep(receiver.delay)
                with suppress(OSError):  # the sender may have been killed meanwhile
                    self.send_response(receiver.status)
                    for name, value in receiver.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

            do_PUT = do_POST = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _record(self, request: Received) -> None:
        with self._lock:
            self.requests.append(request)

    def keys(self) -> list[str]:
        with self._lock:
            return [r.key for r in self.requests]


@contextmanager
def receiver(**options: Any) -> Iterator[Receiver]:
    running = Receiver(**options).start()
    try:
        yield running
    finally:
        running.stop()


def task(task_id: str, patient: str = "Patient/tolvan") -> dict[str, Any]:
    return {
        "resourceType": "Task",
        "id": task_id,
        "status": "requested",
        "intent": "order",
        "for": {"reference": patient},
    }


def message(task_id: str, patient: str = "Patient/tolvan") -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "id": f"msg-{task_id}",
        "type": "message",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{task_id}"},
        "entry": [
            {
                "fullUrl": "https://lus.example.se/fhir/MessageHeader/mh-1",
                "resource": {
                    "resourceType": "MessageHeader",
                    "id": "mh-1",
                    "focus": [{"reference": f"Task/{task_id}"}],
                },
            },
            {
                "fullUrl": f"https://lus.example.se/fhir/Task/{task_id}",
                "resource": task(task_id, patient),
            },
        ],
    }


@dataclass(frozen=True)
class Row:
    key: str
    ordering_key: str
    notification: str
    receiver: str
    address: str | None
    payload: dict[str, Any]
    connection_type: str = "hl7-fhir-rest"
    endpoint: str | None = "Endpoint/main"
    event: str = "utskrivningsmeddelande"


def row(
    n: int,
    patient: int,
    address: str | None,
    receiver_ref: str = "Organization/hemtjanst",
    kind: str = "hl7-fhir-rest",
) -> Row:
    """Notification n about patient p: ordering key = receiver + patient, like the workflow."""
    task_id = f"t{n}"
    patient_ref = f"Patient/p{patient}"
    return Row(
        key=f"{task_id}|{receiver_ref}",
        ordering_key=f"{receiver_ref}|{patient_ref}",
        notification=f"Task/{task_id}",
        receiver=receiver_ref,
        address=address,
        payload=task(task_id, patient_ref)
        if kind == "hl7-fhir-rest"
        else message(task_id, patient_ref),
        connection_type=kind,
    )


def enqueue(engine: Engine, rows: list[Row], now: datetime) -> None:
    """Insert the rows in one transaction (seq order = list order) and wake the workers."""
    with engine.begin() as conn:
        conn.execute(
            insert(outbox),
            [
                {
                    "idempotency_key": r.key,
                    "ordering_key": r.ordering_key,
                    "event": r.event,
                    "notification": r.notification,
                    "receiver": r.receiver,
                    "endpoint": r.endpoint if r.address else None,
                    "address": r.address,
                    "connection_type": r.connection_type,
                    "payload": json.dumps(r.payload, separators=(",", ":")),
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": stamp(now),
                    "created_at": stamp(now),
                }
                for r in rows
            ],
        )
        announce(conn)
