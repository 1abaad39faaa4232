// Code systems of the LUS guide. Displays in Swedish (the words the parties use), definitions in English.
// Codes are lower-case kebab without å/ä/ö, as the naming plan (docs/implementation-guide.md) requires.

CodeSystem: LusEvent
Id: lus-event
Title: "LUS händelse"
Description: "The notifications of the discharge-coordination process (LUS). One code names each kind of notification, so that Task.code, MessageHeader.eventCoding, Endpoint.payloadType and subscription topic filters all speak of the same event."
* ^status = #draft
* ^experimental = false
* ^caseSensitive = true
* ^content = #complete
* #inskrivningsmeddelande "Inskrivningsmeddelande" "Admission notification: the ward tells social services, municipal health care and primary care that a patient who will need their help after discharge has been admitted (within 24 hours of admission)."
* #fast-vardkontakt "Fast vårdkontakt utsedd" "Named contact appointed: the primary care unit tells the other parties who the patient's named contact (fast vårdkontakt) is."
* #andrat-beraknat-utskrivningsdatum "Ändrat beräknat utskrivningsdatum" "Changed expected discharge date: the ward tells every receiver that the expected discharge date has changed."
* #utskrivningsklar "Underrättelse om utskrivningsklar" "Ready-for-discharge notice: the ward tells every receiver that the physician has judged the patient ready for discharge; the time it is sent starts the payment-responsibility clock."
* #inte-langre-utskrivningsklar "Inte längre utskrivningsklar" "No longer ready for discharge: the ward withdraws an earlier ready-for-discharge notice; a new notice follows when the patient is ready again."
* #kallelse-sip "Kallelse till SIP" "Invitation to a coordinated individual plan (SIP) meeting, sent by the named contact to the municipality, the ward, the patient and relatives (within 3 days of the ready-for-discharge notice)."
* #informationsoverforing "Informationsöverföring" "Information transfer: the information the receivers need to continue care after discharge (no later than the day of discharge)."
* #utskrivningsmeddelande "Utskrivningsmeddelande" "Discharge notification: the ward tells every receiver, including the home-care provider, that the patient has left hospital; every receiver must confirm receipt."
* #makulering "Makulering" "Cancellation of a notification sent in error, for example to the wrong unit."
* #avvikelse "Avvikelse" "Deviation report: a party, or the service itself, reports a failure of the cooperation."

CodeSystem: LusPartyType
Id: lus-party-type
Title: "LUS partstyp"
Description: "The kind of party an Organization is in the discharge process. Routing decides on it which units receive which notifications."
* ^status = #draft
* ^experimental = false
* ^caseSensitive = true
* ^content = #complete
* #vardavdelning "Vårdavdelning" "Hospital ward (inpatient care) that admits and discharges the patient and sends the notifications."
* #primarvard "Primärvård" "Primary care unit (vårdcentral) of the region's outpatient care; appoints the patient's named contact and calls the SIP meeting."
* #oppenpsykiatri "Öppenpsykiatri" "Outpatient psychiatry of the region; plays the primary care role for patients in psychiatric care."
* #socialtjanst "Socialtjänst" "Municipal social services (in Stockholm city: the district administration) that assess needs and decide on help at home."
* #kommunal-halso-och-sjukvard "Kommunal hälso- och sjukvård" "Municipally funded health care (in Stockholm county mostly nursing homes and LSS housing)."
* #hemtjanstutforare "Hemtjänstutförare" "Home-care provider chosen by the patient; often a private company contracted by the municipality, and a receiver of the discharge notification."
* #region "Region" "The region as a legal entity (principal of hospitals and primary care); parent of its units."
* #kommun "Kommun" "The municipality as a legal entity (principal of social services and municipal health care); parent of its units and payer of payment responsibility."

CodeSystem: LusCareType
Id: lus-care-type
Title: "LUS vårdform"
Description: "Care type (vårdform) of an inpatient stay. It decides the agreed free days before payment responsibility starts, and compulsory psychiatric care has its own rules."
* ^status = #draft
* ^experimental = false
* ^caseSensitive = true
* ^content = #complete
* #somatisk "Somatisk slutenvård" "Somatic inpatient care."
* #psykiatrisk "Psykiatrisk slutenvård" "Voluntary psychiatric inpatient care."
* #lpt "Psykiatrisk tvångsvård (LPT)" "Compulsory psychiatric care under the Compulsory Psychiatric Care Act (Lag (1991:1128) om psykiatrisk tvångsvård)."
* #lrv "Rättspsykiatrisk vård (LRV)" "Forensic psychiatric care under the Forensic Psychiatric Care Act (Lag (1991:1129) om rättspsykiatrisk vård)."

