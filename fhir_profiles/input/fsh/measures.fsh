// The monthly statistics of the regional agreement as Measures. The service evaluates them in SQL
// and Python over its own store (service/statistics): each population's criteria names the figure
// the service computes, as the FHIRPath %figures.<name> (a count of service/statistics/figures.py),
// each stratifier the stay's attribute (%stay.kommun …); the definition in words is the description. Every day rule is evaluated on local
// dates in Europe/Stockholm; the numbers (free days, 12:00, daily amounts) are the rules data
// service/statistics/rules.yaml. A stay belongs to the month of its discharge (Encounter.period.end)
// and to the municipality and district of the patient's address in the Patient version current at
// discharge (the district valid on the discharge date).

Alias: $measure-population = http://terminology.hl7.org/CodeSystem/measure-population
Alias: $measure-scoring = http://terminology.hl7.org/CodeSystem/measure-scoring
Alias: $measure-type = http://terminology.hl7.org/CodeSystem/measure-type
Alias: $measure-improvement = http://terminology.hl7.org/CodeSystem/measure-improvement-notation

CodeSystem: LusStratifier
Id: lus-stratifier
Title: "LUS stratifierare"
Description: "The strata every LUS Measure reports: municipality (stratum value the SCB kommunkod), Stockholm city district (the district valid on the discharge date) and care type, alone and combined; the deviation measure also by kind and responsible party."
* ^status = #draft
* ^experimental = false
* ^caseSensitive = true
* ^content = #complete
* #kommun "Kommun" "The municipality of the patient's address at discharge; stratum value: the kommunkod (urn:oid:1.2.752.129.2.2.1.17)."
* #stadsdel "Stadsdel" "The Stockholm city district of the patient's address at discharge, as valid on the discharge date (CodeSystem stockholm-stadsdel); only stays in Stockholm city (0180)."
* #vardform "Vårdform" "Care type group: somatisk (vardform somatisk) or psykiatrisk (vardform psykiatrisk, lpt, lrv)."
* #avvikelsetyp "Avvikelsetyp" "The kind of deviation (CodeSystem lus-deviation-type)."
* #ansvarig "Ansvarig part" "The party a deviation is routed to as responsible (the routing rules' role)."

CodeSystem: LusVardformGrupp
Id: lus-vardform-grupp
Title: "LUS vårdformsgrupp"
Description: "The care-type groups the statistics and the free days are reported for."
* ^status = #draft
* ^experimental = false
* ^caseSensitive = true
* ^content = #complete
* #somatisk "Somatisk vård" "Somatic inpatient care (vardform somatisk)."
* #psykiatrisk "Psykiatrisk vård" "Psychiatric inpatient care (vardform psykiatrisk, lpt and lrv)."

RuleSet: LusMeasure(id, title, description)
* url = "https://lus-fhir.se/fhir/Measure/{id}"
* name = "{id}"
* title = "{title}"
* status = #draft
* experimental = false
* date = "2026-12-01"
* publisher = "lus-fhir"
* description = "{description}"
* version = "0.1.0"

RuleSet: LusPopulation(id, code, figure, description)
* group[=].population[+].id = "{id}"
* group[=].population[=].code = $measure-population#{code}
* group[=].population[=].description = "{description}"
* group[=].population[=].criteria.language = #text/fhirpath
* group[=].population[=].criteria.expression = "%figures.{figure}"

RuleSet: LusStrata
* group[=].stratifier[+].code = LusStratifier#kommun
* group[=].stratifier[=].description = "Per municipality (kommunkod of the address at discharge)."
* group[=].stratifier[=].criteria.language = #text/fhirpath
* group[=].stratifier[=].criteria.expression = "%stay.kommun"
* group[=].stratifier[+].code = LusStratifier#stadsdel
* group[=].stratifier[=].description = "Per Stockholm city district valid on the discharge date."
* group[=].stratifier[=].criteria.language = #text/fhirpath
* group[=].stratifier[=].criteria.expression = "%stay.stadsdel"
* group[=].stratifier[+].code = LusStratifier#vardform
* group[=].stratifier[=].description = "Per care type group (somatisk, psykiatrisk)."
* group[=].stratifier[=].criteria.language = #text/fhirpath
* group[=].stratifier[=].criteria.expression = "%stay.vardform"
* group[=].stratifier[+].code.text = "kommun-vardform"
* group[=].stratifier[=].description = "Per municipality and care type group."
* group[=].stratifier[=].component[+].code = LusStratifier#kommun
* group[=].stratifier[=].component[=].criteria.language = #text/fhirpath
* group[=].stratifier[=].component[=].criteria.expression = "%stay.kommun"
* group[=].stratifier[=].component[+].code = LusStratifier#vardform
* group[=].stratifier[=].component[=].criteria.language = #text/fhirpath
* group[=].stratifier[=].component[=].criteria.expression = "%stay.vardform"
* group[=].stratifier[+].code.text = "stadsdel-vardform"
* group[=].stratifier[=].description = "Per Stockholm city district and care type group."
* group[=].stratifier[=].component[+].code = LusStratifier#stadsdel
* group[=].stratifier[=].component[=].criteria.language = #text/fhirpath
* group[=].stratifier[=].component[=].criteria.expression = "%stay.stadsdel"
* group[=].stratifier[=].component[+].code = LusStratifier#vardform
* group[=].stratifier[=].component[=].criteria.language = #text/fhirpath
* group[=].stratifier[=].component[=].criteria.expression = "%stay.vardform"

