"""The peer of bench/subscriptions.py: HAPI FHIR JPA's own R4 rest-hook Subscriptions under the
same load, on the same machine, so our numbers can be given as ratios against it.

`count` Patients and `count` Subscriptions (`criteria: Task?patient=Patient/<id>`, channel
rest-hook with `payload: application/fhir+json`, one per patient) are created on a running HAPI
server; once HAPI reports them all active, one probe Task per patient is sent until each
Subscription has delivered once (HAPI activates and registers Subscriptions asynchronously, so
"active" alone does not prove it matches yet; the probes also warm HAPI up and are not measured).
Then `rate * seconds` Tasks are POSTed on a fixed schedule from 16 client threads, round robin
over the patients, exactly as bench/subscriptions.py sends them (bench/steady.py). HAPI delivers
each match as `PUT {endpoint}/Task/{id}` with the Task as body to a keep-alive receiver on
loopback; latency is the arrival time minus the delivered Task's `meta.lastUpdated`. The
benchmark's Subscriptions are deleted at the end, so runs can follow each other on one server.

HAPI hands writes to its subscription matcher from a scheduled job, every 5 s by default, which
dominates its latency; docker/hapi documents `lus.subscriptions.interval-ms` to change that.

    .venv/bin/lus-fhir ig pack --out build/ig
    BASE="$(docker/hapi/start.sh 8090 build/ig/se.lusfhir.ig-0.1.0.tgz)"
    .venv/bin/python bench/hapi_subscriptions.py --base "$BASE" [--subscriptions 100] \\
        [--rate 100] [--seconds 10]
    docker/hapi/stop.sh

It prints one row in bench/subscriptions.py's table layout.
"""

import argparse
import json
import re
import sys
import time
from contextlib import suppress
from datetime import datetime
from typing import Any

import httpx

from bench.steady import HEADER, Result, row, send_steadily
from tests.support.receiver import Received, Receiver

FHIR = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
# HAPI answers a repeated search from its cache for a minute unless told not to.
NO_CACHE = {"Accept": "application/fhir+json", "Cache-Control": "no-cache"}
TIMEOUT = 120.0  # seconds, for each wait: activation, probes, delivery of the measured Tasks
PROBE_ROUND = 15.0  # seconds to wait for a probe's notification before sending another
TASK_PATH = re.compile(r"/Task/([^/?]+)")


