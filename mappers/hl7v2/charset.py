"""Bytes → text by MSH-18 (HL7 table 0211), before anything else is read.

MSH-1 to MSH-18 are ASCII in every charset the intake takes, so MSH-18 can be found in the raw
bytes; an empty MSH-18 means ASCII by the standard, or the sender's configured default (legacy
feeds send Latin-1 without saying so).
"""

from mappers.hl7v2.errors import DATA_TYPE, TABLE_VALUE, Location, MappingError

# Table 0211 values we take, with the Python codec each names.
CODECS = {
    "ASCII": "ascii",
    "8859/1": "latin-1",
    "8859/15": "iso8859-15",
    "UNICODE UTF-8": "utf-8",
    "UTF-8": "utf-8",  # not in table 0211, but what some senders write
}
MSH_18 = Location("MSH", 18)


def declared(raw: bytes) -> str:
    """MSH-18's first repetition as written ('' when absent)."""
    first = raw.lstrip(b"\x00\r\n \t").replace(b"\n", b"\r").split(b"\r", 1)[0]
    if len(first) < 4 or not first.startswith(b"MSH"):
        return ""
    fields = first.split(first[3:4])
    repetition = fields[1][2:3] if len(fields) > 1 and len(fields[1]) > 2 else b"~"
    if len(fields) <= 17:
        return ""
    return fields[17].split(repetition, 1)[0].decode("latin-1").strip()


def codec(raw: bytes, default: str) -> str:
    """The Python codec of the message: MSH-18's, or `default` (a table 0211 value) when empty."""
    name = declared(raw) or default
    found = CODECS.get(name.upper())
    if found is None:
        known = ", ".join(CODECS)
        raise MappingError(MSH_18, TABLE_VALUE, f"character set {name!r} is not one of {known}")
    return found


def decode(raw: bytes, default: str) -> tuple[str, str]:
    """(text, codec); bytes that are not valid in the declared set are an error, never guessed."""
    name = codec(raw, default)
    try:
        return raw.decode(name), name
    except UnicodeDecodeError as error:
        raise MappingError(
            MSH_18,
            DATA_TYPE,
            f"byte {raw[error.start]:#04x} at offset {error.start} is not valid {name} "
            f"(MSH-18 {declared(raw) or 'empty'!r}, sender default {default!r})",
        ) from None
