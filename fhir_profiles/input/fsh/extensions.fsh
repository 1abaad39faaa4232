// Extensions of the LUS guide: what FHIR R4 has no element for (Swedish municipality and district,
// directory validity, weekend contact path, expected discharge date, ready-for-discharge time, care type,
// SIP participation, receipt of a notification).

Extension: LusKommunkod
Id: lus-kommunkod
Title: "Kommunkod"
Description: "The SCB municipality code (kommunkod) of an address or a party. Routing of notifications to social services and municipal health care follows the municipality, which a free-text address does not state reliably."
Context: Address, Organization, HealthcareService
* ^status = #draft
* ^experimental = false
* . ^short = "Kommunkod (SCB municipality code)"
* . ^definition = "The SCB municipality code of the address (the municipality of registration) or of the area a party serves."
* value[x] only Coding
* value[x] 1..1
* value[x] from StockholmsLanKommuner (extensible)
* value[x].system 1..1
* value[x].system = $kommunkod (exactly)
* value[x].code 1..1
* value[x] ^short = "Municipality code, system urn:oid:1.2.752.129.2.2.1.17"

Extension: LusStadsdel
Id: lus-stadsdel
Title: "Stadsdel"
Description: "The Stockholm city district administration (stadsdelsförvaltning) of an address or a party. Within Stockholm city (0180) social services are organised by district, so notifications are routed to the district, not the municipality."
Context: Address, Organization, HealthcareService
* ^status = #draft
* ^experimental = false
* . ^short = "Stadsdel (Stockholm city district)"
* . ^definition = "The district administration of Stockholm city responsible for the address, or served by the party. Only meaningful with kommunkod 0180."
* value[x] only Coding
* value[x] 1..1
* value[x] from StockholmStadsdelVS (required)
* value[x].system 1..1
* value[x].code 1..1

Extension: LusGiltighetsperiod
Id: lus-giltighetsperiod
Title: "Giltighetsperiod"
Description: "The period during which a directory entry (organization or service) is valid. Municipal organisations change (Stockholm's districts were reorganised in 2020 and 2023), and a notification must be routed to the unit valid on the day it is sent."
Context: Organization, HealthcareService
* ^status = #draft
* ^experimental = false
* . ^short = "Validity period of the directory entry"
* . ^definition = "First (start) and last (end) instant at which this directory entry may be used for routing; an open end means still valid."
* value[x] only Period
* value[x] 1..1
* valuePeriod.start 1..1

Extension: LusHelgkontaktvag
Id: lus-helgkontaktvag
Title: "Helgkontaktväg"
Description: "The weekend and out-of-hours contact path of a receiving service. Notifications do not wait for Monday, and an unacknowledged notification is escalated to this contact path."
Context: HealthcareService
* ^status = #draft
* ^experimental = false
* . ^short = "Weekend / out-of-hours contact path (also the escalation target)"
* . ^definition = "How to reach the service outside its ordinary opening hours: a telephone or e-mail contact, an endpoint, and when the path is staffed."
* extension contains
    telecom 0..* and
    endpoint 0..1 and
    availableTime 0..*
* extension[telecom] ^short = "Telephone / e-mail of the out-of-hours contact"
* extension[telecom].value[x] only ContactPoint
* extension[telecom].value[x] 1..1
* extension[endpoint] ^short = "Endpoint that receives notifications out of hours"
* extension[endpoint].value[x] only Reference(LusEndpoint)
* extension[endpoint].value[x] 1..1
* extension[availableTime] ^short = "When the out-of-hours contact path is staffed"
* extension[availableTime].extension contains
    daysOfWeek 0..* and
    allDay 0..1 and
    availableStartTime 0..1 and
    availableEndTime 0..1
