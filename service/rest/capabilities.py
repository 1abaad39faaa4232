"""`GET /fhir/metadata`: the CapabilityStatement of this running server.

Built from what the server really does (its resource types, search parameters, interactions and
operations) with the guide's profiles for each type; nothing is advertised that is not served.
"""

from typing import Any

from fhir_profiles import CANONICAL, VERSION
from service.fhirtime import Clock, instant
from service.rest.resource_types import guide_profiles, supported_types
from service.search.parameters import for_type
from service.subscriptions import capability as subscriptions
from service.subscriptions.definitions import SERVER_CAPABILITY

# The access log: read and search for the region-wide role, never written over the API.
AUDIT_EVENT: dict[str, Any] = {
    "type": "AuditEvent",
    "documentation": "The access log (IHE BALP-shaped), for the region-wide role only.",
    "interaction": [{"code": "read"}, {"code": "search-type"}],
    "searchParam": [
        {"name": name, "type": kind, "definition": f"http://hl7.org/fhir/SearchParameter/{d}"}
        for name, kind, d in (
            ("patient", "reference", "clinical-patient"),
            ("agent", "reference", "AuditEvent-agent"),
            ("entity", "reference", "AuditEvent-entity"),
            ("date", "date", "AuditEvent-date"),
            ("subtype", "token", "AuditEvent-subtype"),
            ("outcome", "token", "AuditEvent-outcome"),
            ("action", "token", "AuditEvent-action"),
        )
    ],
}
# Bulk Data Access IG 2.0: a server offering $export says so (service/rest/export_routes.py).
BULK_DATA = "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"
INTERACTIONS = (
    "read",
    "vread",
    "update",
    "patch",
    "delete",
    "history-instance",
    "history-type",
    "create",
    "search-type",
)


def capability_statement(
    base: str, clock: Clock, operations: dict[str, str], security: dict[str, Any]
) -> dict[str, Any]:
    profiles = guide_profiles()
    resources = []
    for res_type in sorted(supported_types()):
        if res_type == "AuditEvent":
            resources.append(AUDIT_EVENT)
            continue
        entry: dict[str, Any] = {
            "type": res_type,
            "interaction": [{"code": code} for code in INTERACTIONS],
            "versioning": "versioned-update",
            "readHistory": True,
            "updateCreate": True,
            "conditionalCreate": True,
            "conditionalUpdate": True,
            "conditionalDelete": "not-supported",
            "searchInclude": ["*"],
            "searchRevInclude": ["*"],
            "searchParam": [
                {"name": code, "definition": param.url, "type": param.type}
                for code, param in sorted(for_type(res_type).items())
            ],
            "operation": [
                {
                    "name": "validate",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate",
                }
            ],
        }
        if res_type in profiles:
            entry["profile"] = profiles[res_type]
        if res_type == "Subscription":
            entry = subscriptions.subscription_resource(entry)
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": instant(clock()),
        "publisher": "lus-fhir",
        "kind": "instance",
        "extension": subscriptions.topic_extensions(),
        "instantiates": [
            f"{CANONICAL}/CapabilityStatement/lus-server",
            SERVER_CAPABILITY,
            *([BULK_DATA] if "export" in operations else []),
        ],
        "software": {"name": "lus-fhir", "version": VERSION},
        "implementation": {"description": "lus-fhir LUS service", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["json", "application/fhir+json"],
        "patchFormat": ["application/json-patch+json"],
        "rest": [
            {
                "mode": "server",
                "security": security,
                "resource": resources,
                "interaction": [
                    {"code": "transaction"},
                    {"code": "batch"},
                    {"code": "history-system"},
                ],
                "operation": [{"name": n, "definition": d} for n, d in sorted(operations.items())],
            }
        ],
    }
