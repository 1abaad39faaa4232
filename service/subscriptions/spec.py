"""What a Subscription asks for, checked against what this server supports.

Everything a test kit probes is rejected with 422 and the element at fault: an unknown topic, a
filter the topic cannot filter by, a channel type other than rest-hook/websocket, a non-HTTP
endpoint, an unsupported payload or extension, an `end` that is not an instant. The parsed `Spec`
is what delivery uses, stored as JSON in `subscriptions_state.spec` so evaluation never re-reads
the resource.

`backport-max-count` needs no handling beyond being accepted: it caps how many events one
notification may combine, and every notification this server sends (rest-hook or websocket)
carries exactly one event, which satisfies any max-count (a positiveInt, so at least 1).
`$events` returns a query-event Bundle, not a notification, so max-count does not bound it.
"""

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from service.auth.principal import INTERNAL, Principal
from service.fhirtime import stamp, start_of
from service.outcome import FhirError
from service.subscriptions import definitions as d
from service.subscriptions.filters import Filter, FilterError, parse
from service.subscriptions.topics import Topic, topics

CHANNEL_TYPES = frozenset({"rest-hook", "websocket"})
CONTENTS = frozenset({"empty", "id-only", "full-resource"})
MIME_TYPES = frozenset({"application/fhir+json", "application/json"})
# Channel extension url → (Spec field, smallest value): a 0 s timeout could never deliver and
# max-count is a positiveInt; a heartbeat period of 0 means no heartbeat.
CHANNEL_NUMBERS = {
    d.HEARTBEAT_PERIOD: ("heartbeat_seconds", 0),
    d.TIMEOUT: ("timeout_seconds", 1),
    d.MAX_COUNT: ("max_count", 1),
}
# Headers the server sets itself; a channel.header must not override them.
RESERVED_HEADERS = frozenset({"content-type", "content-length", "host", "x-request-id"})
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")

Resource = dict[str, Any]


@dataclass(frozen=True)
class Spec:
    topic: str
    channel_type: str
    content: str = "id-only"
    mime: str = "application/fhir+json"
    endpoint: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    filters: tuple[str, ...] = ()
    heartbeat_seconds: int | None = None
    timeout_seconds: int | None = None  # per rest-hook POST; carried on each outbox row
    max_count: int | None = None  # met by sending one event per notification (see above)
    subscriber: str | None = None  # Organization/… the subscription is made for (lus-subscriber)
    end: str | None = None  # Subscription.end as a UTC stamp: the server turns it off then
    client_id: str | None = None  # the client that made it
    region: bool = False  # made with the region-wide role: receives every match

    def ended(self, now: datetime) -> bool:
        """Whether `end` has passed (stamps compare as times: fixed-width UTC text)."""
        return self.end is not None and self.end <= stamp(now)

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @staticmethod
    def from_json(text: str) -> "Spec":
        return _from_json(text)

    def compiled_filters(self) -> list[Filter]:
        topic = topics()[self.topic]
        return [f for text in self.filters for f in _filters(text, topic)]


@lru_cache(maxsize=4096)
def _from_json(text: str) -> Spec:
    """Parsed once per distinct text: evaluation reads every listener's spec on every write."""
    values = json.loads(text)
    values["filters"] = tuple(values.get("filters", ()))
    return Spec(**values)


@lru_cache(maxsize=4096)
def _filters(text: str, topic: Topic) -> tuple[Filter, ...]:
    return tuple(parse(text, topic.resource_type, topic.filters))


def _reject(text: str, expression: str) -> FhirError:
    return FhirError.of(422, "business-rule", text, expression)


def _value(extension: Resource) -> Any:
    return next((v for k, v in extension.items() if k.startswith("value")), None)


def _extensions(element: Any) -> list[Resource]:
    if not isinstance(element, dict):
        return []
    return [e for e in element.get("extension", []) if isinstance(e, dict)]


def _topic(subscription: Resource) -> Topic:
    criteria = subscription.get("criteria")
    known = topics()
    topic = known.get(criteria.split("|", 1)[0]) if isinstance(criteria, str) else None
    if topic is None:
        names = ", ".join(sorted(known))
        raise _reject(
            f"Subscription.criteria must be the canonical url of a topic this server supports "
            f"({names}); got {criteria!r}",
            "Subscription.criteria",
        )
    return topic


def _filter_texts(subscription: Resource, topic: Topic) -> tuple[str, ...]:
    texts = []
    for extension in _extensions(subscription.get("_criteria")):
        if extension.get("url") != d.FILTER_CRITERIA:
            raise _reject(
                f"unsupported extension {extension.get('url')!r} on Subscription.criteria",
                "Subscription.criteria",
            )
        text = _value(extension)
        try:
            _filters(str(text), topic)
        except FilterError as error:
            raise _reject(str(error), "Subscription.criteria") from None
        texts.append(str(text))
    return tuple(texts)


