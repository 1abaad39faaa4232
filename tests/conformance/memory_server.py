"""A minimal in-memory FHIR server for engine unit tests: just enough REST to exercise each
operation and assertion of the engine, including the failure answers."""

import json
from typing import Any

import httpx

FHIR_JSON = "application/fhir+json"


class MemoryServer:
    def __init__(self) -> None:
        self.resources: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.deleted: set[tuple[str, str]] = set()
        self.requests: list[httpx.Request] = []
        self.next_id = 1

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def _answer(
        self, status: int, body: dict[str, Any] | None = None, **headers: str
    ) -> httpx.Response:
        content = json.dumps(body).encode() if body is not None else b""
        all_headers = {"Content-Type": FHIR_JSON, **headers} if body is not None else headers
        return httpx.Response(status, content=content, headers=all_headers)

    def _outcome(self, status: int, text: str) -> httpx.Response:
        issue = {"severity": "error", "code": "processing", "diagnostics": text}
        return self._answer(status, {"resourceType": "OperationOutcome", "issue": [issue]})

    def _store(self, resource: dict[str, Any]) -> dict[str, Any]:
        key = (resource["resourceType"], resource["id"])
        versions = self.resources.setdefault(key, [])
        stored = {**resource, "meta": {"versionId": str(len(versions) + 1)}}
        versions.append(stored)
        self.deleted.discard(key)
        return stored

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        parts = [p for p in request.url.path.split("/") if p][1:]  # drop "fhir"
        body: dict[str, Any] = json.loads(request.content) if request.content else {}
        method = request.method
        if parts == ["metadata"]:
            return self._answer(
                200, {"resourceType": "CapabilityStatement", "fhirVersion": "4.0.1"}
            )
        if parts == ["$process-message"] or parts[-1:] == ["$validate"]:
            return self._answer(200, {"resourceType": "OperationOutcome", "issue": []})
        if not parts:
            kind = (
                "transaction-response"
                if body and body.get("type") == "transaction"
                else "batch-response"
            )
            return self._answer(200, {"resourceType": "Bundle", "type": kind, "entry": []})
        if len(parts) == 1 and method == "POST":
            resource = {**body, "id": str(self.next_id)}
            self.next_id += 1
            stored = self._store(resource)
            return self._answer(
                201, stored, Location=f"{parts[0]}/{stored['id']}/_history/1", ETag='W/"1"'
            )
        if len(parts) == 1 and method == "GET":
            matches = [
                v[-1]
                for (t, _), v in self.resources.items()
                if t == parts[0] and (t, v[-1]["id"]) not in self.deleted
            ]
            name = request.url.params.get("name")
            if name is not None:
                matches = [m for m in matches if m.get("name") == name]
            return self._answer(
                200,
                {
                    "resourceType": "Bundle",
                    "type": "searchset",
                    "total": len(matches),
                    "link": [{"relation": "self", "url": str(request.url)}],
                    "entry": [{"resource": m} for m in matches],
                },
            )
        key = (parts[0], parts[1])
        if method == "PUT":
            stored = self._store({**body, "id": parts[1]})
            return self._answer(200 if len(self.resources[key]) > 1 else 201, stored)
        if key in self.deleted:
            return self._outcome(410, "gone")
        if key not in self.resources:
            return self._outcome(404, f"{parts[0]}/{parts[1]} not found")
        if method == "DELETE":
            self.deleted.add(key)
            return self._answer(204)
        versions = self.resources[key]
        if len(parts) == 3:
            return self._answer(
                200,
                {
                    "resourceType": "Bundle",
                    "type": "history",
                    "entry": [{"resource": v} for v in reversed(versions)],
                },
            )
        if len(parts) == 4:
            return self._answer(200, versions[int(parts[3]) - 1])
        return self._answer(200, versions[-1], ETag=f'W/"{len(versions)}"')
