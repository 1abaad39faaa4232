"""The invoice basis (fakturaunderlag) of one municipality and month: a header with the totals and
the rules used, and one line per stay with every timestamp a billed day rests on.

The document is plain JSON in a fixed order. Its `hash` is the SHA-256 of the canonical form
(sorted keys, no whitespace, UTF-8) of the document without the header's hash and issue fields,
so anyone can re-compute it from the lines; the same data gives the same bytes and the same hash.
"""

import hashlib
import json
from datetime import date, datetime
from typing import Any

from service.fhirtime import STOCKHOLM
from service.outcome import FhirError
from service.statistics.basis import Basis
from service.statistics.billing import Billed, amounts_used, decisions, price
from service.statistics.evaluate import Evaluation
from service.statistics.rules import RulesError
from service.statistics.stay import Notice
from service.statistics.timeline import ADMISSION, NOT_READY, READY

Resource = dict[str, Any]
ISSUE_FIELDS = ("hash", "version", "replaces", "issued_at")


def local(moment: datetime | None) -> str | None:
    """A timestamp as the ward's clock showed it (ISO 8601 with the Stockholm offset)."""
    if moment is None:
        return None
    return moment.astimezone(STOCKHOLM).isoformat(timespec="seconds")


def _notice(notice: Notice | None) -> Resource | None:
    return None if notice is None else {"task": notice.task, "sent": local(notice.sent)}


def _line(billed: Billed, basis: Basis) -> Resource:
    t = billed.timeline
    stay = t.stay
    counted = [n for n in stay.notices if not n.cancelled]
    return {
        "encounter": stay.encounter,
        "personnummer": stay.person_id,
        "ward": stay.ward,
        "care_type": t.care_group,
        "stadsdel": t.stadsdel,
        "admission": local(stay.admitted),
        "inskrivningsmeddelande": _notice(t.admission_notice),
        "utskrivningsklar": [_notice(n) for n in counted if n.event == READY],
        "inte_langre_utskrivningsklar": [_notice(n) for n in counted if n.event == NOT_READY],
        "makulerade": [n.task for n in t.cancelled if n.event in (READY, NOT_READY, ADMISSION)],
        "informationsoverforing": _notice(t.information_transfer),
        "discharge": local(stay.discharged),
        "periods": [
            {
                "from": p.start_date.isoformat(),
                "to": p.end_date.isoformat(),
                "days": p.days,
                "dag_0": p.dag0.isoformat(),
                "first_billable_date": p.first_billable.isoformat(),
            }
            for p in t.periods
        ],
        "billable_dates": [d.isoformat() for d in billed.dates],
        "billable_days": len(billed.dates),
        "amount": price(billed.dates, basis.rules),
        "exclusion": billed.exclusion,
    }


def canonical(document: Resource) -> bytes:
    content = {
        "header": {k: v for k, v in document["header"].items() if k not in ISSUE_FIELDS},
        "lines": document["lines"],
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(document: Resource) -> str:
    return "sha256:" + hashlib.sha256(canonical(document)).hexdigest()


def invoice_basis(found: Evaluation, basis: Basis) -> Resource:
    """The municipality's document for the evaluated month (not yet issued: no version)."""
    kommun = found.area.kommun
    if kommun is None or found.area.stadsdel is not None:
        raise ValueError("an invoice basis is made for one whole municipality")
    rules = basis.rules
    all_dates: list[date] = [d for b in found.billed for d in b.dates]
    try:
        lines = [_line(b, basis) for b in found.billed]
        used = amounts_used(all_dates, rules)
    except RulesError as error:
        raise FhirError.of(422, "business-rule", str(error)) from None
    header: Resource = {
        "kommun": kommun,
        "kommun_namn": basis.areas.name(kommun),
        "month": found.period.label,
        "rule_set": {"version": rules.version, "model": rules.model},
        "daily_amounts": [
            {"year": a.year, "amount": a.amount, "reference": a.reference} for a in used
        ],
        "stays": len(lines),
        "total_days": sum(line["billable_days"] for line in lines),
        "total_amount": sum(line["amount"] for line in lines),
    }
    if rules.model == "medelvarde":
        header["average_model"] = [
            {
                "care_type": d.care_group,
                "stays": d.stays,
                "days": d.days,
                "average": round(d.average, 2),
                "level": d.level,
                "pays": d.pays,
            }
            for d in sorted(
                decisions([b.timeline for b in found.billed], rules).values(),
                key=lambda d: d.care_group,
            )
        ]
    document = {"header": header, "lines": lines}
    header["hash"] = content_hash(document)
    return document


def dumps(document: Resource) -> bytes:
    """The document as served and stored: indented JSON in the document's own key order."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()