def _endpoint(channel: Resource, channel_type: str) -> str | None:
    endpoint = channel.get("endpoint")
    if endpoint is None and channel_type == "websocket":
        return None
    parts = urlsplit(endpoint) if isinstance(endpoint, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise _reject(
            f"a {channel_type} channel needs an http(s) endpoint; got {endpoint!r}",
            "Subscription.channel.endpoint",
        )
    return str(endpoint)


def _headers(channel: Resource) -> dict[str, str]:
    headers = {}
    for line in channel.get("header", []):
        name, colon, value = str(line).partition(":")
        name = name.strip()
        if not colon or not _HEADER_NAME.match(name) or name.lower() in RESERVED_HEADERS:
            raise _reject(
                f"channel.header {line!r} is not 'Name: value' with a name the server does not "
                "set itself",
                "Subscription.channel.header",
            )
        headers[name] = value.strip()
    return headers


def _payload(channel: Resource) -> tuple[str, str]:
    mime = channel.get("payload", "application/fhir+json")
    if str(mime).split(";", 1)[0].strip() not in MIME_TYPES:
        raise _reject(
            f"channel.payload {mime!r} is not supported (only application/fhir+json)",
            "Subscription.channel.payload",
        )
    content = "id-only"
    for extension in _extensions(channel.get("_payload")):
        if extension.get("url") != d.PAYLOAD_CONTENT or _value(extension) not in CONTENTS:
            raise _reject(
                f"channel.payload takes only {d.PAYLOAD_CONTENT} with one of "
                f"{', '.join(sorted(CONTENTS))}",
                "Subscription.channel.payload",
            )
        content = str(_value(extension))
    return str(mime), content


def _channel_numbers(channel: Resource) -> dict[str, int]:
    numbers = {}
    for extension in _extensions(channel):
        url = extension.get("url")
        value = _value(extension)
        if url not in CHANNEL_NUMBERS:
            raise _reject(
                f"unsupported extension {url!r} on Subscription.channel",
                "Subscription.channel.extension",
            )
        name, least = CHANNEL_NUMBERS[str(url)]
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise _reject(
                f"{url} needs an integer of at least {least}", "Subscription.channel.extension"
            )
        numbers[name] = value
    return numbers


def _end(subscription: Resource) -> str | None:
    value = subscription.get("end")
    if value is None:
        return None
    moment = start_of(value)
    if moment is None:
        raise _reject(f"Subscription.end must be an instant; got {value!r}", "Subscription.end")
    return stamp(moment)


def check_end(spec: Spec, now: datetime) -> None:
    """A subscription that is not off must end in the future (422 naming Subscription.end)."""
    if spec.ended(now):
        raise _reject(
            f"Subscription.end {spec.end} is not after the server's current time {stamp(now)}; "
            "only a subscription that is off may have ended",
            "Subscription.end",
        )


def _subscriber(subscription: Resource) -> str | None:
    for extension in _extensions(subscription):
        if extension.get("url") != d.SUBSCRIBER:
            continue
        reference = (extension.get("valueReference") or {}).get("reference")
        if not isinstance(reference, str) or not re.fullmatch(r"Organization/[^/]+", reference):
            raise _reject(
                f"{d.SUBSCRIBER} must reference an Organization (Organization/id)",
                "Subscription.extension",
            )
        return reference
    return None


def parse_subscription(subscription: Resource, principal: Principal = INTERNAL) -> Spec:
    """The Spec of a Subscription, or FhirError 422 naming what this server does not support;
    its events are read as its `lus-subscriber`, else as the organization that wrote it."""
    topic = _topic(subscription)
    filters = _filter_texts(subscription, topic)
    channel = subscription.get("channel") or {}
    channel_type = channel.get("type")
    if channel_type not in CHANNEL_TYPES:
        raise _reject(
            f"channel.type {channel_type!r} is not supported (rest-hook, websocket)",
            "Subscription.channel.type",
        )
    mime, content = _payload(channel)
    numbers = _channel_numbers(channel)
    heartbeat = numbers.get("heartbeat_seconds") or None  # 0 means no heartbeat
    return Spec(
        topic=topic.url,
        channel_type=channel_type,
        content=content,
        mime=mime,
        endpoint=_endpoint(channel, channel_type),
        headers=_headers(channel),
        filters=filters,
        heartbeat_seconds=heartbeat,
        timeout_seconds=numbers.get("timeout_seconds"),
        max_count=numbers.get("max_count"),
        subscriber=_subscriber(subscription) or _owner(principal),
        end=_end(subscription),
        client_id=None if principal.internal else principal.client_id,
        region=principal.region,
    )


def _owner(principal: Principal) -> str | None:
    return None if principal.internal else principal.organization
