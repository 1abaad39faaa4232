"""`lus-fhir serve --workers 2 --mllp-port` on PostgreSQL: both processes take MLLP connections
on the one port, and what orders messages holds across them as across connections of one
process: a message sent on many connections at once is applied once with one ACK, and a
discharge racing its admission on another connection is held and released, never lost."""

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from service.cli.main import app
from service.hl7v2.client import MllpClient
from service.hl7v2.schema import hl7v2_messages
from service.simulation.net import free_port
from service.storage.database import engine_for
from tests.hl7v2.messages import SENDERS_FILE, adt
from tests.support.auth import REGION, load_directory, principal, register
from tests.support.databases import fresh_postgres_database
from tests.support.listeners import ESTABLISHED, LISTEN, owners, sockets, wait_for_listeners
from tests.support.server import ServerProcess, start_server

pytestmark = pytest.mark.postgres
FEED_SCOPES = "system/Patient.cruds system/Encounter.cruds"
PERSONNUMMER = "^^^&1.2.752.129.2.1.3.1&ISO"
# Valid personnummer (Luhn), one person a stay.
PEOPLE = tuple(f"19{70 + n}0102000{(2 - n) % 10}" for n in range(8))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[ServerProcess, int, str]]:
    url = fresh_postgres_database()
    port = free_port()
    load_directory(url)
    feed, _ = register(url, REGION, region=False, scopes=FEED_SCOPES, client_id="hl7-feed")
    env = {
        "LUS_FHIR_MLLP_PORT": str(port),
        "LUS_FHIR_HL7V2_SENDERS": SENDERS_FILE,
        "LUS_FHIR_MLLP_CLIENT": feed,
    }
    process = start_server(tmp_path, url, workers=2, env=env, timeout=120)
    try:
        wait_for_listeners(port, 2)
        yield process, port, url
    finally:
        process.stop()


def _connections_in_both(port: int) -> list[MllpClient]:
    """Open connections until both processes hold one (the kernel picks the process)."""
    clients: list[MllpClient] = []
    listening = owners(sockets(port, LISTEN))
    while len(clients) < 64:
        client = MllpClient("127.0.0.1", port, timeout=60)
        clients.append(client)
        if len(clients) >= 8 and owners(sockets(port, ESTABLISHED)) >= listening:
            return clients
    raise AssertionError("64 connections all went to one process")


def _at_once(sends: list[tuple[MllpClient, bytes]]) -> list[bytes]:
    """Send each message on its connection at the same moment; the ACKs in arrival order."""
    acks: list[bytes] = []
    lock = threading.Lock()
    start = threading.Barrier(len(sends))

    def send(client: MllpClient, message: bytes) -> None:
        start.wait()
        ack = client.send(message)
        with lock:
            acks.append(ack)

    threads = [threading.Thread(target=send, args=pair) for pair in sends]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return acks


def test_one_message_on_connections_of_both_processes_is_applied_once(
    served: tuple[ServerProcess, int, str],
) -> None:
    process, port, url = served
    clients = _connections_in_both(port)
    message = adt(control_id="TWICE-1", pid={3: f"{PEOPLE[0]}{PERSONNUMMER}"})
    acks = _at_once([(client, message) for client in clients])
    for client in clients:
        client.close()
    assert len(acks) == len(clients) and len(set(acks)) == 1 and b"MSA|AA|TWICE-1" in acks[0]
    auth = process.auth(principal(REGION, region=False))
    for kind in ("Patient", "Encounter"):
        bundle = httpx.get(auth=auth, url=f"{process.base}/{kind}", timeout=30).json()
        assert bundle["total"] == 1, bundle
    engine = engine_for(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(hl7v2_messages)).scalar()
    engine.dispose()
    assert stored == 1


def test_a_discharge_racing_its_admission_across_processes_is_applied(
    served: tuple[ServerProcess, int, str],
) -> None:
    """Each person's A03 and A01 leave at once on two connections (of either process): the A03
    is applied after the A01 either way, directly or held and released with it."""
    process, port, url = served
    clients = _connections_in_both(port)
    pairs = []
    for n, number in enumerate(PEOPLE):
        pid = {3: f"{number}{PERSONNUMMER}"}
        pv1 = {3: "SE2321000016-1A2B", 19: f"RACE-{n}^^^&1.2.752.97.3.1.3&ISO"}
        admit = adt("A01", control_id=f"R{n}-A01", f7="20261102120000", pid=pid, pv1=pv1)
        discharged = {**pv1, 45: "20261110120000"}
        discharge = adt("A03", control_id=f"R{n}-A03", f7="20261110130000", pid=pid, pv1=discharged)
        pairs.append((admit, discharge))
    acks: list[bytes] = []
    for n, (admit, discharge) in enumerate(pairs):
        first, second = clients[(2 * n) % len(clients)], clients[(2 * n + 1) % len(clients)]
        acks += _at_once([(first, discharge), (second, admit)])
    for client in clients:
        client.close()
    assert len(acks) == 2 * len(pairs) and all(b"MSA|AA|" in a for a in acks), acks
    auth = process.auth(principal(REGION, region=False))
    for n in range(len(pairs)):
        query = f"identifier=RACE-{n}"
        bundle = httpx.get(auth=auth, url=f"{process.base}/Encounter?{query}", timeout=30).json()
        assert bundle["total"] == 1, bundle
        assert bundle["entry"][0]["resource"]["status"] == "finished"
    engine = engine_for(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        states: dict[str, int] = dict(
            conn.execute(
                select(hl7v2_messages.c.state, func.count()).group_by(hl7v2_messages.c.state)
            ).all()
        )
    engine.dispose()
    assert states == {"applied": 2 * len(pairs)}


def test_processes_that_would_not_know_whom_to_write_as_do_not_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The supervisor refuses (exit 2) before any process listens: authentication on, and no
    registration named for plain MLLP connections."""
    monkeypatch.delenv("LUS_FHIR_MLLP_CLIENT", raising=False)
    command = ["serve", "--workers", "2", "--db", fresh_postgres_database()]
    result = CliRunner().invoke(app, [*command, "--mllp-port", str(free_port())])
    assert result.exit_code == 2
    assert "LUS_FHIR_MLLP_CLIENT" in result.output
