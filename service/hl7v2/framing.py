"""MLLP framing (HL7 v2.5.1 Appendix C; MLLP release 1): <VT> message <FS><CR>.

Bytes outside a frame (NULs or line ends some engines put between messages) are skipped; a frame
longer than the limit ends the connection, as it cannot be answered without reading it all.
"""

START, END = b"\x0b", b"\x1c\x0d"


class FrameTooLong(Exception):
    pass


class Frames:
    """Cuts a byte stream into messages; `feed` returns every message completed so far."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.buffer = b""

    def feed(self, data: bytes) -> list[bytes]:
        self.buffer += data
        messages = []
        while True:
            start = self.buffer.find(START)
            if start < 0:
                self.buffer = b""
                break
            end = self.buffer.find(END, start + 1)
            if end < 0:
                self.buffer = self.buffer[start:]
                if len(self.buffer) > self.limit:
                    raise FrameTooLong(f"an MLLP frame is longer than {self.limit} bytes")
                break
            messages.append(self.buffer[start + 1 : end])
            self.buffer = self.buffer[end + len(END) :]
        return messages


def frame(message: bytes) -> bytes:
    return START + message + END
