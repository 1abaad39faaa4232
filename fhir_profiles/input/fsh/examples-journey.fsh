// Tolvan Tolvansson's discharge journey, admission to closed SIP: every step as a valid resource and
// as the message Bundle the sender would post to $process-message. Times are Europe/Stockholm (+01:00).
// Resources as they are at the end of the journey are standalone examples; the message Bundles carry
// the state at the time each message was sent (inline instances with the same ids).

Instance: tolvan
InstanceOf: LusPatient
Title: "Tolvan Tolvansson"
Usage: #example
* meta.profile = Canonical(LusPatient)
* identifier[personnummer].system = $personnummer
* identifier[personnummer].value = "191212121212"
* name[0].use = #official
* name[0].family = "Tolvansson"
* name[0].given[0] = "Tolvan"
* gender = #male
* birthDate = "1912-12-12"
* telecom[0].system = #phone
* telecom[0].value = "+46 70 121 21 21"
* address[0].use = #home
* address[0].line[0] = "Sjövikskajen 12"
* address[0].postalCode = "11769"
* address[0].city = "Stockholm"
* address[0].extension[kommunkod].valueCoding = $kommunkod#0180 "Stockholm"
* address[0].extension[stadsdel].valueCoding = StockholmStadsdel#hagersten-alvsjo "Hägersten-Älvsjö"
* generalPractitioner = Reference(vc-liljeholmen)

Instance: skyddad-patient
InstanceOf: LusPatient
Title: "Patient med skyddade personuppgifter"
Usage: #example
Description: "A patient with protected identity: only the municipality code of the address is given, so routing works without exposing where the patient lives."
* meta.profile = Canonical(LusPatient)
* meta.security = $v3-Confidentiality#R "restricted"
* identifier[personnummer].system = $personnummer
* identifier[personnummer].value = "194809304829"
* name[0].family = "Sekretessmarkerad"
* name[0].given[0] = "Person"
* gender = #female
* birthDate = "1948-09-30"
* address[0].extension[kommunkod].valueCoding = $kommunkod#0182 "Nacka"

Instance: samordningsnummer-patient
InstanceOf: LusPatient
Title: "Patient med samordningsnummer"
Usage: #example
* meta.profile = Canonical(LusPatient)
* identifier[samordningsnummer].system = $samordningsnummer
* identifier[samordningsnummer].value = "197010632391"
* name[0].family = "Andersen"
* name[0].given[0] = "Kari"
* gender = #female
* birthDate = "1970-10-03"
* address[0].city = "Solna"
* address[0].extension[kommunkod].valueCoding = $kommunkod#0184 "Solna"

Instance: tolvan-dotter
InstanceOf: LusRelatedPerson
Title: "Tolvans dotter"
Usage: #example
* meta.profile = Canonical(LusRelatedPerson)
* patient = Reference(tolvan)
* relationship = http://terminology.hl7.org/CodeSystem/v3-RoleCode#DAU "daughter"
* name[0].family = "Tolvansson"
* name[0].given[0] = "Tolvina"
* telecom[0].system = #phone
* telecom[0].value = "+46 70 121 21 22"

RuleSet: TolvanVardtillfalle
* meta.profile = Canonical(LusEncounter)
* id = "tolvan-vardtillfalle"
* identifier[0].system = "urn:oid:1.2.752.97.3.1.3"
* identifier[0].value = "SOS-2026-448812"
* extension[vardform].valueCodeableConcept = LusCareType#somatisk "Somatisk slutenvård"
* class = http://terminology.hl7.org/CodeSystem/v3-ActCode#IMP "inpatient encounter"
* priority = $v3-ActPriority#EM "emergency"
* subject = Reference(tolvan)
* serviceProvider = Reference(sos-avd-51)
* period.start = "2026-11-02T14:30:00+01:00"

Instance: TolvanVardtillfalleInskriven
InstanceOf: LusEncounter
Usage: #inline
* insert TolvanVardtillfalle
* status = #in-progress
* extension[beraknatUtskrivningsdatum].valueDate = "2026-11-06"

