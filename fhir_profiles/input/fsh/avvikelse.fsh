// Deviations: failures of the cooperation, reported by a party or detected by the service.

Profile: LusAvvikelse
Parent: DetectedIssue
Id: lus-avvikelse
Title: "Avvikelse"
Description: "A deviation (avvikelse) in the cooperation at discharge. Missed legal deadlines, undelivered or unacknowledged notifications and unroutable notifications are raised automatically by the service (no author); parties report other failures themselves. implicated points to the notification or stay concerned."
* ^status = #draft
* ^experimental = false
* identifier MS
* status MS
* code 1..1 MS
* code from LusDeviationTypeVS (required)
* severity MS
* patient 1..1 MS
* patient only Reference(LusPatient)
* identified[x] 1..1 MS
* identified[x] only dateTime
* identified[x] ^short = "When the deviation occurred or was detected"
* author MS
* author only Reference(LusPractitionerRole or Device)
* author ^short = "The reporting professional (and through it the unit); absent when the service detected it"
* implicated 1..* MS
* implicated only Reference(LusTask or LusEncounter or LusKallelseSip)
* detail MS
* mitigation MS
