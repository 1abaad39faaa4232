"""One scripted patient journey against a running LUS service, with simulated receivers: the
ward admits Tolvan, declares him ready, primary care calls the SIP meeting, the ward hands over
information and discharges him. Returns, per notification and receiver, when it was delivered and
when the receiver acknowledged it."""

import copy
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from fhir_profiles.guide import guide
from service.simulation.credentials import REGION, Credentials
from service.simulation.receivers import FHIR, Receivers

PRIMARY_CARE = "Organization/vc-liljeholmen"
RECEIVING_UNITS = ("sdf-hagersten-alvsjo", "vc-liljeholmen", "hemtjanst-aros", "sos-avd-51")
EVENTS = (
    "inskrivningsmeddelande",
    "utskrivningsklar",
    "kallelse-sip",
    "informationsoverforing",
    "utskrivningsmeddelande",
)


@dataclass
class Step:
    event: str
    notification: str
    path: str  # "REST" or "message"
    deliveries: list[dict[str, Any]]


def _example(kind: str, id_: str) -> dict[str, Any]:
    found = next(r for r in guide().examples if r["resourceType"] == kind and r["id"] == id_)
    return copy.deepcopy(found)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class Journey:
    """Each step is sent by the system that would send it: the region's administration moves
    the receivers' endpoints, the region's clinical system (hospital and primary care are its
    units) admits and discharges, and primary care's own system calls the SIP meeting."""

    def __init__(self, base: str, receivers: Receivers, credentials: Credentials) -> None:
        self.base = base.rstrip("/")
        self.receivers = receivers
        self.admin = httpx.Client(timeout=30, auth=credentials.auth(REGION, region=True))
        self.client = httpx.Client(timeout=30, auth=credentials.auth(REGION))
        self.primary_care = httpx.Client(timeout=30, auth=credentials.auth(PRIMARY_CARE))

    def _put(self, resource: dict[str, Any], client: httpx.Client | None = None) -> None:
        url = f"{self.base}/{resource['resourceType']}/{resource['id']}"
        response = (client or self.client).put(url, json=resource, headers=FHIR)
        response.raise_for_status()

    def _point_endpoints_at_receivers(self) -> None:
        for unit in RECEIVING_UNITS:
            bundle = self.admin.get(
                f"{self.base}/Endpoint", params={"organization": f"Organization/{unit}"}
            ).json()
            for entry in bundle.get("entry", []):
                endpoint = entry["resource"]
                endpoint["address"] = self.receivers.address(unit)
                self._put(endpoint, self.admin)

    def _people(self, admitted: datetime) -> None:
        for kind, id_ in (
            ("Patient", "tolvan"),
            ("RelatedPerson", "tolvan-dotter"),
            ("CareTeam", "tolvan-vardteam"),
        ):
            self._put(_example(kind, id_))
        encounter = _example("Encounter", "tolvan-vardtillfalle")
        encounter["id"] = self.stay = f"tolvan-{uuid.uuid4().hex[:8]}"
        encounter["status"] = "in-progress"
        encounter["period"] = {"start": _when(admitted)}
        encounter.pop("hospitalization", None)
        self._put(encounter)

    def _task(self, event: str, sent: datetime, requester: str = "sos-avd-51") -> dict[str, Any]:
        profile = "lus-task" if event == "informationsoverforing" else f"lus-{event}"
        task: dict[str, Any] = {
            "resourceType": "Task",
            "id": f"{event}-{uuid.uuid4().hex[:8]}",
            "meta": {"profile": [f"https://lus-fhir.se/fhir/StructureDefinition/{profile}"]},
            "identifier": [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"}],
            "status": "requested",
            "intent": "order",
            "code": {
                "coding": [
                    {"system": "https://lus-fhir.se/fhir/CodeSystem/lus-event", "code": event}
                ]
            },
            "focus": {"reference": f"Encounter/{self.stay}"},
            "for": {"reference": "Patient/tolvan"},
            "authoredOn": _when(sent),
            "requester": {"reference": f"Organization/{requester}"},
        }
        if event == "informationsoverforing":
            task["input"] = [
                {
                    "type": {
                        "coding": [
                            {
                                "system": "https://lus-fhir.se/fhir/CodeSystem/lus-event",
                                "code": event,
                            }
                        ]
                    },
                    "valueString": "Behöver hjälp med dusch och inköp. Rollator utprovad.",
                }
            ]
        return task

    def _invitation(self, sent: datetime) -> dict[str, Any]:
        invitation = _example("CommunicationRequest", "tolvan-kallelse-sip")
        invitation["id"] = f"kallelse-sip-{uuid.uuid4().hex[:8]}"
        invitation["identifier"] = [
            {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"}
        ]
        invitation["status"] = "active"
        invitation["about"] = [{"reference": f"Encounter/{self.stay}"}]
        invitation["encounter"] = {"reference": f"Encounter/{self.stay}"}
        invitation["authoredOn"] = _when(sent)
        return invitation

    def _as_message(self, resource: dict[str, Any], event: str) -> None:
        header_id = str(uuid.uuid4())
        bundle = {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "meta": {"profile": ["https://lus-fhir.se/fhir/StructureDefinition/lus-meddelande"]},
            "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"},
            "type": "message",
            "timestamp": resource["authoredOn"],
            "entry": [
                {
                    "fullUrl": f"{self.base}/MessageHeader/{header_id}",
                    "resource": {
                        "resourceType": "MessageHeader",
                        "id": header_id,
                        "meta": {
                            "profile": [
                                "https://lus-fhir.se/fhir/StructureDefinition/lus-messageheader"
                            ]
                        },
                        "eventCoding": {
                            "system": "https://lus-fhir.se/fhir/CodeSystem/lus-event",
                            "code": event,
                        },
                        "destination": [{"endpoint": f"{self.base}/$process-message"}],
                        "sender": resource["requester"],
                        "source": {
                            "name": "Södersjukhuset avd 51",
                            "endpoint": "https://sos.example.se/fhir",
                        },
                        "focus": [{"reference": f"Task/{resource['id']}"}],
                        "definition": f"https://lus-fhir.se/fhir/MessageDefinition/{event}",
                    },
                },
                {"fullUrl": f"{self.base}/Task/{resource['id']}", "resource": resource},
            ],
        }
        response = self.client.post(f"{self.base}/$process-message", json=bundle, headers=FHIR)
        response.raise_for_status()

    def run(self, wait_seconds: float = 30) -> list[Step]:
        now = datetime.now(UTC)
        self._point_endpoints_at_receivers()
        self._put(_example("PractitionerRole", "fvk-liljeholmen"), self.admin)
        self._people(now - timedelta(hours=3))
        sent: list[tuple[str, str, str]] = []
        for offset, event in enumerate(EVENTS):
            moment = now - timedelta(hours=2) + timedelta(minutes=20 * offset)
            if event == "kallelse-sip":
                resource = self._invitation(moment)
                self._put(resource, self.primary_care)
                sent.append((event, f"CommunicationRequest/{resource['id']}", "REST"))
            elif event == "utskrivningsklar":
                resource = self._task(event, moment)
                self._as_message(resource, event)
                sent.append((event, f"Task/{resource['id']}", "message"))
            else:
                resource = self._task(event, moment)
                self._put(resource)
                sent.append((event, f"Task/{resource['id']}", "REST"))
        return self._wait(sent, wait_seconds)

    def _wait(self, sent: list[tuple[str, str, str]], wait_seconds: float) -> list[Step]:
        deadline = time.monotonic() + wait_seconds
        while True:
            steps = [Step(event, ref, path, self._deliveries(ref)) for event, ref, path in sent]
            settled = all(
                d["status"] in ("acknowledged", "dead")
                or (d["status"] == "delivered" and not ref.startswith("Task/"))
                for step in steps
                for d, ref in ((d, step.notification) for d in step.deliveries)
            )
            if settled or time.monotonic() > deadline:
                return steps
            time.sleep(0.2)

    def _deliveries(self, reference: str) -> list[dict[str, Any]]:
        parameters = self.client.get(f"{self.base}/{reference}/$delivery-status").json()
        rows = []
        for parameter in parameters.get("parameter", []):
            parts = {p["name"]: p for p in parameter.get("part", [])}
            rows.append(
                {
                    "receiver": parts["receiver"]["valueReference"]["reference"],
                    "status": parts["status"]["valueCode"],
                    "delivered": parts.get("delivered", {}).get("valueInstant"),
                    "acknowledged": parts.get("acknowledged", {}).get("valueInstant"),
                }
            )
        return rows

    def close(self) -> None:
        for client in (self.admin, self.client, self.primary_care):
            client.close()
