"""The data the fuzzer's requests meet: the Stockholm directory, the guide's example journey
(patients, stays, notifications and receipts) and two subscriptions, so that ids, references,
chains, includes and the subscription operations lead somewhere and writes reach the workflow."""

from dataclasses import replace
from pathlib import Path

from fastapi import FastAPI
from pydantic import SecretStr

from service.auth.clients import Client, add
from service.auth.scopes import Scopes
from service.demo import examples_in_load_order
from service.fhirtime import utc_now
from service.rest.app import create_app
from service.settings import Settings
from tests.fuzz.exchange import PRINCIPALS
from tests.hl7v2.messages import SENDERS_FILE
from tests.statistics.world import AMOUNTS
from tests.subscriptions.support import FHIR, subscription
from tests.support.auth import load_directory, seed, signed_in
from tests.support.oidc import CLIENT_ID, CLIENT_SECRET, OidcProvider

SUBSCRIPTIONS = {
    "fuzz-kommun": ("kommun", "http://127.0.0.1:9/hook"),
    "fuzz-region": ("region", None),
}


# The person the provider signs in (OidcProvider.person), registered for a district.
PERSON = Client(
    client_id="fuzz-person",
    organization="Organization/sdf-hagersten-alvsjo",
    scopes=Scopes.parse("system/*.rs"),
    oidc_identity=OidcProvider.person,
)


def settings(database_url: str, provider: OidcProvider) -> Settings:
    """Daily amounts for the journey's years, so that invoice bases can be issued and disputed;
    sign-in through `provider`."""
    return Settings(
        database_url=database_url,
        run_worker=False,
        hl7v2_senders=Path(SENDERS_FILE),
        daily_amounts=AMOUNTS,
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=SecretStr(CLIENT_SECRET),
    )


def oidc_env(provider: OidcProvider) -> dict[str, str]:
    """The same sign-in settings for a server process."""
    return {
        "LUS_FHIR_OIDC_ISSUER": provider.issuer,
        "LUS_FHIR_OIDC_CLIENT_ID": CLIENT_ID,
        "LUS_FHIR_OIDC_CLIENT_SECRET": CLIENT_SECRET,
    }


def world(database_url: str, provider: OidcProvider) -> FastAPI:
    """An app on `database_url`, its database holding the directory, the journey, the
    subscriptions (a municipality's rest-hook, never delivered to: no worker runs; the region's
    websocket) and the person `provider` signs in."""
    load_directory(database_url)
    app = create_app(settings(database_url, provider))
    seed(app, examples_in_load_order())
    with app.state.services.store.begin() as conn:
        add(conn, replace(PERSON, oidc_issuer=provider.issuer), utc_now())
    for sub_id, (who, endpoint) in SUBSCRIPTIONS.items():
        kind = "rest-hook" if endpoint else "websocket"
        resource = {**subscription("utskrivningsklar", endpoint, channel_type=kind), "id": sub_id}
        with signed_in(app, PRINCIPALS[who]) as client:
            answer = client.put(f"/fhir/Subscription/{sub_id}", json=resource, headers=FHIR)
            assert answer.status_code == 201, answer.text
    return app
