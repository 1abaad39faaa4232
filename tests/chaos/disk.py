"""A full disk under SQLite, on a real small filesystem: a tmpfs of DISK_MB mounted for the run
(root in a container that allows mounts, as CI's). The database lives on it, a filler file
takes the rest of its space, and the load goes on: every write is answered 201 or a 507/503
OperationOutcome (never a 500 or a dropped connection), PRAGMA integrity_check stays "ok", every
acknowledged write is still there, and once space is freed the next write succeeds.
"""

import errno
import os
import sqlite3
import subprocess
from collections import Counter
from pathlib import Path

import httpx

from service.storage.database import engine_for
from tests.chaos import world
from tests.chaos.system import STARTUP
from tests.chaos.verify import Tally, is_outcome, stored
from tests.support.databases import REQUIRE_ENV
from tests.support.server import start_server
from tests.workflow.conftest import FHIR

DISK_MB = 32
BEFORE = 20  # writes before the disk is filled
WRITES = 3000  # at most, until the disk is full
NOWHERE = "http://127.0.0.1:9/fhir"  # no worker runs: nothing is delivered


def mount(point: Path) -> str | None:
    """Mount the tmpfs; the reason when that is not possible here."""
    point.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m", "tmpfs", str(point)],
        capture_output=True,
        text=True,
    )
    return None if done.returncode == 0 else done.stderr.strip() or "mount failed"


def fill(folder: Path) -> int:
    """Take every free byte of the filesystem; returns how many were taken."""
    taken = 0
    with (folder / "filler").open("wb", buffering=0) as filler:
        for size in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    taken += filler.write(b"\0" * size)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
    return taken


def check(folder: Path, tally: Tally) -> list[str]:
    point = folder / "disk"
    reason = mount(point)
    if reason is not None:
        if os.environ.get(REQUIRE_ENV):
            tally.add(f"full disk not tried: cannot mount a tmpfs ({reason})")
        return [f"full disk: not tried, cannot mount a tmpfs here ({reason})"]
    try:
        return _full_disk(folder, point, tally)
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


def _full_disk(folder: Path, point: Path, tally: Tally) -> list[str]:
    database = point / "lus-fhir.sqlite3"
    server = start_server(folder, f"sqlite:///{database}", STARTUP)
    answers: Counter[str] = Counter()
    acknowledged: list[str] = []
    try:
        with server.client() as client:
            stays = world.build(client, NOWHERE, 4)
            for n in range(BEFORE):
                _write(client, stays[n % len(stays)], acknowledged, tally)
            filled = fill(point)
            for n in range(WRITES):
                status = _write(client, stays[n % len(stays)], acknowledged, tally)
                answers[status] += 1
                if status in ("507", "503") and answers[status] >= 5:
                    break
            if not {"507", "503"} & set(answers):
                tally.add(f"the disk never filled up: {dict(answers)}")
            (point / "filler").unlink()
            freed = _write(client, stays[0], acknowledged, tally)
            if freed != "201":
                tally.add(f"a write after space was freed answered {freed}")
    finally:
        server.stop()
    if server.process.returncode != 0:
        tally.add(f"server on the full disk: exit {server.process.returncode} after SIGTERM")
    integrity = _integrity(database)
    if integrity != "ok":
        tally.add(f"integrity_check after the full disk: {integrity}")
    engine = engine_for(f"sqlite:///{database}")
    missing = set(acknowledged) - stored(engine, acknowledged)
    engine.dispose()
    for task in sorted(missing):
        tally.add(f"acknowledged write lost on the full disk: Task/{task}")
    return [
        f"full disk (tmpfs of {DISK_MB} MB, {filled >> 10} KiB filled after the world was "
        f"loaded): answers {dict(sorted(answers.items()))}, integrity_check {integrity}, "
        f"{len(acknowledged)} acknowledged writes checked, after freeing space {freed}"
    ]


def _write(client: httpx.Client, stay: world.Stay, acknowledged: list[str], tally: Tally) -> str:
    try:
        response = client.post("/fhir/Task", json=stay.notice(), headers=FHIR)
    except httpx.TransportError as error:
        tally.add(f"write on the full disk: no answer ({type(error).__name__})")
        return type(error).__name__
    if response.status_code == 201:
        acknowledged.append(response.headers["location"].split("/")[-3])
    elif response.status_code not in (503, 507) or not is_outcome(response.text):
        tally.add(f"write on the full disk answered {response.status_code}: {response.text[:300]}")
    return str(response.status_code)


def _integrity(database: Path) -> str:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        return ", ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
