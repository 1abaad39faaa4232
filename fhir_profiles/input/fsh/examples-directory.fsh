// The parties of the example journey as routing-directory entries. The full Stockholm county
// directory ships separately; these are the units Tolvan's journey touches.

RuleSet: LusOrg(hsaid, partstyp, name)
* meta.profile = Canonical(LusOrganization)
* identifier[hsaid].system = $hsaid
* identifier[hsaid].value = "{hsaid}"
* type[partstyp] = LusPartyType#{partstyp}
* name = "{name}"
* active = true

Instance: region-stockholm
InstanceOf: LusOrganization
Title: "Region Stockholm"
Usage: #example
* insert LusOrg(SE2321000016-0001, region, [[Region Stockholm]])
* identifier[orgnr].system = $orgnr
* identifier[orgnr].value = "2321000016"

Instance: sodersjukhuset
InstanceOf: LusOrganization
Title: "Södersjukhuset"
Usage: #example
* insert LusOrg(SE2321000016-15CQ, region, [[Södersjukhuset AB]])
* partOf = Reference(region-stockholm)

Instance: sos-avd-51
InstanceOf: LusOrganization
Title: "Södersjukhuset avdelning 51"
Usage: #example
* insert LusOrg(SE2321000016-1A2B, vardavdelning, [[Södersjukhuset Medicinkliniken avdelning 51]])
* partOf = Reference(sodersjukhuset)
* telecom[0].system = #phone
* telecom[0].value = "+46 8 616 10 00"
* endpoint = Reference(endpoint-sos-avd-51)

Instance: vc-liljeholmen
InstanceOf: LusOrganization
Title: "Vårdcentralen Liljeholmen"
Usage: #example
* insert LusOrg(SE2321000016-7F3K, primarvard, [[Liljeholmens vårdcentral]])
* extension[kommunkod].valueCoding = $kommunkod#0180 "Stockholm"
* partOf = Reference(region-stockholm)
* endpoint = Reference(endpoint-vc-liljeholmen)

Instance: stockholms-stad
InstanceOf: LusOrganization
Title: "Stockholms stad"
Usage: #example
* insert LusOrg(SE2120001314-0001, kommun, [[Stockholms stad]])
* extension[kommunkod].valueCoding = $kommunkod#0180 "Stockholm"
* identifier[orgnr].system = $orgnr
* identifier[orgnr].value = "2120001314"

Instance: sdf-hagersten-alvsjo
InstanceOf: LusOrganization
Title: "Hägersten-Älvsjö stadsdelsförvaltning"
Usage: #example
* insert LusOrg(SE2120001314-SDF12, socialtjanst, [[Hägersten-Älvsjö stadsdelsförvaltning, beställarenheten äldreomsorg]])
* extension[kommunkod].valueCoding = $kommunkod#0180 "Stockholm"
* extension[stadsdel].valueCoding = StockholmStadsdel#hagersten-alvsjo "Hägersten-Älvsjö"
* extension[giltighetsperiod].valuePeriod.start = "2020-07-01"
* partOf = Reference(stockholms-stad)
* endpoint = Reference(endpoint-sdf-hagersten-alvsjo)

Instance: hemtjanst-aros
InstanceOf: LusOrganization
Title: "Aros Hemtjänst AB"
Usage: #example
* insert LusOrg(SE5590001234-HT01, hemtjanstutforare, [[Aros Hemtjänst AB]])
* extension[kommunkod].valueCoding = $kommunkod#0180 "Stockholm"
* identifier[orgnr].system = $orgnr
* identifier[orgnr].value = "5590001234"
* endpoint = Reference(endpoint-hemtjanst-aros)

Instance: tjanst-sdf-hagersten-alvsjo
InstanceOf: LusHealthcareService
Title: "Biståndshandläggning äldre, Hägersten-Älvsjö"
Usage: #example
* meta.profile = Canonical(LusHealthcareService)
* extension[kommunkod].valueCoding = $kommunkod#0180 "Stockholm"
* extension[stadsdel].valueCoding = StockholmStadsdel#hagersten-alvsjo "Hägersten-Älvsjö"
* extension[giltighetsperiod].valuePeriod.start = "2020-07-01"
* extension[helgkontaktvag].extension[telecom].valueContactPoint.system = #phone
* extension[helgkontaktvag].extension[telecom].valueContactPoint.value = "+46 8 508 18 000"
* extension[helgkontaktvag].extension[availableTime].extension[daysOfWeek][0].valueCode = #sat
* extension[helgkontaktvag].extension[availableTime].extension[daysOfWeek][1].valueCode = #sun
* extension[helgkontaktvag].extension[availableTime].extension[allDay].valueBoolean = true
* active = true
* providedBy = Reference(sdf-hagersten-alvsjo)
* name = "Biståndshandläggning äldreomsorg, utskrivningsplanering"
* availableTime[0].daysOfWeek[0] = #mon
* availableTime[0].daysOfWeek[1] = #tue
* availableTime[0].daysOfWeek[2] = #wed
* availableTime[0].daysOfWeek[3] = #thu
* availableTime[0].daysOfWeek[4] = #fri
* availableTime[0].availableStartTime = "08:00:00"
* availableTime[0].availableEndTime = "16:30:00"
* endpoint = Reference(endpoint-sdf-hagersten-alvsjo)

