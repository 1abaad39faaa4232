// The routing directory: who the parties are (Organization), what they offer and when they are reachable
// (HealthcareService), and where notifications are delivered (Endpoint).

Invariant: lus-hsa-1
Description: "An HSA-id is 'SE', the 10-digit organisation number of the issuing principal, '-', and a local part of letters and digits."
Expression: "matches('^SE[0-9]{10}-[A-Za-z0-9]+$')"
Severity: #error

Invariant: lus-orgnr-1
Description: "An organisation number (organisationsnummer) is 10 digits without a hyphen."
Expression: "matches('^[0-9]{10}$')"
Severity: #error

Invariant: lus-endp-1
Description: "An endpoint address is an absolute http or https URL (the receiver's FHIR base)."
Expression: "matches('^https?://.+')"
Severity: #error

Profile: LusOrganization
Parent: Organization
Id: lus-organization
Title: "LUS organisation"
Description: "A party of the discharge process (ward, primary care unit, social services, municipal health care, home-care provider, region or municipality) as a directory entry. The HSA-id identifies it, the party type and municipality/district decide which notifications it receives, and the validity period lets routing follow reorganisations."
* ^status = #draft
* ^experimental = false
* extension contains
    LusKommunkod named kommunkod 0..* MS and
    LusStadsdel named stadsdel 0..1 MS and
    LusGiltighetsperiod named giltighetsperiod 0..1 MS
* extension[kommunkod] ^short = "Municipality the party belongs to or serves"
* extension[stadsdel] ^short = "Stockholm city district the party serves (kommunkod 0180 only)"
* extension[giltighetsperiod] ^short = "Validity of the directory entry"
* identifier 1..* MS
* identifier ^slicing.discriminator.type = #value
* identifier ^slicing.discriminator.path = "system"
* identifier ^slicing.rules = #open
* identifier ^slicing.description = "Slice by identifier system: HSA-id (required) and organisation number."
* identifier contains
    hsaid 1..1 MS and
    orgnr 0..1 MS
* identifier[hsaid] ^short = "HSA-id of the unit (SE + organisation number + - + local part)"
* identifier[hsaid].system 1..1
* identifier[hsaid].system = $hsaid (exactly)
* identifier[hsaid].value 1..1
* identifier[hsaid].value obeys lus-hsa-1
* identifier[orgnr] ^short = "Organisation number of the legal entity"
* identifier[orgnr].system 1..1
* identifier[orgnr].system = $orgnr (exactly)
* identifier[orgnr].value 1..1
* identifier[orgnr].value obeys lus-orgnr-1
* active MS
* type 1..* MS
* type ^slicing.discriminator.type = #value
* type ^slicing.discriminator.path = "$this"
* type ^slicing.rules = #open
* type ^slicing.description = "Slice by value set binding: exactly one party type from lus-party-type."
* type contains partstyp 1..1 MS
* type[partstyp] from LusPartyTypeVS (required)
* type[partstyp] ^short = "Party type (partstyp) in the discharge process"
* name 1..1 MS
* telecom MS
* partOf only Reference(LusOrganization)
* partOf MS
* partOf ^short = "The organization this unit belongs to (e.g. the hospital of a ward, the municipality of a district)"
* endpoint only Reference(LusEndpoint)

Profile: LusHealthcareService
Parent: HealthcareService
Id: lus-healthcareservice
Title: "LUS tjänst"
Description: "What a receiving unit does in the discharge process, when it is open, how it is reached out of hours and where its notifications are delivered. Routing picks the service of the patient's municipality or district and delivers to its endpoints."
* ^status = #draft
* ^experimental = false
* extension contains
    LusKommunkod named kommunkod 0..* MS and
    LusStadsdel named stadsdel 0..* MS and
    LusGiltighetsperiod named giltighetsperiod 0..1 MS and
    LusHelgkontaktvag named helgkontaktvag 0..1 MS
* extension[kommunkod] ^short = "Municipalities the service covers"
* extension[stadsdel] ^short = "Stockholm city districts the service covers"
* extension[giltighetsperiod] ^short = "Validity of the directory entry"
* extension[helgkontaktvag] ^short = "Weekend / out-of-hours contact path and escalation target"
* active MS
* providedBy 1..1 MS
* providedBy only Reference(LusOrganization)
* name 1..1 MS
* telecom MS
* availableTime MS
* availableTime ^short = "Opening hours (when notifications are handled)"
* notAvailable MS
* endpoint 1..* MS
* endpoint only Reference(LusEndpoint)
* endpoint ^short = "Where notifications to this service are delivered"

ValueSet: LusEndpointConnectionType
Id: lus-endpoint-connection-type
Title: "LUS anslutningstyp"
Description: "The two ways a receiver takes LUS notifications: a FHIR REST server (Task / subscriptions) or FHIR messaging ($process-message)."
* ^status = #draft
* ^experimental = false
* $endpoint-connection-type#hl7-fhir-rest "HL7 FHIR"
* $endpoint-connection-type#hl7-fhir-msg "HL7 FHIR Messaging"

Profile: LusEndpoint
Parent: Endpoint
Id: lus-endpoint
Title: "LUS mottagaradress"
Description: "Where a receiver's notifications are delivered: its FHIR base URL, whether it takes REST or messages, which notifications it accepts and for which period. The service routes only to endpoints that are active and valid on the day of sending."
* ^status = #draft
* ^experimental = false
* status MS
* connectionType MS
* connectionType from LusEndpointConnectionType (required)
* connectionType ^short = "hl7-fhir-rest | hl7-fhir-msg"
* managingOrganization 1..1 MS
* managingOrganization only Reference(LusOrganization)
* period MS
* period ^short = "Validity of the endpoint"
* payloadType MS
* payloadType from LusEventVS (required)
* payloadType ^short = "The LUS notifications this endpoint accepts"
* payloadMimeType MS
* address MS
* address obeys lus-endp-1
* address ^short = "FHIR base URL of the receiver"
