// FHIR messaging: every notification can also travel as a message Bundle to $process-message.
// The MessageHeader names the event and the receivers; one MessageDefinition per event says what
// the message carries.

Profile: LusMessageHeader
Parent: MessageHeader
Id: lus-messageheader
Title: "LUS meddelandehuvud"
Description: "Header of a LUS message: which notification (eventCoding from lus-event), from which unit (sender), to which units (destination.receiver), about which resources (focus, all inside the Bundle), following which MessageDefinition."
* ^status = #draft
* ^experimental = false
* event[x] only Coding
* eventCoding from LusEventVS (required)
* eventCoding.system 1..1
* eventCoding.code 1..1
* destination 1..* MS
* destination.endpoint MS
* destination.receiver MS
* destination.receiver ^short = "The receiving unit, when the sender addresses it; the service fills it in when it routes"
* destination.receiver only Reference(LusOrganization)
* sender 1..1 MS
* sender only Reference(LusOrganization)
* source.endpoint MS
* source.name MS
* focus 1..* MS
* focus ^short = "The notification (Task, CommunicationRequest, DetectedIssue) and what it is about"
* response MS
* definition 1..1 MS

Profile: LusMeddelande
Parent: Bundle
Id: lus-meddelande
Title: "LUS meddelande"
Description: "A LUS message: a Bundle of type message whose first entry is a lus-messageheader, followed by the notification and every resource it refers to. The identifier makes re-sending idempotent; timestamp is when the sender assembled it."
* ^status = #draft
* ^experimental = false
* identifier 1..1 MS
* identifier.system 1..1
* identifier.value 1..1
* type = #message
* timestamp 1..1 MS
* entry 2..* MS
* entry.fullUrl 1..1 MS
* entry.resource 1..1 MS
* entry ^slicing.discriminator.type = #type
* entry ^slicing.discriminator.path = "resource"
* entry ^slicing.ordered = true
* entry ^slicing.rules = #openAtEnd
* entry ^slicing.description = "The MessageHeader comes first, the rest in any order."
* entry contains header 1..1 MS
* entry[header].resource only LusMessageHeader

RuleSet: LusMessageDefinition(code, title, resource, profile, description)
* url = "https://lus-fhir.se/fhir/MessageDefinition/{code}"
* name = "{title}"
* title = "{title}"
* status = #draft
* experimental = false
* date = "2026-11-23"
* publisher = "lus-fhir"
* description = "{description}"
* eventCoding = LusEvent#{code}
* category = #notification
* focus[0].code = #{resource}
* focus[0].profile = "https://lus-fhir.se/fhir/StructureDefinition/{profile}"
* focus[0].min = 1
* focus[0].max = "1"
* responseRequired = #always

Instance: inskrivningsmeddelande
InstanceOf: MessageDefinition
Usage: #definition
* insert LusMessageDefinition(inskrivningsmeddelande, Inskrivningsmeddelande, Task, lus-inskrivningsmeddelande, [[The admission notification as a message: the Task, the Encounter, the Patient and the sending and receiving Organizations.]])

Instance: fast-vardkontakt
InstanceOf: MessageDefinition
Usage: #definition
* insert LusMessageDefinition(fast-vardkontakt, FastVardkontakt, Task, lus-fast-vardkontakt, [[The appointment of the named contact as a message: the Task and the PractitionerRole of the named contact.]])

Instance: andrat-beraknat-utskrivningsdatum
InstanceOf: MessageDefinition
Usage: #definition
* insert LusMessageDefinition(andrat-beraknat-utskrivningsdatum, AndratBeraknatUtskrivningsdatum, Task, lus-andrat-beraknat-utskrivningsdatum, [[A changed expected discharge date as a message: the Task and the updated Encounter.]])

Instance: utskrivningsklar
InstanceOf: MessageDefinition
Usage: #definition
* insert LusMessageDefinition(utskrivningsklar, Utskrivningsklar, Task, lus-utskrivningsklar, [[The ready-for-discharge notice as a message: the Task (authoredOn is the legally relevant sent time) and the Encounter with the time of the judgement.]])

Instance: inte-langre-utskrivningsklar
InstanceOf: MessageDefinition
Usage: #definition
* insert LusMessageDefinition(inte-langre-utskrivningsklar, InteLangreUtskrivningsklar, Task, lus-inte-langre-utskrivningsklar, [[The withdrawal of a ready-for-discharge notice as a message: the Task and the Encounter.]])

Instance: kallelse-sip
InstanceOf: MessageDefinition
Usage: #definition
* insert LusMessageDefinition(kallelse-sip, KallelseSip, CommunicationRequest, lus-kallelse-sip, [[The SIP invitation as a message: the CommunicationRequest with its invitees.]])

Instance: informationsoverforing
InstanceOf: MessageDefinition
Usage: #definition
* insert LusMessageDefinition(informationsoverforing, Informationsoverforing, Task, lus-informationsoverforing, [[The information transfer as a message: the Task and the handed-over information.]])

Instance: utskrivningsmeddelande
InstanceOf: MessageDefinition
Usage: #definition
* insert LusMessageDefinition(utskrivningsmeddelande, Utskrivningsmeddelande, Task, lus-utskrivningsmeddelande, [[The discharge notification as a message: the Task and the finished Encounter.]])

Instance: makulering
InstanceOf: MessageDefinition
Usage: #definition
* insert LusMessageDefinition(makulering, Makulering, Task, lus-makulering, [[The cancellation of a notification sent in error as a message: the Task naming the cancelled notification.]])

Instance: avvikelse
InstanceOf: MessageDefinition
Usage: #definition
* insert LusMessageDefinition(avvikelse, Avvikelse, DetectedIssue, lus-avvikelse, [[A deviation report as a message: the DetectedIssue and the notification or stay it implicates.]])
