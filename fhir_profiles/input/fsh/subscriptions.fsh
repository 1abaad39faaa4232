// Topic-based subscriptions: the shapes of the Subscriptions R5 Backport IG for R4
// (hl7.fhir.uv.subscriptions-backport 1.1.0), restated as profiles of this guide. The IG's package
// cannot be installed offline, so a validator that knows only this guide could not check a
// Subscription or a notification against the IG's own profiles; these say the same things.
// Rules the IG states in words (payloads.md, notifications.md) are invariants; the payload content
// a notification was built for picks its profile (empty, id-only, full-resource), because the Bundle
// itself does not name it.
// The IG's Subscription extensions keep the IG's urls: SUSHI cannot slice on definitions it cannot
// load, so their cardinalities and codes are invariants here, and the service registers their
// definitions (value type, context) with its validator at start-up
// (service/subscriptions/definitions.py). The IG slices the parts of notification-event too; a
// part is a contentReference, which the validator's snapshot generation cannot slice, so those
// rules are invariants (lus-sst-3, lus-sst-4). The IG binds the status type to FHIR's R4B/R5
// SubscriptionNotificationType, which R4 (and so an R4 validator without the IG) does not know:
// its codes are an invariant (lus-sst-5).

Invariant: lus-sub-1
Description: "Subscription.criteria states the topic: it has a value, not only filter extensions."
Expression: "criteria.where(hasValue()).exists()"
Severity: #error

Invariant: lus-sub-2
Description: "Subscription.criteria is the canonical url of a subscription topic, not an R4 search query."
Expression: "matches('^[a-z][a-z0-9+.-]*:[^ ?]+$')"
Severity: #error

Invariant: lus-sub-3
Description: "The payload states its content (backport-payload-content) exactly once."
Expression: "payload.extension.where(url = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content').count() = 1"
Severity: #error

Invariant: lus-sub-4
Description: "The payload content is empty, id-only or full-resource (the IG's backport-content-value-set)."
Expression: "payload.extension.where(url = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content').all(value = 'empty' or value = 'id-only' or value = 'full-resource')"
Severity: #error

Invariant: lus-sub-5
Description: "The channel states its heartbeat period, timeout and max count at most once each."
Expression: "extension.where(url = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-heartbeat-period').count() <= 1 and extension.where(url = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-timeout').count() <= 1 and extension.where(url = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-max-count').count() <= 1"
Severity: #error

Invariant: lus-sst-1
Description: "An event-notification or query-event status carries at least one notification-event (FHIR R4B/R5 SubscriptionStatus sst-1)."
Expression: "parameter.where(name = 'type').value in ('event-notification' | 'query-event') implies parameter.where(name = 'notification-event').exists()"
Severity: #error

Invariant: lus-sst-2
Description: "events-since-subscription-start is a whole number (as a string)."
Expression: "parameter.where(name = 'events-since-subscription-start').all(value.ofType(string).matches('^[0-9]+$'))"
Severity: #error

Invariant: lus-sst-3
Description: "Each notification-event has exactly one event-number, a whole number (as a string)."
Expression: "parameter.where(name = 'notification-event').all(part.where(name = 'event-number').count() = 1 and part.where(name = 'event-number').all(value.ofType(string).matches('^[0-9]+$')))"
Severity: #error

Invariant: lus-sst-4
Description: "Each notification-event has at most one timestamp (an instant) and at most one focus (a Reference); its additional-context parts are References."
Expression: "parameter.where(name = 'notification-event').all(part.where(name = 'timestamp').count() <= 1 and part.where(name = 'timestamp').all(value is instant) and part.where(name = 'focus').count() <= 1 and part.where(name = 'focus').all(value is Reference) and part.where(name = 'additional-context').all(value is Reference))"
Severity: #error

Invariant: lus-sst-5
Description: "The type is one of FHIR's notification types: handshake, heartbeat, event-notification, query-status or query-event (R4B/R5 SubscriptionNotificationType)."
Expression: "parameter.where(name = 'type').all(value = 'handshake' or value = 'heartbeat' or value = 'event-notification' or value = 'query-status' or value = 'query-event')"
Severity: #error

Invariant: lus-snb-1
Description: "The first entry is the subscription status, a Parameters (the IG's backport-notification-bundle-r4-1)."
Expression: "entry.first().resource.is(Parameters)"
Severity: #error

Invariant: lus-snb-2
Description: "The status entry's request is a GET of the subscription's $status."
Expression: "entry.first().request.where(method = 'GET' and url.endsWith('/$status')).exists()"
Severity: #error

