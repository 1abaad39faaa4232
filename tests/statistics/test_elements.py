"""The lean reading's picked elements mean the same from either database's answer: SQLite hands
an array of the named elements' values, PostgreSQL the stored text."""

import json

from service.statistics.elements import resource

NAMES = ("id", "status", "focus", "basedOn")
TASK = {
    "resourceType": "Task",
    "id": "t1",
    "status": "requested",
    "focus": {"reference": "Encounter/e1"},
    "basedOn": None,  # a null element counts as absent, as json_extract's null does
    "authoredOn": "2026-03-02T10:00:00+01:00",
}


def test_the_whole_text_and_the_array_of_values_give_the_same_elements() -> None:
    values = [TASK.get(n) for n in NAMES]  # json_extract(content, '$.id', …): null where absent
    from_array = resource("Task", NAMES, json.dumps(values))
    from_text = resource("Task", NAMES, json.dumps(TASK))
    expected = {"resourceType": "Task", "id": "t1", "status": "requested", "focus": TASK["focus"]}
    assert from_array == expected
    assert from_text == expected
