"""HL7 v2 ADT (ER7) → the guide's lus-patient and lus-encounter, as pure functions.

`map_message(raw, senders)` decodes, parses and maps one message; `acknowledgement(...)` writes
the ACK. Nothing here reads a database or a socket: the service resolves HSA-ids and writes.
"""

from mappers.hl7v2.ack import acknowledgement
from mappers.hl7v2.changes import DELETE, merge
from mappers.hl7v2.errors import Location, MappingError, Refusal
from mappers.hl7v2.message import Adt, map_message
from mappers.hl7v2.senders import Senders, SenderTable, load_senders

__all__ = [
    "DELETE",
    "Adt",
    "Location",
    "MappingError",
    "Refusal",
    "SenderTable",
    "Senders",
    "acknowledgement",
    "load_senders",
    "map_message",
    "merge",
]
