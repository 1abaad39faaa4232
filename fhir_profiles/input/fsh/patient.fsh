// The patient and the people around the patient: Swedish identity numbers with their check digits,
// the municipality and district that routing follows, protected identity, the listed primary care unit.

Invariant: lus-pnr-1
Description: "A personnummer is 12 digits (YYYYMMDDNNNC, no hyphen) whose last digit is the Luhn check digit of the 10-digit form."
Expression: "matches('^(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{4}$') and ((substring(2,1).toInteger() * 2 div 10) + (substring(2,1).toInteger() * 2 mod 10) + substring(3,1).toInteger() + (substring(4,1).toInteger() * 2 div 10) + (substring(4,1).toInteger() * 2 mod 10) + substring(5,1).toInteger() + (substring(6,1).toInteger() * 2 div 10) + (substring(6,1).toInteger() * 2 mod 10) + substring(7,1).toInteger() + (substring(8,1).toInteger() * 2 div 10) + (substring(8,1).toInteger() * 2 mod 10) + substring(9,1).toInteger() + (substring(10,1).toInteger() * 2 div 10) + (substring(10,1).toInteger() * 2 mod 10) + substring(11,1).toInteger()) mod 10 = 0"
Severity: #error

Invariant: lus-snr-1
Description: "A samordningsnummer is 12 digits whose day of birth is increased by 60 (61-91) and whose last digit is the Luhn check digit of the 10-digit form."
Expression: "matches('^(19|20)[0-9]{2}(0[1-9]|1[0-2])(6[1-9]|[78][0-9]|9[01])[0-9]{4}$') and ((substring(2,1).toInteger() * 2 div 10) + (substring(2,1).toInteger() * 2 mod 10) + substring(3,1).toInteger() + (substring(4,1).toInteger() * 2 div 10) + (substring(4,1).toInteger() * 2 mod 10) + substring(5,1).toInteger() + (substring(6,1).toInteger() * 2 div 10) + (substring(6,1).toInteger() * 2 mod 10) + substring(7,1).toInteger() + (substring(8,1).toInteger() * 2 div 10) + (substring(8,1).toInteger() * 2 mod 10) + substring(9,1).toInteger() + (substring(10,1).toInteger() * 2 div 10) + (substring(10,1).toInteger() * 2 mod 10) + substring(11,1).toInteger()) mod 10 = 0"
Severity: #error

Invariant: lus-pat-2
Description: "A patient with protected identity (meta.security R) carries no address data beyond the municipality code and district, so that no notification can expose where the patient lives."
Expression: "meta.security.where(system = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality' and code = 'R').exists() implies address.all(line.empty() and city.empty() and postalCode.empty() and district.empty() and text.empty())"
Severity: #error

Invariant: lus-res-1
Description: "A reserve number is 1 to 20 letters and digits; Region Stockholm's local reserve numbers start with 99."
Expression: "matches('^[0-9A-Za-z]{1,20}$')"
Severity: #error

Profile: LusPatient
Parent: Patient
Id: lus-patient
Title: "LUS patient"
Description: "The patient of the discharge process, identified by personnummer, samordningsnummer or a reserve number. The registered address carries the municipality (and Stockholm district) that decides which social services receive the notifications; a protected identity hides the address; generalPractitioner names the primary care unit the patient is listed at."
* ^status = #draft
* ^experimental = false
* obeys lus-pat-2
* meta.security MS
* meta.security ^short = "v3-Confidentiality#R marks a protected identity (skyddade personuppgifter)"
* identifier 1..* MS
* identifier ^slicing.discriminator.type = #value
* identifier ^slicing.discriminator.path = "system"
* identifier ^slicing.rules = #open
* identifier ^slicing.description = "Slice by identifier system: personnummer, samordningsnummer or reserve number."
* identifier contains
    personnummer 0..1 MS and
    samordningsnummer 0..1 MS and
    reservnummer 0..* MS
* identifier[personnummer] ^short = "Personnummer (12 digits, no hyphen)"
* identifier[personnummer].system 1..1
* identifier[personnummer].system = $personnummer (exactly)
* identifier[personnummer].value 1..1
* identifier[personnummer].value obeys lus-pnr-1
* identifier[samordningsnummer] ^short = "Samordningsnummer (12 digits, day + 60)"
* identifier[samordningsnummer].system 1..1
* identifier[samordningsnummer].system = $samordningsnummer (exactly)
* identifier[samordningsnummer].value 1..1
* identifier[samordningsnummer].value obeys lus-snr-1
* identifier[reservnummer] ^short = "Nationellt eller lokalt reservnummer"
* identifier[reservnummer].system 1..1
* identifier[reservnummer].system = $reservnummer (exactly)
* identifier[reservnummer].value 1..1
* identifier[reservnummer].value obeys lus-res-1
* name 1..* MS
* telecom MS
* gender MS
* birthDate MS
* address MS
* address ^short = "Folkbokföringsadress; for a protected identity only the municipality code"
* address.extension contains
    LusKommunkod named kommunkod 0..1 MS and
    LusStadsdel named stadsdel 0..1 MS
* address.extension[kommunkod] ^short = "Municipality of registration (routes to its social services)"
* address.extension[stadsdel] ^short = "Stockholm city district (routes to the district administration)"
* generalPractitioner MS
* generalPractitioner only Reference(LusOrganization or LusPractitionerRole)
* generalPractitioner ^short = "The primary care unit the patient is listed at"
* contact MS

Profile: LusPractitionerRole
Parent: PractitionerRole
Id: lus-practitionerrole
Title: "LUS yrkesroll"
Description: "A professional in a role at a unit: the patient's named contact (fast vårdkontakt) in primary care, the case officer (biståndshandläggare) in social services, the responsible nurse. SIP invitations and care teams point to it."
* ^status = #draft
* ^experimental = false
* practitioner MS
* organization 1..1 MS
* organization only Reference(LusOrganization)
* code MS
* code from LusParticipantRoleVS (extensible)
* telecom MS

Profile: LusRelatedPerson
Parent: RelatedPerson
Id: lus-relatedperson
Title: "LUS närstående"
Description: "A relative or other close person (närstående) of the patient, who may be invited to the SIP meeting with the patient's consent. Audits found relatives left out of the planning."
* ^status = #draft
* ^experimental = false
* patient only Reference(LusPatient)
* relationship 1..* MS
* name 1..* MS
* telecom MS