Instance: TolvanVardtillfalleUtskrivningsklar
InstanceOf: LusEncounter
Usage: #inline
* insert TolvanVardtillfalle
* status = #in-progress
* extension[beraknatUtskrivningsdatum].valueDate = "2026-11-09"
* extension[utskrivningsklarTidpunkt].valueDateTime = "2026-11-06T09:30:00+01:00"

Instance: tolvan-vardtillfalle
InstanceOf: LusEncounter
Title: "Tolvans vårdtillfälle på Södersjukhuset"
Usage: #example
* insert TolvanVardtillfalle
* status = #finished
* extension[beraknatUtskrivningsdatum].valueDate = "2026-11-09"
* extension[utskrivningsklarTidpunkt].valueDateTime = "2026-11-06T09:30:00+01:00"
* period.end = "2026-11-10T10:45:00+01:00"
* hospitalization.dischargeDisposition = http://terminology.hl7.org/CodeSystem/discharge-disposition#home "Home"

Instance: tolvan-samtycke
InstanceOf: LusConsent
Title: "Tolvans samtycke till informationsdelning"
Usage: #example
* meta.profile = Canonical(LusConsent)
* status = #active
* scope = $consentscope#patient-privacy
* category[lus] = LusConsentType#informationsdelning
* patient = Reference(tolvan)
* dateTime = "2026-11-02T16:00:00+01:00"
* organization = Reference(sos-avd-51)
* policyRule = $v3-ActCode#OPTIN
* provision.type = #permit
* provision.period.start = "2026-11-02"

// ---- Notifications (Tasks) as they stand at the end of the journey ----

RuleSet: Notification(id, profile, code, authored, requester, owner)
* meta.profile = Canonical({profile})
* id = "{id}"
* identifier[0].system = $uri
* intent = #order
* code = LusEvent#{code}
* focus = Reference(tolvan-vardtillfalle)
* for = Reference(tolvan)
* authoredOn = "{authored}"
* requester = Reference({requester})
* owner = Reference({owner})

RuleSet: Kvittens(receiver, received)
* extension[kvittens][+].extension[receiver].valueReference = Reference({receiver})
* extension[kvittens][=].extension[received].valueInstant = "{received}"

Instance: tolvan-inskrivningsmeddelande
InstanceOf: LusInskrivningsmeddelande
Title: "Inskrivningsmeddelande till Hägersten-Älvsjö"
Usage: #example
* insert Notification(tolvan-inskrivningsmeddelande, LusInskrivningsmeddelande, inskrivningsmeddelande, 2026-11-02T18:05:00+01:00, sos-avd-51, sdf-hagersten-alvsjo)
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c01"
* status = #completed
* insert Kvittens(sdf-hagersten-alvsjo, 2026-11-02T17:05:12Z)
* lastModified = "2026-11-03T08:40:00+01:00"
* restriction.period.end = "2026-11-03T14:30:00+01:00"
* input[samtycke].type = LusConsentType#informationsdelning
* input[samtycke].valueReference = Reference(tolvan-samtycke)

Instance: tolvan-inskrivningsmeddelande-felsant
InstanceOf: LusInskrivningsmeddelande
Title: "Inskrivningsmeddelande felsänt till Stockholms stad"
Usage: #example
* insert Notification(tolvan-inskrivningsmeddelande-felsant, LusInskrivningsmeddelande, inskrivningsmeddelande, 2026-11-02T18:02:00+01:00, sos-avd-51, stockholms-stad)
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c00"
* status = #cancelled
* statusReason.text = "Felsänt: skickat till kommunen i stället för stadsdelsförvaltningen."
* lastModified = "2026-11-02T18:20:00+01:00"

