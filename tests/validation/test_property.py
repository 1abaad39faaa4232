"""Property: however a valid resource is mangled, validation returns an OperationOutcome."""

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.validation import validator
from tests.validation import conftest as c

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
MAKERS = [c.patient, c.encounter, c.task, c.organization, c.message_bundle, c.transaction_bundle]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*prefix, index)))
    return found


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    resource = draw(st.sampled_from(MAKERS))()
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(resource)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = resource
        for step in path[:-1]:
            parent = parent[step]
        if draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON)
    return resource


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_validate_never_raises(resource: Any) -> None:
    outcome = validator().validate(resource)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"]
    json.dumps(outcome)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=64) | JSON.map(json.dumps))
def test_validate_json_never_raises(text: bytes | str) -> None:
    outcome = validator().validate_json(text)
    assert outcome["resourceType"] == "OperationOutcome"
