// The inpatient stay every notification is about.

Profile: LusEncounter
Parent: Encounter
Id: lus-encounter
Title: "LUS vårdtillfälle"
Description: "The inpatient stay (vårdtillfälle) that the notifications of the discharge process are about. It carries what R4 has no element for: the care type (which decides the free days), the expected discharge date and the time the patient was judged ready for discharge; priority tells planned from unplanned admissions for the readmission statistics."
* ^status = #draft
* ^experimental = false
* extension contains
    LusVardform named vardform 1..1 MS and
    LusBeraknatUtskrivningsdatum named beraknatUtskrivningsdatum 0..1 MS and
    LusUtskrivningsklarTidpunkt named utskrivningsklarTidpunkt 0..1 MS
* extension[vardform] ^short = "Care type: somatisk | psykiatrisk | lpt | lrv"
* extension[beraknatUtskrivningsdatum] ^short = "Expected discharge date"
* extension[utskrivningsklarTidpunkt] ^short = "When the patient was judged ready for discharge"
* identifier MS
* status MS
* status ^short = "in-progress during the stay, finished after discharge"
* class = http://terminology.hl7.org/CodeSystem/v3-ActCode#IMP
* class MS
* priority 1..1 MS
* priority from LusInskrivningstyp (required)
* priority ^short = "EL planerad | EM oplanerad (readmission statistics)"
* subject 1..1 MS
* subject only Reference(LusPatient)
* period 1..1 MS
* period.start 1..1 MS
* period.start ^short = "Admission time (starts the 24-hour admission notice deadline)"
* period.end MS
* period.end ^short = "Discharge time"
* serviceProvider 1..1 MS
* serviceProvider only Reference(LusOrganization)
* serviceProvider ^short = "The ward (vårdavdelning) responsible for the stay"
* hospitalization MS
* hospitalization.dischargeDisposition MS
