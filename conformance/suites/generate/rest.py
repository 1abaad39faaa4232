"""The `rest` suite: the FHIR RESTful API for the guide's resources."""

from conformance.suites.generate import journey
from conformance.suites.generate.blocks import (
    EXAMPLES,
    KOMMUN_SYSTEM,
    MATCHES,
    PNR_SYSTEM,
    RETURN_REPRESENTATION,
    Json,
    all_match,
    check,
    fixture,
    guide_resource,
    has_match,
    header,
    is_true,
    no_match,
    ok,
    only_match,
    operation,
    profile,
    script,
    template,
    test,
    variable,
)

PATIENT_PROFILE = "https://lus-fhir.se/fhir/StructureDefinition/lus-patient"
HSA_SYSTEM = "urn:oid:1.2.752.29.4.19"
CLIENT_HSA = "SE2321000016-LUSC1"
UNMATCHED_HSA = "SE2321000016-LUSC2"
HEMTJANST_TASK = "tolvan-utskrivningsmeddelande-hemtjanst"
GUIDE_TYPES = (
    "Patient",
    "Encounter",
    "Task",
    "Organization",
    "CommunicationRequest",
    "DetectedIssue",
)


def fixture_files() -> dict[str, Json]:
    patient = guide_resource("Patient-tolvan.json")
    region = guide_resource("Organization-region-stockholm.json")

    def organization(name: str, hsa_id: str, id_variable: str | None) -> Json:
        identifier = [{"system": HSA_SYSTEM, "value": hsa_id}]
        return template(region, id_variable, name=name, identifier=identifier)

    return {
        "patient-tolvan-updated.json": template(
            patient, "patientId", telecom=[{"system": "phone", "value": "+46 70 121 21 99"}]
        ),
        "organization-v1.json": organization("LUS konformitet v1", CLIENT_HSA, "clientId"),
        "organization-v2.json": organization("LUS konformitet v2", CLIENT_HSA, "clientId"),
        "organization-conditional.json": organization("LUS konformitet villkor", CLIENT_HSA, None),
        "organization-unmatched.json": organization("LUS konformitet ny", UNMATCHED_HSA, None),
    }


def capabilities() -> Json:
    per_type = [
        is_true(
            f"{kind}: read, create, update, search-type",
            f"CapabilityStatement.rest.where(mode = 'server').resource.where(type = '{kind}')"
            ".interaction.code.supersetOf('read' | 'create' | 'update' | 'search-type')",
        )
        for kind in GUIDE_TYPES
    ]
    return script(
        "rest-01-capabilities",
        "REST capabilities",
        "The server describes itself: an R4 CapabilityStatement in JSON that lists the guide's "
        "resource types (FHIR RESTful API, capabilities interaction).",
        [
            test(
                "REST-META-1",
                "metadata",
                "GET [base]/metadata answers 200 with a FHIR JSON CapabilityStatement for FHIR "
                "4.0.1 with a server REST mode that supports JSON.",
                [
                    operation("capabilities"),
                    ok(),
                    check("FHIR JSON content type", contentType="json"),
                    check("a CapabilityStatement", resource="CapabilityStatement"),
                    check(
                        "FHIR version 4.0.1",
                        expression="CapabilityStatement.fhirVersion",
                        value="4.0.1",
                    ),
                    is_true(
                        "JSON is a supported format",
                        "CapabilityStatement.format.where($this = 'json' or "
                        "$this = 'application/fhir+json').exists()",
                    ),
                    is_true(
                        "a server REST mode",
                        "CapabilityStatement.rest.where(mode = 'server').exists()",
                    ),
                ],
            ),
            test(
                "REST-META-2",
                "guide resource types",
                "The CapabilityStatement declares read, create, update and search-type for every "
                "resource type the guide profiles for the discharge process.",
                [operation("capabilities"), ok(), *per_type],
            ),
        ],
    )


