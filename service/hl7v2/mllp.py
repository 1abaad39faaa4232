"""The MLLP listener: long-lived connections, many messages per connection, each message's ACKs
(one in original mode; the accept and application ACKs MSH-15/16 ask for in enhanced mode) in
order, before the next message is read. A thread per connection (socketserver); the work is the
blocking intake, whose transaction has committed before the ACK is written to the socket.

`serve --workers N` on PostgreSQL listens in every process on the one port (SO_REUSEPORT: the
kernel hands each new connection to one of them). A connection stays in its process, so its
messages are still answered one after the other; everything that orders messages across
connections (the (sender, MSH-10) and patient locks, the conditional-create lock of the stay) is
a PostgreSQL advisory lock, which holds across processes as it does across threads.
"""

import logging
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from service.auth.principal import Principal
from service.hl7v2.framing import Frames, FrameTooLong, frame
from service.hl7v2.intake import Intake
from service.hl7v2.service import intake, mllp_principal
from service.rest.services import Services

log = logging.getLogger(__name__)


class _Connection(socketserver.BaseRequestHandler):
    server: "_Server"

    def handle(self) -> None:
        frames = Frames(self.server.limit)
        sock: socket.socket = self.request
        while True:
            try:
                data = sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            try:
                messages = frames.feed(data)
            except FrameTooLong as error:
                log.warning("MLLP connection from %s closed: %s", self.client_address, error)
                return
            for message in messages:
                acks = self.server.intake.receive(message, self.server.principal)
                try:
                    sock.sendall(b"".join(frame(ack) for ack in acks))
                except OSError:  # the sender went away; a resend will get the stored ACK
                    return


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        intake: Intake,
        limit: int,
        principal: Principal,
        shared: bool,
    ) -> None:
        self.allow_reuse_port = shared  # read by server_bind, within __init__
        super().__init__(address, _Connection)
        self.intake = intake
        self.limit = limit
        self.principal = principal


class MllpListener:
    def __init__(
        self,
        intake: Intake,
        host: str,
        port: int,
        limit: int,
        principal: Principal,
        shared: bool = False,
    ) -> None:
        """`shared`: other processes listen on the same port (SO_REUSEPORT)."""
        self._server = _Server((host, port), intake, limit, principal, shared)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="lus-mllp", daemon=True
        )

    def start(self) -> "MllpListener":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


@contextmanager
def listening(services: Services, host: str, shared: bool = False) -> Iterator[MllpListener | None]:
    """The listener on the configured port (LUS_FHIR_MLLP_PORT), for the life of the block."""
    port = services.settings.mllp_port
    if port is None:
        yield None
        return
    limit = services.settings.max_request_bytes
    principal = mllp_principal(services)
    listener = MllpListener(intake(services), host, port, limit, principal, shared).start()
    try:
        yield listener
    finally:
        listener.stop()
