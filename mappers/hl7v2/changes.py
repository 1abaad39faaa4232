"""What a v2 message says about a resource, and how that meets what is already stored.

HL7 v2 segments are snapshots with two kinds of "nothing": an empty field leaves the stored value
as it is, the null value `""` deletes it. A mapper therefore returns changes, not resources: a
value per element, or DELETE. Elements the message does not speak of (a ready-for-discharge time
a ward set over FHIR) survive every v2 update.
"""

from typing import Any, Final

Resource = dict[str, Any]


class _Delete:
    def __repr__(self) -> str:
        return "DELETE"


Deletion = _Delete  # the type of DELETE
DELETE: Final = _Delete()
EXTENSION = "extension:"  # change key prefix: one extension, by its URL


def merge(current: Resource | None, changes: dict[str, Any]) -> Resource:
    """`current` with `changes` applied. Keys are element names, dotted paths into an object
    (`period.end`), `identifier` (upserted by system) or `extension:<url>` (replaced by URL)."""
    result: Resource = dict(current or {})
    for key, value in changes.items():
        if key == "identifier":
            result["identifier"] = _upsert_identifiers(result.get("identifier", []), value)
        elif key.startswith(EXTENSION):
            url = key[len(EXTENSION) :]
            kept = [e for e in result.get("extension", []) if e.get("url") != url]
            if value is not DELETE:
                kept.append(value)
            _put(result, "extension", kept or DELETE)
        elif "." in key:
            parent, child = key.split(".", 1)
            inner = merge(result.get(parent), {child: value})
            _put(result, parent, inner or DELETE)
        else:
            _put(result, key, value)
    return result


def _put(resource: Resource, key: str, value: Any) -> None:
    if value is DELETE:
        resource.pop(key, None)
    else:
        resource[key] = value


def _upsert_identifiers(current: list[Resource], new: list[Resource]) -> list[Resource]:
    """Identifiers of the message replace stored ones of the same system; others are kept (another
    sender's local number, one a FHIR client added)."""
    systems = {i.get("system") for i in new}
    return [i for i in current if i.get("system") not in systems] + list(new)
