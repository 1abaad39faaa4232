"""The ER7 syntax, read with python-hl7: segments, fields, repetitions, components,
sub-components; separators from MSH-1/MSH-2; escape sequences decoded after splitting.

python-hl7's parse plan gives each level's separator and the escape character, its `unescape`
decodes escapes; the splitting itself is done here, a field when it is read. python-hl7's own
parse builds a tree of containers for every field of the message (its depth depending on which
separators a field holds) that `Field` then had to rebuild into repetitions → components →
sub-components: 0.5 ms of a message's CPU, most of its mapping, for about half the fields read.
`tests/hl7v2/test_er7_split.py` holds the split to python-hl7's parse.
`\\Xhh…\\` escapes are bytes in the message's charset (python-hl7 reads each byte as a code
point, which breaks UTF-8), so they are decoded here before python-hl7 unescapes the rest.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hl7.parser import create_parse_plan
from hl7.util import unescape

from mappers.hl7v2.errors import DATA_TYPE, SEGMENT_SEQUENCE, Location, MappingError

NULL = '""'  # the v2 null value: delete what is stored
# Control characters are no text (FHIR's strings take none but tab, CR and LF; PostgreSQL's
# text no NUL): one written into a field is an error there, one from a \\X..\\ escape dropped.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_ESCAPED_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# What each standard separator is escaped as (the escape character itself first).
_ESCAPES = (("\\", "\\E\\"), ("|", "\\F\\"), ("^", "\\S\\"), ("&", "\\T\\"), ("~", "\\R\\"))


def escape(text: str) -> str:
    """Text made safe for a field written with the standard separators `|^~\\&`; line breaks,
    which would end the segment, become spaces."""
    for plain, escaped in _ESCAPES:
        text = text.replace(plain, escaped)
    return text.replace("\r", " ").replace("\n", " ")


@dataclass(frozen=True)
class Field:
    """One field of one segment: repetitions of components of sub-components, still escaped."""

    repetitions: tuple[tuple[tuple[str, ...], ...], ...]
    message: "Message"

    @property
    def is_null(self) -> bool:
        return self.repetitions == (((NULL,),),)

    @property
    def is_empty(self) -> bool:
        return all(s == "" for r in self.repetitions for c in r for s in c)

    def value(self, component: int = 1, repetition: int = 1, sub: int = 1) -> str:
        """The unescaped text at 1-based positions ('' when absent)."""
        try:
            raw = self.repetitions[repetition - 1][component - 1][sub - 1]
        except IndexError:
            return ""
        return "" if raw == NULL else self.message.unescape(raw)

    def each(self) -> Iterator["Field"]:
        """Every non-empty repetition, as a one-repetition field."""
        for repetition in self.repetitions:
            single = Field((repetition,), self.message)
            if not single.is_empty and not single.is_null:
                yield single


@dataclass(frozen=True)
class Segment:
    name: str
    fields: tuple[str, ...]  # each field's text, still escaped; index 0 is field 1
    sequence: int  # 1 for the first segment of its name, 2 for the second …
    message: "Message"
    whole: int = 0  # how many first fields are not split (a header's separators)

    def __getitem__(self, number: int) -> Field:
        if 1 <= number <= len(self.fields):
            text = self.fields[number - 1]
            if number <= self.whole:
                return Field((((text,),),), self.message)
            return Field(self.message.split(text), self.message)
        return Field(((("",),),), self.message)


# Segments whose field 2 is the encoding characters, kept whole (python-hl7's rule).
_HEADERS = ("MSH", "BHS", "FHS")


class Message:
    def __init__(self, text: str, codec: str) -> None:
        text = text.lstrip("\x00\r\n \t").replace("\r\n", "\r").replace("\n", "\r")
        if not text.startswith("MSH") or len(text) < 8:
            raise MappingError(
                Location("MSH"), SEGMENT_SEQUENCE, "a message starts with its MSH segment"
            )
        segments = [s for s in text.split("\r") if s.strip("\x00 ")]
        for segment in segments:
            _refuse_control(segment, text[3])
        self.text = "\r".join(segments) + "\r"
        stripped = self.text.strip()  # what python-hl7's parse splits
        plan = create_parse_plan(stripped)
        self._tree: Any = plan.container([])  # the separators python-hl7's unescape reads
        self.codec = codec
        self.escape = str(plan.esc)
        if len(set(plan.separators)) < len(plan.separators):
            # python-hl7 picks each level's separator by its first place among them: with one
            # twice its plan fails, or splits a field on the wrong one, depending on the fields.
            raise MappingError(
                Location("MSH", 2),
                DATA_TYPE,
                "the field, repetition, component and sub-component separators (MSH-1, MSH-2 "
                f"or their defaults) must differ from each other and from CR: {plan.separators!r}",
            )
        self._segment = plan.next()
        self._repetition, self._component, self._sub = plan.separators[2:]
        self._hex = re.compile(re.escape(self.escape) + r"X([0-9A-Fa-f]*)" + re.escape(self.escape))
        seen: dict[str, int] = {}
        self.segments: list[Segment] = []
        for line in stripped.split(plan.separator):
            name, fields, whole = self._fields(line)
            seen[name] = seen.get(name, 0) + 1
            self.segments.append(Segment(name, fields, seen[name], self, whole))

    def _fields(self, line: str) -> tuple[str, tuple[str, ...], int]:
        """A segment's name, field texts and how many of them are kept whole, split as
        python-hl7 splits them: a header's field 1 is its fourth character and field 2 runs to
        the next one (the encoding characters), neither split further."""
        separator = self._segment.separator
        if line[:3] not in _HEADERS or not self._segment.applies(line):
            name, *fields = line.split(separator)
            name = name.strip()
            if name != "MSH":
                return name, tuple(fields), 0
            if len(fields) < 2:
                raise MappingError(
                    Location("MSH"), SEGMENT_SEQUENCE, "an MSH segment without MSH-1 and MSH-2"
                )
            return name, tuple(fields), 2  # as a header's, though not at the line's start
        own = line[3]
        end = line.find(own, 4)
        rest = line[end + 1 :]
        fields = rest.split(separator) if rest else []
        return line[:3], (own, line[4:end], *fields), 2

    def split(self, text: str) -> tuple[tuple[tuple[str, ...], ...], ...]:
        """A field's text as repetitions of components of sub-components."""
        sub = self._sub
        return tuple(
            tuple(tuple(c.split(sub)) for c in r.split(self._component))
            for r in text.split(self._repetition)
        )

    def first(self, name: str) -> Segment | None:
        return next((s for s in self.segments if s.name == name), None)

    def required(self, name: str) -> Segment:
        found = self.first(name)
        if found is None:
            raise MappingError(Location(name), SEGMENT_SEQUENCE, f"the {name} segment is missing")
        return found

    def unescape(self, raw: str) -> str:
        if self.escape not in raw:
            return raw
        raw = self._hex.sub(self._bytes, raw)
        return str(unescape(self._tree, raw))

    def _bytes(self, match: re.Match[str]) -> str:
        """Hex bytes in the message's charset; an ASCII message's bytes above 0x7F are read as
        Latin-1 (the 8-bit set ASCII feeds escape), bytes that are no text at all are dropped."""
        try:
            data = bytes.fromhex(match.group(1))
        except ValueError:
            return ""
        for codec in (self.codec, "latin-1"):
            try:
                return _ESCAPED_CONTROL.sub("", data.decode(codec))
            except UnicodeDecodeError:
                continue
        return ""


def _refuse_control(segment: str, separator: str) -> None:
    """A control character in a segment is an error at its field (MSH-1 is the separator
    itself, so MSH's fields count one more)."""
    found = _CONTROL.search(segment)
    if found is None:
        return
    name = segment[:3]
    number = segment[: found.start()].count(separator) + (name == "MSH")
    where = Location(name, number)
    code = f"0x{ord(found.group()):02X}"
    raise MappingError(where, DATA_TYPE, f"{where} holds the control character {code}: not text")
