"""The Backport IG's canonicals and the guide's restatements of its profiles.

The IG's Subscription extensions are defined for the validator in service/definitions/backport.py;
our own extension (lus-subscriber) is defined in the guide and loaded with it.
"""

from fhir_profiles import CANONICAL
from service.definitions.backport import (
    BACKPORT,
    FILTER_CRITERIA,
    HEARTBEAT_PERIOD,
    MAX_COUNT,
    PAYLOAD_CONTENT,
    TIMEOUT,
)

__all__ = ["FILTER_CRITERIA", "HEARTBEAT_PERIOD", "MAX_COUNT", "PAYLOAD_CONTENT", "TIMEOUT"]

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