Instance: tolvan-makulering
InstanceOf: LusMakulering
Title: "Makulering av felsänt inskrivningsmeddelande"
Usage: #example
* insert Notification(tolvan-makulering, LusMakulering, makulering, 2026-11-02T18:20:00+01:00, sos-avd-51, stockholms-stad)
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c0a"
* status = #completed
* insert Kvittens(stockholms-stad, 2026-11-02T17:21:40Z)
* basedOn = Reference(tolvan-inskrivningsmeddelande-felsant)
* statusReason.text = "Felsänt meddelande: fel mottagare."

Instance: tolvan-fast-vardkontakt
InstanceOf: LusFastVardkontakt
Title: "Fast vårdkontakt utsedd"
Usage: #example
* insert Notification(tolvan-fast-vardkontakt, LusFastVardkontakt, fast-vardkontakt, 2026-11-03T10:00:00+01:00, vc-liljeholmen, sos-avd-51)
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c02"
* status = #completed
* insert Kvittens(sos-avd-51, 2026-11-03T09:02:00Z)
* input[fastVardkontakt].type = LusParticipantRole#fast-vardkontakt
* input[fastVardkontakt].valueReference = Reference(fvk-liljeholmen)

Instance: tolvan-andrat-beraknat-utskrivningsdatum
InstanceOf: LusAndratBeraknatUtskrivningsdatum
Title: "Ändrat beräknat utskrivningsdatum"
Usage: #example
* insert Notification(tolvan-andrat-beraknat-utskrivningsdatum, LusAndratBeraknatUtskrivningsdatum, andrat-beraknat-utskrivningsdatum, 2026-11-04T09:00:00+01:00, sos-avd-51, sdf-hagersten-alvsjo)
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c03"
* status = #completed
* insert Kvittens(sdf-hagersten-alvsjo, 2026-11-04T08:15:00Z)
* input[beraknatUtskrivningsdatum].type = LusEvent#andrat-beraknat-utskrivningsdatum
* input[beraknatUtskrivningsdatum].valueDate = "2026-11-09"

Instance: tolvan-inte-langre-utskrivningsklar
InstanceOf: LusInteLangreUtskrivningsklar
Title: "Inte längre utskrivningsklar (feber)"
Usage: #example
* insert Notification(tolvan-inte-langre-utskrivningsklar, LusInteLangreUtskrivningsklar, inte-langre-utskrivningsklar, 2026-11-05T20:10:00+01:00, sos-avd-51, sdf-hagersten-alvsjo)
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c04"
* status = #completed
* insert Kvittens(sdf-hagersten-alvsjo, 2026-11-05T19:10:30Z)
* statusReason.text = "Nytillkommen feber, utreds."

Instance: tolvan-utskrivningsklar
InstanceOf: LusUtskrivningsklar
Title: "Underrättelse om utskrivningsklar"
Usage: #example
* insert Notification(tolvan-utskrivningsklar, LusUtskrivningsklar, utskrivningsklar, 2026-11-06T09:45:00+01:00, sos-avd-51, sdf-hagersten-alvsjo)
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c05"
* status = #completed
* insert Kvittens(sdf-hagersten-alvsjo, 2026-11-06T08:46:03Z)

Instance: tolvan-informationsoverforing
InstanceOf: LusInformationsoverforing
Title: "Informationsöverföring"
Usage: #example
* insert Notification(tolvan-informationsoverforing, LusInformationsoverforing, informationsoverforing, 2026-11-10T08:30:00+01:00, sos-avd-51, sdf-hagersten-alvsjo)
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c06"
* status = #completed
* insert Kvittens(sdf-hagersten-alvsjo, 2026-11-10T07:31:00Z)
* restriction.period.end = "2026-11-10T23:59:59+01:00"
* input[0].type = LusEvent#informationsoverforing
* input[0].valueString = "Behöver hjälp med dusch och inköp. Rollator utprovad. Uppföljning av blodtryck på vårdcentralen inom en vecka."