def patient_lifecycle() -> Json:
    tel = "Patient.telecom.where(system = 'phone').value"
    return script(
        "rest-02-patient-lifecycle",
        "REST patient life cycle",
        "Create, read, vread, update, history and delete of a LUS patient (FHIR RESTful API).",
        [
            test(
                "REST-CREATE-1",
                "create",
                "POST [base]/Patient answers 201 with Location and ETag; the stored patient "
                "keeps what was sent and conforms to lus-patient.",
                [
                    operation(
                        "create",
                        resource="Patient",
                        sourceId="patient",
                        responseId="created",
                        requestHeader=RETURN_REPRESENTATION,
                    ),
                    check("201 Created", response="created"),
                    check(
                        "Location names the new patient",
                        headerField="Location",
                        operator="contains",
                        value="Patient/",
                    ),
                    check("ETag header", headerField="ETag", operator="notEmpty"),
                    check("a Patient", resource="Patient"),
                    check("nothing sent was lost", minimumId="patient"),
                    check("conforms to lus-patient", validateProfileId="lus-patient"),
                ],
            ),
            test(
                "REST-READ-1",
                "read",
                "GET [base]/Patient/[id] answers 200 with the patient, server-set meta.versionId "
                'and meta.lastUpdated, and an ETag W/"[versionId]".',
                [
                    operation("read", resource="Patient", targetId="created", responseId="read"),
                    ok(),
                    check("FHIR JSON content type", contentType="json"),
                    check("same id", expression="Patient.id", value="${patientId}"),
                    is_true("versionId set", "Patient.meta.versionId.exists()"),
                    is_true("lastUpdated set", "Patient.meta.lastUpdated.exists()"),
                    check(
                        "ETag is the weak version",
                        headerField="ETag",
                        value='W/"${readVersion}"',
                    ),
                    check(
                        "personnummer kept",
                        compareToSourceId="patient",
                        compareToSourceExpression=f"Patient.identifier.where(system = "
                        f"'{PNR_SYSTEM}').value",
                        expression=f"Patient.identifier.where(system = '{PNR_SYSTEM}').value",
                    ),
                ],
            ),
            test(
                "REST-UPDATE-1",
                "update",
                "PUT [base]/Patient/[id] with a changed phone number answers 200 and creates a "
                "new version holding the change.",
                [
                    operation(
                        "update",
                        resource="Patient",
                        targetId="created",
                        sourceId="patient-updated",
                        responseId="updated",
                        requestHeader=RETURN_REPRESENTATION,
                    ),
                    ok(),
                    operation("read", resource="Patient", targetId="created", responseId="read2"),
                    ok(),
                    check(
                        "a new version",
                        compareToSourceId="created",
                        compareToSourceExpression="Patient.meta.versionId",
                        expression="Patient.meta.versionId",
                        operator="notEquals",
                    ),
                    check("the new phone number", expression=tel, value="+46 70 121 21 99"),
                ],
            ),
            test(
                "REST-VREAD-1",
                "vread",
                "GET [base]/Patient/[id]/_history/[first version] still answers the first "
                "version after the update.",
                [
                    operation("vread", resource="Patient", targetId="created"),
                    ok(),
                    check(
                        "the first version",
                        compareToSourceId="created",
                        compareToSourceExpression="Patient.meta.versionId",
                        expression="Patient.meta.versionId",
                    ),
                    check(
                        "the first phone number",
                        compareToSourceId="patient",
                        compareToSourceExpression=tel,
                        expression=tel,
                    ),
                ],
            ),
            test(
                "REST-HISTORY-1",
                "history",
                "GET [base]/Patient/[id]/_history answers a history Bundle with both versions, "
                "newest first.",
                [
                    operation("history", resource="Patient", targetId="created"),
                    ok(),
                    check("a Bundle", resource="Bundle"),
                    check("type history", expression="Bundle.type", value="history"),
                    check("two versions", expression="Bundle.entry.count()", value="2"),
                    check(
                        "newest first",
                        compareToSourceId="read2",
                        compareToSourceExpression="Patient.meta.versionId",
                        expression="Bundle.entry.first().resource.meta.versionId",
                    ),
                ],
            ),
            test(
                "REST-DELETE-1",
                "delete",
                "DELETE [base]/Patient/[id] answers 200 or 204; a later read answers 410 Gone.",
                [
                    operation("delete", resource="Patient", targetId="created"),
                    check("200 or 204", responseCode="200,204", operator="in"),
                    operation("read", resource="Patient", targetId="created"),
                    check("410 Gone", response="gone"),
                ],
            ),
        ],
        fixtures=[
            *journey.fixtures(),
            fixture("patient", f"{EXAMPLES}/Patient-tolvan.json"),
            fixture("patient-updated", "fixtures/patient-tolvan-updated.json"),
        ],
        profiles=[profile(PATIENT_PROFILE)],
        variables=[
            variable("patientId", expression="Patient.id", sourceId="created"),
            variable("readVersion", expression="Patient.meta.versionId", sourceId="read"),
        ],
        setup=journey.setup(),
    )


