"""The steady write load of a chaos run: a few keep-alive clients posting notification Tasks
back to back, keeping every acknowledged (201) Task id and every answer that was neither a 201
nor a dropped connection.

A dropped connection or a refused one (the server was killed or is restarting) is not an
answer: the write may or may not have been applied, and the client was told nothing.
"""

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from tests.chaos.world import Stay
from tests.support.auth import StoredKeysAuth
from tests.workflow.conftest import FHIR

CLIENTS = 4
PAUSE = 0.02  # seconds between one client's writes


@dataclass(frozen=True)
class Refusal:
    status: int
    at: float  # time.time()
    body: str


@dataclass
class Load:
    root: str
    auth: StoredKeysAuth
    stays: list[Stay]
    seed: int
    acknowledged: list[str] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> "Load":
        for n in range(CLIENTS):
            thread = threading.Thread(target=self._write, args=(random.Random(self.seed + n),))
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def wait_for_acknowledged(self, more: int, seconds: float) -> bool:
        """Wait until `more` writes beyond the current count were acknowledged."""
        target = len(self.acknowledged) + more
        deadline = time.monotonic() + seconds
        while len(self.acknowledged) < target and time.monotonic() < deadline:
            time.sleep(0.02)
        return len(self.acknowledged) >= target

    def _write(self, chosen: random.Random) -> None:
        with httpx.Client(base_url=self.root, auth=self.auth, timeout=30) as client:
            while not self._stop.is_set():
                notice = chosen.choice(self.stays).notice()
                try:
                    response = client.post("/fhir/Task", json=notice, headers=FHIR)
                except httpx.TransportError as error:
                    self._count(type(error).__name__)
                    time.sleep(0.05)
                    continue
                self._answer(response)
                time.sleep(PAUSE)

    def _count(self, what: str) -> None:
        with self._lock:
            self.statuses[what] += 1

    def _answer(self, response: httpx.Response) -> None:
        with self._lock:
            self.statuses[str(response.status_code)] += 1
            if response.status_code == 201:
                self.acknowledged.append(response.headers["location"].split("/")[-3])
            else:
                self.refusals.append(Refusal(response.status_code, time.time(), response.text))
