"""What bench/subscriptions.py and its HAPI peer (bench/hapi_subscriptions.py) share, so both
servers get the same load and are reported alike: a steady rate of requests from many clients,
and one table row of throughput and latency."""

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx

CLIENTS = 16  # enough that a slow response does not lower the offered rate
HEADER = (
    "| server     | processes | subs | fan-out | events/s | notifications/s "
    "| p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|---|---|"
)
T = TypeVar("T")


def send_steadily(
    base: str,
    rate: float,
    seconds: float,
    send: Callable[[httpx.Client, int], T],
    auth: httpx.Auth | None = None,
) -> list[T]:
    """Call `send(client, n)` for n < rate × seconds, each at its slot of a fixed schedule, from
    CLIENTS threads with a keep-alive client each (signed in with `auth`); returns what the calls
    returned."""
    total = int(rate * seconds)
    start = time.monotonic() + 0.2
    results: list[T] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def client_loop(offset: int) -> None:
        try:
            with httpx.Client(base_url=base, timeout=30, auth=auth) as client:
                for n in range(offset, total, CLIENTS):
                    delay = start + n / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    result = send(client, n)
                    with lock:
                        results.append(result)
        except BaseException as error:
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} client thread(s) failed") from errors[0]
    return results


@dataclass(frozen=True)
class Result:
    events_per_s: float  # offered events the server accepted per second of sending
    notifications_per_s: float  # notifications received per second until the last one
    p50: float  # ms from the event (its lastUpdated) to the notification's arrival
    p99: float
    max: float

    @classmethod
    def of(
        cls, latencies: list[float], sent: int, sending: float, received: int, done: float
    ) -> "Result":
        ordered = sorted(latencies)
        return cls(
            sent / sending,
            received / done,
            statistics.median(ordered),
            ordered[int(0.99 * (len(ordered) - 1))],
            ordered[-1],
        )


def row(label: str, processes: str, subscriptions: int, fan_out: int, result: Result) -> str:
    return (
        f"| {label:10} | {processes:9} | {subscriptions:4} | {fan_out:7} "
        f"| {result.events_per_s:8.1f} | {result.notifications_per_s:15.1f} "
        f"| {result.p50:6.1f} | {result.p99:6.1f} | {result.max:6.1f} |"
    )