* extension[availableTime].extension[daysOfWeek].value[x] only code
* extension[availableTime].extension[daysOfWeek].value[x] 1..1
* extension[availableTime].extension[daysOfWeek].value[x] from http://hl7.org/fhir/ValueSet/days-of-week (required)
* extension[availableTime].extension[daysOfWeek] ^short = "mon | tue | wed | thu | fri | sat | sun"
* extension[availableTime].extension[allDay].value[x] only boolean
* extension[availableTime].extension[allDay].value[x] 1..1
* extension[availableTime].extension[allDay] ^short = "Staffed all day on these days"
* extension[availableTime].extension[availableStartTime].value[x] only time
* extension[availableTime].extension[availableStartTime].value[x] 1..1
* extension[availableTime].extension[availableStartTime] ^short = "Opening time"
* extension[availableTime].extension[availableEndTime].value[x] only time
* extension[availableTime].extension[availableEndTime].value[x] 1..1
* extension[availableTime].extension[availableEndTime] ^short = "Closing time"
* obeys lus-helg-1

Invariant: lus-helg-1
Description: "A weekend contact path names at least one telephone/e-mail contact or an endpoint."
Expression: "extension.where(url = 'telecom' or url = 'endpoint').exists()"
Severity: #error

Extension: LusBeraknatUtskrivningsdatum
Id: lus-beraknat-utskrivningsdatum
Title: "Beräknat utskrivningsdatum"
Description: "The expected discharge date of an inpatient stay. The admission notification must state it, receivers plan their services from it, and every change is notified (R4 Encounter has no element for it)."
Context: Encounter
* ^status = #draft
* ^experimental = false
* . ^short = "Expected discharge date"
* . ^definition = "The date the ward currently expects to discharge the patient."
* value[x] only date
* value[x] 1..1

Extension: LusUtskrivningsklarTidpunkt
Id: lus-utskrivningsklar-tidpunkt
Title: "Utskrivningsklar tidpunkt"
Description: "When the physician judged the patient ready for discharge (utskrivningsklar). It starts the count of ready-for-discharge days and, with the time the notice was sent, the municipality's payment responsibility."
Context: Encounter
* ^status = #draft
* ^experimental = false
* . ^short = "Time the patient was judged ready for discharge"
* . ^definition = "The date and time of the physician's judgement that the patient is ready for discharge; removed when the judgement is withdrawn."
* value[x] only dateTime
* value[x] 1..1

Extension: LusVardform
Id: lus-vardform
Title: "Vårdform"
Description: "The care type of the inpatient stay (somatic, psychiatric, compulsory or forensic psychiatric care). The free days before payment responsibility differ by care type."
Context: Encounter
* ^status = #draft
* ^experimental = false
* . ^short = "Care type (vårdform)"
* . ^definition = "The care type of the inpatient stay."
* value[x] only CodeableConcept
* value[x] 1..1
* value[x] from LusCareTypeVS (required)

Extension: LusSipDeltagande
Id: lus-sip-deltagande
Title: "SIP-deltagande"
Description: "Who besides the professionals took part in the SIP meeting. The region reports patient and relative participation, which audits found lacking."
Context: CarePlan
* ^status = #draft
* ^experimental = false
* . ^short = "Patient / relative participation in the SIP meeting"
* . ^definition = "One occurrence per kind of participant who took part (patient, relative), or one `ingen` when neither did."
* value[x] only CodeableConcept
* value[x] 1..1
* value[x] from LusSipParticipationVS (required)

Extension: LusKvittens
Id: lus-kvittens
Title: "Kvittens"
Description: "A receiver's receipt of a notification: who confirmed and when. Every receiver must confirm the discharge notification, and missing receipts are deviations."
Context: Task
* ^status = #draft
* ^experimental = false
* . ^short = "Receipt (kvittens) of this notification by a receiver"
* . ^definition = "One occurrence per receiving organization that has confirmed receipt of the notification."
* extension contains
    receiver 1..1 and
    received 1..1
* extension[receiver] ^short = "The organization that confirmed receipt"
* extension[receiver].value[x] only Reference(LusOrganization)
* extension[receiver].value[x] 1..1
* extension[received] ^short = "When receipt was confirmed"
* extension[received].value[x] only instant
* extension[received].value[x] 1..1
