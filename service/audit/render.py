"""An access-log row as a FHIR R4 AuditEvent, shaped like IHE Basic Audit Log Patterns (BALP):
type `rest`, the interaction as subtype, the client (how it authenticated as its policy:
urn:lus-fhir:authentication:token|certificate|development) and the organization as agents (the
organization as requestor, the token's jti or the web session as its policy), this server as
source, the patients (entity type 1, role 1), the resources (type 2, role 4), the request id and
the query."""

import base64
from typing import Any

from service.auth.principal import WEB_SESSION
from service.fhirtime import instant, start_of

Resource = dict[str, Any]
DCM = "http://dicom.nema.org/resources/ontology/DCM"
AUDIT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
INTERACTION = "http://hl7.org/fhir/restful-interaction"
LUS_INTERACTION = "https://lus-fhir.se/fhir/CodeSystem/lus-audit-subtype"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
BALP_ENTITY = "https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType"
SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
CLIENT_ID = "urn:ietf:params:oauth:client-id"
AUTHENTICATION = "urn:lus-fhir:authentication:"
RESTFUL = frozenset(
    {
        "read",
        "vread",
        "update",
        "patch",
        "delete",
        "history-instance",
        "history-type",
        "history-system",
        "create",
        "search-type",
        "search-system",
        "batch",
        "transaction",
        "operation",
    }
)
OUTCOMES = {"0": "success", "4": "minor failure", "8": "serious failure"}


def _coding(system: str, code: str, display: str | None = None) -> Resource:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _credential(token_id: str) -> str:
    """What the organization acted under: the access token's jti (BALP), or the web session
    (a prefix of its cookie's hash: there is no token to name)."""
    if token_id.startswith(WEB_SESSION):
        return f"urn:lus-fhir:{token_id}"
    return f"urn:ietf:params:oauth:jti:{token_id}"


def audit_event(row: Any, patients: list[str], entities: list[str]) -> Resource:
    recorded = start_of(row.recorded)
    assert recorded is not None
    subtype_system = INTERACTION if row.subtype in RESTFUL else LUS_INTERACTION
    receives = row.action in ("R", "E")  # data flows to the client, else from it
    client_role = ("110152", "Destination Role ID") if receives else ("110153", "Source Role ID")
    server_role = ("110153", "Source Role ID") if receives else ("110152", "Destination Role ID")
    client_agent: Resource = {
        "type": {"coding": [_coding(DCM, *client_role)]},
        "who": {"identifier": {"system": CLIENT_ID, "value": row.client_id or "unknown"}},
        "requestor": False,
    }
    if row.authentication:
        client_agent["policy"] = [f"{AUTHENTICATION}{row.authentication}"]
    if row.address:
        client_agent["network"] = {"address": row.address, "type": "2"}
    agents = [client_agent]
    if row.organization:
        organization: Resource = {
            "type": {"coding": [_coding(PARTICIPATION, "IRCP", "information recipient")]},
            "who": {"reference": row.organization},
            "requestor": True,
        }
        if row.token_id:
            organization["policy"] = [_credential(row.token_id)]
        agents.append(organization)
    agents.append(
        {
            "type": {"coding": [_coding(DCM, *server_role)]},
            "who": {"display": "lus-fhir"},
            "requestor": False,
        }
    )
    entity: list[Resource] = [
        {
            "what": {"reference": p},
            "type": _coding(ENTITY_TYPE, "1", "Person"),
            "role": _coding(OBJECT_ROLE, "1", "Patient"),
        }
        for p in patients
    ]
    entity += [
        {
            "what": {"reference": e},
            "type": _coding(ENTITY_TYPE, "2", "System Object"),
            "role": _coding(OBJECT_ROLE, "4", "Domain Resource"),
        }
        for e in entities
    ]
    if row.request_id:
        entity.append(
            {
                "what": {"identifier": {"value": row.request_id}},
                "type": _coding(BALP_ENTITY, "XrequestId", "X-Request-Id"),
            }
        )
    if row.query:
        entity.append(
            {
                "type": _coding(ENTITY_TYPE, "2", "System Object"),
                "role": _coding(OBJECT_ROLE, "24", "Query"),
                "query": base64.b64encode(row.query.encode("utf-8")).decode("ascii"),
                "description": row.query,
            }
        )
    event: Resource = {
        "resourceType": "AuditEvent",
        "id": row.id,
        "meta": {"lastUpdated": instant(recorded)},
        "type": _coding(AUDIT_TYPE, "rest", "RESTful Operation"),
        "subtype": [_coding(subtype_system, row.subtype)],
        "action": row.action,
        "recorded": instant(recorded),
        "outcome": row.outcome,
        "agent": agents,
        "source": {
            "observer": {"display": "lus-fhir"},
            "type": [_coding(SOURCE_TYPE, "4", "Application Server")],
        },
    }
    if row.detail or row.outcome != "0":
        event["outcomeDesc"] = row.detail or OUTCOMES.get(row.outcome, row.outcome)
    if entity:
        event["entity"] = entity
    return event
