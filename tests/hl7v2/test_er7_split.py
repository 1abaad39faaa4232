"""`er7.Message` splits fields itself (python-hl7 gives the separators and unescapes): every
field of every segment reads exactly as python-hl7's parse tree, normalised the way `Field`
normalised it before, for the corpus, mutated messages and messages with other separators."""

from typing import Any

import hl7
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mappers.hl7v2.er7 import Message
from mappers.hl7v2.errors import MappingError
from tests.fuzz.hl7v2 import MESSAGES, hl7v2_messages

Split = tuple[tuple[tuple[str, ...], ...], ...]


def _subcomponents(node: Any) -> tuple[str, ...]:
    return (node,) if isinstance(node, str) else tuple(str(s) for s in node)


def _components(node: Any) -> tuple[tuple[str, ...], ...]:
    return ((node,),) if isinstance(node, str) else tuple(_subcomponents(c) for c in node)


def _repetitions(field: Any) -> Split:
    items = list(field)
    if not items:
        return ((("",),),)
    if len(items) == 1 and isinstance(items[0], str):
        return (((items[0],),),)
    return tuple(_components(r) for r in items)


def _python_hl7(text: str) -> list[tuple[str, list[Split]]]:
    """Each segment's name and fields from python-hl7's tree (the former `er7.Message`)."""
    found = []
    for node in hl7.parse(text):
        name = str(node[0]).strip()
        fields = [_repetitions(f) for f in list(node)[1:]]
        if name == "MSH":  # python-hl7 keeps MSH-1 and MSH-2 whole
            fields[:2] = [(((str(node[1]),),),), (((str(node[2]),),),)]
        found.append((name, fields))
    return found


def _assert_same(raw: bytes) -> None:
    text = raw.decode("latin-1")
    try:
        message = Message(text, "latin-1")
    except MappingError:  # refused before any splitting (no MSH, a control character)
        return
    except Exception:  # what python-hl7's parse plan cannot take, its parse did not take either
        lines = text.lstrip("\x00\r\n \t").replace("\r\n", "\r").replace("\n", "\r")
        with pytest.raises(Exception):  # noqa: B017 - any error: the intake answers AE either way
            _python_hl7("\r".join(s for s in lines.split("\r") if s.strip("\x00 ")) + "\r")
        return
    expected = _python_hl7(message.text)
    assert [s.name for s in message.segments] == [name for name, _ in expected]
    for segment, (_, fields) in zip(message.segments, expected, strict=True):
        assert len(segment.fields) == len(fields)
        for number, field in enumerate(fields, 1):
            assert segment[number].repetitions == field, (segment.name, number)
        assert segment[len(fields) + 1].is_empty


def test_the_corpus_splits_as_python_hl7_parses() -> None:
    for raw in MESSAGES:
        _assert_same(raw)


@settings(max_examples=300, deadline=None)
@given(hl7v2_messages())
def test_mutated_messages_split_as_python_hl7_parses(raw: bytes) -> None:
    _assert_same(raw)


_TEXT = st.text(alphabet='ab |^~\\&*#@!$%"', max_size=12)


@settings(max_examples=300, deadline=None)
@given(
    st.permutations("|^~\\&*#@!$"),
    st.integers(min_value=0, max_value=5),
    st.lists(
        st.tuples(st.sampled_from(["PID", "PV1", "ZZZ", "MSH", "BHS", "P"]), st.lists(_TEXT)),
        max_size=4,
    ),
)
def test_any_separators_split_as_python_hl7_parses(
    order: list[str], count: int, segments: list[tuple[str, list[str]]]
) -> None:
    """MSH-2 of 0 to 5 characters, any of them (or the field separator) repeated or missing."""
    bar, encoding = order[0], "".join(order[1 : 1 + count])
    lines = [f"MSH{bar}{encoding}{bar}A{bar}B^C~D&E{bar}x\\F\\y"]
    lines += [bar.join([name, *fields]) for name, fields in segments]
    _assert_same("\r".join(lines).encode("latin-1"))


def test_separators_that_are_not_distinct_are_an_error_at_msh_2() -> None:
    """python-hl7 would split on the wrong one (or fail, depending on the fields)."""
    for text in ("MSH|&|A|B\rPID|1\r", "MSH~^|A|B\rPID|1\r", "MSH|^^\\&|A|B\r"):
        with pytest.raises(MappingError) as error:
            Message(text, "ascii")
        assert (error.value.problem.location.segment, error.value.problem.location.field) == (
            "MSH",
            2,
        )
        assert error.value.problem.code == "102"
