"""The Subscriptions Backport IG's Subscription extensions, made known to every validator.

The guide does not vendor the Backport IG package (it is not obtainable offline), and the validator
rejects unknown extensions; minimal definitions (url, context, value type) let a backport
Subscription pass validation, against the base and against lus-subscription, which states the IG's
rules on them. The guide cannot ship these definitions itself: their urls are the IG's.
"""

from typing import Any

BACKPORT = "http://hl7.org/fhir/uv/subscriptions-backport"
FILTER_CRITERIA = f"{BACKPORT}/StructureDefinition/backport-filter-criteria"
PAYLOAD_CONTENT = f"{BACKPORT}/StructureDefinition/backport-payload-content"
HEARTBEAT_PERIOD = f"{BACKPORT}/StructureDefinition/backport-heartbeat-period"
TIMEOUT = f"{BACKPORT}/StructureDefinition/backport-timeout"
MAX_COUNT = f"{BACKPORT}/StructureDefinition/backport-max-count"

# url → (context element, value type)
_EXTENSIONS = {
    FILTER_CRITERIA: ("Subscription.criteria", "string"),
    PAYLOAD_CONTENT: ("Subscription.channel.payload", "code"),
    HEARTBEAT_PERIOD: ("Subscription.channel", "unsignedInt"),
    TIMEOUT: ("Subscription.channel", "unsignedInt"),
    MAX_COUNT: ("Subscription.channel", "positiveInt"),
}


def _extension(url: str, context: str, value_type: str) -> dict[str, Any]:
    name = url.rsplit("/", 1)[-1]
    return {
        "resourceType": "StructureDefinition",
        "id": name,
        "url": url,
        "name": "".join(part.capitalize() for part in name.split("-")),
        "status": "active",
        "fhirVersion": "4.0.1",
        "kind": "complex-type",
        "abstract": False,
        "context": [{"type": "element", "expression": context}],
        "type": "Extension",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
        "derivation": "constraint",
        "differential": {
            "element": [
                {"id": "Extension", "path": "Extension"},
                {"id": "Extension.extension", "path": "Extension.extension", "max": "0"},
                {"id": "Extension.url", "path": "Extension.url", "fixedUri": url},
                {
                    "id": "Extension.value[x]",
                    "path": "Extension.value[x]",
                    "min": 1,
                    "type": [{"code": value_type}],
                },
            ]
        },
    }


def extension_definitions() -> list[dict[str, Any]]:
    return [_extension(url, context, value) for url, (context, value) in _EXTENSIONS.items()]
