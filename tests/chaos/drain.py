"""SIGTERM while work is in flight: the server answers the requests it has taken and exits 0,
and the worker — a `lus-fhir worker` process, or the one built into `serve` (SQLite's one-process
default) — records the deliveries it has sent and exits 0, each within ten seconds; no
transaction is half applied and no delivery is left to be sent again.

Requests are transactions of notices with ids of our own (PUT as create), so that one that got
no answer can be looked up afterwards: all of its Tasks stored, or none.
"""

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, select

from service.storage.schema import outbox
from tests.chaos.load import Load
from tests.chaos.system import TERM_LIMIT, ReceiverProcess, System
from tests.chaos.verify import Tally, stored
from tests.chaos.world import Stay
from tests.workflow.conftest import FHIR

REQUESTS = 3  # transactions in flight at the SIGTERM
ENTRIES = 5  # notices per transaction


@dataclass
class Sent:
    ids: list[str]
    status: int | None = None  # None: no answer (refused or dropped)
    error: str = ""
    entries: list[str] = field(default_factory=list)  # each entry's response status


def transaction(stays: list[Stay], ids: list[str]) -> dict[str, Any]:
    entries = []
    for n, task_id in enumerate(ids):
        notice = stays[n % len(stays)].notice() | {"id": task_id}
        request = {"method": "PUT", "url": f"Task/{task_id}"}
        entries.append({"fullUrl": f"Task/{task_id}", "resource": notice, "request": request})
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def _send(client: httpx.Client, bundle: dict[str, Any], sent: Sent) -> None:
    try:
        response = client.post("/fhir", json=bundle, headers=FHIR)
    except httpx.TransportError as error:
        sent.error = type(error).__name__
        return
    sent.status = response.status_code
    if response.status_code == 200:
        sent.entries = [e["response"]["status"] for e in response.json()["entry"]]
    else:
        sent.error = response.text[:300]


def requests_in_flight(system: System, load: Load, engine: Engine, tally: Tally) -> str:
    """SIGTERM the server with transactions in flight; returns a line for the report."""
    sends = [Sent([str(uuid.uuid4()) for _ in range(ENTRIES)]) for _ in range(REQUESTS)]
    clients = [system.client() for _ in sends]
    for client in clients:
        client.get("/fhir/metadata")  # connected (and signed in) before the clock starts
    alone = _timed(clients[0], load)
    threads = [
        threading.Thread(target=_send, args=(client, transaction(load.stays, s.ids), s))
        for client, s in zip(clients, sends, strict=True)
    ]
    for thread in threads:
        thread.start()
    # Half of what one transaction alone takes: all have arrived, none can be finished yet
    # (the server answers them side by side on one core).
    time.sleep(alone / 2)
    status, seconds = system.terminate(system.server.process)
    for thread in threads:
        thread.join(60)
    for client in clients:
        client.close()
    answered = [s for s in sends if s.status is not None]
    if status != 0 or seconds > TERM_LIMIT:
        tally.add(f"server after SIGTERM: exit {status} in {seconds:.1f} s")
    if not answered:
        tally.add("no request was in flight at the server's SIGTERM (none answered)")
    for sent in sends:
        found = stored(engine, sent.ids)
        if sent.status is not None and (sent.status != 200 or set(sent.entries) != {"201"}):
            tally.add(f"transaction in flight at SIGTERM answered {sent.status}: {sent.error}")
        elif sent.status == 200 and len(found) != ENTRIES:
            tally.add(f"answered transaction stored {len(found)} of {ENTRIES} Tasks")
        elif sent.status is None and len(found) not in (0, ENTRIES):
            tally.add(f"unanswered transaction half applied: {len(found)} of {ENTRIES} Tasks")
        if sent.status == 200:
            load.acknowledged += sent.ids
    system.restart_server()
    return (
        f"SIGTERM of the server with {REQUESTS} transactions sent: {len(answered)} answered, "
        f"{REQUESTS - len(answered)} refused before they were taken; exit {status} after "
        f"{seconds:.1f} s"
    )


def _timed(client: httpx.Client, load: Load) -> float:
    """Seconds one transaction takes when it is alone (its Tasks acknowledged like the load's)."""
    sent = Sent([str(uuid.uuid4()) for _ in range(ENTRIES)])
    started = time.monotonic()
    _send(client, transaction(load.stays, sent.ids), sent)
    if sent.status == 200:
        load.acknowledged += sent.ids
    return time.monotonic() - started


def deliveries_in_flight(
    system: System,
    load: Load,
    receiver: ReceiverProcess,
    engine: Engine,
    tally: Tally,
    built_in: bool = False,
) -> str:
    """SIGTERM the worker while the receiver answers slowly; every request it had sent must be
    recorded as delivered when it has exited (so none is sent again). `built_in`: the worker of
    a `serve` that delivers by itself, so the SIGTERM goes to the server."""
    who = "server with its built-in worker" if built_in else "worker"
    if built_in:
        system.worker.stop()
        system.server.stop()
        system.restart_server(deliver=True)
    receiver.slow(True)
    before = _lines(receiver.journal)
    with system.client() as client:
        for stay in load.stays:
            response = client.post("/fhir/Task", json=stay.notice(), headers=FHIR)
            if response.status_code == 201:
                load.acknowledged.append(response.headers["location"].split("/")[-3])
    deadline = time.monotonic() + 30
    while _lines(receiver.journal) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    process = system.server.process if built_in else system.worker.process
    status, seconds = system.terminate(process)
    receiver.slow(False)
    sent = [json.loads(line)["key"] for line in _lines(receiver.journal)[len(before) :]]
    if status != 0 or seconds > TERM_LIMIT:
        tally.add(f"{who} after SIGTERM: exit {status} in {seconds:.1f} s")
    if not sent:
        tally.add(f"no delivery was in flight at the {who}'s SIGTERM")
    unrecorded = _pending(engine, sent)
    for key in unrecorded:
        tally.add(f"{key} was sent before the {who}'s SIGTERM but not recorded")
    if built_in:
        system.restart_server()
    system.restart_worker()
    return (
        f"SIGTERM of the {who} with {len(sent)} deliveries sent: exit {status} after "
        f"{seconds:.1f} s, {len(sent) - len(unrecorded)} of them recorded as delivered"
    )


def _lines(journal: Path) -> list[str]:
    return journal.read_text(encoding="utf-8").splitlines()


def _pending(engine: Engine, keys: list[str]) -> list[str]:
    with engine.connect() as conn:
        query = select(outbox.c.idempotency_key).where(
            outbox.c.idempotency_key.in_(keys), outbox.c.status == "pending"
        )
        return list(conn.execute(query).scalars())
