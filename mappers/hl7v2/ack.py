"""The ACK: MSH with sender and receiver swapped (MSH-3/4 ↔ MSH-5/6), MSA echoing MSH-10, and one
ERR per problem naming segment, field and rule (ERR-2/3/4/8 from v2.5; ERR-1 before).

MSH-7 carries the Stockholm offset, so the sender knows exactly when we answered.
"""

from datetime import datetime

from mappers.hl7v2.datatypes import STOCKHOLM
from mappers.hl7v2.er7 import escape
from mappers.hl7v2.errors import CODE_TEXT, Problem
from mappers.hl7v2.header import Header

LEGACY_ERR = ("2.3", "2.3.1", "2.4")  # versions whose ERR has only ERR-1 (ELD)


def acknowledgement(
    header: Header,
    code: str,
    control_id: str,
    now: datetime,
    problems: list[Problem] | None = None,
    text: str = "",
    answer_expected: bool = True,
) -> str:
    """The ER7 text of the ACK (segments ended by CR). `code` is AA, AE, AR or (enhanced mode's
    accept ACK) CA, CE, CR. An enhanced-mode application ACK is itself a message the sender
    would acknowledge; `answer_expected` False says in its MSH-15/MSH-16 (NE) that it must not."""
    local = now.astimezone(STOCKHOLM)
    offset = local.strftime("%z")
    fields = [
        "^~\\&",
        header.receiving_application,
        header.receiving_facility,
        header.sending_application,
        header.sending_facility,
        local.strftime("%Y%m%d%H%M%S") + offset,
        "",
        f"ACK^{header.trigger}^ACK" if header.trigger else "ACK",
        control_id,
        header.processing_id or "P",
        header.version or "2.5",
        "",
        "",
        "" if answer_expected else "NE",
        "" if answer_expected else "NE",
        "",
        escape(header.charset),
    ]
    segments = ["MSH|" + "|".join(fields).rstrip("|")]
    segments.append(f"MSA|{code}|{escape(header.control_id)}|{escape(text)[:80]}".rstrip("|"))
    for problem in problems or []:
        segments.append(_err(problem, header.version))
    return "\r".join(segments) + "\r"


def _err(problem: Problem, version: str) -> str:
    where = problem.location
    name = CODE_TEXT.get(problem.code, "")
    rule = escape(problem.rule)
    if version in LEGACY_ERR:
        element = f"{where.segment}^{where.sequence}^{where.field or ''}"
        return f"ERR|{element}^{problem.code}&{name}&HL70357"
    location = "^".join(
        str(part) if part else ""
        for part in (
            where.sequence,
            where.field,
            where.repetition or (1 if where.field else 0),
            where.component,
        )
    ).rstrip("^")
    return (
        f"ERR||{where.segment}^{location}|{problem.code}^{name}^HL70357|{problem.severity}"
        f"||||{rule}"
    )
