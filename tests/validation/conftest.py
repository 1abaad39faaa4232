"""Shared fixtures: the default validator and small realistic R4 resources that must pass."""

import copy
from collections.abc import Callable
from typing import Any

import pytest

from fhir_profiles import CANONICAL
from service.validation import Validator, validator

Resource = dict[str, Any]
NARRATIVE = {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'}
PNR = "http://electronichealth.se/identifier/personnummer"
HSA = "urn:oid:1.2.752.29.4.19"


def sd(name: str) -> str:
    return f"{CANONICAL}/StructureDefinition/{name}"


@pytest.fixture(scope="session")
def v() -> Validator:
    return validator()


def found(outcome: Resource, severity: str = "error") -> list[tuple[str, str]]:
    """(lus code, expression) of every issue of that severity."""
    return [
        (i["details"]["coding"][0]["code"], (i.get("expression") or [""])[0])
        for i in outcome["issue"]
        if i["severity"] == severity
    ]


def errors(outcome: Resource) -> list[tuple[str, str]]:
    return found(outcome, "error")


def patient() -> Resource:
    return copy.deepcopy(
        {
            "resourceType": "Patient",
            "id": "tolvan",
            "text": NARRATIVE,
            "identifier": [{"system": PNR, "value": "191212121212"}],
            "active": True,
            "name": [{"use": "official", "family": "Tolvansson", "given": ["Tolvan"]}],
            "telecom": [{"system": "phone", "value": "+46 70 123 45 67", "use": "mobile"}],
            "gender": "male",
            "birthDate": "1912-12-12",
            "address": [
                {"use": "home", "line": ["Storgatan 1"], "city": "Stockholm", "postalCode": "11122"}
            ],
            "managingOrganization": {"reference": "Organization/sos-avd-51"},
        }
    )


def organization() -> Resource:
    return copy.deepcopy(
        {
            "resourceType": "Organization",
            "id": "sos-avd-51",
            "meta": {"profile": [sd("lus-organization")]},
            "text": NARRATIVE,
            "identifier": [{"system": HSA, "value": "SE2321000016-1A2B"}],
            "active": True,
            "type": [
                {
                    "coding": [
                        {
                            "system": f"{CANONICAL}/CodeSystem/lus-party-type",
                            "code": "vardavdelning",
                        }
                    ]
                }
            ],
            "name": "Södersjukhuset avdelning 51",
            "telecom": [{"system": "phone", "value": "+46 8 616 10 00"}],
            "partOf": {"reference": "Organization/sodersjukhuset"},
        }
    )


def encounter() -> Resource:
    return copy.deepcopy(
        {
            "resourceType": "Encounter",
            "id": "vardtillfalle",
            "text": NARRATIVE,
            "status": "in-progress",
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": "IMP",
                "display": "inpatient encounter",
            },
            "subject": {"reference": "Patient/tolvan"},
            "period": {"start": "2026-11-01T08:30:00+01:00"},
            "serviceProvider": {"reference": "Organization/sos-avd-51"},
        }
    )


def task() -> Resource:
    return copy.deepcopy(
        {
            "resourceType": "Task",
            "id": "inskrivning",
            "text": NARRATIVE,
            "status": "requested",
            "intent": "order",
            "for": {"reference": "Patient/tolvan"},
            "encounter": {"reference": "Encounter/vardtillfalle"},
            "authoredOn": "2026-11-01T09:00:00+01:00",
            "lastModified": "2026-11-01T09:05:00+01:00",
            "requester": {"reference": "Organization/sos-avd-51"},
            "owner": {"reference": "Organization/vc-liljeholmen"},
        }
    )


def message_bundle() -> Resource:
    return copy.deepcopy(
        {
            "resourceType": "Bundle",
            "id": "meddelande",
            "type": "message",
            "timestamp": "2026-11-01T09:00:00+01:00",
            "entry": [
                {
                    "fullUrl": "urn:uuid:0b1a6a52-1f5b-4b8e-9d0c-5a7d2d1e4f01",
                    "resource": {
                        "resourceType": "MessageHeader",
                        "id": "mh",
                        "text": NARRATIVE,
                        "eventCoding": {
                            "system": f"{CANONICAL}/CodeSystem/lus-event",
                            "code": "inskrivningsmeddelande",
                        },
                        "source": {"endpoint": "https://sos.example.se/fhir"},
                        "focus": [{"reference": "urn:uuid:0b1a6a52-1f5b-4b8e-9d0c-5a7d2d1e4f02"}],
                    },
                },
                {
                    "fullUrl": "urn:uuid:0b1a6a52-1f5b-4b8e-9d0c-5a7d2d1e4f02",
                    "resource": {
                        **task(),
                        "id": "t1",
                        "for": {"reference": "urn:uuid:0b1a6a52-1f5b-4b8e-9d0c-5a7d2d1e4f03"},
                    },
                },
                {
                    "fullUrl": "urn:uuid:0b1a6a52-1f5b-4b8e-9d0c-5a7d2d1e4f03",
                    "resource": {**patient(), "id": "p1"},
                },
            ],
        }
    )


def transaction_bundle() -> Resource:
    return copy.deepcopy(
        {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "fullUrl": "urn:uuid:7c1d7f5e-3c57-4d1e-a1b2-1c2d3e4f5a60",
                    "resource": {k: v for k, v in patient().items() if k != "id"},
                    "request": {"method": "POST", "url": "Patient"},
                },
                {
                    "fullUrl": "https://lus.example.se/fhir/Encounter/vardtillfalle",
                    "resource": {
                        **encounter(),
                        "subject": {"reference": "urn:uuid:7c1d7f5e-3c57-4d1e-a1b2-1c2d3e4f5a60"},
                    },
                    "request": {"method": "PUT", "url": "Encounter/vardtillfalle"},
                },
            ],
        }
    )


Maker = Callable[[], Resource]
