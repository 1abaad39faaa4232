"""The kill rounds: under the steady load, SIGKILL the server or the worker at a random moment,
restart it, and go on; on PostgreSQL the database itself is restarted once, half-way.

A round's moment is random in writes (5–40 more acknowledged since the last fault, so a
restarted server is serving again before it is hit) and then in time (up to half a second).
"""

import random
import time
from dataclasses import dataclass

from tests.chaos.cluster import Cluster
from tests.chaos.load import Load
from tests.chaos.system import Fault, System

DOWN_SECONDS = 3.0  # how long the database stays down
RECONNECT_SECONDS = 60.0  # how long the server may take to serve writes again


@dataclass(frozen=True)
class Outage:
    """While the database was down (and until the first write after it), 503s are expected."""

    start: float
    end: float
    reconnected_after: float | None  # seconds from the database's return to the next 201

    def covers(self, moment: float) -> bool:
        return self.start <= moment <= self.end


def kill_rounds(
    system: System, load: Load, rounds: int, chosen: random.Random, cluster: Cluster | None
) -> list[Outage]:
    outages = []
    started = time.monotonic()
    for number in range(rounds):
        if not load.wait_for_acknowledged(chosen.randint(5, 40), RECONNECT_SECONDS):
            raise RuntimeError(f"round {number}: the load got no answers; {system.server.log}")
        time.sleep(chosen.uniform(0, 0.5))
        if chosen.random() < 0.5:
            system.kill_server()
        else:
            system.kill_worker()
        if cluster is not None and number == rounds // 2:
            outages.append(restart_database(system, load, cluster))
        elapsed = time.monotonic() - started
        print(f"  round {number + 1}/{rounds}: {system.faults[-1].kind}, {elapsed:.0f} s")
    return outages


def restart_database(system: System, load: Load, cluster: Cluster) -> Outage:
    load.wait_for_acknowledged(10, RECONNECT_SECONDS)
    start = time.time()
    cluster.stop()
    time.sleep(DOWN_SECONDS)
    cluster.start()
    back = time.time()
    system.faults.append(Fault("postgres-restart", start, back))
    served = load.wait_for_acknowledged(1, RECONNECT_SECONDS)
    end = time.time()
    return Outage(start, end, end - back if served else None)
