"""A rest-hook receiver on loopback, Subscription builders, and readers of notification Bundles."""

import json
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from service.subscriptions import definitions as d
from tests.support.server import free_port

TOPIC = "https://lus-fhir.se/fhir/SubscriptionTopic"
FHIR = {"Content-Type": "application/fhir+json"}
Resource = dict[str, Any]


@dataclass
class Hook:
    """Records every POST (headers, parsed body, wall-clock arrival), answers `status`;
    stop()/start() keep the port, so "down" is connection refused and "up" the same endpoint."""

    status: int = 200
    keep_alive: bool = False
    port: int = field(default_factory=free_port)
    received: list[tuple[dict[str, str], Resource]] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)  # time.time(), parallel to `received`
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> "Hook":
        hook = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if hook.keep_alive else "HTTP/1.0"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with hook._lock:
                    hook.received.append((dict(self.headers.items()), json.loads(body)))
                    hook.arrivals.append(time.time())
                with suppress(OSError):
                    self.send_response(hook.status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def bundles(self, kind: str | None = None) -> list[Resource]:
        with self._lock:
            found = [body for _, body in self.received]
        return [b for b in found if kind is None or notification_type(b) == kind]


def subscription(
    topic: str,
    endpoint: str | None = None,
    content: str = "id-only",
    filters: tuple[str, ...] = (),
    channel_type: str = "rest-hook",
    heartbeat: int | None = None,
    headers: tuple[str, ...] = (),
    status: str = "requested",
) -> Resource:
    channel: Resource = {
        "type": channel_type,
        "payload": "application/fhir+json",
        "_payload": {"extension": [{"url": d.PAYLOAD_CONTENT, "valueCode": content}]},
    }
    if endpoint:
        channel["endpoint"] = endpoint
    if headers:
        channel["header"] = list(headers)
    if heartbeat is not None:
        channel["extension"] = [{"url": d.HEARTBEAT_PERIOD, "valueUnsignedInt": heartbeat}]
    resource: Resource = {
        "resourceType": "Subscription",
        "meta": {"profile": [d.SUBSCRIPTION_PROFILE]},
        "status": status,
        "reason": "LUS test subscriber",
        "criteria": f"{TOPIC}/{topic}",
        "channel": channel,
    }
    if filters:
        resource["_criteria"] = {
            "extension": [{"url": d.FILTER_CRITERIA, "valueString": f} for f in filters]
        }
    return resource


def status_of(bundle: Resource) -> dict[str, Any]:
    """The first entry's Parameters as {name: value} (notification-event parts as a list)."""
    parameters = bundle["entry"][0]["resource"]
    found: dict[str, Any] = {"events": []}
    for parameter in parameters["parameter"]:
        if parameter["name"] == "notification-event":
            part = {
                p["name"]: next(v for k, v in p.items() if k.startswith("value"))
                for p in parameter["part"]
            }
            found["events"].append(part)
        else:
            found[parameter["name"]] = next(
                v for k, v in parameter.items() if k.startswith("value")
            )
    return found


def notification_type(bundle: Resource) -> str:
    return str(status_of(bundle)["type"])


def event_numbers(bundles: list[Resource]) -> list[int]:
    return [int(e["event-number"]) for b in bundles for e in status_of(b)["events"]]


def wait_for(condition: Callable[[], bool], seconds: float, why: Callable[[], Any]) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s: {why()}")
        time.sleep(0.05)
