"""The intake as the running service builds it: the app's engine and the configured sender
tables; and the principal plain MLLP connections act as."""

import threading
import weakref
from functools import cache
from pathlib import Path

from mappers.hl7v2 import Senders, load_senders
from service.access.units import units_of
from service.auth.clients import get as registration
from service.auth.principal import Principal
from service.hl7v2.intake import Intake
from service.rest.services import Services


@cache
def senders(path: Path | None, charset: str) -> Senders:
    return load_senders(path, charset)


_INTAKES: dict[int, Intake] = {}  # by id(services), dropped with the services
_LOCK = threading.Lock()


def intake(services: Services) -> Intake:
    """The service's one intake, for MLLP and HTTP; it commits through the service's group
    committer."""
    with _LOCK:
        found = _INTAKES.get(id(services))
        if found is None:
            settings = services.settings
            tables = senders(settings.hl7v2_senders, settings.hl7v2_charset)
            found = Intake(services.engine, tables, services.clock, services.group_commit)
            _INTAKES[id(services)] = found
            weakref.finalize(services, _INTAKES.pop, id(services), None)
        return found


class NoMllpPrincipal(RuntimeError):
    """The listener cannot know whom its connections write for: it does not start."""


def mllp_principal(services: Services) -> Principal:
    """Plain MLLP carries no credentials: its connections act with the rights of the client
    registration LUS_FHIR_MLLP_CLIENT names (e.g. a hospital's integration engine, so a feed
    writes only its own wards' stays), or — authentication off — the development principal.
    With authentication on and no registration named, the listener does not start."""
    if not services.settings.auth:
        return services.authenticator.development()
    client_id = services.settings.mllp_client
    if client_id is None:
        raise NoMllpPrincipal(
            "the MLLP listener needs LUS_FHIR_MLLP_CLIENT (a registered client id, see "
            "`lus-fhir clients add`) while authentication is on"
        )
    with services.store.reading() as conn:
        client = registration(conn, client_id)
        if client is None:
            raise NoMllpPrincipal(f"LUS_FHIR_MLLP_CLIENT {client_id!r} is not a registered client")
        units = units_of(conn, client.organization)
    return Principal(
        organization=client.organization,
        units=units,
        client_id=client.client_id,
        scopes=client.scopes,
        region=client.region,
        method="mllp",
    )
