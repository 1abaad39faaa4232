"""SMART scopes (App Launch 1.0 `.read`/`.write`/`.*` and 2.x `.cruds`), for system clients.

A scope names a resource type (or `*`) and the interactions it permits: c(reate), r(ead),
u(pdate), d(elete), s(earch). v1 suffixes translate as the 2.x text says: `.read` → `rs`,
`.write` → `cud`, `.*` → `cruds`. Only `system/` scopes mean anything to a backend service;
`patient/`, `user/` and scopes with search filters (`?…`, experimental in 2.x) are not granted.
"""

import re
from dataclasses import dataclass

INTERACTIONS = "cruds"
V1 = {"read": "rs", "write": "cud", "*": "cruds"}
_SCOPE = re.compile(r"^system/(\*|[A-Z][A-Za-z]+)\.([a-z*]+)$")


class ScopeError(ValueError):
    """A scope string this server cannot grant."""


@dataclass(frozen=True, order=True)
class Scope:
    resource_type: str  # a type or "*"
    interactions: str  # an in-order subset of "cruds"

    def __str__(self) -> str:
        return f"system/{self.resource_type}.{self.interactions}"

    def permits(self, resource_type: str, interaction: str) -> bool:
        return self.resource_type in ("*", resource_type) and interaction in self.interactions


def parse_scope(text: str) -> Scope:
    match = _SCOPE.match(text)
    if match is None:
        raise ScopeError(
            f"{text!r} is not a system scope (system/Type.cruds, system/*.rs, system/Type.read)"
        )
    resource_type, suffix = match.groups()
    interactions = V1.get(suffix, suffix)
    if not interactions or any(c not in INTERACTIONS for c in interactions):
        raise ScopeError(f"{text!r}: the interactions must be a subset of c, r, u, d, s")
    if "".join(c for c in INTERACTIONS if c in interactions) != interactions:
        raise ScopeError(f"{text!r}: the interactions must be in the order c, r, u, d, s")
    return Scope(resource_type, interactions)


@dataclass(frozen=True)
class Scopes:
    granted: frozenset[Scope]

    @staticmethod
    def parse(text: str) -> "Scopes":
        """Every scope of a space-separated list (ScopeError naming the first bad one)."""
        return Scopes(frozenset(parse_scope(s) for s in text.split()))

    def __str__(self) -> str:
        return " ".join(str(s) for s in sorted(self.granted))

    def permits(self, resource_type: str, interaction: str) -> bool:
        return any(s.permits(resource_type, interaction) for s in self.granted)

    def within(self, allowed: "Scopes") -> "Scopes":
        """What of these scopes `allowed` covers: per scope, the interactions an allowed scope
        of the same or a wildcard type permits (a request never gets more than registered)."""
        kept = set()
        for scope in self.granted:
            for other in allowed.granted:
                if other.resource_type not in ("*", scope.resource_type):
                    continue
                common = "".join(c for c in scope.interactions if c in other.interactions)
                if common:
                    kept.add(Scope(scope.resource_type, common))
        return Scopes(frozenset(_merged(kept)))


def _merged(scopes: set[Scope]) -> set[Scope]:
    """One scope per resource type, with the union of its interactions."""
    by_type: dict[str, set[str]] = {}
    for scope in scopes:
        by_type.setdefault(scope.resource_type, set()).update(scope.interactions)
    return {Scope(t, "".join(c for c in INTERACTIONS if c in cs)) for t, cs in by_type.items()}


ALL = Scopes(frozenset({Scope("*", INTERACTIONS)}))