def versioning() -> Json:
    hsa = f"{HSA_SYSTEM}|{CLIENT_HSA}"
    name = "Organization.name"
    return script(
        "rest-03-versioning",
        "Client ids, preconditions and conditional create",
        "Update-as-create with a client-assigned id, If-Match version preconditions and "
        "conditional create (If-None-Exist) on a directory Organization.",
        [
            test(
                "REST-UPDATE-2",
                "update as create",
                "PUT [base]/Organization/[client id] for an id the server does not hold (or holds "
                "deleted) answers 201 and creates the resource under that id.",
                [
                    operation(
                        "update",
                        url="Organization/${clientId}",
                        sourceId="org-v1",
                        responseId="uac",
                        requestHeader=RETURN_REPRESENTATION,
                    ),
                    check("201 Created", response="created"),
                    check("ETag header", headerField="ETag", operator="notEmpty"),
                    operation("read", url="Organization/${clientId}"),
                    ok(),
                    check("the client's id", expression="Organization.id", value="${clientId}"),
                    check("version 1 content", expression=name, value="LUS konformitet v1"),
                ],
            ),
            test(
                "REST-IFMATCH-1",
                "If-Match current version",
                "PUT with If-Match naming the current version (its ETag) answers 200.",
                [
                    operation(
                        "update",
                        url="Organization/${clientId}",
                        sourceId="org-v2",
                        requestHeader=[header("If-Match", "${etag1}")],
                    ),
                    ok(),
                    operation("read", url="Organization/${clientId}"),
                    check("version 2 content", expression=name, value="LUS konformitet v2"),
                ],
            ),
            test(
                "REST-IFMATCH-2",
                "If-Match stale version",
                "PUT with If-Match naming an older version answers 412 Precondition Failed and "
                "changes nothing.",
                [
                    operation(
                        "update",
                        url="Organization/${clientId}",
                        sourceId="org-v1",
                        requestHeader=[header("If-Match", "${etag1}")],
                    ),
                    check("412 Precondition Failed", response="preconditionFailed"),
                    operation("read", url="Organization/${clientId}"),
                    check("still version 2 content", expression=name, value="LUS konformitet v2"),
                ],
            ),
            test(
                "REST-CONDCREATE-1",
                "conditional create, match",
                "POST [base]/Organization with If-None-Exist matching one stored organization "
                "answers 200 and creates nothing.",
                [
                    operation(
                        "create",
                        resource="Organization",
                        sourceId="org-conditional",
                        requestHeader=[header("If-None-Exist", f"identifier={hsa}")],
                    ),
                    ok(),
                    operation("search", resource="Organization", params=f"?identifier={hsa}"),
                    ok(),
                    only_match("still exactly the one organization", "${clientId}"),
                ],
            ),
            test(
                "REST-CONDCREATE-2",
                "conditional create, no match",
                "POST [base]/Organization with If-None-Exist matching nothing answers 201 and "
                "creates the organization.",
                [
                    operation(
                        "create",
                        resource="Organization",
                        sourceId="org-unmatched",
                        responseId="condcreated",
                        requestHeader=[
                            header("If-None-Exist", f"identifier={HSA_SYSTEM}|{UNMATCHED_HSA}"),
                            *RETURN_REPRESENTATION,
                        ],
                    ),
                    check("201 Created", response="created"),
                    check("an Organization", resource="Organization"),
                ],
            ),
        ],
        fixtures=[
            fixture("org-v1", "fixtures/organization-v1.json"),
            fixture("org-v2", "fixtures/organization-v2.json"),
            fixture("org-conditional", "fixtures/organization-conditional.json"),
            fixture("org-unmatched", "fixtures/organization-unmatched.json"),
        ],
        variables=[
            variable("clientId", defaultValue="lus-conformance-rest-03"),
            variable("etag1", headerField="ETag", sourceId="uac"),
        ],
        setup=[
            operation(
                "delete",
                label="remove a previous run's organization",
                url="Organization/${clientId}",
            ),
            operation(
                "delete",
                label="remove a previous run's conditional organization",
                resource="Organization",
                params=f"?identifier={HSA_SYSTEM}|{UNMATCHED_HSA}",
            ),
        ],
        teardown=[
            operation("delete", url="Organization/${clientId}"),
            operation("delete", resource="Organization", targetId="condcreated"),
        ],
    )