RuleSet: LusEndpointRules(org, address, connection)
* meta.profile = Canonical(LusEndpoint)
* status = #active
* connectionType = $endpoint-connection-type#{connection}
* managingOrganization = Reference({org})
* period.start = "2024-01-01"
* payloadMimeType = #application/fhir+json
* address = "{address}"

Instance: endpoint-sdf-hagersten-alvsjo
InstanceOf: LusEndpoint
Title: "Hägersten-Älvsjö: FHIR-meddelanden"
Usage: #example
* insert LusEndpointRules(sdf-hagersten-alvsjo, https://sdf12.stockholm.example.se/fhir, hl7-fhir-msg)
* payloadType = LusEvent#inskrivningsmeddelande
* payloadType[+] = LusEvent#fast-vardkontakt
* payloadType[+] = LusEvent#andrat-beraknat-utskrivningsdatum
* payloadType[+] = LusEvent#utskrivningsklar
* payloadType[+] = LusEvent#inte-langre-utskrivningsklar
* payloadType[+] = LusEvent#kallelse-sip
* payloadType[+] = LusEvent#informationsoverforing
* payloadType[+] = LusEvent#utskrivningsmeddelande
* payloadType[+] = LusEvent#makulering
* payloadType[+] = LusEvent#avvikelse

Instance: endpoint-vc-liljeholmen
InstanceOf: LusEndpoint
Title: "Vårdcentralen Liljeholmen: FHIR REST"
Usage: #example
* insert LusEndpointRules(vc-liljeholmen, https://vc-liljeholmen.example.se/fhir, hl7-fhir-rest)
* payloadType = LusEvent#inskrivningsmeddelande
* payloadType[+] = LusEvent#andrat-beraknat-utskrivningsdatum
* payloadType[+] = LusEvent#utskrivningsklar
* payloadType[+] = LusEvent#inte-langre-utskrivningsklar
* payloadType[+] = LusEvent#informationsoverforing
* payloadType[+] = LusEvent#utskrivningsmeddelande
* payloadType[+] = LusEvent#makulering
* payloadType[+] = LusEvent#avvikelse

Instance: endpoint-hemtjanst-aros
InstanceOf: LusEndpoint
Title: "Aros Hemtjänst: FHIR REST"
Usage: #example
* insert LusEndpointRules(hemtjanst-aros, https://aros-hemtjanst.example.se/fhir, hl7-fhir-rest)
* payloadType = LusEvent#andrat-beraknat-utskrivningsdatum
* payloadType[+] = LusEvent#utskrivningsklar
* payloadType[+] = LusEvent#inte-langre-utskrivningsklar
* payloadType[+] = LusEvent#informationsoverforing
* payloadType[+] = LusEvent#utskrivningsmeddelande
* payloadType[+] = LusEvent#makulering

Instance: endpoint-sos-avd-51
InstanceOf: LusEndpoint
Title: "Södersjukhuset avdelning 51: FHIR REST"
Usage: #example
* insert LusEndpointRules(sos-avd-51, https://sos.example.se/fhir, hl7-fhir-rest)
* payloadType = LusEvent#fast-vardkontakt
* payloadType[+] = LusEvent#kallelse-sip
* payloadType[+] = LusEvent#avvikelse
* payloadType[+] = LusEvent#makulering

Instance: fvk-liljeholmen
InstanceOf: LusPractitionerRole
Title: "Fast vårdkontakt, Vårdcentralen Liljeholmen"
Usage: #example
* meta.profile = Canonical(LusPractitionerRole)
* active = true
* organization = Reference(vc-liljeholmen)
* code = LusParticipantRole#fast-vardkontakt
* telecom[0].system = #phone
* telecom[0].value = "+46 8 123 456 00"