CodeSystem: LusParticipantRole
Id: lus-participant-role
Title: "LUS deltagarroll"
Description: "Roles of the people and units taking part in a patient's discharge planning and SIP, used by CareTeam.participant.role so that every party's responsibility is explicit."
* ^status = #draft
* ^experimental = false
* ^caseSensitive = true
* ^content = #complete
* #fast-vardkontakt "Fast vårdkontakt" "The patient's named contact in the region's outpatient care, responsible for calling the SIP meeting."
* #bistandshandlaggare "Biståndshandläggare" "Social services case officer who assesses the patient's needs and decides on municipal help."
* #hemtjanstutforare "Hemtjänstutförare" "The home-care provider that delivers home care after discharge."
* #ansvarig-avdelning "Ansvarig vårdavdelning" "The hospital ward responsible for the inpatient stay."
* #kommunal-sjukskoterska "Kommunal sjuksköterska" "Registered nurse of the municipal health care."
* #patient "Patient" "The patient, who takes part in the planning of his or her own care."
* #narstaende "Närstående" "A relative or other close person who takes part in the planning with the patient's consent."

CodeSystem: LusDeviationType
Id: lus-deviation-type
Title: "LUS avvikelsetyp"
Description: "Kinds of deviation (avvikelse) in the cooperation at discharge. Audits found no shared deviation reporting; these codes let parties and the service itself report failures in one vocabulary. Some are raised automatically by the service."
* ^status = #draft
* ^experimental = false
* ^caseSensitive = true
* ^content = #complete
* #sent-inskrivningsmeddelande "Sent inskrivningsmeddelande" "The admission notification was sent more than 24 hours after admission (or after the assessment that help will be needed). Raised automatically."
* #sen-kallelse-sip "Sen kallelse till SIP" "No SIP invitation was sent within 3 days of the ready-for-discharge notice although both region and municipality will provide services. Raised automatically."
* #sen-informationsoverforing "Sen informationsöverföring" "The information transfer was not sent by the day of discharge. Raised automatically."
* #ej-kvitterad "Ej kvitterad" "A receiver did not confirm receipt of a notification within the expected time. Raised automatically."
* #leverans-misslyckad "Leverans misslyckad" "The service could not deliver a notification to the receiver's endpoint after its retries. Raised automatically."
* #ej-routbar "Ej routbar" "The service found no receiving unit for a notification (for example no directory entry for the patient's municipality or district). Raised automatically."
* #felsant-meddelande "Felsänt meddelande" "A notification was sent to the wrong unit or about the wrong patient."
* #otillaten-ordning "Otillåten ordning" "A notification arrived in an order the process does not allow, for example a discharge notification without an admission notification."
* #samverkansbrist "Samverkansbrist" "Any other failure of the cooperation between region and municipality reported by a party."

CodeSystem: LusConsentType
Id: lus-consent-type
Title: "LUS samtyckestyp"
Description: "What the patient consented to in the discharge process. Information may only be shared, and a SIP drawn up, with the patient's consent (or after a secrecy assessment)."
* ^status = #draft
* ^experimental = false
* ^caseSensitive = true
* ^content = #complete
* #informationsdelning "Samtycke till informationsdelning" "Consent to sharing information between the region and the municipality for the planning of discharge."
* #sip "Samtycke till SIP" "Consent to a coordinated individual plan (SIP) being drawn up."

CodeSystem: LusSipParticipation
Id: lus-sip-participation
Title: "LUS delaktighet i SIP"
Description: "Who took part in a SIP meeting besides the professionals. Audits found patients and relatives left out of the planning; the region reports their participation as a process indicator."
* ^status = #draft
* ^experimental = false
* ^caseSensitive = true
* ^content = #complete
* #patient "Patienten deltog" "The patient took part in the SIP meeting."
* #narstaende "Närstående deltog" "One or more relatives took part in the SIP meeting."
* #ingen "Varken patient eller närstående deltog" "Neither the patient nor any relative took part in the SIP meeting."

