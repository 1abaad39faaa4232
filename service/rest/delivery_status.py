"""`$delivery-status`: the delivery state of one notification per receiver, as a Parameters
resource (one `delivery` part per receiver and escalation), so integrators can see over FHIR
whether each receiver got and acknowledged it."""

from typing import Any

from service.fhirtime import parse_range

Resource = dict[str, Any]
REFERENCES = ("receiver", "endpoint")
INSTANTS = ("created_at", "next_attempt_at", "delivered_at", "acknowledged_at")


def _instant(value: str) -> str:
    parsed = parse_range(value)
    return parsed[0].isoformat(timespec="milliseconds").replace("+00:00", "Z") if parsed else value


def delivery_parameters(states: list[dict[str, Any]]) -> Resource:
    parameters = []
    for state in states:
        parts: list[Resource] = []
        for name in REFERENCES:
            if state.get(name):
                parts.append({"name": name, "valueReference": {"reference": state[name]}})
        if state.get("address"):
            parts.append({"name": "address", "valueUrl": state["address"]})
        parts.append({"name": "status", "valueCode": state["status"]})
        parts.append({"name": "attempts", "valueInteger": state["attempts"]})
        for name in INSTANTS:
            if state.get(name):
                parts.append(
                    {"name": name.replace("_at", ""), "valueInstant": _instant(state[name])}
                )
        if state.get("last_error"):
            parts.append({"name": "lastError", "valueString": state["last_error"]})
        parameters.append({"name": "delivery", "part": parts})
    return {"resourceType": "Parameters", "parameter": parameters}
