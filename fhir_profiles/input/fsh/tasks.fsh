// The notifications of the process as Tasks ("Task with focus"): the sender (requester) asks the
// receiver (owner) to act on the inpatient stay (focus); the receiver moves the Task through
// requested → received → accepted/rejected → completed, and each receipt is recorded.

Invariant: lus-task-1
Description: "A notification that has been received, accepted, rejected or completed records the receiver's receipt (lus-kvittens)."
Expression: "(status = 'received' or status = 'accepted' or status = 'rejected' or status = 'completed') implies extension.where(url = 'https://lus-fhir.se/fhir/StructureDefinition/lus-kvittens').exists()"
Severity: #error

Invariant: lus-task-2
Description: "A rejected or cancelled notification states why (statusReason)."
Expression: "(status = 'rejected' or status = 'cancelled') implies statusReason.exists()"
Severity: #error

ValueSet: LusTaskStatus
Id: lus-task-status
Title: "LUS notifieringsstatus"
Description: "The Task statuses a LUS notification may take: the sender creates it requested (or cancels it), the receiver confirms receipt (received), takes it on (accepted) or refuses it (rejected), and closes it (completed); entered-in-error marks a notification created by mistake."
* ^status = #draft
* ^experimental = false
* $task-status#requested
* $task-status#received
* $task-status#accepted
* $task-status#rejected
* $task-status#completed
* $task-status#cancelled
* $task-status#entered-in-error

Profile: LusTask
Parent: Task
Id: lus-task
Title: "LUS notifiering"
Description: "Common shape of every notification of the discharge process: which stay (focus), which patient (for), who sends (requester) and who must act (owner), when it was sent (authoredOn), its deadline (restriction.period.end) and the receipts. Abstract: each notification has its own profile fixing the event code."
* ^status = #draft
* ^experimental = false
* ^abstract = true
* obeys lus-task-1 and lus-task-2
* extension contains LusKvittens named kvittens 0..* MS
* extension[kvittens] ^short = "Receipt by the receiver (who, when)"
* identifier 1..* MS
* identifier ^short = "Business identifier (urn:uuid) that makes re-sending idempotent"
* status MS
* status from LusTaskStatus (required)
* statusReason MS
* businessStatus MS
* intent = #order
* code 1..1 MS
* code from LusEventVS (required)
* focus 1..1 MS
* focus only Reference(LusEncounter)
* focus ^short = "The inpatient stay the notification is about"
* for 1..1 MS
* for only Reference(LusPatient)
* authoredOn 1..1 MS
* authoredOn ^short = "When the sender sent the notification (legally relevant for utskrivningsklar)"
* lastModified MS
* requester 1..1 MS
* requester only Reference(LusOrganization)
* requester ^short = "The sending unit"
* owner 0..1 MS
* owner only Reference(LusOrganization)
* owner ^short = "The receiving unit that must act; set by the sender, or by the service when it routes"
* restriction MS
* restriction.period.end MS
* restriction.period.end ^short = "Deadline by which the receiver or sender must act"
* input MS
* output MS

RuleSet: LusNotification(code)
* ^status = #draft
* ^experimental = false
* ^abstract = false
* code = LusEvent#{code}

Profile: LusInskrivningsmeddelande
Parent: LusTask
Id: lus-inskrivningsmeddelande
Title: "Inskrivningsmeddelande"
Description: "Admission notification: the ward tells social services, municipal health care and primary care, within 24 hours of admission, that a patient who will need their help after discharge has been admitted. The Encounter in focus carries the expected discharge date; the patient's consent status is stated as an input."
* insert LusNotification(inskrivningsmeddelande)
* input ^slicing.discriminator.type = #pattern
* input ^slicing.discriminator.path = "type"
* input ^slicing.rules = #open
* input contains samtycke 0..1 MS
* input[samtycke].type = LusConsentType#informationsdelning
* input[samtycke].value[x] only Reference(LusConsent)
* input[samtycke] ^short = "The patient's consent to information sharing, when given"

Profile: LusFastVardkontakt
Parent: LusTask
Id: lus-fast-vardkontakt
Title: "Fast vårdkontakt utsedd"
Description: "Named contact appointed: the primary care unit tells the ward and the municipality who the patient's named contact (fast vårdkontakt) is; the PractitionerRole is an input."
* insert LusNotification(fast-vardkontakt)
* input 1..* MS
* input ^slicing.discriminator.type = #pattern
* input ^slicing.discriminator.path = "type"
* input ^slicing.rules = #open
* input contains fastVardkontakt 1..1 MS
* input[fastVardkontakt].type = LusParticipantRole#fast-vardkontakt
* input[fastVardkontakt].value[x] only Reference(LusPractitionerRole)

Profile: LusAndratBeraknatUtskrivningsdatum
Parent: LusTask
Id: lus-andrat-beraknat-utskrivningsdatum
Title: "Ändrat beräknat utskrivningsdatum"
Description: "Changed expected discharge date: the ward tells every receiver that the expected discharge date of the stay in focus has changed; the new date is in the Encounter and repeated as an input."
* insert LusNotification(andrat-beraknat-utskrivningsdatum)
* input 1..* MS
* input ^slicing.discriminator.type = #pattern
* input ^slicing.discriminator.path = "type"
* input ^slicing.rules = #open
* input contains beraknatUtskrivningsdatum 1..1 MS
* input[beraknatUtskrivningsdatum].type = LusEvent#andrat-beraknat-utskrivningsdatum
* input[beraknatUtskrivningsdatum].value[x] only date

Profile: LusUtskrivningsklar
Parent: LusTask
Id: lus-utskrivningsklar
Title: "Underrättelse om utskrivningsklar"
Description: "Ready-for-discharge notice: the ward tells every receiver that the physician has judged the patient ready for discharge. authoredOn is the legally relevant sent time that starts payment responsibility; the Encounter carries the time of the judgement."
* insert LusNotification(utskrivningsklar)

Profile: LusInteLangreUtskrivningsklar
Parent: LusTask
Id: lus-inte-langre-utskrivningsklar
Title: "Inte längre utskrivningsklar"
Description: "No longer ready for discharge: the ward withdraws its ready-for-discharge notice (the patient's condition changed). The payment clock stops; a new ready-for-discharge notice follows later."
* insert LusNotification(inte-langre-utskrivningsklar)
* statusReason MS

Profile: LusInformationsoverforing
Parent: LusTask
Id: lus-informationsoverforing
Title: "Informationsöverföring"
Description: "Information transfer: the ward hands over what the receivers need to continue care, no later than the day of discharge. The content (a discharge summary as a DocumentReference or document Bundle, as HL7 PACIO Transitions of Care models it) is an input."
* insert LusNotification(informationsoverforing)
* input 1..* MS
* input ^short = "The handed-over information (DocumentReference or text)"

Profile: LusUtskrivningsmeddelande
Parent: LusTask
Id: lus-utskrivningsmeddelande
Title: "Utskrivningsmeddelande"
Description: "Discharge notification: the ward tells every receiver, including the home-care provider, that the patient has left hospital. Every receiver must confirm receipt; a missing receipt is a deviation."
* insert LusNotification(utskrivningsmeddelande)

Profile: LusMakulering
Parent: LusTask
Id: lus-makulering
Title: "Makulering"
Description: "Cancellation of a notification sent in error (to the wrong unit or about the wrong patient). The cancelled notification Task is referenced by basedOn; focus and for repeat those of the cancelled notification."
* insert LusNotification(makulering)
* basedOn 1..1 MS
* basedOn only Reference(LusTask)
* basedOn ^short = "The notification that is cancelled"
* statusReason 1..1 MS
