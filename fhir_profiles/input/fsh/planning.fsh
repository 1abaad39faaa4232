// Planning with the patient: consent, the care team, the invitation to the SIP meeting and the SIP
// itself. Audits found SIP meetings rarely called and patients and relatives left out; these profiles
// make the invitation, the invitees and their participation explicit.

Profile: LusConsent
Parent: Consent
Id: lus-consent
Title: "LUS samtycke"
Description: "The patient's consent (samtycke) to information sharing between region and municipality, or to a SIP. Information is shared, and a SIP drawn up, only with consent (or after a secrecy assessment, recorded as a rejected consent with a policy note)."
* ^status = #draft
* ^experimental = false
* status MS
* scope = $consentscope#patient-privacy
* category 1..* MS
* category ^slicing.discriminator.type = #value
* category ^slicing.discriminator.path = "$this"
* category ^slicing.rules = #open
* category contains lus 1..1 MS
* category[lus] from LusConsentTypeVS (required)
* category[lus] ^short = "informationsdelning | sip"
* patient 1..1 MS
* patient only Reference(LusPatient)
* dateTime 1..1 MS
* performer MS
* organization MS
* organization only Reference(LusOrganization)
* policyRule 1..1
* policyRule = $v3-ActCode#OPTIN
* provision MS
* provision.type MS
* provision.period MS

Profile: LusCareTeam
Parent: CareTeam
Id: lus-careteam
Title: "LUS vårdteam"
Description: "Everyone responsible for the patient around discharge: the ward, the named contact, the case officer, the home-care provider, the municipal nurse, the patient and relatives. Routing finds the home-care provider here."
* ^status = #draft
* ^experimental = false
* status 1..1 MS
* subject 1..1 MS
* subject only Reference(LusPatient)
* encounter MS
* encounter only Reference(LusEncounter)
* participant 1..* MS
* participant.role 1..1 MS
* participant.role from LusParticipantRoleVS (required)
* participant.member 1..1 MS
* participant.member only Reference(LusPatient or LusRelatedPerson or LusPractitionerRole or LusOrganization)
* participant.onBehalfOf only Reference(LusOrganization)
* managingOrganization MS
* managingOrganization only Reference(LusOrganization)

Profile: LusKallelseSip
Parent: CommunicationRequest
Id: lus-kallelse-sip
Title: "Kallelse till SIP"
Description: "Invitation to a coordinated individual plan (SIP) meeting, sent by the named contact within 3 days of the ready-for-discharge notice. Recipients include the municipality, the ward, the patient and, with consent, relatives; the meeting time is occurrence[x]."
* ^status = #draft
* ^experimental = false
* identifier 1..* MS
* status MS
* category 1..1 MS
* category = LusEvent#kallelse-sip
* subject 1..1 MS
* subject only Reference(LusPatient)
* about 1..* MS
* about only Reference(LusEncounter or LusSip)
* about ^short = "The inpatient stay and, when it exists, the SIP being drawn up or followed up"
* encounter MS
* encounter only Reference(LusEncounter)
* authoredOn 1..1 MS
* authoredOn ^short = "When the invitation was sent (3-day deadline)"
* requester 1..1 MS
* requester only Reference(LusPractitionerRole or LusOrganization)
* requester ^short = "The named contact calling the meeting"
* recipient 1..* MS
* recipient only Reference(LusOrganization or LusPractitionerRole or LusPatient or LusRelatedPerson)
* recipient ^short = "Invitees: units, professionals, the patient, relatives"
* occurrence[x] 1..1 MS
* occurrence[x] only dateTime or Period
* occurrence[x] ^short = "Meeting time"
* medium MS
* payload MS
* payload ^short = "Place or video link and agenda"

Profile: LusSip
Parent: CarePlan
Id: lus-sip
Title: "Samordnad individuell plan (SIP)"
Description: "The coordinated individual plan: what each party will do (activities with performer), who is in the care team and whether the patient and relatives took part. Drawn up at the SIP meeting, followed up and closed (status completed) after discharge."
* ^status = #draft
* ^experimental = false
* extension contains LusSipDeltagande named deltagande 1..* MS
* extension[deltagande] ^short = "patient | narstaende | ingen"
* identifier MS
* status MS
* intent = #plan
* category 1..1 MS
* category = LusEvent#kallelse-sip
* title MS
* subject 1..1 MS
* subject only Reference(LusPatient)
* encounter MS
* encounter only Reference(LusEncounter)
* period 1..1 MS
* period.start 1..1
* period.end MS
* period.end ^short = "When the SIP was closed"
* author 1..1 MS
* author only Reference(LusPractitionerRole or LusOrganization)
* careTeam 1..* MS
* careTeam only Reference(LusCareTeam)
* activity 1..* MS
* activity.detail 1..1 MS
* activity.detail.status MS
* activity.detail.description 1..1 MS
* activity.detail.performer 1..* MS
* activity.detail.performer only Reference(LusOrganization or LusPractitionerRole or LusPatient or LusRelatedPerson)
* activity.detail.performer ^short = "Who carries out the activity"