Instance: lus-utskrivningsklara-dagar
InstanceOf: Measure
Usage: #definition
* insert LusMeasure(lus-utskrivningsklara-dagar, [[Utskrivningsklara dagar]], [[Days patients stayed in hospital after being ready for discharge (SKR's national definition). A ready period starts at an underrättelse om utskrivningsklar (Task.authoredOn) and ends at the next inte längre utskrivningsklar or at discharge; makulerade notifications do not count. Days of a stay = the sum over its ready periods of (end date − start date), local dates. Example: ready Monday 10:00, discharged Thursday: 3 days.]])
* scoring = $measure-scoring#continuous-variable
* type = $measure-type#outcome
* improvementNotation = $measure-improvement#decrease
* group[+].id = "skr"
* group[=].description = "SKR's figure: mean days per stay over stays discharged in the month with at least one day (measureScore, two decimals, unit d)."
* insert LusPopulation(skr-initial, initial-population, ready_stays, [[Stays discharged in the month with at least one ready-for-discharge notice that counts.]])
* insert LusPopulation(skr-population, measure-population, skr_stays, [[Of those, stays with at least one day (dag 0 stays excluded).]])
* insert LusPopulation(skr-observation, measure-observation, skr_stays, [[Observation: the stay's days; aggregated as the mean.]])
* insert LusStrata
* group[+].id = "summa-dagar"
* group[=].description = "Total ready-for-discharge days of the stays discharged in the month (measureScore, unit d)."
* insert LusPopulation(summa-initial, initial-population, ready_stays, [[Stays discharged in the month with at least one ready-for-discharge notice that counts.]])
* insert LusPopulation(summa-population, measure-population, ready_stays, [[The same stays.]])
* insert LusPopulation(summa-observation, measure-observation, ready_stays, [[Observation: the stay's days; aggregated as the sum.]])
* insert LusStrata
* group[+].id = "medel-inkl-dag-0"
* group[=].description = "Stockholm's average: mean days per stay over every stay with a ready notice, dag 0 stays (0 days) included (measureScore, two decimals, unit d)."
* insert LusPopulation(medel-initial, initial-population, ready_stays, [[Stays discharged in the month with at least one ready-for-discharge notice that counts.]])
* insert LusPopulation(medel-population, measure-population, ready_stays, [[The same stays, dag 0 stays included.]])
* insert LusPopulation(medel-observation, measure-observation, ready_stays, [[Observation: the stay's days; aggregated as the mean.]])
* insert LusStrata

Instance: lus-betalningsansvar
InstanceOf: Measure
Usage: #definition
* insert LusMeasure(lus-betalningsansvar, [[Dagar med betalningsansvar]], [[Days under the municipality's payment responsibility (Stockholm's per-patient rule). For each ready period dag 0 is the notice's date if it was sent before 12:00, else the next date; a date d is billable when dag 0 + P <= d < the period's end date, P = 2 for somatic and 5 for psychiatric care. Example: somatic, ready Monday 10:00, discharged Thursday: one billable day (Wednesday); ready Monday 13:00: none. A stay has no billable days when its inskrivningsmeddelande is missing or was sent more than 24 h after admission (inskrivningsmeddelande-saknas-eller-sent) or when no informationsöverföring was sent by the end of the discharge day (informationsoverforing-saknas). Each day costs Socialstyrelsen's amount for its own year. The invoice basis ($invoice-basis) lists every stay's dates.]])
* scoring = $measure-scoring#continuous-variable
* type = $measure-type#outcome
* improvementNotation = $measure-improvement#decrease
* group[+].id = "dagar"
* group[=].description = "Total billable days (measureScore, unit d)."
* insert LusPopulation(dagar-initial, initial-population, ready_stays, [[Stays discharged in the month with at least one ready-for-discharge notice that counts.]])
* insert LusPopulation(dagar-population, measure-population, ready_stays, [[The same stays.]])
* insert LusPopulation(dagar-exclusion, measure-population-exclusion, excluded_stays, [[Stays whose days are not billed: a reason code (inskrivningsmeddelande-saknas-eller-sent, informationsoverforing-saknas, or medelvarde-inom-niva under the average model).]])
* insert LusPopulation(dagar-observation, measure-observation, billed_stays, [[Observation: the stay's billable days; aggregated as the sum.]])
* insert LusStrata
* group[+].id = "belopp"
* group[=].description = "Total amount in kronor (measureScore, unit SEK): each billable day at Socialstyrelsen's daily amount for its year. Absent when a year has no configured amount."
* insert LusPopulation(belopp-initial, initial-population, ready_stays, [[Stays discharged in the month with at least one ready-for-discharge notice that counts.]])
* insert LusPopulation(belopp-population, measure-population, ready_stays, [[The same stays.]])
* insert LusPopulation(belopp-exclusion, measure-population-exclusion, excluded_stays, [[Stays whose days are not billed, for a reason code.]])
* insert LusPopulation(belopp-observation, measure-observation, billed_stays, [[Observation: the stay's amount; aggregated as the sum.]])
* insert LusStrata

Instance: lus-aterinskrivning-7d
InstanceOf: Measure
Usage: #definition
* insert LusMeasure(lus-aterinskrivning-7d, [[Oplanerade återinskrivningar inom 7 dagar, 65 år och äldre]], [[Share of stays of patients 65 or older followed by an unplanned readmission within seven days. Age on the discharge date from birthDate or the personnummer. Unplanned: Encounter.priority EM. The readmission starts after the discharge and at most 7 × 24 h later (6 days 23 h counts, 7 days 1 h does not).]])
* scoring = $measure-scoring#proportion
* type = $measure-type#outcome
* improvementNotation = $measure-improvement#decrease
* group[+].id = "aterinskrivning"
* group[=].description = "Share readmitted (measureScore = numerator / denominator, four decimals)."
* insert LusPopulation(aterinskrivning-initial, initial-population, stays, [[Stays discharged in the month.]])
* insert LusPopulation(aterinskrivning-denominator, denominator, readmission_denominator, [[Of those, stays whose patient was 65 or older on the discharge date and was not discharged as deceased (discharge disposition exp).]])
* insert LusPopulation(aterinskrivning-numerator, numerator, readmissions, [[Of those, stays followed by an unplanned admission of the same patient starting after the discharge and at most 7 × 24 h later.]])
* insert LusStrata

Instance: lus-processuppfoljning
InstanceOf: Measure
Usage: #definition
* insert LusMeasure(lus-processuppfoljning, [[Uppföljning av samverkansprocessen]], [[The failures public audits found, as shares of the stays discharged in the month: admission notices on time, SIP invitations on time, SIP meetings with the patient or a relative, information transfers by the day of discharge, discharge notifications acknowledged by the home-care provider. The deadlines are the law's (service/workflow/deadlines.yaml).]])
* scoring = $measure-scoring#proportion
* type = $measure-type#process
* improvementNotation = $measure-improvement#increase
* group[+].id = "inskrivningsmeddelande-24h"
* group[=].description = "Inskrivningsmeddelande sent within 24 h of admission."
* insert LusPopulation(inskrivning-initial, initial-population, stays, [[Stays discharged in the month.]])
* insert LusPopulation(inskrivning-denominator, denominator, stays, [[The same stays.]])
* insert LusPopulation(inskrivning-numerator, numerator, admission_on_time, [[Of those, stays whose first inskrivningsmeddelande was sent at most 24 h after admission.]])
* insert LusStrata
* group[+].id = "kallelse-sip-3d"
* group[=].description = "Kallelse till SIP within 3 days of the ready-for-discharge notice."
* insert LusPopulation(kallelse-initial, initial-population, stays, [[Stays discharged in the month.]])
* insert LusPopulation(kallelse-denominator, denominator, sip_expected, [[Stays with a ready-for-discharge notice: the service, like its deadline monitor, expects a SIP invitation for every one.]])
* insert LusPopulation(kallelse-numerator, numerator, sip_invited_on_time, [[Of those, stays with a kallelse till SIP sent at most 3 days after the first ready-for-discharge notice.]])
* insert LusStrata
* group[+].id = "sip-delaktighet"
* group[=].description = "SIP meetings where the patient or a relative took part."
* insert LusPopulation(delaktighet-initial, initial-population, stays, [[Stays discharged in the month.]])
* insert LusPopulation(delaktighet-denominator, denominator, sips, [[Stays with a SIP (CarePlan lus-sip about the stay).]])
* insert LusPopulation(delaktighet-numerator, numerator, sip_participation, [[Of those, stays with a SIP whose participation (lus-sip-deltagande) names the patient or a relative.]])
* insert LusStrata
* group[+].id = "informationsoverforing"
* group[=].description = "Informationsöverföring sent by the end of the day of discharge."
* insert LusPopulation(information-initial, initial-population, stays, [[Stays discharged in the month.]])
* insert LusPopulation(information-denominator, denominator, stays, [[The same stays.]])
* insert LusPopulation(information-numerator, numerator, information_on_time, [[Of those, stays with an informationsöverföring sent before the end of the discharge day (Europe/Stockholm).]])
* insert LusStrata
* group[+].id = "hemtjanst-kvittens"
* group[=].description = "Discharge notifications acknowledged by the home-care provider."
* insert LusPopulation(hemtjanst-initial, initial-population, stays, [[Stays discharged in the month.]])
* insert LusPopulation(hemtjanst-denominator, denominator, home_care_expected, [[Stays whose utskrivningsmeddelande was routed to a home-care provider (hemtjänstutförare).]])
* insert LusPopulation(hemtjanst-numerator, numerator, home_care_acknowledged, [[Of those, stays where every such provider confirmed receipt (lus-kvittens).]])
* insert LusStrata

Instance: lus-avvikelser
InstanceOf: Measure
Usage: #definition
* insert LusMeasure(lus-avvikelser, [[Avvikelser]], [[Deviations (DetectedIssue lus-avvikelse) implicating the stays discharged in the month, per kind and per the party responsible for that kind (the routing rules), besides the usual strata.]])
* scoring = $measure-scoring#cohort
* type = $measure-type#process
* improvementNotation = $measure-improvement#decrease
* group[+].id = "avvikelser"
* group[=].description = "Number of deviations."
* insert LusPopulation(avvikelser-initial, initial-population, deviation_count, [[Deviations implicating a stay discharged in the month.]])
* insert LusStrata
* group[=].stratifier[+].code = LusStratifier#avvikelsetyp
* group[=].stratifier[=].description = "Per kind of deviation."
* group[=].stratifier[=].criteria.language = #text/fhirpath
* group[=].stratifier[=].criteria.expression = "%deviation.code"
* group[=].stratifier[+].code = LusStratifier#ansvarig
* group[=].stratifier[=].description = "Per responsible party."
* group[=].stratifier[=].criteria.language = #text/fhirpath
* group[=].stratifier[=].criteria.expression = "%deviation.responsible"

Instance: invoice-basis
InstanceOf: OperationDefinition
Usage: #definition
* url = "https://lus-fhir.se/fhir/OperationDefinition/invoice-basis"
* name = "InvoiceBasis"
* title = "Fakturaunderlag för betalningsansvar"
* status = #draft
* kind = #operation
* experimental = false
* date = "2026-12-01"
* publisher = "lus-fhir"
* description = "Issues the invoice basis (fakturaunderlag) of one municipality for one month: a header (municipality, month, rule-set version, daily amounts used, total days, total amount, SHA-256 hash of the canonical content) and one line per stay discharged in the month with every timestamp a billed day rests on. Same data gives a byte-identical document and hash; an issued basis is stored immutably, and a re-issue after late data is a new version that names the one it replaces. The JSON document, CSV or xlsx is returned as it is (a Binary when the client asks for FHIR JSON)."
* code = #invoice-basis
* resource = #Measure
* system = false
* type = false
* instance = true
* affectsState = true
* parameter[+].name = #kommun
* parameter[=].use = #in
* parameter[=].min = 1
* parameter[=].max = "1"
* parameter[=].documentation = "SCB kommunkod of the municipality, e.g. 0180."
* parameter[=].type = #string
* parameter[+].name = #month
* parameter[=].use = #in
* parameter[=].min = 1
* parameter[=].max = "1"
* parameter[=].documentation = "The month of discharge, YYYY-MM."
* parameter[=].type = #string
* parameter[+].name = #format
* parameter[=].use = #in
* parameter[=].min = 0
* parameter[=].max = "1"
* parameter[=].documentation = "json (default), csv (semicolon, decimal comma, UTF-8 with BOM) or xlsx."
* parameter[=].type = #code
* parameter[+].name = #version
* parameter[=].use = #in
* parameter[=].min = 0
* parameter[=].max = "1"
* parameter[=].documentation = "An earlier issued version to return as it was stored, instead of issuing."
* parameter[=].type = #integer
* parameter[+].name = #return
* parameter[=].use = #out
* parameter[=].min = 1
* parameter[=].max = "1"
* parameter[=].documentation = "The invoice basis document."
* parameter[=].type = #Binary
