"""The ACK: swapped sender and receiver, MSA echoing MSH-10, ERR naming segment/field/rule."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from mappers.hl7v2 import Location, MappingError, acknowledgement, load_senders, map_message
from mappers.hl7v2.errors import Problem
from mappers.hl7v2.message import header_of_bytes, read
from mappers.hl7v2.modes import responses
from tests.hl7v2.messages import SENDERS_FILE, adt

NOW = datetime(2026, 11, 2, 13, 35, tzinfo=UTC)


def test_an_ack_swaps_sender_and_receiver_and_echoes_the_control_id() -> None:
    _, header = read(adt(control_id="TC-9"), load_senders(Path(SENDERS_FILE)))
    ack = acknowledgement(header, "AA", "ACK-1", NOW).split("\r")
    assert ack[0].split("|") == [
        *("MSH", "^~\\&", "LUS", "LUS-FHIR", "TAKECARE", "SE2321000016-15CQ"),
        *("20261102143500+0100", "", "ACK^A01^ACK", "ACK-1", "P", "2.5"),
    ]
    assert ack[1] == "MSA|AA|TC-9"


def test_err_names_segment_field_and_rule_in_the_versions_layout() -> None:
    problem = Problem(Location("PID", 3, 2), "101", "PID-3 needs a | personnummer")
    header = header_of_bytes(adt())
    err = acknowledgement(header, "AE", "A", NOW, [problem], "rejected").split("\r")[2]
    assert (
        err
        == "ERR||PID^1^3^2|101^Required field missing^HL70357|E||||PID-3 needs a \\F\\ personnummer"
    )
    old = header_of_bytes(adt(f12="2.4"))
    assert acknowledgement(old, "AE", "A", NOW, [problem]).split("\r")[2] == (
        "ERR|PID^1^3^101&Required field missing&HL70357"
    )


def test_garbage_still_gets_an_addressable_ack() -> None:
    header = header_of_bytes(b"\x00\xffnot hl7")
    assert acknowledgement(header, "AR", "A", NOW).split("\r")[1] == "MSA|AR"


@pytest.mark.parametrize(
    ("accept", "application", "outcome", "sent"),
    [
        ("", "", "AA", ["AA"]),  # original mode: one application ACK
        ("", "", "AE", ["AE"]),
        ("AL", "AL", "AA", ["CA", "AA"]),
        ("AL", "AL", "AE", ["CE", "AE"]),
        ("AL", "NE", "AR", ["CR"]),
        ("NE", "NE", "AA", []),
        ("ER", "AL", "AA", ["AA"]),
        ("ER", "SU", "AE", ["CE"]),
        ("SU", "ER", "AA", ["CA"]),
        ("SU", "ER", "AR", ["AR"]),
        ("NE", "", "AE", ["AE"]),  # enhanced mode, MSH-16 empty: read as AL
    ],
)
def test_msh_15_and_16_decide_the_acks(
    accept: str, application: str, outcome: str, sent: list[str]
) -> None:
    assert responses(accept, application, outcome) == sent


def test_an_enhanced_application_ack_asks_for_no_answer() -> None:
    header = header_of_bytes(adt(f15="AL", f16="AL"))
    assert header.accept_ack == "AL" and header.application_ack == "AL"
    accept = acknowledgement(header, "CA", "A", NOW).split("\r")[0].split("|")
    application = acknowledgement(header, "AA", "A", NOW, answer_expected=False).split("\r")[0]
    assert "NE" not in accept  # an accept ACK is never acknowledged anyway
    assert application.split("|")[14:16] == ["NE", "NE"]


def test_an_unknown_acknowledgment_condition_is_an_error_at_its_field() -> None:
    with pytest.raises(MappingError) as raised:
        map_message(adt(f15="XX"), load_senders(Path(SENDERS_FILE)))
    assert str(raised.value.problem.location) == "MSH-15"
