"""Who is calling: the organization, the client acting for it, and what it was granted.

Every request resolves to one `Principal` (from a bearer token, a client certificate, a web
session after an OpenID Connect sign-in, or the development default when authentication is
off); the engine and everything below take it as an argument and never read HTTP. The server's
own work (deviation monitor, directory load, the simulator) acts as `INTERNAL`, which may do
anything.
"""

from dataclasses import dataclass

from service.auth.scopes import ALL, Scopes

WEB_SESSION = "web-session:"  # a token_id of this prefix names a web session, not a token


@dataclass(frozen=True)
class Principal:
    organization: str  # Organization/… the caller is
    units: frozenset[str]  # the organization and every unit below it (Organization.partOf)
    client_id: str
    scopes: Scopes
    region: bool = False  # the region-wide role: reads everything (statistics, supervision)
    internal: bool = False  # the service itself: reads and writes in any organization's name
    token_id: str | None = None  # the access token's jti, or WEB_SESSION + ref, for the audit log
    method: str = "token"  # token | certificate | oidc | development | internal
    session: str | None = None  # the web session (SHA-256 of its cookie): CSRF tokens bind to it

    @property
    def reads_everything(self) -> bool:
        return self.region or self.internal

    def acts_for(self, organization: str) -> bool:
        """Whether this principal may write in `organization`'s name."""
        return self.internal or organization in self.units


INTERNAL = Principal(
    organization="Organization/lus-fhir",
    units=frozenset(),
    client_id="lus-fhir",
    scopes=ALL,
    internal=True,
    method="internal",
)
