"""A service with the Stockholm directory loaded and the corpus' sender tables, for the intake."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.demo import directory_bundle
from service.rest.app import create_app
from service.settings import Settings
from tests.hl7v2.messages import SENDERS_FILE
from tests.support.auth import signed_in

ER7 = {"Content-Type": "x-application/hl7-v2+er7"}
CORPUS = Path(__file__).parent / "corpus"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, run_worker=False, hl7v2_senders=Path(SENDERS_FILE))
    with signed_in(create_app(settings)) as test_client:
        loaded = test_client.post(
            "/fhir", json=directory_bundle(), headers={"Content-Type": "application/fhir+json"}
        )
        assert loaded.status_code == 200, loaded.text[:500]
        yield test_client


def send(client: TestClient, raw: bytes) -> list[list[str]]:
    """POST one message; the ACK's segments split into fields."""
    response = client.post("/hl7v2", content=raw, headers=ER7)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("x-application/hl7-v2+er7")
    return [s.split("|") for s in response.content.decode("latin-1").split("\r") if s]


def corpus(name: str) -> bytes:
    return (CORPUS / f"{name}.hl7").read_bytes()