Invariant: lus-snb-3
Description: "An empty notification names no resource: its events have no focus and no additional-context."
Expression: "entry.first().resource.parameter.where(name = 'notification-event').part.where(name = 'focus' or name = 'additional-context').empty()"
Severity: #error

Invariant: lus-snb-4
Description: "An empty notification has no entry besides the subscription status."
Expression: "entry.count() = 1"
Severity: #error

Invariant: lus-snb-5
Description: "An empty notification should not name its topic."
Expression: "entry.first().resource.parameter.where(name = 'topic').empty()"
Severity: #warning

Invariant: lus-snb-6
Description: "Every event of an id-only or full-resource notification names its focus."
Expression: "entry.first().resource.parameter.where(name = 'notification-event').all(part.where(name = 'focus').exists())"
Severity: #error

Invariant: lus-snb-7
Description: "An id-only notification carries no resources: each entry after the status has a fullUrl and a request, and no resource."
Expression: "entry.skip(1).all(resource.empty() and fullUrl.exists() and request.exists())"
Severity: #error

Invariant: lus-snb-8
Description: "Every focus of a full-resource notification is an entry of the notification (its fullUrl)."
Expression: "entry.first().resource.parameter.where(name = 'notification-event').part.where(name = 'focus').value.reference.all($this in %resource.entry.fullUrl)"
Severity: #error

Invariant: lus-snb-9
Description: "A full-resource notification should name its topic."
Expression: "entry.first().resource.parameter.where(name = 'topic').exists()"
Severity: #warning

Extension: LusSubscriber
Id: lus-subscriber
Title: "Prenumerant"
Description: "The organization a Subscription is made on behalf of. A subscriber receives an event only about a case it is a sender or receiver of, so the service must know whom a subscription serves."
Context: Subscription
* ^status = #draft
* ^experimental = false
* . ^short = "The organization the subscription is made for"
* value[x] only Reference(LusOrganization)
* value[x] 1..1

Profile: LusSubscription
Parent: Subscription
Id: lus-subscription
Title: "Prenumeration"
Description: "A topic-based Subscription as this service accepts it. Restates the Backport IG's profile http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription, because the IG package is not available offline: criteria is a topic's canonical url, filters are backport-filter-criteria extensions on criteria, the payload states its content (backport-payload-content), the channel may state backport-heartbeat-period, backport-timeout and backport-max-count once each. The IG's custom channel types (backport-channel-type) are not supported. Adds the subscriber organization (lus-subscriber)."
* ^status = #draft
* ^experimental = false
* obeys lus-sub-1
* extension contains LusSubscriber named subscriber 0..1 MS
* criteria 1..1 MS
* criteria obeys lus-sub-2
* criteria ^short = "Canonical url of the subscription topic (filters: backport-filter-criteria extensions)"
* channel obeys lus-sub-3 and lus-sub-4 and lus-sub-5
* channel.type MS
* channel.endpoint MS
* channel.payload 1..1 MS
* channel.payload ^short = "MIME type of the notifications; its backport-payload-content extension says how much they carry"

Profile: LusSubscriptionStatus
Parent: Parameters
Id: lus-subscription-status
Title: "Prenumerationsstatus"
Description: "The status of a subscription in a notification or a $status answer. Restates the Backport IG's profile http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4, because the IG package is not available offline: which subscription and topic, its status, the kind of notification, the number of events since the subscription started, the events it carries and any errors."
* ^status = #draft
* ^experimental = false
* obeys lus-sst-1 and lus-sst-2 and lus-sst-3 and lus-sst-4 and lus-sst-5
* parameter ^slicing.discriminator.type = #value
* parameter ^slicing.discriminator.path = "name"
* parameter ^slicing.rules = #open
* parameter ^slicing.ordered = false
* parameter contains
    subscription 1..1 MS and
    topic 0..1 MS and
    status 1..1 MS and
    type 1..1 MS and
    eventsSinceSubscriptionStart 0..1 MS and
    notificationEvent 0..* MS and
    error 0..* MS
