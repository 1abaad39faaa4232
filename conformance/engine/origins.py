"""Who performs an operation. A TestScript `origin` stands for a client acting for one
organization (extension ORIGIN_ORGANIZATION names it); an operation with `origin` is sent with
that organization's credentials, one without it with the runner's default client. A receiver's
rights differ from a sender's, so a suite that checks them has to act as both."""

from collections.abc import Mapping

import httpx
from httpx import USE_CLIENT_DEFAULT
from httpx._client import UseClientDefault

from conformance.engine.context import Resource, ScriptError

ORIGIN_ORGANIZATION = "https://lus-fhir.se/fhir/StructureDefinition/testscript-origin-organization"
# An origin with this extension (valueBoolean true) sends no credentials at all.
ORIGIN_ANONYMOUS = "https://lus-fhir.se/fhir/StructureDefinition/testscript-origin-anonymous"

# Organization reference ("Organization/hemtjanst-aros") → the credentials of its client.
Credentials = Mapping[str, httpx.Auth]


def organizations(script: Resource) -> dict[int, str | None]:
    """Origin index → the organization reference its extension names (None: anonymous)."""
    found: dict[int, str | None] = {}
    for origin in script.get("origin", []):
        index = origin.get("index")
        if not isinstance(index, int) or isinstance(index, bool):
            raise ScriptError(f"TestScript.origin {origin!r} has no integer index")
        extensions = origin.get("extension", [])
        if any(e.get("url") == ORIGIN_ANONYMOUS and e.get("valueBoolean") for e in extensions):
            found[index] = None
            continue
        named = [
            extension.get("valueReference", {}).get("reference")
            for extension in extensions
            if extension.get("url") == ORIGIN_ORGANIZATION
        ]
        if len(named) != 1 or not named[0]:
            raise ScriptError(
                f"TestScript.origin {index} must name its organization with one extension "
                f"{ORIGIN_ORGANIZATION} (valueReference)"
            )
        found[index] = named[0]
    return found


def auth_for(
    operation: Resource, origins: Mapping[int, str | None], credentials: Credentials | None
) -> httpx.Auth | UseClientDefault | None:
    """The credentials an operation is sent with. Without credentials per organization every
    origin acts as the default client (a server without authorization is tested that way)."""
    index = operation.get("origin")
    if index is None:
        return USE_CLIENT_DEFAULT
    if index not in origins:
        raise ScriptError(f"operation names origin {index}, which the TestScript does not declare")
    organization = origins[index]
    if organization is None:
        return None
    if credentials is None:
        return USE_CLIENT_DEFAULT
    if organization not in credentials:
        raise ScriptError(
            f"origin {index} acts as {organization}, and the credentials name no client for it "
            "(see `lus-fhir conformance credentials`)"
        )
    return credentials[organization]
