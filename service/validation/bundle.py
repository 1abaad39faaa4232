"""Bundle rules beyond the Bundle definition: fullUrl/id agreement, reference resolution inside
the bundle, message header first with resolvable focus, and request on transaction entries."""

from typing import Any

from service.validation.issues import Issues
from service.validation.references import restful_type

#: bundle types whose `urn:` references must resolve to an entry of the same bundle
RESOLVING_TYPES = frozenset({"message", "document", "transaction"})


class BundleIndex:
    """Entries of one bundle by fullUrl (and by `Type/id`, for relative references)."""

    def __init__(self, bundle: dict[str, Any]) -> None:
        kind = bundle.get("type")
        self.type = kind if isinstance(kind, str) else None
        self.by_url: dict[str, dict[str, Any]] = {}
        for entry in entries(bundle):
            resource = entry.get("resource")
            if not isinstance(resource, dict):
                continue
            full_url = entry.get("fullUrl")
            if isinstance(full_url, str):
                self.by_url[full_url] = resource
            kind, rid = resource.get("resourceType"), resource.get("id")
            if isinstance(kind, str) and isinstance(rid, str):
                self.by_url.setdefault(f"{kind}/{rid}", resource)

    def canonical(self, url: str) -> dict[str, Any] | None:
        """The entry resource whose canonical `url` this is."""
        return next((r for r in self.by_url.values() if r.get("url") == url), None)

    def resolve(self, reference: str) -> dict[str, Any] | None:
        found = self.by_url.get(reference)
        if found is None and restful_type(reference) is not None:
            found = self.by_url.get("/".join(reference.split("/_history/")[0].split("/")[-2:]))
        return found

    def must_resolve(self, reference: str) -> bool:
        return self.type in RESOLVING_TYPES and reference.startswith("urn:")


def entries(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    raw = bundle.get("entry")
    return [e for e in raw if isinstance(e, dict)] if isinstance(raw, list) else []


def check_bundle(bundle: dict[str, Any], index: BundleIndex, expr: str, issues: Issues) -> None:
    raw = bundle.get("entry")
    items = raw if isinstance(raw, list) else []
    for position, entry in enumerate(items):
        if isinstance(entry, dict):
            _check_full_url(entry, f"{expr}.entry[{position}]", issues)
            if index.type in ("transaction", "batch"):
                _check_request(entry, f"{expr}.entry[{position}]", issues)
    if index.type == "message":
        _check_message(items, index, expr, issues)


def _check_full_url(entry: dict[str, Any], expr: str, issues: Issues) -> None:
    resource, full_url = entry.get("resource"), entry.get("fullUrl")
    if not isinstance(resource, dict) or not isinstance(full_url, str):
        return
    rid, kind = resource.get("id"), resource.get("resourceType")
    if not isinstance(rid, str) or restful_type(full_url) is None:
        return
    expected = f"{kind}/{rid}"
    if not full_url.split("/_history/")[0].endswith(expected):
        issues.add(
            "bundle.fullurl",
            f"{expr}.fullUrl",
            f"The fullUrl '{full_url}' does not match the resource's type and id '{expected}'",
        )


def _check_request(entry: dict[str, Any], expr: str, issues: Issues) -> None:
    request = entry.get("request")
    if not isinstance(request, dict):
        issues.add("bundle.request", expr, "A transaction or batch entry must have a request")
        return
    for field in ("method", "url"):
        if not request.get(field):
            issues.add(
                "bundle.request",
                f"{expr}.request",
                f"A transaction or batch entry's request must have a {field}",
            )


def _check_message(items: list[Any], index: BundleIndex, expr: str, issues: Issues) -> None:
    first = items[0] if items and isinstance(items[0], dict) else {}
    header = first.get("resource")
    if not isinstance(header, dict) or header.get("resourceType") != "MessageHeader":
        issues.add(
            "bundle.message",
            f"{expr}.entry[0]" if items else expr,
            "The first entry of a message bundle must be a MessageHeader",
        )
        return
    focus = header.get("focus")
    for position, ref in enumerate(focus if isinstance(focus, list) else []):
        reference = ref.get("reference") if isinstance(ref, dict) else None
        if isinstance(reference, str) and index.resolve(reference) is None:
            issues.add(
                "bundle.message",
                f"{expr}.entry[0].resource.focus[{position}]",
                f"MessageHeader.focus '{reference}' does not resolve to an entry of the message",
            )