* parameter[subscription].name = "subscription" (exactly)
* parameter[subscription].value[x] 1..1
* parameter[subscription].value[x] only Reference(Subscription)
* parameter[topic].name = "topic" (exactly)
* parameter[topic].value[x] only canonical
* parameter[topic] ^short = "Should be absent for empty payloads, should be present for full-resource ones"
* parameter[status].name = "status" (exactly)
* parameter[status].value[x] 1..1
* parameter[status].value[x] only code
* parameter[status].value[x] from http://hl7.org/fhir/ValueSet/subscription-status (required)
* parameter[type].name = "type" (exactly)
* parameter[type].value[x] 1..1
* parameter[type].value[x] only code
* parameter[eventsSinceSubscriptionStart].name = "events-since-subscription-start" (exactly)
* parameter[eventsSinceSubscriptionStart].value[x] only string
* parameter[eventsSinceSubscriptionStart] ^short = "Events since the subscription started (not counting handshakes and heartbeats)"
* parameter[notificationEvent].name = "notification-event" (exactly)
* parameter[notificationEvent].part MS
* parameter[notificationEvent] ^short = "An event: event-number, timestamp, focus, additional-context parts (lus-sst-3, lus-sst-4)"
* parameter[error].name = "error" (exactly)
* parameter[error].value[x] only CodeableConcept

Profile: LusSubscriptionNotification
Parent: Bundle
Id: lus-subscription-notification
Title: "Prenumerationsnotifiering"
Description: "A notification of a topic-based subscription (handshake, heartbeat, event-notification) or a $events answer (query-event; query-status when the asked range has no events). Restates the Backport IG's profile http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-notification-r4, because the IG package is not available offline: a history Bundle whose first entry is the subscription status, requested as a GET of the subscription's $status. Notifications of events conform to the profile for their payload content: lus-subscription-notification-empty, -id-only or -full-resource."
* ^status = #draft
* ^experimental = false
* obeys lus-snb-1 and lus-snb-2
* type = #history (exactly)
* entry ^slicing.discriminator.type = #type
* entry ^slicing.discriminator.path = "resource"
* entry ^slicing.rules = #open
* entry ^slicing.ordered = false
* entry contains subscriptionStatus 1..1 MS
* entry[subscriptionStatus].resource 1..1 MS
* entry[subscriptionStatus].resource only LusSubscriptionStatus
* entry[subscriptionStatus].request 1..1 MS
* entry[subscriptionStatus].response 1..1 MS

Profile: LusSubscriptionNotificationEmpty
Parent: LusSubscriptionNotification
Id: lus-subscription-notification-empty
Title: "Prenumerationsnotifiering, tom"
Description: "A notification of a subscription with empty payload content. Restates the Backport IG's profile http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-notification-r4 and its rules for empty payloads (Payloads page), because the IG package is not available offline: no focus or additional context, no entry besides the status, and preferably no topic."
* ^status = #draft
* ^experimental = false
* obeys lus-snb-3 and lus-snb-4 and lus-snb-5

Profile: LusSubscriptionNotificationIdOnly
Parent: LusSubscriptionNotification
Id: lus-subscription-notification-id-only
Title: "Prenumerationsnotifiering, id-only"
Description: "A notification of a subscription with id-only payload content. Restates the Backport IG's profile http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-notification-r4 and its rules for id-only payloads (Payloads page), because the IG package is not available offline: every event names its focus; further entries name resources by fullUrl and request and carry none."
* ^status = #draft
* ^experimental = false
* obeys lus-snb-6 and lus-snb-7

Profile: LusSubscriptionNotificationFullResource
Parent: LusSubscriptionNotification
Id: lus-subscription-notification-full-resource
Title: "Prenumerationsnotifiering, full-resource"
Description: "A notification of a subscription with full-resource payload content. Restates the Backport IG's profile http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-notification-r4 and its rules for full-resource payloads (Payloads page), because the IG package is not available offline: every event names its focus, every focus is an entry (with the resource, or with request and response when it cannot be included), and the topic is named."
* ^status = #draft
* ^experimental = false
* obeys lus-snb-6 and lus-snb-8 and lus-snb-9

// ---- Examples: notifications of a subscription for the home-care provider to utskrivningsklar ----

RuleSet: SubscriptionStatus(type, events)
* parameter[subscription].valueReference.reference = "https://lus.example.se/fhir/Subscription/hemtjanst-utskrivningsklar"
* parameter[status].valueCode = #active
* parameter[type].valueCode = {type}
* parameter[eventsSinceSubscriptionStart].valueString = "{events}"

RuleSet: StatusEntry(instance, uuid)
* entry[subscriptionStatus].fullUrl = "urn:uuid:{uuid}"
* entry[subscriptionStatus].resource = {instance}
* entry[subscriptionStatus].request.method = #GET
* entry[subscriptionStatus].request.url = "https://lus.example.se/fhir/Subscription/hemtjanst-utskrivningsklar/$status"
* entry[subscriptionStatus].response.status = "200"

