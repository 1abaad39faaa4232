"""Case state per inpatient stay, driven by the notifications of the process.

admitted → admission-notified → ready (and back, on withdrawal) → sip-invited → discharged → closed.
A stay whose Encounter becomes cancelled or entered-in-error (an admission that did not happen, e.g.
HL7 v2 A11) ends its case in `cancelled`, from any state before discharge.
Impossible steps are rejected (HTTP 422); steps that are possible but late or out of order are
accepted and reported as deviations, because refusing them would lose information.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from service.fhirtime import stamp, start_of
from service.outcome import FhirError
from service.routing.directory import search
from service.storage.schema import cases
from service.workflow.events import event_of

ADMISSION_DEADLINE = timedelta(hours=24)
STAGE = {
    "admitted": 0,
    "admission-notified": 1,
    "ready": 2,
    "sip-invited": 3,
    "discharged": 4,
    "closed": 5,
}
CANCELLED_STAYS = ("cancelled", "entered-in-error")  # Encounter.status of a stay that never was
ENDED = ("closed", "cancelled")  # a case that takes no new notification


@dataclass
class Transition:
    """What one notification did to its case: the new row and the deviations it revealed."""

    row: dict[str, Any]
    deviations: list[tuple[str, str]] = field(default_factory=list)  # (deviation code, why)


# Built once: every notification loads and saves its case.
_LOAD = select(cases).where(cases.c.encounter == bindparam("k_encounter"))
_UPDATE = update(cases).where(cases.c.encounter == bindparam("k_encounter"))
_INSERT = insert(cases)


def load(conn: Connection, encounter: str) -> dict[str, Any] | None:
    row = conn.execute(_LOAD, {"k_encounter": encounter}).first()
    return dict(row._mapping) if row else None


def _reject(text: str) -> FhirError:
    return FhirError.of(422, "business-rule", text)


def apply(
    current: dict[str, Any] | None,
    event: str,
    encounter_ref: str,
    encounter: dict[str, Any],
    patient_ref: str,
    sent: datetime,
    now: datetime,
) -> Transition:
    """The case after `event` (sent at `sent`); raises FhirError for impossible steps."""
    admitted = start_of(encounter.get("period", {}).get("start"))
    if current is None:
        current = {
            "encounter": encounter_ref,
            "patient": patient_ref,
            "state": "admitted",
            "admitted_at": stamp(admitted) if admitted else None,
        }
    else:
        current = dict(current)
    unannounced = current.get("admission_notified_at") is None
    transition = Transition(current)
    state = current["state"]
    if state in ENDED and event not in ("avvikelse", "makulering"):
        raise _reject(f"{encounter_ref} is {state}; a {event} can no longer be accepted for it")
    if unannounced and event not in ("inskrivningsmeddelande", "avvikelse", "makulering"):
        transition.deviations.append(
            (
                "otillaten-ordning",
                f"{event} arrived for {encounter_ref} before any inskrivningsmeddelande",
            )
        )
    if event == "inskrivningsmeddelande":
        if STAGE[state] < STAGE["admission-notified"]:
            current["state"] = "admission-notified"
        current["admission_notified_at"] = current.get("admission_notified_at") or stamp(sent)
        if admitted and sent - admitted > ADMISSION_DEADLINE:
            hours = (sent - admitted).total_seconds() / 3600
            transition.deviations.append(
                (
                    "sent-inskrivningsmeddelande",
                    f"sent {hours:.1f} hours after admission (limit 24)",
                )
            )
    elif event == "utskrivningsklar":
        if STAGE[state] >= STAGE["discharged"]:
            raise _reject(
                f"{encounter_ref} is already discharged; it cannot become ready for discharge"
            )
        current["state"] = "ready"
        current["ready_notified_at"] = stamp(sent)
        ready = start_of(_extension(encounter, "lus-utskrivningsklar-tidpunkt"))
        current["ready_at"] = stamp(ready) if ready else stamp(sent)
        current["sip_invited_at"] = None
    elif event == "inte-langre-utskrivningsklar":
        if state not in ("ready", "sip-invited"):
            transition.deviations.append(
                (
                    "otillaten-ordning",
                    f"withdrawal of ready-for-discharge while the case is {state}",
                )
            )
        if STAGE[state] < STAGE["discharged"]:
            current["state"] = "admission-notified"
            current["ready_at"] = current["ready_notified_at"] = None
    elif event == "kallelse-sip":
        current["sip_invited_at"] = stamp(sent)
        if state == "ready":
            current["state"] = "sip-invited"
    elif event == "informationsoverforing":
        current["information_sent_at"] = current.get("information_sent_at") or stamp(sent)
    elif event == "utskrivningsmeddelande":
        discharged = start_of(encounter.get("period", {}).get("end")) or sent
        current["state"] = "discharged"
        current["discharged_at"] = stamp(discharged)
    current["updated_at"] = stamp(now)
    return transition


def close_if_sip_completed(conn: Connection, care_plan: dict[str, Any], now: datetime) -> None:
    """A completed SIP closes the case of its stay (closed cases accept no new notifications)."""
    encounter = care_plan.get("encounter", {}).get("reference")
    if care_plan.get("status") != "completed" or not encounter:
        return
    row = load(conn, encounter)
    if row and row["state"] == "discharged":
        conn.execute(
            update(cases)
            .where(cases.c.encounter == encounter)
            .values(state="closed", updated_at=stamp(now))
        )


def open_on_admission(
    conn: Connection, encounter: dict[str, Any], now: datetime
) -> dict[str, Any] | None:
    """A stay registered with the service starts its case, so that a missing admission notice is
    noticed by the deadline monitor even when no notification is ever sent. Returns the stay's
    case (None: it has none, and no subject to open one for), for the next step to go on from
    without reading it again."""
    reference = f"Encounter/{encounter['id']}"
    patient = encounter.get("subject", {}).get("reference")
    admitted = start_of(encounter.get("period", {}).get("start"))
    row = load(conn, reference)
    if row is not None or not patient:
        return row
    row = {
        "encounter": reference,
        "patient": patient,
        "state": "admitted",
        "admitted_at": stamp(admitted) if admitted else None,
        "updated_at": stamp(now),
    }
    conn.execute(_INSERT, row)
    return row


def cancel_if_stay_cancelled(
    conn: Connection, encounter: dict[str, Any], row: dict[str, Any] | None, now: datetime
) -> list[str]:
    """A cancelled stay (the admission did not happen) ends its case (`row`, as
    `open_on_admission` returned it), so the deadline monitor no longer waits for its notices.
    Notifications already sent about it are not withdrawn by the service: only the ward may
    cancel what it said, so each one not yet cancelled comes back as a warning naming the
    makulering the ward owes its receivers."""
    reference = f"Encounter/{encounter['id']}"
    if encounter.get("status") not in CANCELLED_STAYS or row is None:
        return []
    if STAGE.get(row["state"], 0) < STAGE["discharged"]:
        conn.execute(
            _UPDATE, {"k_encounter": reference, "state": "cancelled", "updated_at": stamp(now)}
        )
    tasks = search(conn, "Task", [("focus", reference)])
    withdrawn = {
        b.get("reference")
        for t in tasks
        if event_of(t) == "makulering"
        for b in t.get("basedOn", [])
    }
    return [
        f"Task/{t['id']} ({event}) was sent about {reference}, whose admission is cancelled: the "
        "ward should send a makulering for it"
        for t in tasks
        if (event := event_of(t)) not in (None, "makulering", "avvikelse")
        and f"Task/{t['id']}" not in withdrawn
    ]


def save(conn: Connection, row: dict[str, Any], existed: bool) -> None:
    if existed:
        values = {k: v for k, v in row.items() if k != "encounter"}
        conn.execute(_UPDATE, {"k_encounter": row["encounter"], **values})
    else:
        conn.execute(_INSERT, row)


def _extension(resource: dict[str, Any], name: str) -> Any:
    for ext in resource.get("extension", []):
        if ext.get("url", "").endswith(f"/StructureDefinition/{name}"):
            return next((v for k, v in ext.items() if k.startswith("value")), None)
    return None
