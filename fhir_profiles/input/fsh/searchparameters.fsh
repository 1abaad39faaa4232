// Search parameters the service needs beyond the R4 core ones: routing (municipality, district,
// party type), monitoring (ready-for-discharge time, expected discharge date, deadlines).

RuleSet: LusSearchParameter(id, code, base, type, expression, description)
* url = "https://lus-fhir.se/fhir/SearchParameter/{id}"
* name = "{code}"
* status = #active
* experimental = false
* publisher = "lus-fhir"
* description = "{description}"
* code = #{code}
* base[0] = #{base}
* type = #{type}
* expression = "{expression}"
* xpathUsage = #normal

Instance: Patient-kommun
InstanceOf: SearchParameter
Usage: #definition
* insert LusSearchParameter(Patient-kommun, kommun, Patient, token, [[Patient.address.extension('https://lus-fhir.se/fhir/StructureDefinition/lus-kommunkod').value]], [[Patients by the SCB municipality code of their registered address.]])

Instance: Patient-stadsdel
InstanceOf: SearchParameter
Usage: #definition
* insert LusSearchParameter(Patient-stadsdel, stadsdel, Patient, token, [[Patient.address.extension('https://lus-fhir.se/fhir/StructureDefinition/lus-stadsdel').value]], [[Patients by the Stockholm city district of their registered address.]])

Instance: Encounter-utskrivningsklar
InstanceOf: SearchParameter
Usage: #definition
* insert LusSearchParameter(Encounter-utskrivningsklar, utskrivningsklar, Encounter, date, [[Encounter.extension('https://lus-fhir.se/fhir/StructureDefinition/lus-utskrivningsklar-tidpunkt').value]], [[Stays by the time the patient was judged ready for discharge.]])

Instance: Encounter-beraknat-utskrivningsdatum
InstanceOf: SearchParameter
Usage: #definition
* insert LusSearchParameter(Encounter-beraknat-utskrivningsdatum, beraknat-utskrivningsdatum, Encounter, date, [[Encounter.extension('https://lus-fhir.se/fhir/StructureDefinition/lus-beraknat-utskrivningsdatum').value]], [[Stays by their expected discharge date.]])

Instance: Encounter-vardform
InstanceOf: SearchParameter
Usage: #definition
* insert LusSearchParameter(Encounter-vardform, vardform, Encounter, token, [[Encounter.extension('https://lus-fhir.se/fhir/StructureDefinition/lus-vardform').value]], [[Stays by care type (somatisk, psykiatrisk, lpt, lrv).]])

Instance: Organization-kommun
InstanceOf: SearchParameter
Usage: #definition
* insert LusSearchParameter(Organization-kommun, kommun, Organization, token, [[Organization.extension('https://lus-fhir.se/fhir/StructureDefinition/lus-kommunkod').value]], [[Directory organizations by the municipality they belong to or serve.]])

Instance: Organization-stadsdel
InstanceOf: SearchParameter
Usage: #definition
* insert LusSearchParameter(Organization-stadsdel, stadsdel, Organization, token, [[Organization.extension('https://lus-fhir.se/fhir/StructureDefinition/lus-stadsdel').value]], [[Directory organizations by the Stockholm city district they serve.]])

Instance: Organization-partstyp
InstanceOf: SearchParameter
Usage: #definition
* insert LusSearchParameter(Organization-partstyp, partstyp, Organization, token, [[Organization.type.where(coding.system = 'https://lus-fhir.se/fhir/CodeSystem/lus-party-type')]], [[Directory organizations by party type (vardavdelning, primarvard, socialtjanst ...).]])

Instance: HealthcareService-kommun
InstanceOf: SearchParameter
Usage: #definition
* insert LusSearchParameter(HealthcareService-kommun, kommun, HealthcareService, token, [[HealthcareService.extension('https://lus-fhir.se/fhir/StructureDefinition/lus-kommunkod').value]], [[Services by the municipalities they cover.]])

Instance: HealthcareService-stadsdel
InstanceOf: SearchParameter
Usage: #definition
* insert LusSearchParameter(HealthcareService-stadsdel, stadsdel, HealthcareService, token, [[HealthcareService.extension('https://lus-fhir.se/fhir/StructureDefinition/lus-stadsdel').value]], [[Services by the Stockholm city districts they cover.]])

Instance: Task-deadline
InstanceOf: SearchParameter
Usage: #definition
* insert LusSearchParameter(Task-deadline, deadline, Task, date, [[Task.restriction.period.end]], [[Notifications by their deadline, for the deadline monitor and dashboards.]])

Instance: DetectedIssue-avvikelsetyp
InstanceOf: SearchParameter
Usage: #definition
* insert LusSearchParameter(DetectedIssue-avvikelsetyp, avvikelsetyp, DetectedIssue, token, [[DetectedIssue.code]], [[Deviations by kind (lus-deviation-type).]])
