"""Why a message cannot be applied, located as HL7 v2 locates it (ERR-2, ERL data type) and coded
with table 0357, so the sender's engine shows the segment, field and rule that failed."""

from dataclasses import dataclass

# HL7 table 0357 (message error condition codes) used by the intake.
ACCEPTED = "0"  # the message was applied; the ERR (severity W) is what the sender must hear
SEGMENT_SEQUENCE = "100"
REQUIRED_FIELD = "101"
DATA_TYPE = "102"
TABLE_VALUE = "103"
UNSUPPORTED_TYPE = "200"
UNSUPPORTED_EVENT = "201"
UNSUPPORTED_PROCESSING_ID = "202"
UNSUPPORTED_VERSION = "203"
UNKNOWN_KEY = "204"
INTERNAL = "207"

CODE_TEXT = {
    ACCEPTED: "Message accepted",
    SEGMENT_SEQUENCE: "Segment sequence error",
    REQUIRED_FIELD: "Required field missing",
    DATA_TYPE: "Data type error",
    TABLE_VALUE: "Table value not found",
    UNSUPPORTED_TYPE: "Unsupported message type",
    UNSUPPORTED_EVENT: "Unsupported event code",
    UNSUPPORTED_PROCESSING_ID: "Unsupported processing id",
    UNSUPPORTED_VERSION: "Unsupported version id",
    UNKNOWN_KEY: "Unknown key identifier",
    INTERNAL: "Application internal error",
}


@dataclass(frozen=True)
class Location:
    """Segment, its occurrence, field, repetition and component (ERL); 0 means not applicable."""

    segment: str
    field: int = 0
    repetition: int = 0
    component: int = 0
    sequence: int = 1

    def __str__(self) -> str:
        text = f"{self.segment}-{self.field}" if self.field else self.segment
        if self.repetition > 1:
            text += f"({self.repetition})"
        if self.component:
            text += f".{self.component}"
        return text


@dataclass(frozen=True)
class Problem:
    """One ERR segment: where, which 0357 code, and the rule in words."""

    location: Location
    code: str
    rule: str
    severity: str = "E"  # E error | W warning | I information (HL7 table 0516)


class MappingError(Exception):
    """The message is understood but cannot be applied: answered AE, nothing is written."""

    def __init__(self, location: Location, code: str, rule: str) -> None:
        super().__init__(f"{location}: {rule}")
        self.problem = Problem(location, code, rule)


class Refusal(MappingError):
    """The message type, event or version is not one the intake takes: answered AR."""
