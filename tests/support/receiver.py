"""A real HTTP receiver on loopback that records every request: the receiving system of the
delivery tests and benchmarks, and (as `tests.subscriptions.support.Hook`) a rest-hook
subscriber."""

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from service.simulation.net import free_port


@dataclass
class Received:
    method: str
    path: str
    key: str
    body: bytes
    content_type: str
    user_agent: str
    at: float  # time.monotonic() on arrival
    arrived: float  # time.time() on arrival, to compare with FHIR instants
    request_headers: dict[str, str]


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A sender that closes its keep-alive connection (a worker stopping) is no error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


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
                        time.time(),
                        dict(self.headers.items()),
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

        self._server = serve_in_background(_Server(("127.0.0.1", self.port), Handler))
        return self

    def stop(self) -> None:
        shut_down(self._server)
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


def serve_in_background(server: ThreadingHTTPServer) -> ThreadingHTTPServer:
    """A test's loopback HTTP server, answering from a daemon thread until shut_down."""
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


def shut_down(server: ThreadingHTTPServer | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()
