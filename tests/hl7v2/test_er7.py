"""ER7 syntax through python-hl7: separators, repetitions, components, escapes, null and empty,
character sets from MSH-18."""

import pytest

from mappers.hl7v2.charset import codec, declared, decode
from mappers.hl7v2.er7 import Message, escape
from mappers.hl7v2.errors import MappingError


def pid(text: str, codec_name: str = "utf-8", seps: str = "^~\\&") -> Message:
    bar = "|"
    return Message(f"MSH{bar}{seps}{bar}A{bar}B\rPID{bar}{text}\r", codec_name)


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("a\\F\\b", "a|b"),
        ("a\\S\\b", "a^b"),
        ("a\\T\\b", "a&b"),
        ("a\\R\\b", "a~b"),
        ("a\\E\\b", "a\\b"),
        ("Sj\\XC3B6\\vik", "Sjövik"),  # hex bytes in the message's charset (UTF-8)
    ],
)
def test_escape_sequences_are_decoded_after_splitting(raw: str, text: str) -> None:
    message = pid(raw)
    assert message.segments[1][1].value() == text
    assert len(message.segments[1][1].repetitions) == 1  # \R\ did not split the field


def test_hex_escapes_follow_the_charset() -> None:
    assert pid("J\\XE4\\rvi", "latin-1").segments[1][1].value() == "Järvi"
    assert pid("J\\XE4\\rvi", "ascii").segments[1][1].value() == "Järvi"  # 8-bit in ASCII


def test_repetitions_components_and_subcomponents() -> None:
    field = pid("a^b&c^d~e").segments[1][1]
    assert field.value(2, sub=2) == "c" and field.value(3) == "d"
    assert field.value(1, repetition=2) == "e" and field.value(4) == ""
    assert [f.value() for f in field.each()] == ["a", "e"]


def test_null_deletes_and_empty_keeps() -> None:
    segment = pid('""|').segments[1]
    assert segment[1].is_null and not segment[1].is_empty
    assert segment[2].is_empty and not segment[2].is_null
    assert segment[40].is_empty  # beyond the segment's end


def test_other_separators_from_msh_2() -> None:
    message = Message("MSH*#@!$*A*B\rPID*x#y@z*w\r", "ascii")
    field = message.segments[1][1]
    assert field.value(2) == "y" and field.value(1, repetition=2) == "z"


def test_line_feeds_between_segments_are_tolerated() -> None:
    message = Message("MSH|^~\\&|A|B\r\nPID|1\nPV1|2\n", "ascii")
    assert [s.name for s in message.segments] == ["MSH", "PID", "PV1"]


def test_a_message_must_start_with_msh() -> None:
    with pytest.raises(MappingError) as error:
        Message("PID|1\r", "ascii")
    assert error.value.problem.code == "100"


def test_escape_is_the_inverse_for_text_put_in_an_ack() -> None:
    text = "a|b^c&d~e\\f"
    assert pid(escape(text)).segments[1][1].value() == text


def _msh(charset: str) -> bytes:
    return f"MSH|^~\\&|A|B|C|D|20260101||ADT^A01|1|P|2.5||||||{charset}\rPID|1\r".encode()


@pytest.mark.parametrize(
    ("charset", "python"),
    [
        ("ASCII", "ascii"),
        ("8859/1", "latin-1"),
        ("UNICODE UTF-8", "utf-8"),
        ("8859/15", "iso8859-15"),
    ],
)
def test_msh_18_names_the_charset(charset: str, python: str) -> None:
    assert declared(_msh(charset)) == charset
    assert codec(_msh(charset), "ASCII") == python


def test_an_empty_msh_18_takes_the_configured_default() -> None:
    assert codec(_msh(""), "8859/1") == "latin-1"


def test_an_unknown_charset_or_bytes_invalid_in_it_are_errors_at_msh_18() -> None:
    with pytest.raises(MappingError) as unknown:
        codec(_msh("ISO IR87"), "ASCII")
    assert str(unknown.value.problem.location) == "MSH-18"
    with pytest.raises(MappingError) as invalid:
        decode(_msh("UNICODE UTF-8") + "Sjövik".encode("latin-1"), "ASCII")
    assert invalid.value.problem.code == "102"


@pytest.mark.parametrize(
    ("message", "where"),
    [
        ("MSH|^~\\&|A|B\rPID|1||Tolvans\x00son\r", "PID-3"),
        ("MSH|^~\\&|A\x01|B\rPID|1\r", "MSH-3"),
        ("MSH|^~\\&|A|B\rPID|1\rPV1|1|I\x1b\r", "PV1-2"),
    ],
)
def test_a_control_character_in_a_field_is_an_error_there(message: str, where: str) -> None:
    with pytest.raises(MappingError) as error:
        Message(message, "ascii")
    assert error.value.problem.code == "102" and str(error.value.problem.location) == where
    assert "control character" in error.value.problem.rule


def test_a_control_character_from_an_escape_is_dropped_but_line_breaks_kept() -> None:
    assert pid("Tolv\\X00\\an\\X1B\\s").segments[1][1].value() == "Tolvans"
    assert pid("rad 1\\X0D0A\\rad 2\tflik").segments[1][1].value() == "rad 1\r\nrad 2\tflik"
