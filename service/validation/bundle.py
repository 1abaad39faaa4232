"""Bundle rules beyond the Bundle definition: fullUrl present, absolute and agreeing with the
resource id, reference resolution inside the bundle, message header first with resolvable focus,
and request on transaction entries.

References resolve the way the Java validator resolves them: an absolute or `urn:` reference by
fullUrl, a relative one against the base of the fullUrl of the entry that holds it. In a document
every reference from an entry must resolve; in a message every `urn:` reference must; in any
bundle but a transaction or batch, a reference that misses although an entry has the same type
and id is an error (it was meant to point there).
"""

from typing import Any

from service.validation.issues import Issues
from service.validation.references import restful_type

#: bundle types whose entries have no fullUrl of their own necessarily
REQUEST_TYPES = frozenset({"transaction", "batch"})


class BundleIndex:
    """Entries of one bundle by fullUrl (and by `Type/id`), and each entry resource's fullUrl."""

    def __init__(self, bundle: dict[str, Any]) -> None:
        kind = bundle.get("type")
        self.type = kind if isinstance(kind, str) else None
        self.by_url: dict[str, dict[str, Any]] = {}
        self.by_type_id: dict[str, dict[str, Any]] = {}
        self.entry_urls: dict[int, str] = {}
        for entry in entries(bundle):
            resource = entry.get("resource")
            if not isinstance(resource, dict):
                continue
            full_url = entry.get("fullUrl")
            if isinstance(full_url, str):
                self.by_url[full_url] = resource
                self.entry_urls[id(resource)] = full_url
                contained = resource.get("contained")
                for inner in contained if isinstance(contained, list) else []:
                    self.entry_urls[id(inner)] = full_url
            kind, rid = resource.get("resourceType"), resource.get("id")
            if isinstance(kind, str) and isinstance(rid, str):
                self.by_type_id.setdefault(f"{kind}/{rid}", resource)

    def canonical(self, url: str) -> dict[str, Any] | None:
        """The entry resource whose canonical `url` this is."""
        return next((r for r in self.by_url.values() if r.get("url") == url), None)

    def resolve(
        self, reference: str, holder: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """The entry a reference from `holder` (an entry resource) points to, by url."""
        found = self.by_url.get(reference.split("/_history/")[0])
        if found is None and restful_type(reference) is not None and "://" not in reference:
            base = self.entry_urls.get(id(holder)) if holder is not None else None
            if base is not None and "://" in base:
                prefix = base.rsplit("/", 2)[0]
                found = self.by_url.get(f"{prefix}/{reference.split('/_history/')[0]}")
        return found

    def apparent(self, reference: str) -> dict[str, Any] | None:
        """An entry with the reference's type and id, wherever its fullUrl points."""
        if restful_type(reference) is None:
            return None
        return self.by_type_id.get("/".join(reference.split("/_history/")[0].split("/")[-2:]))

    def _base(self, resource: dict[str, Any]) -> str | None:
        """The RESTful base of an entry resource's fullUrl (None for urn: or no fullUrl)."""
        full_url = self.entry_urls.get(id(resource))
        return full_url.rsplit("/", 2)[0] if full_url and "://" in full_url else None

    def problem(self, reference: str, holder: dict[str, Any]) -> tuple[str, str] | None:
        """(Java message id, text) when the reference must resolve here and does not."""
        if self.type in REQUEST_TYPES or self.resolve(reference, holder) is not None:
            return None
        base = self.entry_urls.get(id(holder))
        if self.type == "document" and base is not None:
            if "://" not in reference and not reference.startswith("urn:") and "://" not in base:
                return (
                    "BUNDLE_BUNDLE_ENTRY_NOTFOUND_CANNOT",
                    f"the relative reference '{reference}' cannot be resolved from an entry "
                    f"whose fullUrl {base} is not a RESTful url",
                )
            return "Bundle_BUNDLE_Entry_NotFound", f"can't find '{reference}' in the bundle"
        if self.type == "message" and reference.startswith("urn:"):
            return "Bundle_BUNDLE_Entry_NotFound", f"can't find '{reference}' in the bundle"
        target = self.apparent(reference)
        if (
            target is not None
            and "://" not in reference
            and self._base(target) == self._base(holder)
        ):
            return (
                "BUNDLE_BUNDLE_ENTRY_NOTFOUND_APPARENT",
                f"can't find '{reference}' in the bundle, though an entry has its type and id "
                "(its fullUrl does not match the reference)",
            )
        return None


def entries(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    raw = bundle.get("entry")
    return [e for e in raw if isinstance(e, dict)] if isinstance(raw, list) else []


def check_bundle(bundle: dict[str, Any], index: BundleIndex, expr: str, issues: Issues) -> None:
    raw = bundle.get("entry")
    items = raw if isinstance(raw, list) else []
    for position, entry in enumerate(items):
        if isinstance(entry, dict):
            _check_full_url(entry, index.type, f"{expr}.entry[{position}]", issues)
            if index.type in ("transaction", "batch"):
                _check_request(entry, f"{expr}.entry[{position}]", issues)
    if index.type == "message":
        _check_message(items, index, expr, issues)


def _check_full_url(entry: dict[str, Any], kind: str | None, expr: str, issues: Issues) -> None:
    resource, full_url = entry.get("resource"), entry.get("fullUrl")
    if not isinstance(resource, dict):
        return
    if not isinstance(full_url, str):
        if full_url is None and kind not in REQUEST_TYPES:
            issues.add(
                "bundle.fullurl",
                expr,
                "Except for transactions and batches, each entry in a Bundle must have a "
                "fullUrl which is the identity of the resource in the entry",
                java="Bundle_BUNDLE_Entry_NoFullUrl",
            )
        return
    if ":" not in full_url:
        issues.add(
            "bundle.fullurl",
            f"{expr}.fullUrl",
            f"The fullUrl '{full_url}' is not an absolute url",
            java="BUNDLE_ENTRY_URL_ABSOLUTE",
        )
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
        if isinstance(reference, str) and not (
            index.resolve(reference, header) or index.apparent(reference)
        ):
            issues.add(
                "bundle.message",
                f"{expr}.entry[0].resource.focus[{position}]",
                f"MessageHeader.focus '{reference}' does not resolve to an entry of the message",
                java="Bundle_BUNDLE_Entry_NotFound",
            )