CodeSystem: StockholmStadsdel
Id: stockholm-stadsdel
Title: "Stockholms stadsdelsförvaltningar"
Description: "District administrations (stadsdelsförvaltningar) of Stockholm city (kommunkod 0180), which are the receiving social services in the city. The districts were reorganised, so every concept carries its validity: 13 districts from 2020-07-01 to 2023-06-30 and 11 since 2023-07-01."
* ^status = #draft
* ^experimental = false
* ^caseSensitive = true
* ^content = #complete
* ^property[0].code = #effective-from
* ^property[0].description = "First day the district administration exists (inclusive)."
* ^property[0].type = #dateTime
* ^property[1].code = #effective-to
* ^property[1].description = "Last day the district administration existed (inclusive); absent while it still exists."
* ^property[1].type = #dateTime
* ^property[2].code = #inactive
* ^property[2].uri = "http://hl7.org/fhir/concept-properties#inactive"
* ^property[2].description = "True when the district administration no longer exists; kept for historical data."
* ^property[2].type = #boolean
* #jarva "Järva" "Järva district administration, formed on 2023-07-01 from Rinkeby-Kista and Spånga-Tensta."
* #jarva ^property[0].code = #effective-from
* #jarva ^property[0].valueDateTime = "2023-07-01"
* #hasselby-vallingby "Hässelby-Vällingby" "Hässelby-Vällingby district administration."
* #hasselby-vallingby ^property[0].code = #effective-from
* #hasselby-vallingby ^property[0].valueDateTime = "2020-07-01"
* #bromma "Bromma" "Bromma district administration."
* #bromma ^property[0].code = #effective-from
* #bromma ^property[0].valueDateTime = "2020-07-01"
* #kungsholmen "Kungsholmen" "Kungsholmen district administration."
* #kungsholmen ^property[0].code = #effective-from
* #kungsholmen ^property[0].valueDateTime = "2020-07-01"
* #norra-innerstaden "Norra innerstaden" "Norra innerstaden district administration, formed on 2023-07-01 from Norrmalm and Östermalm."
* #norra-innerstaden ^property[0].code = #effective-from
* #norra-innerstaden ^property[0].valueDateTime = "2023-07-01"
* #sodermalm "Södermalm" "Södermalm district administration."
* #sodermalm ^property[0].code = #effective-from
* #sodermalm ^property[0].valueDateTime = "2020-07-01"
* #enskede-arsta-vantor "Enskede-Årsta-Vantör" "Enskede-Årsta-Vantör district administration."
* #enskede-arsta-vantor ^property[0].code = #effective-from
* #enskede-arsta-vantor ^property[0].valueDateTime = "2020-07-01"
* #skarpnack "Skarpnäck" "Skarpnäck district administration."
* #skarpnack ^property[0].code = #effective-from
* #skarpnack ^property[0].valueDateTime = "2020-07-01"
* #farsta "Farsta" "Farsta district administration."
* #farsta ^property[0].code = #effective-from
* #farsta ^property[0].valueDateTime = "2020-07-01"
* #hagersten-alvsjo "Hägersten-Älvsjö" "Hägersten-Älvsjö district administration."
* #hagersten-alvsjo ^property[0].code = #effective-from
* #hagersten-alvsjo ^property[0].valueDateTime = "2020-07-01"
* #skarholmen "Skärholmen" "Skärholmen district administration."
* #skarholmen ^property[0].code = #effective-from
* #skarholmen ^property[0].valueDateTime = "2020-07-01"
* #rinkeby-kista "Rinkeby-Kista" "Rinkeby-Kista district administration, merged into Järva on 2023-07-01."
* #rinkeby-kista ^property[0].code = #effective-from
* #rinkeby-kista ^property[0].valueDateTime = "2020-07-01"
* #rinkeby-kista ^property[1].code = #effective-to
* #rinkeby-kista ^property[1].valueDateTime = "2023-06-30"
* #rinkeby-kista ^property[2].code = #inactive
* #rinkeby-kista ^property[2].valueBoolean = true
* #spanga-tensta "Spånga-Tensta" "Spånga-Tensta district administration, merged into Järva on 2023-07-01."
* #spanga-tensta ^property[0].code = #effective-from
* #spanga-tensta ^property[0].valueDateTime = "2020-07-01"
* #spanga-tensta ^property[1].code = #effective-to
* #spanga-tensta ^property[1].valueDateTime = "2023-06-30"
* #spanga-tensta ^property[2].code = #inactive
* #spanga-tensta ^property[2].valueBoolean = true
* #norrmalm "Norrmalm" "Norrmalm district administration, merged into Norra innerstaden on 2023-07-01."
* #norrmalm ^property[0].code = #effective-from
* #norrmalm ^property[0].valueDateTime = "2020-07-01"
* #norrmalm ^property[1].code = #effective-to
* #norrmalm ^property[1].valueDateTime = "2023-06-30"
* #norrmalm ^property[2].code = #inactive
* #norrmalm ^property[2].valueBoolean = true
* #ostermalm "Östermalm" "Östermalm district administration, merged into Norra innerstaden on 2023-07-01."
* #ostermalm ^property[0].code = #effective-from
* #ostermalm ^property[0].valueDateTime = "2020-07-01"
* #ostermalm ^property[1].code = #effective-to
* #ostermalm ^property[1].valueDateTime = "2023-06-30"
* #ostermalm ^property[2].code = #inactive
* #ostermalm ^property[2].valueBoolean = true

