"""A small MLLP client (for `lus-fhir hl7v2 send`, the tests and the benchmark): one connection,
one message at a time, each answered before the next is sent."""

import socket
from types import TracebackType

from service.hl7v2.framing import Frames, frame


class MllpClient:
    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.frames = Frames(64 * 1024 * 1024)
        self.pending: list[bytes] = []

    def send(self, message: bytes) -> bytes:
        """Send one message and wait for its ACK (raises TimeoutError, ConnectionError)."""
        self.sock.sendall(frame(message))
        return self.receive()

    def receive(self) -> bytes:
        while not self.pending:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("the MLLP peer closed the connection before answering")
            self.pending += self.frames.feed(data)
        return self.pending.pop(0)

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "MllpClient":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def messages_in(text: bytes) -> list[bytes]:
    """The messages of a file as testers write them: LF, CRLF or CR between segments, several
    messages one after another (each starts with MSH), or MLLP-framed already."""
    if text.lstrip().startswith(b"\x0b"):
        return Frames(len(text) + 1).feed(text)
    lines = text.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    found: list[list[bytes]] = []
    for line in lines:
        if not line.strip():
            continue
        if line.startswith(b"MSH") or not found:
            found.append([])
        found[-1].append(line)
    return [b"\r".join(segments) + b"\r" for segments in found]