Instance: tolvan-utskrivningsmeddelande
InstanceOf: LusUtskrivningsmeddelande
Title: "Utskrivningsmeddelande till Hägersten-Älvsjö"
Usage: #example
* insert Notification(tolvan-utskrivningsmeddelande, LusUtskrivningsmeddelande, utskrivningsmeddelande, 2026-11-10T11:00:00+01:00, sos-avd-51, sdf-hagersten-alvsjo)
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c07"
* status = #completed
* insert Kvittens(sdf-hagersten-alvsjo, 2026-11-10T10:02:00Z)

Instance: tolvan-utskrivningsmeddelande-hemtjanst
InstanceOf: LusUtskrivningsmeddelande
Title: "Utskrivningsmeddelande till hemtjänstutföraren (ej kvitterat)"
Usage: #example
* insert Notification(tolvan-utskrivningsmeddelande-hemtjanst, LusUtskrivningsmeddelande, utskrivningsmeddelande, 2026-11-10T11:00:00+01:00, sos-avd-51, hemtjanst-aros)
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c08"
* status = #requested

Instance: tolvan-avvikelse-ej-kvitterad
InstanceOf: LusAvvikelse
Title: "Avvikelse: utskrivningsmeddelandet ej kvitterat av hemtjänsten"
Usage: #example
* meta.profile = Canonical(LusAvvikelse)
* identifier[0].system = $uri
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c09"
* status = #final
* code = LusDeviationType#ej-kvitterad "Ej kvitterad"
* severity = #moderate
* patient = Reference(tolvan)
* identifiedDateTime = "2026-11-10T15:00:00+01:00"
* implicated = Reference(tolvan-utskrivningsmeddelande-hemtjanst)
* detail = "Aros Hemtjänst AB har inte kvitterat utskrivningsmeddelandet inom fyra timmar under öppettid. Eskalerat till helgkontaktvägen."

// ---- Planning: care team, SIP invitation, SIP ----

Instance: tolvan-vardteam
InstanceOf: LusCareTeam
Title: "Tolvans vårdteam"
Usage: #example
* meta.profile = Canonical(LusCareTeam)
* status = #active
* subject = Reference(tolvan)
* encounter = Reference(tolvan-vardtillfalle)
* participant[0].role = LusParticipantRole#ansvarig-avdelning
* participant[0].member = Reference(sos-avd-51)
* participant[1].role = LusParticipantRole#fast-vardkontakt
* participant[1].member = Reference(fvk-liljeholmen)
* participant[2].role = LusParticipantRole#bistandshandlaggare
* participant[2].member = Reference(sdf-hagersten-alvsjo)
* participant[3].role = LusParticipantRole#hemtjanstutforare
* participant[3].member = Reference(hemtjanst-aros)
* participant[4].role = LusParticipantRole#patient
* participant[4].member = Reference(tolvan)
* participant[5].role = LusParticipantRole#narstaende
* participant[5].member = Reference(tolvan-dotter)
* managingOrganization = Reference(vc-liljeholmen)

Instance: tolvan-kallelse-sip
InstanceOf: LusKallelseSip
Title: "Kallelse till SIP-möte"
Usage: #example
* meta.profile = Canonical(LusKallelseSip)
* identifier[0].system = $uri
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c10"
* status = #completed
* category = LusEvent#kallelse-sip
* subject = Reference(tolvan)
* about = Reference(tolvan-vardtillfalle)
* encounter = Reference(tolvan-vardtillfalle)
* authoredOn = "2026-11-06T15:00:00+01:00"
* requester = Reference(fvk-liljeholmen)
* recipient[0] = Reference(sdf-hagersten-alvsjo)
* recipient[1] = Reference(sos-avd-51)
* recipient[2] = Reference(tolvan)
* recipient[3] = Reference(tolvan-dotter)
* occurrencePeriod.start = "2026-11-09T13:00:00+01:00"
* occurrencePeriod.end = "2026-11-09T14:00:00+01:00"
* payload[0].contentString = "SIP-möte på avdelning 51, Södersjukhuset, samt via video. Planering inför hemgång."

