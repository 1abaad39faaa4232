"""A small MLLP client (for `lus-fhir hl7v2 send`, the tests and the benchmark): one connection,
one message at a time, each answered before the next is sent."""

import socket
from types import TracebackType

from mappers.hl7v2.message import header_of_bytes
from mappers.hl7v2.modes import COMMIT, responses
from service.hl7v2.framing import Frames, frame

OUTCOMES = ("AA", "AE", "AR")


class MllpClient:
    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.timeout = timeout
        self.frames = Frames(64 * 1024 * 1024)
        self.pending: list[bytes] = []

    def send(self, message: bytes) -> bytes:
        """Send one message and wait for its ACK (raises TimeoutError, ConnectionError)."""
        self.sock.sendall(frame(message))
        return self.receive()

    def exchange(self, message: bytes, quiet: float = 2.0) -> list[bytes]:
        """Send one message and read the ACKs its MSH-15/16 ask for: until the application ACK,
        or an accept ACK after which none is due. When some outcome is answered by no ACK at
        all (enhanced mode, e.g. NE/NE), silence for `quiet` seconds is that answer."""
        header = header_of_bytes(message)
        accept, application = header.accept_ack, header.application_ack
        self.sock.sendall(frame(message))
        may_be_silent = any(not responses(accept, application, code) for code in OUTCOMES)
        acks: list[bytes] = []
        while True:
            try:
                if may_be_silent and not acks:
                    self.sock.settimeout(quiet)
                ack = self.receive()
            except TimeoutError:
                return acks
            finally:
                self.sock.settimeout(self.timeout)
            acks.append(ack)
            code = _msa_code(ack)
            outcome = next((o for o in OUTCOMES if COMMIT[o] == code), None)
            if outcome is None or len(responses(accept, application, outcome)) < 2:
                return acks

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


def _msa_code(ack: bytes) -> str:
    for segment in ack.split(b"\r"):
        if segment.startswith(b"MSA|"):
            return segment.split(b"|")[1].decode("latin-1")
    return ""


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
