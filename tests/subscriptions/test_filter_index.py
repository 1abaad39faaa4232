"""The filter index preselects, `matches` decides: for any subscriptions and any resource the
index must find exactly the subscriptions a check of every one of them finds."""

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.subscriptions import filters as filter_module
from service.subscriptions.filters import Filter, Index, matches, parse
from service.subscriptions.topics import topics

TOPIC = next(t for t in topics().values() if t.url.endswith("/utskrivningsklar"))
EVENT = "https://lus-fhir.se/fhir/CodeSystem/lus-event"
OTHER = "urn:example:other"

ids = st.sampled_from(["a", "b", "c"])
kinds = st.sampled_from(["Organization", "Patient"])


@st.composite
def references(draw: Any) -> str:
    """How a resource may write a reference: relative, absolute, versioned."""
    local = f"{draw(kinds)}/{draw(ids)}"
    form = draw(st.sampled_from(["{}", "https://other.example/fhir/{}", "{}/_history/2"]))
    return str(form.format(local))


@st.composite
def wanted_references(draw: Any) -> str:
    """How a filter may name one: bare id, Type/id, absolute."""
    local = f"{draw(kinds)}/{draw(ids)}"
    return str(draw(st.sampled_from([draw(ids), local, f"http://x.example/fhir/{local}"])))


codes = st.sampled_from(["utskrivningsklar", "inte-langre-utskrivningsklar", "x"])
systems = st.sampled_from([EVENT, OTHER])


@st.composite
def wanted_codes(draw: Any) -> str:
    """Token forms: code, system|code, |code (no system), system| (any code of the system)."""
    code, system = draw(codes), draw(systems)
    return str(draw(st.sampled_from([code, f"{system}|{code}", f"|{code}", f"{system}|"])))


@st.composite
def filter_texts(draw: Any) -> tuple[str, ...]:
    texts = []
    for name, values in (
        ("owner", wanted_references()),
        ("requester", wanted_references()),
        ("patient", wanted_references()),
        ("code", wanted_codes()),
    ):
        if draw(st.booleans()):
            texts.append(f"{name}={','.join(draw(st.lists(values, min_size=1, max_size=2)))}")
    return tuple(texts)


@st.composite
def tasks(draw: Any) -> dict[str, Any]:
    task: dict[str, Any] = {"resourceType": "Task", "id": "t"}
    for element in ("owner", "requester", "for"):
        if draw(st.booleans()):
            task[element] = {"reference": draw(references())}
    codings = draw(
        st.lists(st.builds(lambda s, c: {"system": s, "code": c}, systems, codes), max_size=2)
    )
    if draw(st.booleans()):
        codings.append({"code": draw(codes)})  # a coding without a system
    if codings:
        task["code"] = {"coding": codings}
    return task


def _compiled(texts: tuple[str, ...]) -> list[Filter]:
    return [f for text in texts for f in parse(text, TOPIC.resource_type, TOPIC.filters)]


@settings(max_examples=300, deadline=None)
@given(st.lists(filter_texts(), max_size=12), tasks())
def test_index_finds_exactly_the_matching_subscriptions(
    subscriptions: list[tuple[str, ...]], task: dict[str, Any]
) -> None:
    items = [(i, _compiled(texts)) for i, texts in enumerate(subscriptions)]
    expected = [i for i, filters in items if matches(filters, task)]
    assert Index(items).matching(task, {}) == expected


def test_an_indexed_filter_skips_the_subscriptions_it_cannot_match(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The point of the index: an event about patient a is not checked against the filters of
    the subscriptions for patients b and c, nor against a code filter naming only a system."""
    checked: list[Any] = []

    def counting(filters: Any, resource: Any, memo: Any = None) -> bool:
        checked.append(filters)
        return matches(filters, resource, memo)

    monkeypatch.setattr(filter_module, "matches", counting)
    items = [(name, _compiled((f"patient=Patient/{name}",))) for name in "abc"]
    items.append(("any-event-code", _compiled((f"code={EVENT}|",))))
    task = {"resourceType": "Task", "for": {"reference": "Patient/a"}}
    assert Index(items).matching(task, {}) == ["a"]
    # checked: a (filed under Patient/a) and the scanned one, not b or c
    assert [list(c) for c in checked] == [items[0][1], items[3][1]]
