"""`$validate` (type and instance level): 200 with an OperationOutcome whatever the verdict."""

from typing import Any

from service.auth.principal import Principal
from service.outcome import issue, operation_outcome
from service.rest.services import Services, write_profiles
from service.validation import validator

Resource = dict[str, Any]
MODES = ("create", "update", "delete", "profile")


def _from_parameters(body: Resource) -> tuple[Any, str | None, str | None]:
    resource, mode, profile = None, None, None
    for parameter in body.get("parameter", []):
        name = parameter.get("name")
        if name == "resource":
            resource = parameter.get("resource")
        elif name == "mode":
            mode = parameter.get("valueCode")
        elif name == "profile":
            profile = parameter.get("valueUri") or parameter.get("valueCanonical")
    return resource, mode, profile


def validate_operation(
    services: Services,
    principal: Principal,
    res_type: str,
    res_id: str | None,
    body: Any,
    params: list[tuple[str, str]],
) -> Resource:
    query = dict(params)
    mode, profile = query.get("mode"), query.get("profile")
    resource = body
    if isinstance(body, dict) and body.get("resourceType") == "Parameters":
        resource, body_mode, body_profile = _from_parameters(body)
        mode, profile = body_mode or mode, body_profile or profile
    if mode is not None and mode not in MODES:
        return operation_outcome(
            issue("error", "invalid", f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        )
    if res_id is not None:
        _readable(services, principal, res_type, res_id)
    if mode == "delete":
        return _can_delete(services, res_type, res_id)
    if not isinstance(resource, dict):
        return operation_outcome(issue("error", "structure", "no resource to validate was given"))
    if resource.get("resourceType") != res_type:
        text = f"resourceType {resource.get('resourceType')!r} does not match {res_type}"
        return operation_outcome(issue("error", "invalid", text, "resourceType"))
    if mode == "update" and res_id is not None and resource.get("id") != res_id:
        return operation_outcome(
            issue("error", "invalid", f"the resource id must be {res_id!r} for mode=update", "id")
        )
    profiles = [profile] if profile else write_profiles(services.settings, resource)
    return validator().validate(resource, profiles)


def _readable(services: Services, principal: Principal, res_type: str, res_id: str) -> None:
    """Instance-level $validate speaks of a stored resource: only one the caller may read (a
    hidden one answers 404, as a read would, so the outcome reveals nothing of it)."""
    with services.store.reading() as conn:
        if services.store.read(conn, res_type, res_id) is not None:
            services.engine.read_any(conn, principal, res_type, res_id, "operation")


def _can_delete(services: Services, res_type: str, res_id: str | None) -> Resource:
    if res_id is None:
        return operation_outcome(issue("error", "required", "mode=delete needs an instance id"))
    with services.store.reading() as conn:
        stored = services.store.read(conn, res_type, res_id)
    if stored is None or stored.deleted:
        return operation_outcome(issue("error", "not-found", f"{res_type}/{res_id} does not exist"))
    return operation_outcome()