Instance: tolvan-sip
InstanceOf: LusSip
Title: "Tolvans SIP"
Usage: #example
* meta.profile = Canonical(LusSip)
* extension[deltagande][0].valueCodeableConcept = LusSipParticipation#patient
* extension[deltagande][1].valueCodeableConcept = LusSipParticipation#narstaende
* status = #completed
* intent = #plan
* category = LusEvent#kallelse-sip
* title = "SIP inför hemgång från Södersjukhuset"
* subject = Reference(tolvan)
* encounter = Reference(tolvan-vardtillfalle)
* period.start = "2026-11-09"
* period.end = "2026-12-07"
* author = Reference(fvk-liljeholmen)
* careTeam = Reference(tolvan-vardteam)
* activity[0].detail.status = #completed
* activity[0].detail.description = "Hemtjänst två gånger dagligen: dusch och inköp."
* activity[0].detail.performer = Reference(hemtjanst-aros)
* activity[1].detail.status = #completed
* activity[1].detail.description = "Blodtryckskontroll och läkemedelsgenomgång inom en vecka efter hemgång."
* activity[1].detail.performer = Reference(fvk-liljeholmen)
* activity[2].detail.status = #completed
* activity[2].detail.description = "Uppföljande SIP-möte efter fyra veckor."
* activity[2].detail.performer = Reference(sdf-hagersten-alvsjo)

// ---- The same steps as messages ----

RuleSet: SentNotification(id, profile, code, authored, requester)
* meta.profile = Canonical({profile})
* id = "{id}"
* identifier[0].system = $uri
* status = #requested
* intent = #order
* code = LusEvent#{code}
* focus = Reference(tolvan-vardtillfalle)
* for = Reference(tolvan)
* authoredOn = "{authored}"
* requester = Reference({requester})

RuleSet: Message(timestamp, uuid)
* meta.profile = Canonical(LusMeddelande)
* identifier.system = $uri
* identifier.value = "urn:uuid:{uuid}"
* type = #message
* timestamp = "{timestamp}"

RuleSet: Header(id, event, sender, source, focusType, focus)
* meta.profile = Canonical(LusMessageHeader)
* id = "{id}"
* eventCoding = LusEvent#{event}
* destination[0].endpoint = "https://lus.example.se/fhir/$process-message"
* destination[0].name = "LUS-tjänsten"
* sender = Reference({sender})
* source.name = "{sender}"
* source.endpoint = "{source}"
* focus = Reference({focusType}/{focus})
* definition = "https://lus-fhir.se/fhir/MessageDefinition/{event}"

RuleSet: Entry(type, id, instance)
* entry[+].fullUrl = "https://lus.example.se/fhir/{type}/{id}"
* entry[=].resource = {instance}