CodeSystem: Kommunkod
Id: kommunkod
Title: "Kommunkod (SCB)"
Description: "Statistics Sweden's (SCB) four-digit municipality codes. The guide ships only the 26 municipalities of Stockholm county (content fragment) so that examples and routing rules can be validated offline; the code system itself is SCB's and is identified by its OID."
* ^url = "urn:oid:1.2.752.129.2.2.1.17"
* ^status = #active
* ^experimental = false
* ^caseSensitive = true
* ^content = #fragment
* ^publisher = "Statistiska centralbyrån (SCB)"
* #0114 "Upplands Väsby"
* #0115 "Vallentuna"
* #0117 "Österåker"
* #0120 "Värmdö"
* #0123 "Järfälla"
* #0125 "Ekerö"
* #0126 "Huddinge"
* #0127 "Botkyrka"
* #0128 "Salem"
* #0136 "Haninge"
* #0138 "Tyresö"
* #0139 "Upplands-Bro"
* #0140 "Nykvarn"
* #0160 "Täby"
* #0162 "Danderyd"
* #0163 "Sollentuna"
* #0180 "Stockholm"
* #0181 "Södertälje"
* #0182 "Nacka"
* #0183 "Sundbyberg"
* #0184 "Solna"
* #0186 "Lidingö"
* #0187 "Vaxholm"
* #0188 "Norrtälje"
* #0191 "Sigtuna"
* #0192 "Nynäshamn"

CodeSystem: LusValidationIssue
Id: lus-validation-issue
Title: "LUS valideringsfel"
Description: "Stable issue codes of the LUS validator. Every OperationOutcome issue carries one of them in issue.details.coding besides the FHIR issue.code, so that clients and conformance tests can recognise a failure without parsing message text. A failed invariant is also reported with a child code `invariant.{key}`; the guide's own invariants are listed, those of the R4 core (e.g. invariant.dom-3) follow the same pattern."
* ^status = #draft
* ^experimental = false
* ^caseSensitive = true
* ^content = #complete
* ^hierarchyMeaning = #is-a
* #structure.json "Ogiltig JSON" "The body is not JSON, or the JSON is not an object (FHIR issue.code structure)."
* #structure.resource-type "Saknad eller okänd resurstyp" "resourceType is missing or does not name a FHIR R4 resource type (FHIR issue.code structure)."
* #structure.unknown-element "Okänt element" "The resource holds an element that is not defined for its type (FHIR issue.code structure)."
* #structure.json-type "Fel JSON-typ" "An element has the wrong JSON type, e.g. a single value where an array is required, or an object where a primitive is required (FHIR issue.code structure)."
* #structure.primitive-format "Felaktigt format på värde" "A primitive value does not match the regular expression or format of its FHIR type (FHIR issue.code value)."
* #structure.empty "Tomt värde" "An object, array or string is empty, which FHIR forbids (FHIR issue.code structure)."
* #cardinality.min "För få förekomster" "An element occurs fewer times than its minimum cardinality (FHIR issue.code required)."
* #cardinality.max "För många förekomster" "An element occurs more times than its maximum cardinality (FHIR issue.code structure)."
* #type.not-allowed "Otillåten datatyp" "A choice type or data type is used that the profile does not allow (FHIR issue.code structure)."
* #reference.target "Otillåtet referensmål" "A reference points to a resource type or profile that the element does not allow (FHIR issue.code structure)."
* #reference.unresolved "Olöst referens" "A reference inside a Bundle does not resolve to an entry where it must (FHIR issue.code not-found)."
* #fixed.mismatch "Avviker från fast värde" "A value differs from the fixed value the profile requires (FHIR issue.code value)."
* #pattern.mismatch "Avviker från mönster" "A value does not contain the pattern the profile requires (FHIR issue.code value)."
* #binding.required "Kod utanför obligatorisk värdemängd" "A code is not in the value set of a required binding (FHIR issue.code code-invalid)."
* #binding.extensible "Kod utanför utökningsbar värdemängd" "A code is not in the value set of an extensible binding; reported as a warning (FHIR issue.code code-invalid)."
* #binding.unknown-code "Okänd kod" "A code is not defined in a code system the project ships (FHIR issue.code code-invalid)."
* #slicing.no-match "Matchar ingen slice" "An element matches no slice of a closed slicing (FHIR issue.code structure)."
* #slicing.order "Fel ordning på slices" "The elements of an ordered slicing are out of order (FHIR issue.code structure)."
* #extension.unknown "Okänd extension" "An extension URL is not known to the validator (FHIR issue.code structure)."
* #extension.context "Extension i fel sammanhang" "An extension is used on an element its context does not allow (FHIR issue.code structure)."
* #invariant "Regel bruten" "A constraint (invariant) failed (FHIR issue.code invariant). The issue also carries the child code invariant.{key} naming the constraint."
  * #invariant.lus-pnr-1 "Ogiltigt personnummer" "lus-pnr-1 failed: a personnummer must be 12 digits with a valid Luhn check digit over the last 10."
  * #invariant.lus-snr-1 "Ogiltigt samordningsnummer" "lus-snr-1 failed: a samordningsnummer must be 12 digits, day of birth plus 60 (61-91), with a valid Luhn check digit over the last 10."
  * #invariant.lus-pat-2 "Adress för skyddad person" "lus-pat-2 failed: a patient with protected identity (meta.security R) carries an address beyond the municipality code and district."
  * #invariant.lus-hsa-1 "Ogiltigt HSA-id" "lus-hsa-1 failed: an HSA-id must be SE, a 10-digit organisation number, a hyphen and a local part."
  * #invariant.lus-orgnr-1 "Ogiltigt organisationsnummer" "lus-orgnr-1 failed: an organisation number must be 10 digits."
  * #invariant.lus-res-1 "Ogiltigt reservnummer" "lus-res-1 failed: a reserve number is 1 to 20 letters and digits."
  * #invariant.lus-endp-1 "Ogiltig mottagaradress" "lus-endp-1 failed: an endpoint address must be an absolute http or https URL."
  * #invariant.lus-helg-1 "Ofullständig helgkontaktväg" "lus-helg-1 failed: a weekend contact path names a telephone/e-mail contact or an endpoint."
  * #invariant.lus-task-1 "Kvittens saknas" "lus-task-1 failed: a received, accepted, rejected or completed notification must record the receiver's receipt."
  * #invariant.lus-task-2 "Orsak saknas" "lus-task-2 failed: a rejected or cancelled notification must state why (statusReason)."