RuleSet: Event(number)
* parameter[notificationEvent].part[0].name = "event-number"
* parameter[notificationEvent].part[0].valueString = "{number}"
* parameter[notificationEvent].part[1].name = "timestamp"
* parameter[notificationEvent].part[1].valueInstant = "2026-11-06T09:45:00+01:00"

RuleSet: Focus(focus)
* parameter[notificationEvent].part[2].name = "focus"
* parameter[notificationEvent].part[2].valueReference.reference = "{focus}"

Instance: StatusHandskakning
InstanceOf: LusSubscriptionStatus
Usage: #inline
* id = "3f1d6c2a-8b4e-4f0a-9c1d-2e5b7a9c0d01"
* insert SubscriptionStatus(#handshake, 0)
* parameter[topic].valueCanonical = "https://lus-fhir.se/fhir/SubscriptionTopic/utskrivningsklar"

Instance: prenumeration-handskakning
InstanceOf: LusSubscriptionNotification
Title: "Prenumeration: handskakning"
Description: "The handshake the service sends when a rest-hook subscription is created."
Usage: #example
* timestamp = "2026-11-01T08:00:00+01:00"
* insert StatusEntry(StatusHandskakning, 3f1d6c2a-8b4e-4f0a-9c1d-2e5b7a9c0d01)

Instance: StatusTom
InstanceOf: LusSubscriptionStatus
Usage: #inline
* id = "3f1d6c2a-8b4e-4f0a-9c1d-2e5b7a9c0d02"
* insert SubscriptionStatus(#event-notification, 1)
* insert Event(1)

Instance: prenumeration-handelse-tom
InstanceOf: LusSubscriptionNotificationEmpty
Title: "Prenumeration: händelse utan innehåll"
Description: "An event notification with empty payload content: the receiver learns that something happened and asks the service what."
Usage: #example
* timestamp = "2026-11-06T09:45:01+01:00"
* insert StatusEntry(StatusTom, 3f1d6c2a-8b4e-4f0a-9c1d-2e5b7a9c0d02)

Instance: StatusIdOnly
InstanceOf: LusSubscriptionStatus
Usage: #inline
* id = "3f1d6c2a-8b4e-4f0a-9c1d-2e5b7a9c0d03"
* insert SubscriptionStatus(#event-notification, 1)
* parameter[topic].valueCanonical = "https://lus-fhir.se/fhir/SubscriptionTopic/utskrivningsklar"
* insert Event(1)
* insert Focus(https://lus.example.se/fhir/Task/tolvan-utskrivningsklar)

Instance: prenumeration-handelse-id-only
InstanceOf: LusSubscriptionNotificationIdOnly
Title: "Prenumeration: händelse med id"
Description: "An event notification with id-only payload content: the focus is named, the receiver reads it."
Usage: #example
* timestamp = "2026-11-06T09:45:01+01:00"
* insert StatusEntry(StatusIdOnly, 3f1d6c2a-8b4e-4f0a-9c1d-2e5b7a9c0d03)

Instance: StatusFullResource
InstanceOf: LusSubscriptionStatus
Usage: #inline
* id = "3f1d6c2a-8b4e-4f0a-9c1d-2e5b7a9c0d04"
* insert SubscriptionStatus(#event-notification, 1)
* parameter[topic].valueCanonical = "https://lus-fhir.se/fhir/SubscriptionTopic/utskrivningsklar"
* insert Event(1)
* insert Focus(https://lus.example.se/fhir/Task/tolvan-utskrivningsklar)

Instance: prenumeration-handelse-full-resource
InstanceOf: LusSubscriptionNotificationFullResource
Title: "Prenumeration: händelse med resursen"
Description: "An event notification with full-resource payload content: the notification Task travels with it."
Usage: #example
* timestamp = "2026-11-06T09:45:01+01:00"
* insert StatusEntry(StatusFullResource, 3f1d6c2a-8b4e-4f0a-9c1d-2e5b7a9c0d04)
* entry[1].fullUrl = "https://lus.example.se/fhir/Task/tolvan-utskrivningsklar"
* entry[1].resource = tolvan-utskrivningsklar
* entry[1].request.method = #PUT
* entry[1].request.url = "Task/tolvan-utskrivningsklar"
* entry[1].response.status = "200"
