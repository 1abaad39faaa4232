"""TestScript building blocks and the guide's resources, shared by the suite generators."""

import copy
import json
from collections.abc import Sequence
from typing import Any

from conformance.engine.origins import ORIGIN_ANONYMOUS, ORIGIN_ORGANIZATION
from fhir_profiles import CANONICAL, GENERATED

Json = dict[str, Any]

OPERATION_CODES = "http://terminology.hl7.org/CodeSystem/testscript-operation-codes"
ORIGIN_TYPES = "http://terminology.hl7.org/CodeSystem/testscript-profile-origin-types"
ISSUE_SYSTEM = f"{CANONICAL}/CodeSystem/lus-validation-issue"
EVENT_SYSTEM = f"{CANONICAL}/CodeSystem/lus-event"
DEVIATION_SYSTEM = f"{CANONICAL}/CodeSystem/lus-deviation-type"
KVITTENS = f"{CANONICAL}/StructureDefinition/lus-kvittens"
PNR_SYSTEM = "http://electronichealth.se/identifier/personnummer"
KOMMUN_SYSTEM = "urn:oid:1.2.752.129.2.2.1.17"
# Fixture references are relative to the suite's folder (conformance/suites/<suite>/).
GUIDE = "../../../fhir_profiles"
EXAMPLES = f"{GUIDE}/fsh-generated/resources"
BODY_OPERATIONS = {"create", "update", "updateCreate", "patch", "transaction", "batch", "validate"}
MATCHES = "Bundle.entry.where(search.mode = 'match').resource"


def guide_resource(file_name: str) -> Json:
    """One of the guide's generated resources (a deep copy, free to change)."""
    loaded: Json = json.loads((GENERATED / file_name).read_text(encoding="utf-8"))
    return copy.deepcopy(loaded)


def operation(code: str, **fields: Any) -> Json:
    body: Json = {
        "type": {"system": OPERATION_CODES, "code": code},
        "encodeRequestUrl": True,
        **fields,
    }
    body.setdefault("accept", "json")
    if code in BODY_OPERATIONS and "sourceId" in fields:
        body.setdefault("contentType", "json")
    return {"operation": body}


def header(field: str, value: str) -> Json:
    return {"field": field, "value": value}


RETURN_REPRESENTATION = [header("Prefer", "return=representation")]


def check(label: str, **fields: Any) -> Json:
    return {"assert": {"label": label, "description": label, "warningOnly": False, **fields}}


def ok(label: str = "200 OK") -> Json:
    return check(label, response="okay")


def is_true(label: str, expression: str, **fields: Any) -> Json:
    return check(label, expression=expression, operator="eval", **fields)


def is_false(label: str, expression: str, **fields: Any) -> Json:
    return check(label, expression=expression, value="false", **fields)


def outcome_issue(label: str, code: str, expression: str | None = None) -> Json:
    """The OperationOutcome has an error issue with the guide's code (at the FHIRPath given)."""
    where = f"details.coding.where(system = '{ISSUE_SYSTEM}' and code = '{code}').exists()"
    if expression is not None:
        where += f" and ('{expression}' in expression)"
    return is_true(
        label,
        f"OperationOutcome.issue.where((severity = 'error' or severity = 'fatal') and {where})"
        ".exists()",
    )


def no_match(label: str) -> Json:
    return is_false(label, f"{MATCHES}.exists()")


def only_match(label: str, resource_id: str) -> Json:
    return check(label, expression=f"{MATCHES}.id", value=resource_id)


def has_match(label: str, resource_id: str) -> Json:
    return is_true(label, f"{MATCHES}.where(id = '{resource_id}').exists()")


def all_match(label: str, condition: str) -> Json:
    return is_true(label, f"{MATCHES}.all({condition})")


def test(requirement: str, name: str, description: str, actions: Sequence[Json]) -> Json:
    return {"name": name, "description": f"[{requirement}] {description}", "action": list(actions)}


def fixture(fixture_id: str, reference: str) -> Json:
    return {
        "id": fixture_id,
        "autocreate": False,
        "autodelete": False,
        "resource": {"reference": reference},
    }


def profile(url: str) -> Json:
    return {"id": url.rsplit("/", 1)[-1], "reference": url}


def origin(index: int, organization: str | None) -> Json:
    """A client acting for `organization` (None: a caller without credentials); operations
    with `origin=index` are sent as it."""
    extension = (
        {"url": ORIGIN_ORGANIZATION, "valueReference": {"reference": organization}}
        if organization
        else {"url": ORIGIN_ANONYMOUS, "valueBoolean": True}
    )
    return {
        "extension": [extension],
        "index": index,
        "profile": {"system": ORIGIN_TYPES, "code": "FHIR-Client"},
    }


def variable(name: str, **fields: Any) -> Json:
    return {"name": name, **fields}


def script(
    script_id: str,
    title: str,
    description: str,
    tests: Sequence[Json],
    *,
    origins: Sequence[Json] = (),
    fixtures: Sequence[Json] = (),
    profiles: Sequence[Json] = (),
    variables: Sequence[Json] = (),
    setup: Sequence[Json] = (),
    teardown: Sequence[Json] = (),
) -> Json:
    body: Json = {
        "resourceType": "TestScript",
        "id": script_id,
        "url": f"{CANONICAL}/TestScript/{script_id}",
        "name": "".join(part.capitalize() for part in script_id.split("-")),
        "title": title,
        "status": "active",
        "description": description,
    }
    if origins:
        body["origin"] = list(origins)
    if fixtures:
        body["fixture"] = list(fixtures)
    if profiles:
        body["profile"] = list(profiles)
    if variables:
        body["variable"] = list(variables)
    if setup:
        body["setup"] = {"action": list(setup)}
    body["test"] = list(tests)
    if teardown:
        body["teardown"] = {"action": list(teardown)}
    return body


def template(base: Json, id_variable: str | None, **changes: Any) -> Json:
    """A copy of an example as a request body: id a ${variable} (or none), top-level changes."""
    resource = copy.deepcopy(base)
    if id_variable is None:
        resource.pop("id", None)
    else:
        resource["id"] = f"${{{id_variable}}}"
    for key, value in changes.items():
        if value is None:
            resource.pop(key, None)
        else:
            resource[key] = value
    return resource


STAY = "Encounter/tolvan-vardtillfalle"


def retarget(resource: Json, old: str, new: str) -> Json:
    """A copy with every reference `old` replaced by `new`."""
    text = json.dumps(resource, ensure_ascii=False)
    replaced: Json = json.loads(text.replace(f'"reference": "{old}"', f'"reference": "{new}"'))
    return replaced


def message_stay(event: str) -> Json | None:
    """The stay (Encounter) as the guide's message for `event` carries it, if it does."""
    bundle = guide_resource(f"Bundle-meddelande-{event}.json")
    for entry in bundle["entry"]:
        resource: Json = entry["resource"]
        if f"{resource['resourceType']}/{resource.get('id')}" == STAY:
            return resource
    return None


def stay_actions(fixture_id: str) -> list[Json]:
    """Setup: POST a fresh stay, so the notifications start a new case of their own."""
    return [
        operation(
            "create",
            label="a fresh stay (Encounter) for this script's notifications",
            resource="Encounter",
            sourceId=fixture_id,
            responseId="stay",
            requestHeader=RETURN_REPRESENTATION,
        ),
        check("stay created", response="created"),
    ]
