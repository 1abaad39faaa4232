"""The Stockholm world of the statistics scenarios: the service with the county directory on a clock
the story moves, and the steps of a stay as the ward and the others take them.

Each step sets the clock to its moment before it writes, so every version is stored when it
happened (the Patient version current at discharge is the one stored before the discharge). The
figures of a municipality's month are read three ways: the MeasureReports of $evaluate-measure,
the CSV of `lus-fhir report statistics` and the invoice basis of $invoice-basis.
"""

import calendar
import csv
import io
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fhir_profiles import CANONICAL
from service.cli.main import app as cli
from service.simulation.resources import address, luhn

FHIR = {"Content-Type": "application/fhir+json"}
SD = f"{CANONICAL}/StructureDefinition"
EVENT = f"{CANONICAL}/CodeSystem/lus-event"
AMOUNTS = '{"2023": 10500, "2025": 11000, "2026": 11500}'
TASK_PROFILE = {
    "fast-vardkontakt": "lus-task",
    "andrat-beraknat-utskrivningsdatum": "lus-task",
    "informationsoverforing": "lus-task",
}


PRESENT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # when the reports are read


class Clock:
    """The present, except while a step of the story writes at its own moment."""

    def __init__(self) -> None:
        self.now = PRESENT

    def __call__(self) -> datetime:
        return self.now

    def at(self, text: str) -> str:
        self.now = datetime.fromisoformat(text).astimezone(UTC)
        return text


def personnummer(birth: str, serial: int) -> str:
    """A valid 12-digit personnummer for the birth date (YYYY-MM-DD) and a serial 0–999."""
    body = birth.replace("-", "")[2:] + f"{serial % 1000:03d}"
    return birth[:2] + body + luhn(body)