def search() -> Json:
    pnr = f"{PNR_SYSTEM}|191212121212"
    kommun = f"{KOMMUN_SYSTEM}|0180"
    has_pnr = f"identifier.where(system = '{PNR_SYSTEM}' and value = '191212121212').exists()"
    has_kommun = (
        "address.extension.where(url = 'https://lus-fhir.se/fhir/StructureDefinition/"
        f"lus-kommunkod').valueCoding.where(system = '{KOMMUN_SYSTEM}' and code = '0180').exists()"
    )
    task = f"_id={HEMTJANST_TASK}"
    return script(
        "rest-04-search",
        "REST search",
        "Search on the guide's resources: identifier, patient, Task owner and status, the "
        "guide's kommun parameter, paging with _count, _include and _revinclude. The journey's "
        "resources are stored first with their example ids; checks hold on a server with more "
        "data (every match is checked, and filters are checked to exclude as well as include).",
        [
            test(
                "REST-SEARCH-IDENTIFIER-1",
                "identifier",
                "GET [base]/Patient?identifier=[personnummer system]|[value] finds the patient; "
                "every match has that identifier, and another value does not match.",
                [
                    operation("search", resource="Patient", params=f"?identifier={pnr}"),
                    ok(),
                    check("a searchset", expression="Bundle.type", value="searchset"),
                    has_match("finds Patient/tolvan", "tolvan"),
                    all_match("every match has the personnummer", has_pnr),
                    operation(
                        "search", resource="Patient", params="?identifier=191212121212&_id=tolvan"
                    ),
                    ok(),
                    only_match("value without system matches", "tolvan"),
                    operation(
                        "search",
                        resource="Patient",
                        params=f"?identifier={PNR_SYSTEM}|198112289874&_id=tolvan",
                    ),
                    ok(),
                    no_match("another personnummer does not match"),
                ],
            ),
            test(
                "REST-SEARCH-PATIENT-1",
                "patient",
                "GET [base]/Encounter?patient=Patient/tolvan and [base]/Task?patient=... find the "
                "patient's stay and notifications and nothing of another patient.",
                [
                    operation("search", resource="Encounter", params="?patient=Patient/tolvan"),
                    ok(),
                    has_match("finds the stay", "tolvan-vardtillfalle"),
                    all_match(
                        "every match is the patient's", "subject.reference = 'Patient/tolvan'"
                    ),
                    operation("search", resource="Task", params=f"?patient=Patient/tolvan&{task}"),
                    ok(),
                    only_match("finds the notification", HEMTJANST_TASK),
                    operation(
                        "search",
                        resource="Task",
                        params=f"?patient=Patient/samordningsnummer-patient&{task}",
                    ),
                    ok(),
                    no_match("another patient does not match"),
                ],
            ),
            test(
                "REST-SEARCH-TASK-1",
                "Task owner and status",
                "GET [base]/Task?owner=Organization/hemtjanst-aros&status=requested finds the "
                "receiver's open notifications; every match has that owner and status, and "
                "another owner or status does not match.",
                [
                    operation(
                        "search",
                        resource="Task",
                        params="?owner=Organization/hemtjanst-aros&status=requested",
                    ),
                    ok(),
                    has_match("finds the notification", HEMTJANST_TASK),
                    all_match(
                        "every match is owned by hemtjanst-aros and requested",
                        "owner.reference = 'Organization/hemtjanst-aros' and status = 'requested'",
                    ),
                    operation(
                        "search",
                        resource="Task",
                        params=f"?owner=Organization/sdf-hagersten-alvsjo&{task}",
                    ),
                    ok(),
                    no_match("another owner does not match"),
                    operation("search", resource="Task", params=f"?status=completed&{task}"),
                    ok(),
                    no_match("another status does not match"),
                ],
            ),
            test(
                "REST-SEARCH-KOMMUN-1",
                "Patient kommun",
                "GET [base]/Patient?kommun=[kommunkod system]|0180 (the guide's SearchParameter "
                "Patient-kommun) finds the patient living in Stockholm; every match lives there "
                "and another municipality does not match.",
                [
                    operation("search", resource="Patient", params=f"?kommun={kommun}"),
                    ok(),
                    has_match("finds Patient/tolvan", "tolvan"),
                    all_match("every match lives in 0180", has_kommun),
                    operation("search", resource="Patient", params="?kommun=0180&_id=tolvan"),
                    ok(),
                    only_match("code without system matches", "tolvan"),
                    operation(
                        "search",
                        resource="Patient",
                        params=f"?kommun={KOMMUN_SYSTEM}|0181&_id=tolvan",
                    ),
                    ok(),
                    no_match("another municipality does not match"),
                ],
            ),
            test(
                "REST-SEARCH-PAGING-1",
                "paging with _count",
                "GET [base]/Task?patient=Patient/tolvan&_count=1 answers one match per page with "
                "a next link; following it answers the next, different match.",
                [
                    operation(
                        "search",
                        resource="Task",
                        params="?patient=Patient/tolvan&_count=1",
                        responseId="page1",
                    ),
                    ok(),
                    check("one match", expression=f"{MATCHES}.count()", value="1"),
                    check("self and next links", navigationLinks=True),
                    is_true("a next link", "Bundle.link.where(relation = 'next').exists()"),
                    operation("search", url="${nextPage}", responseId="page2"),
                    ok(),
                    check("a searchset", expression="Bundle.type", value="searchset"),
                    check("one match", expression=f"{MATCHES}.count()", value="1"),
                    check(
                        "a different match",
                        compareToSourceId="page1",
                        compareToSourceExpression=f"{MATCHES}.id",
                        expression=f"{MATCHES}.id",
                        operator="notEquals",
                    ),
                ],
            ),
            test(
                "REST-SEARCH-INCLUDE-1",
                "_include and _revinclude",
                "GET [base]/Task?_id=[id]&_include=Task:focus adds the stay as an include entry; "
                "GET [base]/Encounter?_id=[id]&_revinclude=Task:focus adds its notifications.",
                [
                    operation("search", resource="Task", params=f"?{task}&_include=Task:focus"),
                    ok(),
                    only_match("the notification matches", HEMTJANST_TASK),
                    is_true(
                        "the stay is included",
                        "Bundle.entry.where(search.mode = 'include').resource.where("
                        "resourceType = 'Encounter' and id = 'tolvan-vardtillfalle').exists()",
                    ),
                    operation(
                        "search",
                        resource="Encounter",
                        params="?_id=tolvan-vardtillfalle&_revinclude=Task:focus",
                    ),
                    ok(),
                    only_match("the stay matches", "tolvan-vardtillfalle"),
                    is_true(
                        "the notification is included",
                        "Bundle.entry.where(search.mode = 'include').resource.where("
                        f"resourceType = 'Task' and id = '{HEMTJANST_TASK}').exists()",
                    ),
                ],
            ),
        ],
        fixtures=journey.fixtures(),
        variables=[
            variable(
                "nextPage", expression="Bundle.link.where(relation = 'next').url", sourceId="page1"
            )
        ],
        setup=journey.setup(),
    )