def _create(client: httpx.Client, resource: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/{resource['resourceType']}", json=resource, headers=FHIR)
    if response.status_code != 201:
        raise RuntimeError(f"POST {resource['resourceType']}: {response.text[:500]}")
    created: dict[str, Any] = response.json()
    return created


def _task(patient: str) -> dict[str, Any]:
    return {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "for": {"reference": f"Patient/{patient}"},
    }


def _subscription(patient: str, endpoint: str) -> dict[str, Any]:
    return {
        "resourceType": "Subscription",
        "status": "requested",
        "reason": "bench/hapi_subscriptions.py",
        "criteria": f"Task?patient=Patient/{patient}",
        "channel": {"type": "rest-hook", "endpoint": endpoint, "payload": "application/fhir+json"},
    }


def _active(client: httpx.Client, ids: list[str]) -> int:
    """How many of the Subscriptions `ids` HAPI reports active."""
    active = 0
    for i in range(0, len(ids), 100):  # keeps the URL short
        params = {"_id": ",".join(ids[i : i + 100]), "status": "active", "_summary": "count"}
        response = client.get("/Subscription", params=params, headers=NO_CACHE)
        response.raise_for_status()
        active += int(response.json()["total"])
    return active


def _wait_active(client: httpx.Client, ids: list[str]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while (active := _active(client, ids)) < len(ids):
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {active}/{len(ids)} Subscriptions active after {TIMEOUT}s")
        time.sleep(0.2)


def _delivered(receiver: Receiver, ids: set[str]) -> dict[str, Received]:
    """The first notification of each Task in `ids`, by Task id."""
    first: dict[str, Received] = {}
    for request in list(receiver.requests):
        match = TASK_PATH.search(request.path)
        if match and match.group(1) in ids and match.group(1) not in first:
            first[match.group(1)] = request
    return first


def _probe(client: httpx.Client, receiver: Receiver, patients: list[str]) -> None:
    """Sends a Task per patient, again for those without a notification, until each arrived."""
    waiting = set(patients)
    probes: dict[str, str] = {}  # Task id -> patient, over all rounds: a late one counts too
    deadline = time.monotonic() + TIMEOUT
    while waiting:
        probes |= {_create(client, _task(p))["id"]: p for p in sorted(waiting)}
        round_end = min(time.monotonic() + PROBE_ROUND, deadline)
        while time.monotonic() < round_end:
            arrived = _delivered(receiver, set(probes))
            waiting -= {probes[task] for task in arrived}
            if not waiting:
                return
            time.sleep(0.05)
        if time.monotonic() >= deadline:
            raise RuntimeError(
                f"{len(waiting)}/{len(patients)} Subscriptions delivered nothing in {TIMEOUT}s"
            )


def _latency_ms(request: Received) -> float:
    last_updated = json.loads(request.body)["meta"]["lastUpdated"]
    at = datetime.fromisoformat(last_updated.replace("Z", "+00:00"))
    return (request.arrived - at.timestamp()) * 1000


def bench_hapi(base: str, count: int, rate: float, seconds: float) -> Result:
    """Measures HAPI's rest-hook notifications at `base` (a running HAPI server's FHIR base):
    `count` Subscriptions, `rate` Tasks/s for `seconds`."""
    receiver = Receiver(keep_alive=True).start()
    subscriptions: list[str] = []
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            patients = [_create(client, {"resourceType": "Patient"})["id"] for _ in range(count)]
            for patient in patients:
                subscriptions.append(_create(client, _subscription(patient, receiver.url))["id"])
            created = time.monotonic()
            _wait_active(client, subscriptions)
            active = time.monotonic()
            _probe(client, receiver, patients)
            print(
                f"hapi: {count} Subscriptions active after {active - created:.1f}s, "
                f"all delivering after {time.monotonic() - created:.1f}s",
                file=sys.stderr,
            )
        began = time.monotonic()
        tasks = send_steadily(
            base, rate, seconds, lambda c, n: _create(c, _task(patients[n % len(patients)]))["id"]
        )
        sending = time.monotonic() - began
        measured = set(tasks)
        deadline = time.monotonic() + TIMEOUT
        while len(arrived := _delivered(receiver, measured)) < len(measured):
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"HAPI delivered {len(arrived)}/{len(measured)} notifications "
                    f"within {TIMEOUT}s of the last Task"
                )
            time.sleep(0.02)
    finally:
        receiver.stop()
        with httpx.Client(base_url=base, timeout=30) as client, suppress(httpx.HTTPError):
            for subscription in subscriptions:
                client.delete(f"/Subscription/{subscription}")
    duplicates = sum(
        1 for r in receiver.requests if (m := TASK_PATH.search(r.path)) and m.group(1) in measured
    ) - len(measured)
    if duplicates:
        print(f"hapi: {duplicates} notification(s) delivered more than once", file=sys.stderr)
    done = max(r.at for r in arrived.values()) - began
    latencies = [_latency_ms(r) for r in arrived.values()]
    return Result.of(latencies, len(tasks), sending, len(arrived), done)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--base", required=True, help="FHIR base URL of a running HAPI server")
    parser.add_argument("--subscriptions", type=int, default=100)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--label", default="hapi", help="first column of the printed row")
    args = parser.parse_args()
    result = bench_hapi(args.base.rstrip("/"), args.subscriptions, args.rate, args.seconds)
    print(HEADER)
    print(row(args.label, "1", args.subscriptions, 1, result), flush=True)


if __name__ == "__main__":
    main()
