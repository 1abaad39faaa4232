"""Fixtures for the interop tests: a running HAPI FHIR server named by LUS_FHIR_TEST_HAPI_URL
(`docker/hapi/start.sh PORT PACKAGE` starts one and prints its base URL)."""

import os
from collections.abc import Iterator

import pytest

from tests.interop.compare import Hapi, Row, compare, write_report
from tests.support.databases import skip_or_fail

HAPI_URL_ENV = "LUS_FHIR_TEST_HAPI_URL"
NOT_RUNNING = "HAPI FHIR not running: docker/hapi/start.sh starts one"


@pytest.fixture(scope="session")
def hapi_url() -> str:
    url = os.environ.get(HAPI_URL_ENV, "").strip()
    if not url:
        skip_or_fail(NOT_RUNNING)
    return url.rstrip("/")


@pytest.fixture(scope="session")
def hapi(hapi_url: str) -> Iterator[Hapi]:
    client = Hapi(hapi_url)
    yield client
    client.close()


@pytest.fixture(scope="session")
def comparison(hapi: Hapi, hapi_url: str) -> dict[str, Row]:
    """Every valid example and invalid case validated by us and by HAPI, by example name; the
    disagreement report is written as a side effect (once per xdist worker, atomically)."""
    rows = compare(hapi)
    write_report(rows, hapi_url)
    return {row.example: row for row in rows}
