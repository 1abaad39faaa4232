"""The data the fuzzer's requests meet: the Stockholm directory and the guide's example journey
(patients, stays, notifications and receipts), so that ids, references, chains and includes
lead somewhere and writes reach the workflow."""

from pathlib import Path

from fastapi import FastAPI

from service.demo import examples_in_load_order
from service.rest.app import create_app
from service.settings import Settings
from tests.hl7v2.messages import SENDERS_FILE
from tests.support.auth import load_directory, seed


def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, run_worker=False, hl7v2_senders=Path(SENDERS_FILE))


def world(database_url: str) -> FastAPI:
    """An app on `database_url`, its database holding the directory and the journey."""
    load_directory(database_url)
    app = create_app(settings(database_url))
    seed(app, examples_in_load_order())
    return app
