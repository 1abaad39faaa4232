"""An organization's units (every Organization whose partOf chain leads to it) and the
organization behind a PractitionerRole, from the directory; cached per directory generation."""

import json
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Connection, and_, false, select

from service.storage import generations
from service.storage.schema import resources


@dataclass(frozen=True)
class Tree:
    children: dict[str, tuple[str, ...]]  # Organization/… → its direct units
    roles: dict[str, str]  # PractitionerRole/… → Organization/…


_cache: generations.Cache[Tree] = generations.Cache(generations.DIRECTORY)


def _load(conn: Connection) -> Tree:
    rows = conn.execute(
        select(resources.c.res_type, resources.c.res_id, resources.c.content).where(
            and_(
                resources.c.res_type.in_(("Organization", "PractitionerRole")),
                resources.c.deleted == false(),
            )
        )
    )
    children: dict[str, list[str]] = defaultdict(list)
    roles: dict[str, str] = {}
    for row in rows:
        content = json.loads(row.content)
        own = f"{row.res_type}/{row.res_id}"
        if row.res_type == "Organization":
            parent = (content.get("partOf") or {}).get("reference")
            if isinstance(parent, str):
                children[parent].append(own)
        else:
            organization = (content.get("organization") or {}).get("reference")
            if isinstance(organization, str):
                roles[own] = organization
    return Tree({k: tuple(v) for k, v in children.items()}, roles)


def _tree(conn: Connection) -> Tree:
    return _cache.get(conn, "tree", lambda: _load(conn))


def units_of(conn: Connection, organization: str) -> frozenset[str]:
    """The organization and all organizations below it (cycles in partOf are tolerated)."""
    children = _tree(conn).children
    found = {organization}
    todo = [organization]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return frozenset(found)


def organization_of(conn: Connection, reference: str) -> str | None:
    """The Organization a reference names: itself, or a PractitionerRole's organization."""
    if reference.startswith("Organization/"):
        return reference
    if reference.startswith("PractitionerRole/"):
        return _tree(conn).roles.get(reference)
    return None
