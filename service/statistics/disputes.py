"""Disputes (bestridanden) of invoice-basis lines: the municipality contests a line of an issued
version with a reason and a text; the region answers once. The issued basis is never changed — a
correction comes as the next issued version when the data behind it changes.

Who may see a municipality's disputes is who may see its invoice basis (scope.require); filing is
the municipality's (or the service's own), answering the region's.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from service.auth.principal import Principal
from service.fhirtime import instant
from service.outcome import FhirError
from service.statistics.basis import Basis
from service.statistics.issued import issued_version
from service.statistics.scope import Area, require
from service.storage.schema import invoice_disputes

REASONS = {
    "ej-folkbokford": "Patienten är inte folkbokförd i kommunen",
    "inskrivningsmeddelande-saknas": "Kommunen fick inget inskrivningsmeddelande i tid",
    "underrattelse-saknas": "Kommunen fick ingen underrättelse om utskrivningsklar",
    "ej-utskrivningsklar": "Patienten var inte utskrivningsklar",
    "fel-antal-dagar": "Fel antal debiterade dagar",
    "annat": "Annat skäl",
}
DECISIONS = {"godtas": "Bestridandet godtas", "avslas": "Bestridandet avslås"}
MAX_TEXT = 2000


@dataclass(frozen=True)
class Dispute:
    id: str
    kommun: str
    month: str
    version: int
    encounter: str
    reason: str
    text: str
    filed_by: str
    filed_at: str
    decision: str | None
    answer: str | None
    answered_by: str | None
    answered_at: str | None

    @property
    def reason_text(self) -> str:
        return REASONS.get(self.reason, self.reason)

    @property
    def decision_text(self) -> str | None:
        return DECISIONS.get(self.decision) if self.decision else None


def _text(value: str | None, where: str) -> str:
    text = (value or "").strip()
    if not text:
        raise FhirError.of(400, "required", f"{where} is required", where)
    if len(text) > MAX_TEXT:
        raise FhirError.of(400, "invalid", f"{where} is longer than {MAX_TEXT} characters", where)
    return text


def _one_of(value: str | None, allowed: dict[str, str], where: str) -> str:
    if value not in allowed:
        raise FhirError.of(400, "invalid", f"{where}={value!r}: one of {', '.join(allowed)}", where)
    return value


def disputes(
    conn: Connection, principal: Principal, basis: Basis, kommun: str, month: str
) -> list[Dispute]:
    """The municipality's disputes of the month, every version, oldest first."""
    require(conn, principal, Area(kommun), basis.rules.municipal_party_types)
    rows = conn.execute(
        select(invoice_disputes)
        .where(invoice_disputes.c.kommun == kommun, invoice_disputes.c.month == month)
        .order_by(invoice_disputes.c.filed_at, invoice_disputes.c.id)
    )
    return [Dispute(**row._mapping) for row in rows]


def file(
    conn: Connection,
    principal: Principal,
    basis: Basis,
    kommun: str,
    month: str,
    version: int,
    encounter: str,
    reason: str | None,
    text: str | None,
    now: datetime,
) -> Dispute:
    """File a dispute on the line of `encounter` in issued version `version`."""
    allowed = require(conn, principal, Area(kommun), basis.rules.municipal_party_types)
    if allowed is None and not principal.internal:
        raise FhirError.of(
            403, "forbidden", "the municipality disputes its invoice basis; the region answers"
        )
    document = issued_version(conn, kommun, month, version)
    if encounter not in {line["encounter"] for line in document["lines"]}:
        raise FhirError.of(
            404, "not-found", f"version {version} of {kommun} {month} has no line {encounter}"
        )
    open_ = [
        d
        for d in disputes(conn, principal, basis, kommun, month)
        if d.version == version and d.encounter == encounter and d.decision is None
    ]
    if open_:
        raise FhirError.of(
            409, "conflict", f"the line {encounter} already has an unanswered dispute"
        )
    dispute = Dispute(
        id=str(uuid.uuid4()),
        kommun=kommun,
        month=month,
        version=version,
        encounter=encounter,
        reason=_one_of(reason, REASONS, "reason"),
        text=_text(text, "text"),
        filed_by=principal.organization,
        filed_at=instant(now),
        decision=None,
        answer=None,
        answered_by=None,
        answered_at=None,
    )
    conn.execute(insert(invoice_disputes).values(**dispute.__dict__))
    return dispute


def answer(
    conn: Connection,
    principal: Principal,
    dispute_id: str,
    decision: str | None,
    text: str | None,
    now: datetime,
) -> None:
    """The region's answer; a dispute is answered once."""
    if not principal.reads_everything:
        raise FhirError.of(403, "forbidden", "only the region answers a dispute")
    chosen, said = _one_of(decision, DECISIONS, "decision"), _text(text, "answer")
    done = conn.execute(
        update(invoice_disputes)
        .where(invoice_disputes.c.id == dispute_id, invoice_disputes.c.answered_at.is_(None))
        .values(
            decision=chosen,
            answer=said,
            answered_by=principal.organization,
            answered_at=instant(now),
        )
    )
    if done.rowcount == 1:
        return
    exists = conn.execute(
        select(invoice_disputes.c.id).where(invoice_disputes.c.id == dispute_id)
    ).first()
    if exists is None:
        raise FhirError.of(404, "not-found", f"no dispute {dispute_id}")
    raise FhirError.of(409, "conflict", f"the dispute {dispute_id} is already answered")
