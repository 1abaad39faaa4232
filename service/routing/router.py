"""Routes one notification: the rules name roles, the roles name organizations, the directory
names each organization's endpoint. What cannot be routed is reported, never dropped."""

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from service.routing import roles
from service.routing.directory import Destination, destination, search

RULES = Path(__file__).parent / "rules.yaml"


@dataclass(frozen=True)
class Rules:
    events: dict[str, list[str]]
    optional: frozenset[str]
    deviations: dict[str, list[str]]

    def roles_for(self, event: str, notification: dict[str, object]) -> list[str]:
        """The roles an event goes to; a deviation goes to whoever is responsible for its kind."""
        if event == "avvikelse":
            code = deviation_code(notification)
            if code in self.deviations:
                return self.deviations[code]
        return self.events.get(event, [])


@cache
def rules(path: Path = RULES) -> Rules:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    named = [*data["events"].values(), *data.get("deviations", {}).values()]
    unknown = {r for names in named for r in names} - set(roles.ROLES)
    if unknown:
        raise ValueError(f"{path}: unknown routing roles {sorted(unknown)}")
    return Rules(data["events"], frozenset(data.get("optional", [])), data.get("deviations", {}))


def deviation_code(resource: dict[str, object]) -> str | None:
    code = resource.get("code")
    codings = code.get("coding", []) if isinstance(code, dict) else []
    return next((str(c["code"]) for c in codings if isinstance(c, dict) and "code" in c), None)


@dataclass
class Routing:
    destinations: list[tuple[str, Destination]] = field(default_factory=list)  # (role, where)
    problems: list[str] = field(default_factory=list)  # why something could not be routed


def route(ctx: roles.Context) -> Routing:
    result = Routing()
    owner = ctx.notification.get("owner", {}).get("reference")
    wanted: list[tuple[str, list[str]]] = []
    if owner:
        wanted.append(("owner", [owner]))
    else:
        for role in rules().roles_for(ctx.event, ctx.notification):
            try:
                found = roles.ROLES[role](ctx)
            except roles.Unroutable as reason:
                result.problems.append(f"{role}: {reason}")
                continue
            if not found and role not in rules().optional:
                result.problems.append(f"{role}: nobody fills this role for the patient")
            wanted.append((role, found))
    seen: set[str] = set()
    for role, references in wanted:
        for reference in references:
            if reference in seen or not reference.startswith("Organization/"):
                continue
            seen.add(reference)
            organization = search(ctx.conn, "Organization", [("_id", reference.split("/", 1)[1])])
            if not organization:
                result.problems.append(f"{role}: {reference} is not in the directory")
                continue
            where = destination(ctx.conn, organization[0], ctx.event, ctx.at)
            if where.endpoint is None:
                result.problems.append(
                    f"{role}: {reference} has no active endpoint for {ctx.event} on {ctx.at.date()}"
                )
            result.destinations.append((role, where))
    return result
