"""The Backport IG's canonicals, the guide's restatements of its profiles, and the IG's Subscription
extensions made known to the validator.

The guide does not vendor the Backport IG package, and the validator rejects unknown extensions;
registering minimal definitions (url, context, value type) lets a backport Subscription pass
validation, against the base and against lus-subscription, which states the IG's rules on them.
The guide cannot ship these definitions itself: their urls are the IG's. Our own extension
(lus-subscriber) is defined in the guide and loaded with it.
"""

from typing import Any

from fhir_profiles import CANONICAL
from service.definitions.registry import DefinitionRegistry, registry

BACKPORT = "http://hl7.org/fhir/uv/subscriptions-backport"
FILTER_CRITERIA = f"{BACKPORT}/StructureDefinition/backport-filter-criteria"
PAYLOAD_CONTENT = f"{BACKPORT}/StructureDefinition/backport-payload-content"
HEARTBEAT_PERIOD = f"{BACKPORT}/StructureDefinition/backport-heartbeat-period"
TIMEOUT = f"{BACKPORT}/StructureDefinition/backport-timeout"
MAX_COUNT = f"{BACKPORT}/StructureDefinition/backport-max-count"
SUBSCRIPTION_PROFILE = f"{BACKPORT}/StructureDefinition/backport-subscription"
STATUS_PROFILE = f"{BACKPORT}/StructureDefinition/backport-subscription-status-r4"
NOTIFICATION_PROFILE = f"{BACKPORT}/StructureDefinition/backport-subscription-notification-r4"
SERVER_CAPABILITY = f"{BACKPORT}/CapabilityStatement/backport-subscription-server-r4"
TOPIC_CANONICAL_CAPABILITY = (
    f"{BACKPORT}/StructureDefinition/capabilitystatement-subscriptiontopic-canonical"
)
STATUS_OPERATION = f"{BACKPORT}/OperationDefinition/backport-subscription-status"
EVENTS_OPERATION = f"{BACKPORT}/OperationDefinition/backport-subscription-events"
TOKEN_OPERATION = f"{BACKPORT}/OperationDefinition/backport-subscription-get-ws-binding-token"
# Ours: the organization a subscription is made on behalf of (see access.may_receive), and the
# guide's restatements of the IG's profiles (fhir_profiles/input/fsh/subscriptions.fsh).
SUBSCRIBER = f"{CANONICAL}/StructureDefinition/lus-subscriber"
LUS_SUBSCRIPTION_PROFILE = f"{CANONICAL}/StructureDefinition/lus-subscription"
LUS_STATUS_PROFILE = f"{CANONICAL}/StructureDefinition/lus-subscription-status"
LUS_NOTIFICATION_PROFILE = f"{CANONICAL}/StructureDefinition/lus-subscription-notification"


def lus_notification_profile(content: str) -> str:
    """The guide's profile for notifications of one payload content (empty, id-only, ...)."""
    return f"{LUS_NOTIFICATION_PROFILE}-{content}"


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


def register(target: DefinitionRegistry | None = None) -> None:
    """Add the definitions (idempotent); call before the first Subscription is validated."""
    definitions = target or registry()
    for url, (context, value_type) in _EXTENSIONS.items():
        if definitions.structure(url) is None:
            definitions.add(_extension(url, context, value_type))