Instance: MhInskrivningsmeddelande
InstanceOf: LusMessageHeader
Usage: #inline
* insert Header(mh-inskrivningsmeddelande, inskrivningsmeddelande, sos-avd-51, https://sos.example.se/fhir, Task, tolvan-inskrivningsmeddelande)

Instance: TaskInskrivningsmeddelandeSent
InstanceOf: LusInskrivningsmeddelande
Usage: #inline
* insert SentNotification(tolvan-inskrivningsmeddelande, LusInskrivningsmeddelande, inskrivningsmeddelande, 2026-11-02T18:05:00+01:00, sos-avd-51)
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c01"
* restriction.period.end = "2026-11-03T14:30:00+01:00"
* input[samtycke].type = LusConsentType#informationsdelning
* input[samtycke].valueReference = Reference(tolvan-samtycke)

Instance: meddelande-inskrivningsmeddelande
InstanceOf: LusMeddelande
Title: "Meddelande: inskrivningsmeddelande"
Usage: #example
* insert Message(2026-11-02T18:05:00+01:00, 1d0c6b1e-7a43-4f0e-8d6e-5b2f3c4d5e01)
* insert Entry(MessageHeader, mh-inskrivningsmeddelande, MhInskrivningsmeddelande)
* insert Entry(Task, tolvan-inskrivningsmeddelande, TaskInskrivningsmeddelandeSent)
* insert Entry(Encounter, tolvan-vardtillfalle, TolvanVardtillfalleInskriven)
* insert Entry(Patient, tolvan, tolvan)
* insert Entry(Consent, tolvan-samtycke, tolvan-samtycke)

Instance: MhFastVardkontakt
InstanceOf: LusMessageHeader
Usage: #inline
* insert Header(mh-fast-vardkontakt, fast-vardkontakt, vc-liljeholmen, https://vc-liljeholmen.example.se/fhir, Task, tolvan-fast-vardkontakt)

Instance: TaskFastVardkontaktSent
InstanceOf: LusFastVardkontakt
Usage: #inline
* insert SentNotification(tolvan-fast-vardkontakt, LusFastVardkontakt, fast-vardkontakt, 2026-11-03T10:00:00+01:00, vc-liljeholmen)
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c02"
* input[fastVardkontakt].type = LusParticipantRole#fast-vardkontakt
* input[fastVardkontakt].valueReference = Reference(fvk-liljeholmen)

Instance: meddelande-fast-vardkontakt
InstanceOf: LusMeddelande
Title: "Meddelande: fast vårdkontakt utsedd"
Usage: #example
* insert Message(2026-11-03T10:00:00+01:00, 1d0c6b1e-7a43-4f0e-8d6e-5b2f3c4d5e02)
* insert Entry(MessageHeader, mh-fast-vardkontakt, MhFastVardkontakt)
* insert Entry(Task, tolvan-fast-vardkontakt, TaskFastVardkontaktSent)
* insert Entry(PractitionerRole, fvk-liljeholmen, fvk-liljeholmen)

Instance: MhAndratBeraknatUtskrivningsdatum
InstanceOf: LusMessageHeader
Usage: #inline
* insert Header(mh-andrat-beraknat-utskrivningsdatum, andrat-beraknat-utskrivningsdatum, sos-avd-51, https://sos.example.se/fhir, Task, tolvan-andrat-beraknat-utskrivningsdatum)

Instance: TaskAndratBeraknatUtskrivningsdatumSent
InstanceOf: LusAndratBeraknatUtskrivningsdatum
Usage: #inline
* insert SentNotification(tolvan-andrat-beraknat-utskrivningsdatum, LusAndratBeraknatUtskrivningsdatum, andrat-beraknat-utskrivningsdatum, 2026-11-04T09:00:00+01:00, sos-avd-51)
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c03"
* input[beraknatUtskrivningsdatum].type = LusEvent#andrat-beraknat-utskrivningsdatum
* input[beraknatUtskrivningsdatum].valueDate = "2026-11-09"

Instance: meddelande-andrat-beraknat-utskrivningsdatum
InstanceOf: LusMeddelande
Title: "Meddelande: ändrat beräknat utskrivningsdatum"
Usage: #example
* insert Message(2026-11-04T09:00:00+01:00, 1d0c6b1e-7a43-4f0e-8d6e-5b2f3c4d5e03)
* insert Entry(MessageHeader, mh-andrat-beraknat-utskrivningsdatum, MhAndratBeraknatUtskrivningsdatum)
* insert Entry(Task, tolvan-andrat-beraknat-utskrivningsdatum, TaskAndratBeraknatUtskrivningsdatumSent)

Instance: MhInteLangreUtskrivningsklar
InstanceOf: LusMessageHeader
Usage: #inline
* insert Header(mh-inte-langre-utskrivningsklar, inte-langre-utskrivningsklar, sos-avd-51, https://sos.example.se/fhir, Task, tolvan-inte-langre-utskrivningsklar)

Instance: TaskInteLangreUtskrivningsklarSent
InstanceOf: LusInteLangreUtskrivningsklar
Usage: #inline
* insert SentNotification(tolvan-inte-langre-utskrivningsklar, LusInteLangreUtskrivningsklar, inte-langre-utskrivningsklar, 2026-11-05T20:10:00+01:00, sos-avd-51)
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c04"
* statusReason.text = "Nytillkommen feber, utreds."

Instance: meddelande-inte-langre-utskrivningsklar
InstanceOf: LusMeddelande
Title: "Meddelande: inte längre utskrivningsklar"
Usage: #example
* insert Message(2026-11-05T20:10:00+01:00, 1d0c6b1e-7a43-4f0e-8d6e-5b2f3c4d5e04)
* insert Entry(MessageHeader, mh-inte-langre-utskrivningsklar, MhInteLangreUtskrivningsklar)
* insert Entry(Task, tolvan-inte-langre-utskrivningsklar, TaskInteLangreUtskrivningsklarSent)

Instance: MhUtskrivningsklar
InstanceOf: LusMessageHeader
Usage: #inline
* insert Header(mh-utskrivningsklar, utskrivningsklar, sos-avd-51, https://sos.example.se/fhir, Task, tolvan-utskrivningsklar)

Instance: TaskUtskrivningsklarSent
InstanceOf: LusUtskrivningsklar
Usage: #inline
* insert SentNotification(tolvan-utskrivningsklar, LusUtskrivningsklar, utskrivningsklar, 2026-11-06T09:45:00+01:00, sos-avd-51)
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c05"

Instance: meddelande-utskrivningsklar
InstanceOf: LusMeddelande
Title: "Meddelande: underrättelse om utskrivningsklar"
Usage: #example
* insert Message(2026-11-06T09:45:00+01:00, 1d0c6b1e-7a43-4f0e-8d6e-5b2f3c4d5e05)
* insert Entry(MessageHeader, mh-utskrivningsklar, MhUtskrivningsklar)
* insert Entry(Task, tolvan-utskrivningsklar, TaskUtskrivningsklarSent)
* insert Entry(Encounter, tolvan-vardtillfalle, TolvanVardtillfalleUtskrivningsklar)

Instance: MhKallelseSip
InstanceOf: LusMessageHeader
Usage: #inline
* insert Header(mh-kallelse-sip, kallelse-sip, vc-liljeholmen, https://vc-liljeholmen.example.se/fhir, CommunicationRequest, tolvan-kallelse-sip)

Instance: KallelseSipSent
InstanceOf: LusKallelseSip
Usage: #inline
* meta.profile = Canonical(LusKallelseSip)
* id = "tolvan-kallelse-sip"
* identifier[0].system = $uri
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c10"
* status = #active
* category = LusEvent#kallelse-sip
* subject = Reference(tolvan)
* about = Reference(tolvan-vardtillfalle)
* authoredOn = "2026-11-06T15:00:00+01:00"
* requester = Reference(fvk-liljeholmen)
* recipient[0] = Reference(sdf-hagersten-alvsjo)
* recipient[1] = Reference(sos-avd-51)
* recipient[2] = Reference(tolvan)
* recipient[3] = Reference(tolvan-dotter)
* occurrencePeriod.start = "2026-11-09T13:00:00+01:00"
* occurrencePeriod.end = "2026-11-09T14:00:00+01:00"

Instance: meddelande-kallelse-sip
InstanceOf: LusMeddelande
Title: "Meddelande: kallelse till SIP"
Usage: #example
* insert Message(2026-11-06T15:00:00+01:00, 1d0c6b1e-7a43-4f0e-8d6e-5b2f3c4d5e06)
* insert Entry(MessageHeader, mh-kallelse-sip, MhKallelseSip)
* insert Entry(CommunicationRequest, tolvan-kallelse-sip, KallelseSipSent)
* insert Entry(RelatedPerson, tolvan-dotter, tolvan-dotter)

Instance: MhInformationsoverforing
InstanceOf: LusMessageHeader
Usage: #inline
* insert Header(mh-informationsoverforing, informationsoverforing, sos-avd-51, https://sos.example.se/fhir, Task, tolvan-informationsoverforing)

Instance: TaskInformationsoverforingSent
InstanceOf: LusInformationsoverforing
Usage: #inline
* insert SentNotification(tolvan-informationsoverforing, LusInformationsoverforing, informationsoverforing, 2026-11-10T08:30:00+01:00, sos-avd-51)
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c06"
* input[0].type = LusEvent#informationsoverforing
* input[0].valueString = "Behöver hjälp med dusch och inköp. Rollator utprovad. Uppföljning av blodtryck på vårdcentralen inom en vecka."

Instance: meddelande-informationsoverforing
InstanceOf: LusMeddelande
Title: "Meddelande: informationsöverföring"
Usage: #example
* insert Message(2026-11-10T08:30:00+01:00, 1d0c6b1e-7a43-4f0e-8d6e-5b2f3c4d5e07)
* insert Entry(MessageHeader, mh-informationsoverforing, MhInformationsoverforing)
* insert Entry(Task, tolvan-informationsoverforing, TaskInformationsoverforingSent)

Instance: MhUtskrivningsmeddelande
InstanceOf: LusMessageHeader
Usage: #inline
* insert Header(mh-utskrivningsmeddelande, utskrivningsmeddelande, sos-avd-51, https://sos.example.se/fhir, Task, tolvan-utskrivningsmeddelande)

Instance: TaskUtskrivningsmeddelandeSent
InstanceOf: LusUtskrivningsmeddelande
Usage: #inline
* insert SentNotification(tolvan-utskrivningsmeddelande, LusUtskrivningsmeddelande, utskrivningsmeddelande, 2026-11-10T11:00:00+01:00, sos-avd-51)
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c07"

Instance: meddelande-utskrivningsmeddelande
InstanceOf: LusMeddelande
Title: "Meddelande: utskrivningsmeddelande"
Usage: #example
* insert Message(2026-11-10T11:00:00+01:00, 1d0c6b1e-7a43-4f0e-8d6e-5b2f3c4d5e08)
* insert Entry(MessageHeader, mh-utskrivningsmeddelande, MhUtskrivningsmeddelande)
* insert Entry(Task, tolvan-utskrivningsmeddelande, TaskUtskrivningsmeddelandeSent)
* insert Entry(Encounter, tolvan-vardtillfalle, tolvan-vardtillfalle)

Instance: MhMakulering
InstanceOf: LusMessageHeader
Usage: #inline
* insert Header(mh-makulering, makulering, sos-avd-51, https://sos.example.se/fhir, Task, tolvan-makulering)

Instance: TaskMakuleringSent
InstanceOf: LusMakulering
Usage: #inline
* insert SentNotification(tolvan-makulering, LusMakulering, makulering, 2026-11-02T18:20:00+01:00, sos-avd-51)
* identifier[0].value = "urn:uuid:6f1c2a9e-3b1d-4c55-9a51-0b8f4a1e2c0a"
* basedOn = Reference(tolvan-inskrivningsmeddelande-felsant)
* statusReason.text = "Felsänt meddelande: fel mottagare."

Instance: meddelande-makulering
InstanceOf: LusMeddelande
Title: "Meddelande: makulering"
Usage: #example
* insert Message(2026-11-02T18:20:00+01:00, 1d0c6b1e-7a43-4f0e-8d6e-5b2f3c4d5e09)
* insert Entry(MessageHeader, mh-makulering, MhMakulering)
* insert Entry(Task, tolvan-makulering, TaskMakuleringSent)

Instance: MhAvvikelse
InstanceOf: LusMessageHeader
Usage: #inline
* insert Header(mh-avvikelse, avvikelse, sos-avd-51, https://sos.example.se/fhir, DetectedIssue, tolvan-avvikelse-ej-kvitterad)

Instance: meddelande-avvikelse
InstanceOf: LusMeddelande
Title: "Meddelande: avvikelse"
Usage: #example
* insert Message(2026-11-10T15:00:00+01:00, 1d0c6b1e-7a43-4f0e-8d6e-5b2f3c4d5e10)
* insert Entry(MessageHeader, mh-avvikelse, MhAvvikelse)
* insert Entry(DetectedIssue, tolvan-avvikelse-ej-kvitterad, tolvan-avvikelse-ej-kvitterad)
