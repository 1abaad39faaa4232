// Subscription topics, shipped as Basic resources carrying the R5 SubscriptionTopic content in
// cross-version extensions, as the Subscriptions R5 Backport IG does for R4 servers. Subscribers name
// a topic by its canonical URL in Subscription.criteria and filter with the canFilterBy parameters.

Alias: $topic = http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic

RuleSet: LusTopic(id, name, title, description)
* id = "{id}"
* extension[+].url = "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.url"
* extension[=].valueUri = "https://lus-fhir.se/fhir/SubscriptionTopic/{id}"
* extension[+].url = "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.version"
* extension[=].valueString = "0.1.0"
* extension[+].url = "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.name"
* extension[=].valueString = "{name}"
* extension[+].url = "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.title"
* extension[=].valueString = "{title}"
* extension[+].url = "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.status"
* extension[=].valueCode = #draft
* extension[+].url = "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.description"
* extension[=].valueMarkdown = "{description}"
* code = http://hl7.org/fhir/fhir-types#SubscriptionTopic

// A trigger on a resource type: the interactions that fire it and the FHIRPath the new version must
// satisfy (%current / %previous are the new and the previous version; %previous is empty on create).
RuleSet: LusTrigger(description, resource, fhirpath)
* extension[+].url = "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.resourceTrigger"
* extension[=].extension[+].url = "description"
* extension[=].extension[=].valueMarkdown = "{description}"
* extension[=].extension[+].url = "resource"
* extension[=].extension[=].valueUri = "http://hl7.org/fhir/StructureDefinition/{resource}"
* extension[=].extension[+].url = "supportedInteraction"
* extension[=].extension[=].valueCode = #create
* extension[=].extension[+].url = "supportedInteraction"
* extension[=].extension[=].valueCode = #update
* extension[=].extension[+].url = "fhirPathCriteria"
* extension[=].extension[=].valueString = "{fhirpath}"

RuleSet: LusFilter(resource, parameter, description)
* extension[+].url = "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.canFilterBy"
* extension[=].extension[+].url = "description"
* extension[=].extension[=].valueMarkdown = "{description}"
* extension[=].extension[+].url = "resource"
* extension[=].extension[=].valueUri = "http://hl7.org/fhir/StructureDefinition/{resource}"
* extension[=].extension[+].url = "filterParameter"
* extension[=].extension[=].valueString = "{parameter}"

RuleSet: LusShape(resource, include)
* extension[+].url = "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.notificationShape"
* extension[=].extension[+].url = "resource"
* extension[=].extension[=].valueUri = "http://hl7.org/fhir/StructureDefinition/{resource}"
* extension[=].extension[+].url = "include"
* extension[=].extension[=].valueString = "{include}"

RuleSet: LusTaskFilters
* insert LusFilter(Task, owner, [[The receiving organization (Organization/id).]])
* insert LusFilter(Task, requester, [[The sending organization (Organization/id).]])
* insert LusFilter(Task, patient, [[The patient (Patient/id).]])
* insert LusFilter(Task, code, [[The event code (lus-event system|code).]])

Instance: topic-inskrivning
InstanceOf: Basic
Usage: #definition
Title: "Topic: inskrivning"
* insert LusTopic(inskrivning, Inskrivning, [[Inskrivningsmeddelande skickat]], [[An admission notification was sent: a Task with code inskrivningsmeddelande was created.]])
* insert LusTrigger([[A new admission notification]], Task, [[%previous.empty() and %current.code.coding.where(system = 'https://lus-fhir.se/fhir/CodeSystem/lus-event' and code = 'inskrivningsmeddelande').exists()]])
* insert LusTaskFilters
* insert LusShape(Task, [[Task:patient]])

Instance: topic-utskrivningsklar
InstanceOf: Basic
Usage: #definition
Title: "Topic: utskrivningsklar"
* insert LusTopic(utskrivningsklar, Utskrivningsklar, [[Patient utskrivningsklar eller inte längre utskrivningsklar]], [[A ready-for-discharge notice or its withdrawal was sent.]])
* insert LusTrigger([[A new ready-for-discharge notice or withdrawal]], Task, [[%previous.empty() and %current.code.coding.where(system = 'https://lus-fhir.se/fhir/CodeSystem/lus-event' and (code = 'utskrivningsklar' or code = 'inte-langre-utskrivningsklar')).exists()]])
* insert LusTaskFilters
* insert LusShape(Task, [[Task:focus]])

Instance: topic-kallelse-sip
InstanceOf: Basic
Usage: #definition
Title: "Topic: kallelse-sip"
* insert LusTopic(kallelse-sip, KallelseSip, [[Kallelse till SIP skickad]], [[An invitation to a SIP meeting was sent or changed.]])
* insert LusTrigger([[A SIP invitation created or updated]], CommunicationRequest, [[%current.category.coding.where(system = 'https://lus-fhir.se/fhir/CodeSystem/lus-event' and code = 'kallelse-sip').exists()]])
* insert LusFilter(CommunicationRequest, recipient, [[An invitee (Organization/id, Patient/id ...).]])
* insert LusFilter(CommunicationRequest, patient, [[The patient (Patient/id).]])
* insert LusShape(CommunicationRequest, [[CommunicationRequest:subject]])

Instance: topic-utskrivning
InstanceOf: Basic
Usage: #definition
Title: "Topic: utskrivning"
* insert LusTopic(utskrivning, Utskrivning, [[Patient utskriven]], [[A discharge notification was sent: the patient has left hospital.]])
* insert LusTrigger([[A new discharge notification]], Task, [[%previous.empty() and %current.code.coding.where(system = 'https://lus-fhir.se/fhir/CodeSystem/lus-event' and code = 'utskrivningsmeddelande').exists()]])
* insert LusTaskFilters
* insert LusShape(Task, [[Task:patient]])

Instance: topic-task-status
InstanceOf: Basic
Usage: #definition
Title: "Topic: task-status"
* insert LusTopic(task-status, TaskStatus, [[Notifieringens status ändrad]], [[The status of a notification changed (received, accepted, rejected, completed, cancelled): the sender learns that its notification arrived and was acted on.]])
* insert LusTrigger([[A notification Task changed status]], Task, [[%previous.exists() and %previous.status != %current.status]])
* insert LusTaskFilters
* insert LusFilter(Task, status, [[The new status.]])
* insert LusShape(Task, [[Task:owner]])

Instance: topic-avvikelse
InstanceOf: Basic
Usage: #definition
Title: "Topic: avvikelse"
* insert LusTopic(avvikelse, Avvikelse, [[Avvikelse registrerad]], [[A deviation was reported by a party or raised by the service (missed deadline, failed delivery, unroutable notification).]])
* insert LusTrigger([[A new deviation]], DetectedIssue, [[%previous.empty()]])
* insert LusFilter(DetectedIssue, patient, [[The patient (Patient/id).]])
* insert LusFilter(DetectedIssue, code, [[The kind of deviation (lus-deviation-type system|code).]])
* insert LusShape(DetectedIssue, [[DetectedIssue:implicated]])