def errors() -> Json:
    return script(
        "rest-05-errors",
        "REST error answers",
        "Client errors answer the right status with an OperationOutcome (FHIR RESTful API).",
        [
            test(
                "REST-ERROR-1",
                "unknown id",
                "GET [base]/Patient/[unknown id] answers 404 with an OperationOutcome.",
                [
                    operation("read", resource="Patient", params="/lus-conformance-no-such-id"),
                    check("404 Not Found", response="notFound"),
                    check("OperationOutcome", resource="OperationOutcome"),
                ],
            ),
            test(
                "REST-SEARCH-STRICT-1",
                "unknown search parameter, strict",
                "GET [base]/Patient?[unknown parameter] with Prefer: handling=strict answers 400 "
                "with an OperationOutcome.",
                [
                    operation(
                        "search",
                        resource="Patient",
                        params="?lus-no-such-parameter=x",
                        requestHeader=[header("Prefer", "handling=strict")],
                    ),
                    check("400 Bad Request", response="bad"),
                    check("OperationOutcome", resource="OperationOutcome"),
                    is_true(
                        "an error issue",
                        "OperationOutcome.issue.where(severity = 'error' or severity = 'fatal')"
                        ".exists()",
                    ),
                ],
            ),
        ],
    )


def transaction() -> Json:
    return script(
        "rest-06-transaction",
        "REST transaction",
        "A transaction Bundle posted to [base] is processed atomically; urn:uuid references "
        "between its entries are rewritten to the ids the server assigns.",
        [
            test(
                "REST-TRANSACTION-1",
                "transaction with urn:uuid references",
                "POST [base] with a transaction creating a patient and a stay that references it "
                "by urn:uuid answers 200 with a transaction-response; the stay references the "
                "patient's new id.",
                [
                    operation("transaction", sourceId="transaction", responseId="response"),
                    ok(),
                    check(
                        "a transaction-response",
                        expression="Bundle.type",
                        value="transaction-response",
                    ),
                    is_true(
                        "both entries created",
                        "Bundle.entry.count() = 2 and "
                        "Bundle.entry.response.status.all(startsWith('201'))",
                    ),
                    operation("read", url="${encounterLocation}", responseId="encounter"),
                    ok(),
                    is_true(
                        "the urn:uuid reference was rewritten",
                        "Encounter.subject.reference.startsWith('Patient/')",
                    ),
                    operation("read", url="${subjectReference}"),
                    ok(),
                    check(
                        "the referenced patient is the one sent",
                        compareToSourceId="transaction",
                        compareToSourceExpression="Bundle.entry[0].resource.identifier.value",
                        expression="Patient.identifier.value",
                    ),
                ],
            )
        ],
        fixtures=[*journey.fixtures(), fixture("transaction", "fixtures/transaction.json")],
        variables=[
            variable(
                "encounterLocation",
                expression="Bundle.entry[1].response.location",
                sourceId="response",
            ),
            variable(
                "subjectReference", expression="Encounter.subject.reference", sourceId="encounter"
            ),
        ],
        setup=journey.setup(),
    )


def transaction_bundle() -> Json:
    patient = template(guide_resource("Patient-samordningsnummer-patient.json"), None)
    encounter = template(
        guide_resource("Encounter-tolvan-vardtillfalle.json"),
        None,
        subject={"reference": "urn:uuid:0e5b1b7a-8a7e-4c1e-9d0e-2f2f6b7c9a01"},
        identifier=[{"system": "urn:oid:1.2.752.97.3.1.3", "value": "SOS-LUS-KONFORMITET"}],
    )
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:0e5b1b7a-8a7e-4c1e-9d0e-2f2f6b7c9a01",
                "resource": patient,
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": "urn:uuid:0e5b1b7a-8a7e-4c1e-9d0e-2f2f6b7c9a02",
                "resource": encounter,
                "request": {"method": "POST", "url": "Encounter"},
            },
        ],
    }


def scripts() -> list[Json]:
    return [capabilities(), patient_lifecycle(), versioning(), search(), errors(), transaction()]


def fixtures() -> dict[str, Json]:
    return {**fixture_files(), "transaction.json": transaction_bundle()}
