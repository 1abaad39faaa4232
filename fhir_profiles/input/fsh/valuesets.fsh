// Value sets of the LUS guide: one per code system with the same id, plus the municipalities of
// Stockholm county and the admission type (planned / unplanned).

ValueSet: LusEventVS
Id: lus-event
Title: "LUS händelse"
Description: "All notifications of the discharge process; bound wherever an event is named (Task.code, MessageHeader.eventCoding, Endpoint.payloadType) so that every party uses one vocabulary."
* ^status = #draft
* ^experimental = false
* include codes from system LusEvent

ValueSet: LusPartyTypeVS
Id: lus-party-type
Title: "LUS partstyp"
Description: "All kinds of party in the discharge process; routing selects receivers by party type."
* ^status = #draft
* ^experimental = false
* include codes from system LusPartyType

ValueSet: LusCareTypeVS
Id: lus-care-type
Title: "LUS vårdform"
Description: "All care types of an inpatient stay; the care type decides the free days before payment responsibility."
* ^status = #draft
* ^experimental = false
* include codes from system LusCareType

ValueSet: LusParticipantRoleVS
Id: lus-participant-role
Title: "LUS deltagarroll"
Description: "All roles of participants in discharge planning and SIP."
* ^status = #draft
* ^experimental = false
* include codes from system LusParticipantRole

ValueSet: LusDeviationTypeVS
Id: lus-deviation-type
Title: "LUS avvikelsetyp"
Description: "All kinds of deviation in the cooperation at discharge, reported by parties or detected by the service."
* ^status = #draft
* ^experimental = false
* include codes from system LusDeviationType

ValueSet: LusConsentTypeVS
Id: lus-consent-type
Title: "LUS samtyckestyp"
Description: "What a patient can consent to in the discharge process."
* ^status = #draft
* ^experimental = false
* include codes from system LusConsentType

ValueSet: LusSipParticipationVS
Id: lus-sip-participation
Title: "LUS delaktighet i SIP"
Description: "Who besides the professionals took part in a SIP meeting; the basis of the participation indicator."
* ^status = #draft
* ^experimental = false
* include codes from system LusSipParticipation

ValueSet: StockholmStadsdelVS
Id: stockholm-stadsdel
Title: "Stockholms stadsdelsförvaltningar"
Description: "All district administrations of Stockholm city, current and former; historical ones stay valid because directory entries and statistics refer to the district of their time."
* ^status = #draft
* ^experimental = false
* include codes from system StockholmStadsdel

ValueSet: StockholmsLanKommuner
Id: stockholms-lan-kommuner
Title: "Stockholms läns kommuner"
Description: "The 26 municipalities of Stockholm county by SCB municipality code: the municipalities this guide routes to. Bindings to it are extensible so that patients from elsewhere in Sweden can still be described with any SCB code."
* ^status = #draft
* ^experimental = false
* include codes from system Kommunkod

ValueSet: LusValidationIssueVS
Id: lus-validation-issue
Title: "LUS valideringsfel"
Description: "All issue codes of the LUS validator, for OperationOutcome.issue.details."
* ^status = #draft
* ^experimental = false
* include codes from system LusValidationIssue

ValueSet: LusInskrivningstyp
Id: lus-inskrivningstyp
Title: "LUS inskrivningstyp"
Description: "Admission type of an inpatient stay: planned or unplanned. The statistics on unplanned readmissions within 7 and 30 days depend on it, so Encounter.priority is bound to it (required)."
* ^status = #draft
* ^experimental = false
* $v3-ActPriority#EL "elective"
* $v3-ActPriority#EL ^designation[0].language = #sv
* $v3-ActPriority#EL ^designation[0].value = "Planerad"
* $v3-ActPriority#EM "emergency"
* $v3-ActPriority#EM ^designation[0].language = #sv
* $v3-ActPriority#EM ^designation[0].value = "Oplanerad"
