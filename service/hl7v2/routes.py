"""HTTP for HL7 v2: `POST /hl7v2` takes one ER7 message and answers its ACKs in the body (200 for
every ACK: AA, AE and AR are the answer; enhanced mode's accept and application ACKs one after
the other, 204 when MSH-15/16 asked for none); `GET /hl7v2/messages` looks a stored message up
or lists the held and failed ones."""

import json
from datetime import timedelta
from typing import Any

from fastapi import Query, Request, Response
from sqlalchemy import and_, select
from starlette.concurrency import run_in_threadpool

from service.access.participation import visible
from service.auth.principal import Principal
from service.fhirtime import stamp, start_of
from service.hl7v2.schema import hl7v2_messages
from service.hl7v2.service import intake
from service.http import routing
from service.outcome import FhirError
from service.rest.services import Services

router = routing.router(tags=["HL7 v2"])
STATES = ("held", "failed", "applied")
LISTED = 500  # a work list, not an export
MEDIA_TYPES = ("x-application/hl7-v2+er7", "application/hl7-v2+er7", "application/hl7-v2")


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


@router.post("/hl7v2", summary="Apply one HL7 v2 ADT message; the body of the answer is its ACK")
async def post_message(request: Request) -> Response:
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind not in MEDIA_TYPES:
        raise FhirError.of(
            415, "not-supported", f"Content-Type must be x-application/hl7-v2+er7, not {kind!r}"
        )
    services = _services(request)
    body = await request.body()
    if len(body) > services.settings.max_request_bytes:
        raise FhirError.of(413, "too-costly", "the message is larger than the request limit")
    principal = request.state.principal
    answer = await run_in_threadpool(intake(services).answer, body, principal)
    if not answer.acks:  # enhanced mode, and MSH-15/16 asked for no ACK of this outcome
        return Response(status_code=204)
    return Response(
        b"".join(answer.encoded()),
        media_type=f"x-application/hl7-v2+er7; charset={answer.charset}",
    )


@router.get(
    "/hl7v2/messages",
    summary="A stored HL7 v2 message and the FHIR writes it made (for a caller who may read "
    "every resource it changed); without control-id, the messages in a state (region role)",
)
def get_messages(
    request: Request,
    sender: str | None = Query(default=None, description="MSH-3|MSH-4, as the intake keys senders"),
    control_id: str | None = Query(default=None, alias="control-id", description="MSH-10"),
    state: str = Query(default="held", description="held | failed | applied (a listing)"),
    overdue: bool = Query(default=False, description="only held ones older than the hold time"),
) -> dict[str, Any]:
    services = _services(request)
    principal = request.state.principal
    if control_id is None:
        return _listing(services, principal, sender, state, overdue)
    with services.store.reading() as conn:
        row = conn.execute(
            select(hl7v2_messages).where(
                and_(hl7v2_messages.c.sender == sender, hl7v2_messages.c.control_id == control_id)
            )
        ).first()
        changed = [str(c).split("/") for c in json.loads(row.changed)] if row else []
        readable = all(visible(conn, principal, kind, rid) for kind, rid, *_ in changed)
    # One the caller may not read is one that does not exist; one that changed nothing (held)
    # shows a patient's data that only the region-wide role may read.
    if row is None or not readable or not (changed or principal.reads_everything):
        raise FhirError.of(404, "not-found", f"no message {control_id!r} from {sender!r} is stored")
    services.log_access(principal, "hl7v2-message", [])
    return {
        **_summary(row, services),
        "changed": json.loads(row.changed),
        "ack": row.ack,
        "message": row.raw,
    }


def _listing(
    services: Services, principal: Principal, sender: str | None, state: str, overdue: bool
) -> dict[str, Any]:
    """The integration's work list: messages held for a stay never admitted (overdue ones are
    the report of a predecessor that never came) or failed when released."""
    if not principal.reads_everything:
        raise FhirError.of(403, "forbidden", "listing HL7 v2 messages needs the region-wide role")
    if state not in STATES:
        raise FhirError.of(400, "value", f"state must be one of {', '.join(STATES)}, not {state!r}")
    query = select(hl7v2_messages).where(hl7v2_messages.c.state == state)
    if sender is not None:
        query = query.where(hl7v2_messages.c.sender == sender)
    if overdue:
        limit = services.clock() - timedelta(minutes=services.settings.hl7v2_hold_minutes)
        query = query.where(hl7v2_messages.c.received_at < stamp(limit))
    with services.store.reading() as conn:
        rows = conn.execute(query.order_by(hl7v2_messages.c.seq).limit(LISTED)).all()
    services.log_access(principal, "hl7v2-messages", [])
    return {"messages": [_summary(row, services) for row in rows]}


def _summary(row: Any, services: Services) -> dict[str, Any]:
    held_since = start_of(row.received_at)
    hold = timedelta(minutes=services.settings.hl7v2_hold_minutes)
    late = row.state == "held" and held_since is not None and services.clock() - held_since > hold
    return {
        "sender": row.sender,
        "controlId": row.control_id,
        "messageType": row.message_type,
        "sentAt": row.sent_at,
        "receivedAt": row.received_at,
        "state": row.state,
        **({"awaiting": row.awaiting} if row.awaiting else {}),
        **({"outcome": row.outcome} if row.outcome else {}),
        **({"overdue": True} if late else {}),
    }
