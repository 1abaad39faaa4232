"""Simulated receiving systems on loopback: each takes LUS notifications the way a real receiver
would (REST `PUT Task/{id}` or `$process-message`), records them, and confirms receipt back to the
LUS service by adding its `lus-kvittens` to the Task and moving it to `received`."""

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from fhir_profiles import CANONICAL
from service.simulation.credentials import Credentials

KVITTENS = f"{CANONICAL}/StructureDefinition/lus-kvittens"
FHIR = {"Content-Type": "application/fhir+json"}


@dataclass
class Received:
    receiver: str
    kind: str  # "rest" or "message"
    notification: str
    at: datetime


@dataclass
class Receivers:
    """One loopback HTTP server that plays every receiver; the path names the organization."""

    service_base: str
    credentials: Credentials
    log: list[Received] = field(default_factory=list)
    acknowledge: bool = True

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def address(self, organization_id: str) -> str:
        return f"{self.base}/{organization_id}/fhir"

    def start(self) -> "Receivers":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _record(self, receiver: str, kind: str, notification: str) -> None:
        with self._lock:
            self.log.append(Received(receiver, kind, notification, datetime.now(UTC)))

    def confirm_later(self, receiver: str, notification: str) -> None:
        """Confirm after answering, as a receiving system would: its 2xx is the receipt of the
        delivery, the Task update is the acknowledgement."""
        threading.Thread(target=self.confirm, args=(receiver, notification), daemon=True).start()

    def confirm(self, receiver: str, notification: str) -> None:
        """Add this receiver's receipt to the Task on the LUS service (retrying on conflicts)."""
        if not notification.startswith("Task/"):
            return
        auth = self.credentials.auth(f"Organization/{receiver}")
        with httpx.Client(timeout=10, auth=auth) as client:
            for _ in range(20):
                current = client.get(f"{self.service_base}/{notification}")
                if current.status_code != 200:
                    return
                task = current.json()
                receipts = [e for e in task.get("extension", []) if e.get("url") == KVITTENS]
                mine = f"Organization/{receiver}"
                if any(_receiver(e) == mine for e in receipts):
                    return
                task.setdefault("extension", []).append(_receipt(mine))
                if task["status"] == "requested":
                    task["status"] = "received"
                etag = current.headers.get("etag", "")
                headers = {**FHIR, "If-Match": etag}
                url = f"{self.service_base}/{notification}"
                answer = client.put(url, json=task, headers=headers)
                if answer.status_code in (200, 201):
                    return

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receivers = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _answer(self, status: int, body: dict[str, Any] | None = None) -> None:
                payload = json.dumps(body or {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _body(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length", "0"))
                loaded: dict[str, Any] = json.loads(self.rfile.read(length) or b"{}")
                return loaded

            def do_PUT(self) -> None:
                receiver = self.path.strip("/").split("/")[0]
                resource = self._body()
                notification = f"{resource.get('resourceType')}/{resource.get('id')}"
                receivers._record(receiver, "rest", notification)
                self._answer(200, resource)
                if receivers.acknowledge:
                    receivers.confirm_later(receiver, notification)

            def do_POST(self) -> None:
                receiver = self.path.strip("/").split("/")[0]
                bundle = self._body()
                header = bundle.get("entry", [{}])[0].get("resource", {})
                focus = header.get("focus", [{}])[0].get("reference", "")
                receivers._record(receiver, "message", focus)
                self._answer(200, {"resourceType": "Bundle", "type": "message", "entry": []})
                if receivers.acknowledge:
                    receivers.confirm_later(receiver, focus)

        return Handler


def _receiver(extension: dict[str, Any]) -> str | None:
    for part in extension.get("extension", []):
        if part.get("url") == "receiver":
            return str(part.get("valueReference", {}).get("reference"))
    return None


def _receipt(receiver: str) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "url": KVITTENS,
        "extension": [
            {"url": "receiver", "valueReference": {"reference": receiver}},
            {"url": "received", "valueInstant": now},
        ],
    }
