"""`$process-message`: a LUS message has the same effect as the same resources sent over REST.

The message is validated, its resources are stored (PUT with their ids) in one transaction, which
runs the same workflow (case state, routing, outbox) as the REST path. Each message is processed
once: a repeat (same Bundle.identifier, or same Bundle.id and MessageHeader.id, as R4 says) from
the same organization gets the stored response of the first. MessageHeader.sender must be the
calling organization or one of its units.
"""

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from service.access.facts import check_actors
from service.auth.principal import Principal
from service.fhirtime import Clock, stamp
from service.outcome import FhirError, has_errors, operation_outcome
from service.rest.engine import Engine
from service.storage.schema import messages
from service.storage.store import Store
from service.validation import validator
from service.workflow.order import load_order

Resource = dict[str, Any]
WORKFLOW_CODES = ("business-rule", "incomplete")  # the workflow's warnings, reported to the sender


@dataclass
class Processed:
    status: int
    response: Resource


def _keys(bundle: Resource, header: Resource) -> list[str]:
    keys = []
    identifier = bundle.get("identifier")
    if isinstance(identifier, dict) and identifier.get("value"):
        keys.append(f"identifier|{identifier.get('system', '')}|{identifier['value']}")
    if bundle.get("id") and header.get("id"):
        keys.append(f"ids|{bundle['id']}|{header['id']}")
    return keys


def _response(
    request: Resource,
    header: Resource,
    code: str,
    outcome: Resource | None,
    base: str,
    clock: Clock,
) -> Resource:
    response_id = str(uuid.uuid4())
    reply: Resource = {
        "resourceType": "MessageHeader",
        "id": str(uuid.uuid4()),
        "eventCoding": header.get("eventCoding", {}),
        "source": {"name": "lus-fhir", "endpoint": base},
        "response": {"identifier": header.get("id", ""), "code": code},
    }
    source = header.get("source", {}).get("endpoint")
    if source:
        reply["destination"] = [{"endpoint": source}]
        if "sender" in header:
            reply["destination"][0]["receiver"] = header["sender"]
    entries = [{"fullUrl": f"urn:uuid:{reply['id']}", "resource": reply}]
    if outcome is not None:
        outcome_id = str(uuid.uuid4())
        reply["response"]["details"] = {"reference": f"urn:uuid:{outcome_id}"}
        entries.append(
            {"fullUrl": f"urn:uuid:{outcome_id}", "resource": {**outcome, "id": outcome_id}}
        )
    return {
        "resourceType": "Bundle",
        "id": response_id,
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{response_id}"},
        "type": "message",
        "timestamp": clock().isoformat(timespec="seconds"),
        "entry": entries,
    }


class MessageProcessor:
    def __init__(self, engine: Engine, store: Store, clock: Clock, profiles: list[str]) -> None:
        self.engine = engine
        self.store = store
        self.clock = clock
        self.profiles = profiles

    def process(self, bundle: Any, base: str, principal: Principal) -> Processed:
        """The message's resources are written as `principal`, which must be its sender."""
        header = self._header(bundle)
        keys = [f"{principal.organization}|{k}" for k in _keys(bundle, header)]
        with self.store.reading() as conn:
            check_actors(conn, principal, header)
            for key in keys:
                row = conn.execute(
                    select(messages.c.response).where(messages.c.message_key == key)
                ).first()
                if row is not None:
                    stored = json.loads(row.response)
                    return Processed(stored["status"], stored["response"])
        outcome = validator().validate(bundle, self.profiles)
        if has_errors(outcome):
            return self._remember(
                keys, 422, _response(bundle, header, "fatal-error", outcome, base, self.clock)
            )
        try:
            with self.store.begin() as conn:
                warnings = self._apply(conn, bundle, principal)
                extra = operation_outcome(*warnings) if warnings else None
                result = Processed(200, _response(bundle, header, "ok", extra, base, self.clock))
                self._insert(conn, keys, result)
            return result
        except FhirError as error:
            return self._remember(
                keys,
                error.status if error.status < 500 else 422,
                _response(bundle, header, "fatal-error", error.outcome, base, self.clock),
            )

    def _header(self, bundle: Any) -> Resource:
        if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
            raise FhirError.of(400, "structure", "$process-message takes a Bundle of type message")
        if bundle.get("type") != "message":
            raise FhirError.of(
                400,
                "invalid",
                f"the Bundle must be of type message, not {bundle.get('type')!r}",
                "Bundle.type",
            )
        entries = bundle.get("entry")
        first = (
            entries[0].get("resource")
            if isinstance(entries, list) and entries and isinstance(entries[0], dict)
            else None
        )
        if not isinstance(first, dict) or first.get("resourceType") != "MessageHeader":
            raise FhirError.of(
                400,
                "structure",
                "the first entry of a message must be its MessageHeader",
                "Bundle.entry[0]",
            )
        return first

    def _apply(self, conn: Any, bundle: Resource, principal: Principal) -> list[Resource]:
        warnings: list[Resource] = []
        entries = [
            (f"Bundle.entry[{n}].resource", e["resource"])
            for n, e in enumerate(bundle["entry"])
            if n > 0 and isinstance(e.get("resource"), dict)
        ]
        for where, resource in sorted(entries, key=lambda entry: load_order(entry[1])):
            if "id" not in resource:
                raise FhirError.of(
                    422,
                    "required",
                    f"a {resource['resourceType']} in the message has no id; all need one",
                    f"{where}.id",
                )
            kind = resource["resourceType"]
            result = self.engine.update(conn, principal, kind, resource["id"], resource)
            warnings += [
                i
                for i in (result.outcome or {}).get("issue", [])
                if i.get("code") in WORKFLOW_CODES
            ]
        return warnings

    def _insert(self, conn: Any, keys: list[str], result: Processed) -> None:
        text = json.dumps(
            {"status": result.status, "response": result.response}, ensure_ascii=False
        )
        for key in keys:
            conn.execute(
                insert(messages).values(
                    message_key=key, received_at=stamp(self.clock()), response=text
                )
            )

    def _remember(self, keys: list[str], status: int, response: Resource) -> Processed:
        result = Processed(status, response)
        with self.store.begin() as conn:
            existing = conn.execute(
                select(messages.c.message_key).where(messages.c.message_key.in_(keys))
            ).first()
            if existing is None:
                self._insert(conn, keys, result)
        return result
