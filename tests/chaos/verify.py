"""What a chaos run is held to, read from the database and the receiver's journal after the
faults: every acknowledged write stored, routed and delivered; the outbox drained; every row
received with its stored content; a re-send only of a row whose attempt a worker crash cut
short (a worker kill or a database restart between the two arrivals), and never after its
receipt was recorded."""

import hashlib
import itertools
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, func, select

from service.delivery.claim import Claim
from service.delivery.send import build
from service.storage.schema import outbox, resources
from tests.chaos.system import Fault

DONE = ("delivered", "acknowledged")
# Faults that can fall between a receiver's answer and its recording (the server sends nothing).
CUTTING = ("worker-kill", "postgres-restart")
CLOCK_SLACK = 0.05  # seconds: the receiver's and the worker's clocks are the same clock


@dataclass
class Tally:
    acknowledged: int = 0
    notifications: int = 0  # outbox rows
    delivered: int = 0
    received: int = 0  # requests the receivers recorded
    resent: int = 0  # receipts beyond the first of a row
    problems: list[str] = field(default_factory=list)

    def add(self, problem: str) -> None:
        self.problems.append(problem)


def is_outcome(body: str) -> bool:
    """Whether an answer's body is an OperationOutcome (what every refusal must be)."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return False
    return isinstance(parsed, dict) and parsed.get("resourceType") == "OperationOutcome"


def pending(engine: Engine) -> int:
    with engine.connect() as conn:
        query = select(func.count()).select_from(outbox).where(outbox.c.status == "pending")
        return int(conn.execute(query).scalar_one())


def wait_drained(engine: Engine, seconds: float) -> float | None:
    """Seconds until no outbox row is pending, None if some still are after `seconds`."""
    started = time.monotonic()
    while pending(engine):
        if time.monotonic() - started > seconds:
            return None
        time.sleep(0.25)
    return time.monotonic() - started


def journal(path: Path) -> dict[str, list[dict[str, Any]]]:
    by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        received = json.loads(line)
        by_key[received["key"]].append(received)
    return by_key


def stored(engine: Engine, ids: list[str], chunk: int = 500) -> set[str]:
    found: set[str] = set()
    with engine.connect() as conn:
        for start in range(0, len(ids), chunk):
            query = select(resources.c.res_id).where(
                resources.c.res_type == "Task",
                resources.c.res_id.in_(ids[start : start + chunk]),
                resources.c.deleted.is_(False),
            )
            found.update(conn.execute(query).scalars())
    return found


def check(
    tally: Tally, engine: Engine, acknowledged: list[str], received: Path, faults: list[Fault]
) -> None:
    """Count into `tally` and add every problem found to it."""
    tally.acknowledged = len(acknowledged)
    for lost in sorted(set(acknowledged) - stored(engine, acknowledged)):
        tally.add(f"acknowledged write lost: Task/{lost}")
    arrivals = journal(received)
    cuts = [f for f in faults if f.kind in CUTTING]
    routed: set[str] = set()
    with engine.connect() as conn:
        for row in conn.execute(select(outbox).order_by(outbox.c.seq)):
            routed.add(row.notification)
            tally.notifications += 1
            _row(tally, row, arrivals.pop(row.idempotency_key, []), cuts)
    for task in sorted({f"Task/{a}" for a in acknowledged} - routed):
        tally.add(f"acknowledged write routed to nobody: {task}")
    for key in arrivals:
        tally.add(f"received a key the outbox does not have: {key}")


def _row(tally: Tally, row: Any, receipts: list[dict[str, Any]], cuts: list[Fault]) -> None:
    key = row.idempotency_key
    if row.status in DONE:
        tally.delivered += 1
    else:
        tally.add(f"{key} not delivered: {row.status} after {row.attempts} attempts")
    if not receipts:
        tally.add(f"{key} never received")
        return
    tally.received += len(receipts)
    tally.resent += len(receipts) - 1
    digest = hashlib.sha256(row.payload.encode("utf-8")).hexdigest()
    sent = build(Claim.of(row, lease_until=""))  # the request the worker builds from the row
    expected = (digest, sent.method, urlsplit(sent.url).path)
    if {(r["digest"], r["method"], r["path"]) for r in receipts} != {expected}:
        tally.add(f"{key} received with other content or at another path than stored")
    if row.delivered_at:
        recorded = datetime.fromisoformat(row.delivered_at.replace("Z", "+00:00")).timestamp()
        if max(r["arrived"] for r in receipts) > recorded + CLOCK_SLACK:
            tally.add(f"{key} re-sent after its receipt was recorded")
    for before, after in itertools.pairwise(sorted(r["arrived"] for r in receipts)):
        if not any(cut.between(before, after) for cut in cuts):
            tally.add(f"{key} re-sent with no worker crash or database restart between the sends")