* #bundle.fullurl "Felaktig fullUrl" "A Bundle entry's fullUrl is missing or inconsistent with the resource id (FHIR issue.code structure)."
* #bundle.message "Felaktigt meddelande" "A message Bundle breaks the messaging rules: MessageHeader first, its focus present in the Bundle (FHIR issue.code structure)."
* #bundle.request "Felaktig transaktionspost" "A transaction or batch entry breaks the request rules (FHIR issue.code structure)."
* #profile.unknown "Okänd profil" "A profile declared in meta.profile is not known to the validator (FHIR issue.code not-supported)."
* #narrative.xhtml "Otillåten berättande text" "Narrative XHTML that is not well-formed, not in the XHTML namespace, uses elements or attributes FHIR does not allow, holds active content or has no text (FHIR issue.code value)."
* #narrative.link "Olöst länk i berättande text" "A link href=\"#x\" in the narrative names no id in the resource (FHIR issue.code value)."
* #id.duplicate "Dubblerat id" "Two elements of one resource, or two contained resources, have the same id (FHIR issue.code value)."
* #attachment.data "Felaktig bilaga" "An Attachment's data is not valid base64, or its size or SHA-1 hash does not match the data (FHIR issue.code value)."
* #quantity.ucum "Ogiltig UCUM-enhet" "A Quantity with system UCUM has a code that is not a valid UCUM unit (FHIR issue.code code-invalid)."
* #questionnaire.item "Svar stämmer inte med formuläret" "A QuestionnaireResponse item does not match its Questionnaire: unknown linkId, order, answer type, answer count, text (FHIR issue.code structure)."
* #questionnaire.enable-when "Felaktigt villkor i formulär" "A Questionnaire enableWhen names no item, the item itself, or one of its inner items (FHIR issue.code structure)."
* #definition.invalid "Inkonsekvent definition" "A conformance resource contradicts itself or its base: SearchParameter expression or components, StructureDefinition kind (FHIR issue.code invalid)."
* #canonical.relative "Relativ kanonisk URL" "A canonical URL is neither absolute nor a #fragment; reported as a warning (FHIR issue.code value)."
