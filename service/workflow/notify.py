"""The workflow step of every committed write: case state, routing, outbox, receipts, deviations.

Runs inside the write's database transaction, so an accepted notification and its deliveries
commit together or not at all. Returns warnings the sender must hear (e.g. an unroutable
receiver), which the REST and messaging layers put in their OperationOutcome.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from fhir_profiles import CANONICAL
from service.access import participation
from service.auth.principal import INTERNAL, Principal
from service.delivery.state import acknowledge
from service.fhirtime import Clock, start_of
from service.outcome import FhirError, issue
from service.routing import roles
from service.routing.router import route
from service.storage.store import Store, Stored
from service.subscriptions import hook as subscriptions
from service.workflow import case
from service.workflow.deviations import Deviation, raise_deviation
from service.workflow.enqueue import enqueue
from service.workflow.events import event_of, reference_id
from service.workflow.payloads import payload

Resource = dict[str, Any]
KVITTENS = f"{CANONICAL}/StructureDefinition/lus-kvittens"


@dataclass
class Workflow:
    store: Store
    clock: Clock
    base: str = ""

    def on_write(
        self, conn: Connection, stored: Stored, previous: Stored | None, principal: Principal
    ) -> list[Resource]:
        """Who takes part (access), then the process (case, routing, outbox), then the topics:
        each step sees what the one before it recorded in this transaction."""
        participation.record(conn, stored, principal, previous)
        warnings = self._process(conn, stored, previous)
        now = self.clock()
        subscriptions.on_write(conn, self.store, stored, previous, self.base, now, principal)
        return warnings

    def deviation(self, conn: Connection, deviation: Deviation) -> bool:
        """Raise a deviation (once per code and key) and run it through the workflow like any
        other write: routed to the responsible party and matched against subscription topics.
        True when it is new."""
        stored = raise_deviation(conn, self.store, deviation, self.clock())
        if stored is not None:
            self.on_write(conn, stored, None, INTERNAL)  # its warnings have no sender to go to
        return stored is not None

    def _process(self, conn: Connection, stored: Stored, previous: Stored | None) -> list[Resource]:
        resource = stored.resource
        if resource is None:
            return []
        now = self.clock()
        if resource["resourceType"] == "CarePlan":
            case.close_if_sip_completed(conn, resource, now)
            return []
        if resource["resourceType"] == "Encounter":
            row = case.open_on_admission(conn, resource, now)
            owed = case.cancel_if_stay_cancelled(conn, resource, row, now)
            return [issue("warning", "business-rule", text) for text in owed]
        created = previous is None or previous.deleted
        if resource["resourceType"] == "Task" and not created:
            self._receipts(conn, resource, previous.resource if previous else None, now)
            return []
        event = event_of(resource)
        if event is None or not created:
            return []
        return self._notification(conn, event, resource, now)

    def _receipts(
        self, conn: Connection, task: Resource, before: Resource | None, now: datetime
    ) -> None:
        """A receiver confirming receipt (lus-kvittens) acknowledges its delivery."""

        def receipts(r: Resource | None) -> dict[str, str]:
            found = {}
            for ext in (r or {}).get("extension", []):
                if ext.get("url") != KVITTENS:
                    continue
                parts = {e.get("url"): e for e in ext.get("extension", [])}
                receiver = parts.get("receiver", {}).get("valueReference", {}).get("reference")
                if receiver:
                    found[receiver] = parts.get("received", {}).get("valueInstant", "")
            return found

        new = {k: v for k, v in receipts(task).items() if k not in receipts(before)}
        for receiver, received in new.items():
            acknowledge(conn, f"Task/{task['id']}", receiver, start_of(received) or now)

    def _stay(self, conn: Connection, resource: Resource) -> str | None:
        """The stay (Encounter id) a notification or deviation is about; a deviation that only
        implicates a notification (a failed or unacknowledged delivery) is about its stay."""
        kind = resource["resourceType"]
        if kind == "Task":
            return reference_id(resource.get("focus"), "Encounter")
        if kind == "CommunicationRequest":
            candidates = [resource.get("encounter"), *resource.get("about", [])]
            return next((i for i in (reference_id(c, "Encounter") for c in candidates) if i), None)
        implicated = resource.get("implicated", [])
        for reference in implicated:
            if found := reference_id(reference, "Encounter"):
                return found
        for reference in implicated:
            for notification_kind in ("Task", "CommunicationRequest"):
                rid = reference_id(reference, notification_kind)
                notification = self.store.read(conn, notification_kind, rid) if rid else None
                if notification is not None and notification.resource is not None:
                    return self._stay(conn, notification.resource)
        return None

    def _notification(
        self, conn: Connection, event: str, resource: Resource, now: datetime
    ) -> list[Resource]:
        reference = f"{resource['resourceType']}/{resource['id']}"
        patient_id = reference_id(
            resource.get("for") or resource.get("subject") or resource.get("patient"), "Patient"
        )
        patient = self.store.read(conn, "Patient", patient_id) if patient_id else None
        encounter_id = self._stay(conn, resource)
        encounter = self.store.read(conn, "Encounter", encounter_id) if encounter_id else None
        stay_known = encounter is not None and not encounter.deleted
        if event not in ("avvikelse",) and not stay_known:
            raise FhirError.of(
                422,
                "business-rule",
                f"{reference} is about Encounter/{encounter_id or '?'}, which this service does "
                "not know: send the Encounter (and Patient) before the notification",
            )
        patient_ref = f"Patient/{patient_id}"
        sent = start_of(resource.get("authoredOn")) or now
        warnings: list[Resource] = []
        if stay_known and event not in ("avvikelse", "makulering"):
            assert encounter is not None and encounter.resource is not None
            encounter_ref = f"Encounter/{encounter.res_id}"
            current = case.load(conn, encounter_ref)
            transition = case.apply(
                current, event, encounter_ref, encounter.resource, patient_ref, sent, now
            )
            case.save(conn, transition.row, current is not None)
            for code, why in transition.deviations:
                implicated = [reference, encounter_ref]
                found = Deviation(code, f"{reference}|{code}", patient_ref, implicated, why)
                self.deviation(conn, found)
                warnings.append(issue("warning", "business-rule", f"deviation {code}: {why}"))
        ctx = roles.Context(
            conn,
            event,
            resource,
            patient.resource if patient and not patient.deleted else None,
            encounter.resource if stay_known and encounter else None,
            sent,
        )
        routing = route(ctx)
        # Deliveries to one receiver about one patient must keep their order across transactions.
        self.store.lock(conn, f"deliveries:{patient_ref}")
        related = [r for r in (ctx.encounter, ctx.patient) if r]
        sender = (resource.get("requester") or {}).get("reference")
        receivers = [destination.organization for _, destination in routing.destinations]
        participation.join_resource(conn, reference, receivers, participation.RECEIVER_ROLE)
        for _, destination in routing.destinations:
            if destination.endpoint is None:
                continue
            key = f"{reference}|{destination.organization}"
            body = payload(event, key, resource, destination, related, sender, self.base, now)
            enqueue(conn, key, event, reference, patient_ref, destination, body, now)
        if routing.problems:
            why = "; ".join(routing.problems)
            if event != "avvikelse":  # a deviation nobody can receive must not raise another one
                implicated = [reference] + ([f"Encounter/{encounter_id}"] if stay_known else [])
                unroutable = Deviation("ej-routbar", reference, patient_ref, implicated, why)
                self.deviation(conn, unroutable)
            warnings.append(
                issue("warning", "incomplete", f"not every receiver could be routed: {why}")
            )
        return warnings
