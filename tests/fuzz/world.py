"""The data the fuzzer's requests meet: the Stockholm directory, the guide's example journey
(patients, stays, notifications and receipts) and two subscriptions, so that ids, references,
chains, includes and the subscription operations lead somewhere and writes reach the workflow."""

from pathlib import Path

from fastapi import FastAPI

from service.demo import examples_in_load_order
from service.rest.app import create_app
from service.settings import Settings
from tests.fuzz.exchange import PRINCIPALS
from tests.hl7v2.messages import SENDERS_FILE
from tests.statistics.world import AMOUNTS
from tests.subscriptions.support import FHIR, subscription
from tests.support.auth import load_directory, seed, signed_in

SUBSCRIPTIONS = {
    "fuzz-kommun": ("kommun", "http://127.0.0.1:9/hook"),
    "fuzz-region": ("region", None),
}


def settings(database_url: str) -> Settings:
    """Daily amounts for the journey's years, so that invoice bases can be issued and disputed."""
    return Settings(
        database_url=database_url,
        run_worker=False,
        hl7v2_senders=Path(SENDERS_FILE),
        daily_amounts=AMOUNTS,
    )


def world(database_url: str) -> FastAPI:
    """An app on `database_url`, its database holding the directory, the journey and the
    subscriptions (a municipality's rest-hook, never delivered to: no worker runs; the region's
    websocket)."""
    load_directory(database_url)
    app = create_app(settings(database_url))
    seed(app, examples_in_load_order())
    for sub_id, (who, endpoint) in SUBSCRIPTIONS.items():
        kind = "rest-hook" if endpoint else "websocket"
        resource = {**subscription("utskrivningsklar", endpoint, channel_type=kind), "id": sub_id}
        with signed_in(app, PRINCIPALS[who]) as client:
            answer = client.put(f"/fhir/Subscription/{sub_id}", json=resource, headers=FHIR)
            assert answer.status_code == 201, answer.text
    return app
