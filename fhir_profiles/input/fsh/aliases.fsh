// Aliases for every external code system, identifier system and extension URL the LUS guide uses.
// One place for all of them, so that every .fsh file spells an external URL the same way.
// (The guide's own code systems and value sets are referenced by their FSH names, e.g. LusEvent.)

// ---- Swedish identifier systems (HL7 Sweden base profiles, hl7se.fhir.base) ----
Alias: $personnummer = http://electronichealth.se/identifier/personnummer
Alias: $samordningsnummer = http://electronichealth.se/identifier/samordningsnummer
Alias: $reservnummer = http://electronichealth.se/identifier/nationelltReservnummer
// Legacy OIDs for personnummer / samordningsnummer (accepted on input, normalised to the URLs above).
Alias: $personnummer-oid = urn:oid:1.2.752.129.2.1.3.1
Alias: $samordningsnummer-oid = urn:oid:1.2.752.129.2.1.3.3
// HSA-id as HL7 Sweden writes it; RIV-TA uses the second OID (accepted on input, never emitted).
Alias: $hsaid = urn:oid:1.2.752.29.4.19
Alias: $hsaid-rivta = urn:oid:1.2.752.129.2.1.4.1
Alias: $orgnr = urn:oid:2.5.4.97
// SCB municipality code (kommunkod, 4 digits) and county code (länskod, 2 digits).
Alias: $kommunkod = urn:oid:1.2.752.129.2.2.1.17
Alias: $lanskod = urn:oid:1.2.752.129.2.2.1.18
// Business identifiers of messages and notifications: urn:uuid values.
Alias: $uri = urn:ietf:rfc:3986

// ---- HL7 v3 / terminology.hl7.org code systems ----
Alias: $v3-Confidentiality = http://terminology.hl7.org/CodeSystem/v3-Confidentiality
Alias: $v3-ActPriority = http://terminology.hl7.org/CodeSystem/v3-ActPriority
Alias: $v3-ActCode = http://terminology.hl7.org/CodeSystem/v3-ActCode
Alias: $v3-ActReason = http://terminology.hl7.org/CodeSystem/v3-ActReason
Alias: $v3-ObservationValue = http://terminology.hl7.org/CodeSystem/v3-ObservationValue
Alias: $v3-RoleCode = http://terminology.hl7.org/CodeSystem/v3-RoleCode
Alias: $v3-ParticipationType = http://terminology.hl7.org/CodeSystem/v3-ParticipationType
Alias: $v3-NullFlavor = http://terminology.hl7.org/CodeSystem/v3-NullFlavor
Alias: $v3-DataOperation = http://terminology.hl7.org/CodeSystem/v3-DataOperation
Alias: $v2-0203 = http://terminology.hl7.org/CodeSystem/v2-0203
Alias: $v2-0131 = http://terminology.hl7.org/CodeSystem/v2-0131
Alias: $endpoint-connection-type = http://terminology.hl7.org/CodeSystem/endpoint-connection-type
Alias: $endpoint-payload-type = http://terminology.hl7.org/CodeSystem/endpoint-payload-type
Alias: $organization-type = http://terminology.hl7.org/CodeSystem/organization-type
Alias: $service-category = http://terminology.hl7.org/CodeSystem/service-category
Alias: $service-type = http://terminology.hl7.org/CodeSystem/service-type
Alias: $admit-source = http://terminology.hl7.org/CodeSystem/admit-source
Alias: $discharge-disposition = http://terminology.hl7.org/CodeSystem/discharge-disposition
Alias: $consentscope = http://terminology.hl7.org/CodeSystem/consentscope
Alias: $consentcategorycodes = http://terminology.hl7.org/CodeSystem/consentcategorycodes
Alias: $consentaction = http://terminology.hl7.org/CodeSystem/consentaction
Alias: $consentpolicycodes = http://terminology.hl7.org/CodeSystem/consentpolicycodes
Alias: $communication-category = http://terminology.hl7.org/CodeSystem/communication-category
Alias: $message-transport = http://terminology.hl7.org/CodeSystem/message-transport
Alias: $provenance-participant-type = http://terminology.hl7.org/CodeSystem/provenance-participant-type
Alias: $data-absent-reason = http://terminology.hl7.org/CodeSystem/data-absent-reason
Alias: $restful-security-service = http://terminology.hl7.org/CodeSystem/restful-security-service
Alias: $subscription-channel-type = http://terminology.hl7.org/CodeSystem/subscription-channel-type

// ---- FHIR core code systems (hl7.org/fhir) ----
Alias: $task-status = http://hl7.org/fhir/task-status
Alias: $request-intent = http://hl7.org/fhir/request-intent
Alias: $response-code = http://hl7.org/fhir/response-code
Alias: $issue-type = http://hl7.org/fhir/issue-type
Alias: $detectedissue-severity = http://hl7.org/fhir/detectedissue-severity
Alias: $subscription-status = http://hl7.org/fhir/subscription-status
Alias: $restful-interaction = http://hl7.org/fhir/restful-interaction
Alias: $care-plan-activity-status = http://hl7.org/fhir/care-plan-activity-status
Alias: $contact-point-system = http://hl7.org/fhir/contact-point-system
Alias: $days-of-week = http://hl7.org/fhir/days-of-week
Alias: $mimetypes = urn:ietf:bcp:13
Alias: $bcp47 = urn:ietf:bcp:47
Alias: $iso3166 = urn:iso:std:iso:3166

// ---- External terminologies ----
Alias: $loinc = http://loinc.org
Alias: $sct = http://snomed.info/sct
Alias: $ucum = http://unitsofmeasure.org

// ---- Subscriptions R5 Backport IG for R4 (hl7.fhir.uv.subscriptions-backport) ----
Alias: $backport-topic-canonical = http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-topic-canonical
Alias: $backport-filter-criteria = http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria
Alias: $backport-payload-content = http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content
Alias: $backport-heartbeat-period = http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-heartbeat-period
Alias: $backport-timeout = http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-timeout
Alias: $backport-max-count = http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-max-count
Alias: $backport-subscription-profile = http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription
Alias: $backport-subscription-server = http://hl7.org/fhir/uv/subscriptions-backport/CapabilityStatement/backport-subscription-server-r4
Alias: $capabilitystatement-subscriptiontopic-canonical = http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical
