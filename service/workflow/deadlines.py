"""The deadline monitor: turns every missed deadline into a deviation routed to the party
responsible, and every delivery not acknowledged in time into an `ej-kvitterad` deviation.

Runs with an injectable clock; day rules (the day of discharge) are evaluated in Europe/Stockholm.
Each deviation has a deterministic key, so running the monitor again raises nothing twice.
"""

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Connection, and_, select

from service.delivery.claim import Claim
from service.delivery.escalation import escalate, is_escalation, mitigation_text
from service.delivery.patient import patient_of
from service.fhirtime import STOCKHOLM, Clock, stamp, start_of
from service.routing.directory import search
from service.storage.schema import cases, outbox
from service.storage.store import Store
from service.workflow import case
from service.workflow.deviations import Deviation, exists
from service.workflow.notify import Workflow

log = logging.getLogger(__name__)
CONFIG = Path(__file__).parent / "deadlines.yaml"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Deadlines:
    admission_notice: timedelta
    sip_invitation: timedelta


@cache
def deadlines(path: Path = CONFIG) -> Deadlines:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Deadlines(
        timedelta(hours=data["admission_notice_hours"]), timedelta(days=data["sip_invitation_days"])
    )


def end_of_day(moment: datetime) -> datetime:
    """The first instant after the Stockholm calendar day of `moment`."""
    local = moment.astimezone(STOCKHOLM).date() + timedelta(days=1)
    return datetime.combine(local, time(0), tzinfo=STOCKHOLM)


def open_minutes(available: list[dict[str, Any]], start: datetime, end: datetime) -> float:
    """Minutes between `start` and `end` during the opening hours (HealthcareService.availableTime);
    with no opening hours given, every minute counts."""
    if not available:
        return max((end - start).total_seconds() / 60, 0.0)
    total = 0.0
    day = start.astimezone(STOCKHOLM).date()
    while datetime.combine(day, time(0), tzinfo=STOCKHOLM) < end:
        for slot in available:
            if DAYS[day.weekday()] not in slot.get("daysOfWeek", DAYS):
                continue
            opens = time.fromisoformat(slot.get("availableStartTime", "00:00:00"))
            closes = time.fromisoformat(slot.get("availableEndTime", "23:59:59"))
            if slot.get("allDay"):
                opens, closes = time(0), time(23, 59, 59)
            lo = max(start, datetime.combine(day, opens, tzinfo=STOCKHOLM))
            hi = min(end, datetime.combine(day, closes, tzinfo=STOCKHOLM))
            total += max((hi - lo).total_seconds() / 60, 0.0)
        day += timedelta(days=1)
    return total


@dataclass
class DeadlineMonitor:
    store: Store
    workflow: Workflow
    clock: Clock
    acknowledgement_minutes: float

    def run_until(self, stop: threading.Event, interval: float) -> None:
        """Check every `interval` seconds until `stop` is set (a thread of the serve process)."""
        while not stop.wait(interval):
            try:
                self.run_once()
            except Exception:
                log.exception("deadline monitor run failed; retrying next interval")

    def run_once(self) -> list[str]:
        """Check open cases and unacknowledged deliveries; returns the deviations raised."""
        raised: list[str] = []
        now = self.clock()
        with self.store.begin() as conn:
            for deviation in [*self._cases(conn, now), *self._receipts(conn, now)]:
                if self.workflow.deviation(conn, deviation):
                    raised.append(f"{deviation.code}: {deviation.detail}")
        return raised

    def _cases(self, conn: Connection, now: datetime) -> Iterator[Deviation]:
        limits = deadlines()
        for row in conn.execute(select(cases).where(cases.c.state.notin_(case.ENDED))):
            encounter, patient = row.encounter, row.patient
            admitted, notified = start_of(row.admitted_at), start_of(row.admission_notified_at)
            if admitted and notified is None and now > admitted + limits.admission_notice:
                why = f"no inskrivningsmeddelande within {limits.admission_notice} of admission"
                yield Deviation("sent-inskrivningsmeddelande", encounter, patient, [encounter], why)
            ready = start_of(row.ready_notified_at)
            if ready and row.sip_invited_at is None and now > ready + limits.sip_invitation:
                days = limits.sip_invitation.days
                why = f"no kallelse till SIP {days} days after the ready notice"
                key = f"{encounter}|{row.ready_notified_at}"
                yield Deviation("sen-kallelse-sip", key, patient, [encounter], why)
            discharged = start_of(row.discharged_at)
            if discharged and row.information_sent_at is None and now >= end_of_day(discharged):
                why = "no informationsöverföring by the end of the day of discharge"
                yield Deviation("sen-informationsoverforing", encounter, patient, [encounter], why)

    def _receipts(self, conn: Connection, now: datetime) -> Iterator[Deviation]:
        """Deliveries not acknowledged within the limit, counted in the receiver's opening hours;
        each is also escalated to the receiver's weekend contact path, once."""
        # Open minutes never exceed elapsed minutes: a row delivered within the limit cannot be
        # late yet, so the scan (inside a write transaction) skips the recent traffic.
        overdue_since = stamp(now - timedelta(minutes=self.acknowledgement_minutes))
        rows = conn.execute(
            select(outbox).where(
                and_(
                    outbox.c.status == "delivered",
                    outbox.c.acknowledged_at.is_(None),
                    outbox.c.delivered_at <= overdue_since,
                )
            )
        )
        for row in rows:
            delivered = start_of(row.delivered_at)
            if delivered is None:
                continue
            key = f"{row.notification}|{row.receiver}"
            if exists(conn, "ej-kvitterad", key):
                continue
            services = search(conn, "HealthcareService", [("organization", row.receiver)])
            hours = [slot for s in services for slot in s.get("availableTime", [])]
            waited = open_minutes(hours, delivered, now)
            if waited <= self.acknowledgement_minutes:
                continue
            claim = Claim.of(row, row.next_attempt_at)
            path, escalated_to = escalate(conn, self.store, claim, now)
            why = (
                f"{row.receiver} has not confirmed receipt of {row.notification} after "
                f"{waited:.0f} open minutes (limit {self.acknowledgement_minutes:.0f})"
            )
            yield Deviation(
                "ej-kvitterad",
                key,
                patient_of(row.payload, row.ordering_key),
                [row.notification],
                why,
                mitigation_text(path, escalated_to, is_escalation(claim)),
            )
