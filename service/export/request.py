"""What an `$export` kick-off asks for, checked before a job is stored: the level (system,
Patient, Group), the resource types, `_since` and the output format. Each type becomes a search
(`criteria`) that the export runs under the caller's access rule, exactly as a search would.

Groups: the service holds no Group resources. A Group id `kommun-<kommunkod>` names the patients
whose registered address lies in that municipality (lus-kommunkod, the code routing follows),
so a municipality exports its own residents' data with the Group export the Bulk Data IG
expects; any other Group id does not exist (404).
"""

import json
from dataclasses import asdict, dataclass

from service.access.facts import check_scope
from service.auth.principal import Principal
from service.outcome import FhirError
from service.rest.resource_types import supported_types
from service.search.parameters import for_type
from service.search.request import since_parameter
from service.statistics.areas import areas

OUTPUT_FORMATS = ("application/fhir+ndjson", "application/ndjson", "ndjson")
# In the Bulk Data IG but not offered here: refused by name rather than silently ignored.
UNSUPPORTED = ("_elements", "patient", "includeAssociatedData", "_typeFilter", "_until")
NOT_EXPORTED = frozenset({"AuditEvent"})  # the access log: its own search, region role only
GROUP_PREFIX = "kommun-"
LEVELS = ("system", "patient", "group")


@dataclass(frozen=True)
class ExportRequest:
    level: str  # system | patient | group
    types: tuple[str, ...]  # the types to export, in order
    since: str | None = None  # stored-time text: only resources changed after it
    kommun: str | None = None  # the municipality of a Group export

    def dumps(self) -> str:
        return json.dumps(asdict(self))

    @staticmethod
    def loads(text: str) -> "ExportRequest":
        values = json.loads(text)
        return ExportRequest(
            values["level"], tuple(values["types"]), values["since"], values["kommun"]
        )

    def criteria(self, res_type: str) -> list[tuple[str, str]]:
        """The search that selects this export's resources of one type."""
        if self.level == "system":
            return []
        if res_type == "Patient":
            return [("kommun", self.kommun)] if self.kommun else []
        if self.kommun:
            return [("patient.kommun", self.kommun)]
        return [("patient:missing", "false")]


def _bad(text: str, name: str) -> FhirError:
    return FhirError.of(400, "invalid", text, name)


def exportable(level: str) -> list[str]:
    """The types an export of this level can hold: everything stored (system), or the
    Patient and the types that point at a patient (Patient and Group: the patient compartment)."""
    kinds = sorted(supported_types() - NOT_EXPORTED)
    if level == "system":
        return kinds
    return [t for t in kinds if t == "Patient" or "patient" in for_type(t)]


def group_kommun(group_id: str) -> str:
    """The kommunkod a Group id names; an id that names no municipality is a missing Group."""
    code = group_id.removeprefix(GROUP_PREFIX)
    if not group_id.startswith(GROUP_PREFIX) or code not in areas().kommuner:
        raise FhirError.of(
            404,
            "not-found",
            f"Group/{group_id} does not exist: the Groups are kommun-<kommunkod> "
            "(e.g. Group/kommun-0180, the patients living in that municipality)",
        )
    return code


def _types(raw: list[str], level: str, principal: Principal) -> tuple[str, ...]:
    """`_type` (comma-separated, may repeat) or, without it, every type the token may search."""
    allowed = exportable(level)
    if not raw:
        permitted = [t for t in allowed if principal.scopes.permits(t, "s")]
        if not permitted:
            check_scope(principal, "search-type", "Patient")  # raises, naming the scope needed
        return tuple(permitted)
    named = [t.strip() for value in raw for t in value.split(",")]
    for kind in named:
        if kind not in allowed:
            where = "this server" if level == "system" else "a Patient or Group export"
            raise _bad(f"_type: {kind!r} is not a resource type {where} exports", "_type")
        check_scope(principal, "search-type", kind)
    return tuple(dict.fromkeys(named))


def parse_kickoff(
    level: str,
    params: list[tuple[str, str]],
    principal: Principal,
    kommun: str | None = None,
) -> ExportRequest:
    """The kick-off's query parameters, or a 400 naming the first bad one (403 for a type the
    token may not search)."""
    values: dict[str, list[str]] = {}
    for name, value in params:
        values.setdefault(name, []).append(value)
    for name in values:
        if name in UNSUPPORTED:
            raise FhirError.of(
                400, "not-supported", f"{name} is not supported by this server's $export", name
            )
        if name not in ("_outputFormat", "_type", "_since", "_format"):
            raise _bad(f"{name} is not a parameter of $export", name)
    for name in ("_outputFormat", "_since"):
        if len(values.get(name, [])) > 1:
            raise _bad(f"{name} may be given once", name)
    output_format = values.get("_outputFormat", [OUTPUT_FORMATS[0]])[0]
    if output_format not in OUTPUT_FORMATS:
        raise _bad(
            f"_outputFormat={output_format!r} is not offered: use application/fhir+ndjson "
            "(or application/ndjson, ndjson)",
            "_outputFormat",
        )
    since = values.get("_since")
    return ExportRequest(
        level,
        _types(values.get("_type", []), level, principal),
        since_parameter("_since", since[0]) if since else None,
        kommun,
    )