@dataclass
class World:
    client: TestClient
    clock: Clock
    database: str
    serials: list[int] = field(default_factory=lambda: [0])

    def _post(self, kind: str, resource: dict[str, Any]) -> str:
        response = self.client.post(f"/fhir/{kind}", json=resource, headers=FHIR)
        self.clock.now = PRESENT
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def _put(self, resource: dict[str, Any]) -> None:
        kind, res_id = resource["resourceType"], resource["id"]
        response = self.client.put(f"/fhir/{kind}/{res_id}", json=resource, headers=FHIR)
        self.clock.now = PRESENT
        assert response.status_code == 200, response.text

    def read(self, kind: str, res_id: str) -> dict[str, Any]:
        response = self.client.get(f"/fhir/{kind}/{res_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    # ---- the people and the stay ----
    def patient(
        self, kommun: str, stadsdel: str | None = None, born: str = "1940-05-17", at: str = ""
    ) -> str:
        self.clock.at(at or "2020-01-01T00:00:00+01:00")
        self.serials[0] += 1
        return self._post(
            "Patient",
            {
                "resourceType": "Patient",
                "meta": {"profile": [f"{SD}/lus-patient"]},
                "identifier": [
                    {
                        "system": "http://electronichealth.se/identifier/personnummer",
                        "value": personnummer(born, self.serials[0]),
                    }
                ],
                "name": [{"family": "Testsson", "given": ["Test"]}],
                "address": [address(kommun, stadsdel)],
            },
        )

    def moves(self, patient: str, kommun: str, at: str, stadsdel: str | None = None) -> None:
        self.clock.at(at)
        resource = self.read("Patient", patient)
        resource["address"] = [address(kommun, stadsdel)]
        self._put(resource)

    def admitted(
        self, patient: str, at: str, vardform: str = "somatisk", priority: str = "EM"
    ) -> str:
        self.clock.at(at)
        return self._post(
            "Encounter",
            {
                "resourceType": "Encounter",
                "meta": {"profile": [f"{SD}/lus-encounter"]},
                "extension": [
                    {
                        "url": f"{SD}/lus-vardform",
                        "valueCodeableConcept": {
                            "coding": [
                                {
                                    "system": f"{CANONICAL}/CodeSystem/lus-care-type",
                                    "code": vardform,
                                }
                            ]
                        },
                    }
                ],
                "status": "in-progress",
                "class": {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                    "code": "IMP",
                },
                "priority": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ActPriority",
                            "code": priority,
                        }
                    ]
                },
                "subject": {"reference": f"Patient/{patient}"},
                "period": {"start": at},
                "serviceProvider": {"reference": "Organization/sos-avd-51"},
            },
        )

    def sends(self, event: str, encounter: str, at: str, **extra: Any) -> str:
        """The ward (or, for makulering, the sender) sends a notification about the stay."""
        self.clock.at(at)
        stay = self.read("Encounter", encounter)
        task: dict[str, Any] = {
            "resourceType": "Task",
            "meta": {"profile": [f"{SD}/{TASK_PROFILE.get(event, f'lus-{event}')}"]},
            "identifier": [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"}],
            "status": "requested",
            "intent": "order",
            "code": {"coding": [{"system": EVENT, "code": event}]},
            "focus": {"reference": f"Encounter/{encounter}"},
            "for": stay["subject"],
            "authoredOn": at,
            "requester": {"reference": "Organization/sos-avd-51"},
        }
        if event == "informationsoverforing":
            task["input"] = [
                {"type": {"text": "epikris"}, "valueString": "Sammanfattning av vårdtillfället"}
            ]
        task.update(extra)
        return self._post("Task", task)

    def cancels(self, task: str, encounter: str, at: str) -> str:
        return self.sends(
            "makulering",
            encounter,
            at,
            basedOn=[{"reference": f"Task/{task}"}],
            statusReason={"text": "Felsänt"},
        )

    def discharged(self, encounter: str, at: str, disposition: str | None = None) -> None:
        self.clock.at(at)
        stay = self.read("Encounter", encounter)
        stay["status"] = "finished"
        stay["period"]["end"] = at
        if disposition:
            stay["hospitalization"] = {
                "dischargeDisposition": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/discharge-disposition",
                            "code": disposition,
                        }
                    ]
                }
            }
        self._put(stay)
        self.sends("utskrivningsmeddelande", encounter, at)

    def stay(
        self,
        patient: str,
        admitted: str,
        ready: str | None,
        discharged: str,
        vardform: str = "somatisk",
        admission_notice: str | None = "",
        information: str | None = "",
    ) -> str:
        """A stay told the common way: admission notice an hour after admission (unless given,
        None: never), one ready notice, information transfer at discharge, discharge."""
        encounter = self.admitted(patient, admitted, vardform)
        if admission_notice is not None:
            self.sends(
                "inskrivningsmeddelande", encounter, admission_notice or _plus_hour(admitted)
            )
        if ready:
            self.sends("utskrivningsklar", encounter, ready)
        if information is not None:
            self.sends("informationsoverforing", encounter, information or discharged)
        self.discharged(encounter, discharged)
        return encounter

    # ---- the three outputs ----
    def report(self, measure: str, month: str, kommun: str) -> dict[str, Any]:
        first, last = _month_bounds(month)
        response = self.client.get(
            f"/fhir/Measure/{measure}/$evaluate-measure",
            params={
                "periodStart": first,
                "periodEnd": last,
                "subject": f"Location/kommun-{kommun}",
            },
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def csv_rows(self, month: str) -> list[dict[str, str]]:
        result = CliRunner().invoke(
            cli,
            ["report", "statistics", "--month", month, "--format", "csv", "--db", self.database],
            env={"LUS_FHIR_DAILY_AMOUNTS": AMOUNTS},
        )
        assert result.exit_code == 0, result.output
        text = result.stdout_bytes.decode("utf-8")
        assert text.startswith("\ufeff")
        return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))

    def invoice(self, month: str, kommun: str, fmt: str = "json") -> Any:
        response = self.client.post(
            "/fhir/Measure/lus-betalningsansvar/$invoice-basis",
            params={"kommun": kommun, "month": month, "format": fmt},
        )
        assert response.status_code == 200, response.text
        return response.json() if fmt == "json" else response.content

    def figures(self, month: str, kommun: str) -> dict[str, dict[str, Any]]:
        """The same figures of one municipality's month, from each of the three outputs."""
        days = _group(self.report("lus-utskrivningsklara-dagar", month, kommun), "summa-dagar")
        skr = _group(self.report("lus-utskrivningsklara-dagar", month, kommun), "skr")
        paid = self.report("lus-betalningsansvar", month, kommun)
        readmission = _group(
            self.report("lus-aterinskrivning-7d", month, kommun), "aterinskrivning"
        )
        report = {
            "ready_days": days["measureScore"]["value"],
            "skr_stays": _count(skr, "measure-population"),
            "billable_days": _group(paid, "dagar")["measureScore"]["value"],
            "amount": _group(paid, "belopp").get("measureScore", {}).get("value"),
            "excluded": _count(_group(paid, "dagar"), "measure-population-exclusion"),
            "over_65": _count(readmission, "denominator"),
            "readmitted": _count(readmission, "numerator"),
        }
        row = next(
            r
            for r in self.csv_rows(month)
            if r["Kommunkod"] == kommun and r["Område"] == "kommun" and r["Vårdform"] == "alla"
        )
        table = {
            "ready_days": int(row["Utskrivningsklara dagar"]),
            "skr_stays": int(row["Vårdtillfällen ≥ 1 dag (SKR)"]),
            "billable_days": int(row["Dagar med betalningsansvar"]),
            "amount": int(row["Belopp (kr)"]) if row["Belopp (kr)"] else None,
            "excluded": int(row["Vårdtillfällen utan debitering (undantag)"]),
            "over_65": int(row["Utskrivna 65+"]),
            "readmitted": int(row["Oplanerat återinskrivna inom 7 dagar"]),
        }
        basis = self.invoice(month, kommun)
        lines = basis["lines"]
        invoice = {
            "ready_days": sum(p["days"] for line in lines for p in line["periods"]),
            "skr_stays": sum(1 for line in lines if sum(p["days"] for p in line["periods"]) >= 1),
            "billable_days": basis["header"]["total_days"],
            "amount": basis["header"]["total_amount"],
            "excluded": sum(1 for line in lines if line["exclusion"] and line["periods"]),
        }
        return {"report": report, "csv": table, "invoice": invoice}

    def agree(self, month: str, kommun: str, **expected: Any) -> None:
        """Every output shows the expected figures (the invoice basis has no readmissions)."""
        for source, found in self.figures(month, kommun).items():
            wanted = {k: v for k, v in expected.items() if k in found}
            assert {k: found[k] for k in wanted} == wanted, source


def _plus_hour(text: str) -> str:
    return (datetime.fromisoformat(text) + timedelta(hours=1)).isoformat()


def _month_bounds(month: str) -> tuple[str, str]:
    year, number = (int(p) for p in month.split("-"))
    return f"{month}-01", f"{month}-{calendar.monthrange(year, number)[1]:02d}"


def _group(report: dict[str, Any], group_id: str) -> dict[str, Any]:
    group: dict[str, Any] = next(g for g in report["group"] if g["id"] == group_id)
    return group


def _count(group: dict[str, Any], code: str) -> int:
    return int(
        next(p["count"] for p in group["population"] if p["code"]["coding"][0]["code"] == code)
    )
