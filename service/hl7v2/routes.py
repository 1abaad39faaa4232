"""HTTP for HL7 v2: `POST /hl7v2` takes one ER7 message and answers its ACK in the body (200 for
every ACK: AA, AE and AR are the answer); `GET /hl7v2/messages` looks a stored message up."""

import json
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import and_, select
from starlette.concurrency import run_in_threadpool

from service.access.participation import visible
from service.hl7v2.schema import hl7v2_messages
from service.hl7v2.service import intake
from service.outcome import FhirError
from service.rest.services import Services

router = APIRouter(tags=["HL7 v2"])
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
    return Response(
        answer.encoded(), media_type=f"x-application/hl7-v2+er7; charset={answer.charset}"
    )


@router.get(
    "/hl7v2/messages",
    summary="A stored HL7 v2 message and the FHIR writes it made (for a caller who may read "
    "every resource it changed)",
)
def get_message(
    request: Request,
    sender: str = Query(description="MSH-3|MSH-4, as the intake keys senders"),
    control_id: str = Query(alias="control-id", description="MSH-10"),
) -> dict[str, Any]:
    services = _services(request)
    principal = request.state.principal
    with services.store.reading() as conn:
        row = conn.execute(
            select(hl7v2_messages).where(
                and_(hl7v2_messages.c.sender == sender, hl7v2_messages.c.control_id == control_id)
            )
        ).first()
        changed = [str(c).split("/") for c in json.loads(row.changed)] if row else []
        readable = all(visible(conn, principal, kind, rid) for kind, rid, *_ in changed)
    if row is None or not readable:  # one the caller may not read is one that does not exist
        raise FhirError.of(404, "not-found", f"no message {control_id!r} from {sender!r} is stored")
    services.log_access(principal, "hl7v2-message", [])
    return {
        "sender": row.sender,
        "controlId": row.control_id,
        "messageType": row.message_type,
        "sentAt": row.sent_at,
        "receivedAt": row.received_at,
        "changed": json.loads(row.changed),
        "ack": row.ack,
        "message": row.raw,
    }
