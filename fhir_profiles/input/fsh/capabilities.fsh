// What each actor must support. The service's live /metadata is generated from lus-server plus its
// real configuration; the actor statements tell vendors what their system must do to take part.

RuleSet: LusCapability(id, title, description)
* url = "https://lus-fhir.se/fhir/CapabilityStatement/{id}"
* name = "{id}"
* title = "{title}"
* status = #draft
* experimental = false
* date = "2026-11-23"
* publisher = "lus-fhir"
* description = "{description}"
* kind = #requirements
* fhirVersion = #4.0.1
* format[0] = #json


RuleSet: LusRestResource(type, profile)
* rest[=].resource[+].type = #{type}
* rest[=].resource[=].profile = "https://lus-fhir.se/fhir/StructureDefinition/{profile}"
* rest[=].resource[=].interaction[+].code = #read
* rest[=].resource[=].interaction[+].code = #vread
* rest[=].resource[=].interaction[+].code = #search-type
* rest[=].resource[=].interaction[+].code = #create
* rest[=].resource[=].interaction[+].code = #update
* rest[=].resource[=].interaction[+].code = #delete
* rest[=].resource[=].interaction[+].code = #history-instance
* rest[=].resource[=].versioning = #versioned-update
* rest[=].resource[=].readHistory = true
* rest[=].resource[=].updateCreate = true
* rest[=].resource[=].conditionalCreate = true
* rest[=].resource[=].conditionalUpdate = true
* rest[=].resource[=].conditionalDelete = #not-supported

RuleSet: LusSearch(name, type, definition)
* rest[=].resource[=].searchParam[+].name = "{name}"
* rest[=].resource[=].searchParam[=].type = #{type}
* rest[=].resource[=].searchParam[=].definition = "{definition}"

