"""Mutated HL7 v2 messages: the corpus's ER7 with bytes inserted, deleted or replaced (the
delimiters and escapes the parser cares about most often) and segments moved or doubled."""

from hypothesis import strategies as st

from tests.hl7v2.conftest import CORPUS

MESSAGES = [p.read_bytes() for p in sorted(CORPUS.glob("*.hl7"))]
SPECIAL = [b"|", b"^", b"~", b"\\", b"&", b"\r", b"\n", b'""', b"\\X", b"\\XC3\\", b"\x00", b"\xff"]


@st.composite
def hl7v2_messages(draw: st.DrawFn) -> bytes:
    message = bytearray(draw(st.sampled_from(MESSAGES)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(message)))
        kind = draw(st.sampled_from(["insert", "delete", "replace", "segment"]))
        piece = draw(st.one_of(st.sampled_from(SPECIAL), st.binary(min_size=1, max_size=6)))
        if kind == "insert":
            message[at:at] = piece
        elif kind == "delete":
            del message[at : at + draw(st.integers(1, 20))]
        elif kind == "replace":
            message[at : at + len(piece)] = piece
        else:  # a segment moved, doubled or dropped
            segments = bytes(message).split(b"\n")
            index = draw(st.integers(0, len(segments) - 1))
            segments.insert(draw(st.integers(0, len(segments))), segments[index])
            message = bytearray(b"\n".join(segments))
    return bytes(message)
