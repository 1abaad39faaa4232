"""No request, however malformed, makes the server answer 500."""

import json
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.rest.conftest import FHIR, example

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
TYPES = st.sampled_from(
    ["Patient", "Task", "Encounter", "Bundle", "Nope", "metadata", "_history", ""]
)
METHODS = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"])
SEGMENTS = st.text(alphabet="abc123-_$.%/", max_size=12)
QUERY = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "_count",
                "_sort",
                "identifier",
                "name",
                "_lastUpdated",
                "status",
                "x",
                "_include",
                "patient:Patient.name",
            ]
        ),
        st.text(max_size=12),
    ),
    max_size=3,
)


def _mutate(resource: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    return {**resource, key: value}


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    method=METHODS,
    res_type=TYPES,
    tail=SEGMENTS,
    query=QUERY,
    body=json_values,
    key=st.text(max_size=12),
)
def test_no_request_yields_500(
    client: TestClient,
    method: str,
    res_type: str,
    tail: str,
    query: list[tuple[str, str]],
    body: Any,
    key: str,
) -> None:
    payload = json.dumps(_mutate(example("Patient-tolvan"), key, body) if key else body)
    response = client.request(
        method,
        f"/fhir/{res_type}/{tail}".rstrip("/"),
        params=query,
        content=payload.encode(),
        headers=FHIR,
    )
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["resourceType"] == "OperationOutcome"