Instance: lus-server
InstanceOf: CapabilityStatement
Usage: #definition
* insert LusCapability(lus-server, [[LUS-tjänsten]], [[The requirements on the LUS service: a FHIR R4 server that accepts every LUS notification over REST (Task) and messaging ($process-message), validates it against this guide, routes it to the receivers and offers topic-based subscriptions per the Subscriptions R5 Backport IG.]])
* instantiates = "http://hl7.org/fhir/uv/subscriptions-backport/CapabilityStatement/backport-subscription-server-r4"
* extension[+].url = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical"
* extension[=].valueCanonical = "https://lus-fhir.se/fhir/SubscriptionTopic/inskrivning"
* extension[+].url = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical"
* extension[=].valueCanonical = "https://lus-fhir.se/fhir/SubscriptionTopic/utskrivningsklar"
* extension[+].url = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical"
* extension[=].valueCanonical = "https://lus-fhir.se/fhir/SubscriptionTopic/kallelse-sip"
* extension[+].url = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical"
* extension[=].valueCanonical = "https://lus-fhir.se/fhir/SubscriptionTopic/utskrivning"
* extension[+].url = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical"
* extension[=].valueCanonical = "https://lus-fhir.se/fhir/SubscriptionTopic/task-status"
* extension[+].url = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical"
* extension[=].valueCanonical = "https://lus-fhir.se/fhir/SubscriptionTopic/avvikelse"
* rest[+].mode = #server
* rest[=].documentation = "Every write is validated against the guide's profiles; errors are OperationOutcomes."
* rest[=].interaction[+].code = #transaction
* rest[=].interaction[+].code = #batch
* rest[=].interaction[+].code = #history-system
* rest[=].interaction[+].code = #search-system
* insert LusRestResource(Patient, lus-patient)
* insert LusSearch(identifier, token, http://hl7.org/fhir/SearchParameter/Patient-identifier)
* insert LusSearch(kommun, token, https://lus-fhir.se/fhir/SearchParameter/Patient-kommun)
* insert LusSearch(stadsdel, token, https://lus-fhir.se/fhir/SearchParameter/Patient-stadsdel)
* insert LusRestResource(Encounter, lus-encounter)
* insert LusSearch(patient, reference, http://hl7.org/fhir/SearchParameter/clinical-patient)
* insert LusSearch(status, token, http://hl7.org/fhir/SearchParameter/Encounter-status)
* insert LusSearch(utskrivningsklar, date, https://lus-fhir.se/fhir/SearchParameter/Encounter-utskrivningsklar)
* insert LusSearch(beraknat-utskrivningsdatum, date, https://lus-fhir.se/fhir/SearchParameter/Encounter-beraknat-utskrivningsdatum)
* insert LusSearch(vardform, token, https://lus-fhir.se/fhir/SearchParameter/Encounter-vardform)
* insert LusRestResource(Task, lus-task)
* insert LusSearch(patient, reference, http://hl7.org/fhir/SearchParameter/Task-patient)
* insert LusSearch(focus, reference, http://hl7.org/fhir/SearchParameter/Task-focus)
* insert LusSearch(owner, reference, http://hl7.org/fhir/SearchParameter/Task-owner)
* insert LusSearch(requester, reference, http://hl7.org/fhir/SearchParameter/Task-requester)
* insert LusSearch(status, token, http://hl7.org/fhir/SearchParameter/Task-status)
* insert LusSearch(code, token, http://hl7.org/fhir/SearchParameter/Task-code)
* insert LusSearch(authored-on, date, http://hl7.org/fhir/SearchParameter/Task-authored-on)
* insert LusSearch(deadline, date, https://lus-fhir.se/fhir/SearchParameter/Task-deadline)
* insert LusRestResource(CommunicationRequest, lus-kallelse-sip)
* insert LusSearch(patient, reference, http://hl7.org/fhir/SearchParameter/CommunicationRequest-patient)
* insert LusSearch(recipient, reference, http://hl7.org/fhir/SearchParameter/CommunicationRequest-recipient)
* insert LusRestResource(CarePlan, lus-sip)
* insert LusSearch(patient, reference, http://hl7.org/fhir/SearchParameter/clinical-patient)
* insert LusRestResource(CareTeam, lus-careteam)
* insert LusSearch(patient, reference, http://hl7.org/fhir/SearchParameter/clinical-patient)
* insert LusRestResource(Consent, lus-consent)
* insert LusSearch(patient, reference, http://hl7.org/fhir/SearchParameter/clinical-patient)
* insert LusRestResource(DetectedIssue, lus-avvikelse)
* insert LusSearch(patient, reference, http://hl7.org/fhir/SearchParameter/clinical-patient)
* insert LusSearch(avvikelsetyp, token, https://lus-fhir.se/fhir/SearchParameter/DetectedIssue-avvikelsetyp)
* insert LusRestResource(Organization, lus-organization)
* insert LusSearch(identifier, token, http://hl7.org/fhir/SearchParameter/Organization-identifier)
* insert LusSearch(kommun, token, https://lus-fhir.se/fhir/SearchParameter/Organization-kommun)
* insert LusSearch(partstyp, token, https://lus-fhir.se/fhir/SearchParameter/Organization-partstyp)
* insert LusSearch(stadsdel, token, https://lus-fhir.se/fhir/SearchParameter/Organization-stadsdel)
* insert LusRestResource(HealthcareService, lus-healthcareservice)
* insert LusSearch(kommun, token, https://lus-fhir.se/fhir/SearchParameter/HealthcareService-kommun)
* insert LusSearch(stadsdel, token, https://lus-fhir.se/fhir/SearchParameter/HealthcareService-stadsdel)
* insert LusRestResource(Endpoint, lus-endpoint)
* insert LusRestResource(PractitionerRole, lus-practitionerrole)
* insert LusRestResource(RelatedPerson, lus-relatedperson)
* rest[=].resource[+].type = #Measure
* rest[=].resource[=].documentation = "The guide's Measures (lus-utskrivningsklara-dagar, lus-betalningsansvar, lus-aterinskrivning-7d, lus-processuppfoljning, lus-avvikelser), evaluated over the service's own store: $evaluate-measure answers a summary MeasureReport stratified by kommun, stadsdel and vårdform; $invoice-basis issues a municipality's invoice basis for a month. A municipality's principal sees its own municipality (a district administration its district); the county and other municipalities need the region role."
* rest[=].resource[=].operation[+].name = "evaluate-measure"
* rest[=].resource[=].operation[=].definition = "http://hl7.org/fhir/OperationDefinition/Measure-evaluate-measure"
* rest[=].resource[=].operation[+].name = "invoice-basis"
* rest[=].resource[=].operation[=].definition = "https://lus-fhir.se/fhir/OperationDefinition/invoice-basis"
* rest[=].resource[+].type = #MeasureReport
* rest[=].resource[=].documentation = "Monthly summary reports stored by the service (a monthly job, and on demand), one per Measure, month and area (subject: Location/lan-01, Location/kommun-<kommunkod>, Location/stadsdel-<code>); a month re-made after late data is a new version in the report's history."
* rest[=].resource[=].interaction[+].code = #read
* rest[=].resource[=].interaction[+].code = #vread
* rest[=].resource[=].interaction[+].code = #search-type
* rest[=].resource[=].interaction[+].code = #history-instance
* rest[=].resource[=].versioning = #versioned
* rest[=].resource[=].readHistory = true
* insert LusSearch(measure, reference, http://hl7.org/fhir/SearchParameter/MeasureReport-measure)
* insert LusSearch(period, date, http://hl7.org/fhir/SearchParameter/MeasureReport-period)
* insert LusSearch(subject, reference, http://hl7.org/fhir/SearchParameter/MeasureReport-subject)
* insert LusSearch(status, token, http://hl7.org/fhir/SearchParameter/MeasureReport-status)
* rest[=].resource[+].type = #Subscription
* rest[=].resource[=].profile = "https://lus-fhir.se/fhir/StructureDefinition/lus-subscription"
* rest[=].resource[=].supportedProfile = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription"
* rest[=].resource[=].interaction[+].code = #read
* rest[=].resource[=].interaction[+].code = #create
* rest[=].resource[=].interaction[+].code = #update
* rest[=].resource[=].interaction[+].code = #delete
* rest[=].resource[=].operation[+].name = "status"
* rest[=].resource[=].operation[=].definition = "http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-status"
* rest[=].resource[=].operation[+].name = "events"
* rest[=].resource[=].operation[=].definition = "http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-events"
* rest[=].operation[+].name = "process-message"
* rest[=].operation[=].definition = "http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message"
* rest[=].operation[+].name = "validate"
* rest[=].operation[=].definition = "http://hl7.org/fhir/OperationDefinition/Resource-validate"
* messaging[+].documentation = "Every LUS notification can be sent as a lus-meddelande Bundle to $process-message; re-sent messages are answered with the original response."
* messaging[=].supportedMessage[+].mode = #receiver
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/inskrivningsmeddelande"
* messaging[=].supportedMessage[+].mode = #receiver
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/fast-vardkontakt"
* messaging[=].supportedMessage[+].mode = #receiver
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/andrat-beraknat-utskrivningsdatum"
* messaging[=].supportedMessage[+].mode = #receiver
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/utskrivningsklar"
* messaging[=].supportedMessage[+].mode = #receiver
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/inte-langre-utskrivningsklar"
* messaging[=].supportedMessage[+].mode = #receiver
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/kallelse-sip"
* messaging[=].supportedMessage[+].mode = #receiver
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/informationsoverforing"
* messaging[=].supportedMessage[+].mode = #receiver
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/utskrivningsmeddelande"
* messaging[=].supportedMessage[+].mode = #receiver
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/makulering"
* messaging[=].supportedMessage[+].mode = #receiver
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/avvikelse"

Instance: lus-avsandare-avdelning
InstanceOf: CapabilityStatement
Usage: #definition
* insert LusCapability(lus-avsandare-avdelning, [[Avsändare: vårdavdelning]], [[What a hospital ward's system must do: create the patient, the stay and the notifications of the ward (inskrivningsmeddelande, ändrat beräknat utskrivningsdatum, utskrivningsklar, inte längre utskrivningsklar, informationsöverföring, utskrivningsmeddelande, makulering) as a client of the LUS service, over REST or as messages, and follow their status.]])
* rest[+].mode = #client
* rest[=].documentation = "The ward's system is a client of the LUS service."
* rest[=].resource[+].type = #Patient
* rest[=].resource[=].profile = "https://lus-fhir.se/fhir/StructureDefinition/lus-patient"
* rest[=].resource[=].interaction[+].code = #create
* rest[=].resource[=].interaction[+].code = #update
* rest[=].resource[=].interaction[+].code = #search-type
* rest[=].resource[+].type = #Encounter
* rest[=].resource[=].profile = "https://lus-fhir.se/fhir/StructureDefinition/lus-encounter"
* rest[=].resource[=].interaction[+].code = #create
* rest[=].resource[=].interaction[+].code = #update
* rest[=].resource[+].type = #Task
* rest[=].resource[=].profile = "https://lus-fhir.se/fhir/StructureDefinition/lus-task"
* rest[=].resource[=].supportedProfile[+] = "https://lus-fhir.se/fhir/StructureDefinition/lus-inskrivningsmeddelande"
* rest[=].resource[=].supportedProfile[+] = "https://lus-fhir.se/fhir/StructureDefinition/lus-andrat-beraknat-utskrivningsdatum"
* rest[=].resource[=].supportedProfile[+] = "https://lus-fhir.se/fhir/StructureDefinition/lus-utskrivningsklar"
* rest[=].resource[=].supportedProfile[+] = "https://lus-fhir.se/fhir/StructureDefinition/lus-inte-langre-utskrivningsklar"
* rest[=].resource[=].supportedProfile[+] = "https://lus-fhir.se/fhir/StructureDefinition/lus-informationsoverforing"
* rest[=].resource[=].supportedProfile[+] = "https://lus-fhir.se/fhir/StructureDefinition/lus-utskrivningsmeddelande"
* rest[=].resource[=].supportedProfile[+] = "https://lus-fhir.se/fhir/StructureDefinition/lus-makulering"
* rest[=].resource[=].interaction[+].code = #create
* rest[=].resource[=].interaction[+].code = #read
* rest[=].resource[=].interaction[+].code = #search-type
* messaging[+].documentation = "Alternatively the ward sends each notification as a message to the service's $process-message."
* messaging[=].supportedMessage[+].mode = #sender
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/inskrivningsmeddelande"
* messaging[=].supportedMessage[+].mode = #sender
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/utskrivningsklar"
* messaging[=].supportedMessage[+].mode = #sender
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/utskrivningsmeddelande"

Instance: lus-mottagare-kommun
InstanceOf: CapabilityStatement
Usage: #definition
* insert LusCapability(lus-mottagare-kommun, [[Mottagare: kommun]], [[What a municipal receiver's system (social services, municipal health care, home-care provider) must do: accept the notifications addressed to it, by Task over REST or as messages to its $process-message, confirm receipt by moving the Task to received, and accept or reject it.]])
* rest[+].mode = #server
* rest[=].documentation = "The service delivers to the municipality's endpoint (REST or messaging, as its Endpoint states)."
* rest[=].resource[+].type = #Task
* rest[=].resource[=].profile = "https://lus-fhir.se/fhir/StructureDefinition/lus-task"
* rest[=].resource[=].interaction[+].code = #create
* rest[=].resource[=].interaction[+].code = #read
* rest[=].resource[=].interaction[+].code = #update
* rest[=].operation[+].name = "process-message"
* rest[=].operation[=].definition = "http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message"
* messaging[+].documentation = "The municipality receives the ward's and primary care's notifications."
* messaging[=].supportedMessage[+].mode = #receiver
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/inskrivningsmeddelande"
* messaging[=].supportedMessage[+].mode = #receiver
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/utskrivningsklar"
* messaging[=].supportedMessage[+].mode = #receiver
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/kallelse-sip"
* messaging[=].supportedMessage[+].mode = #receiver
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/utskrivningsmeddelande"

Instance: lus-mottagare-primarvard
InstanceOf: CapabilityStatement
Usage: #definition
* insert LusCapability(lus-mottagare-primarvard, [[Mottagare: primärvård]], [[What a primary care unit's system must do: accept the ward's notifications, confirm receipt, appoint the named contact (fast-vardkontakt notification) and send the SIP invitation within 3 days of the ready-for-discharge notice.]])
* rest[+].mode = #server
* rest[=].resource[+].type = #Task
* rest[=].resource[=].profile = "https://lus-fhir.se/fhir/StructureDefinition/lus-task"
* rest[=].resource[=].interaction[+].code = #create
* rest[=].resource[=].interaction[+].code = #read
* rest[=].resource[=].interaction[+].code = #update
* rest[=].operation[+].name = "process-message"
* rest[=].operation[=].definition = "http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message"
* messaging[+].documentation = "Primary care receives the ward's notifications and sends the SIP invitation."
* messaging[=].supportedMessage[+].mode = #receiver
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/inskrivningsmeddelande"
* messaging[=].supportedMessage[+].mode = #receiver
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/utskrivningsklar"
* messaging[=].supportedMessage[+].mode = #sender
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/fast-vardkontakt"
* messaging[=].supportedMessage[+].mode = #sender
* messaging[=].supportedMessage[=].definition = "https://lus-fhir.se/fhir/MessageDefinition/kallelse-sip"
