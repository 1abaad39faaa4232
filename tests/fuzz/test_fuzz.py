"""A short fuzz run in the test suite: no request of tests.fuzz.strategies makes the service
answer 5xx, and every 4xx is an OperationOutcome that explains itself (tests.fuzz.exchange).
Derandomized, so CI sends the same requests every time; `make fuzz` sends new ones."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.auth.principal import Principal
from tests.fuzz import strategies, web
from tests.fuzz.exchange import Clients, FuzzRequest, clients_of, problems, send
from tests.fuzz.world import world
from tests.support.auth import ServiceAuth
from tests.support.databases import fresh_postgres_database
from tests.support.oidc import OidcProvider

FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def clients(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Clients]:
    if request.param == "postgres":
        url = fresh_postgres_database()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'lus-fhir.sqlite3'}"
    provider = OidcProvider().start()
    request.addfinalizer(provider.stop)
    app = world(url, provider)

    def client(who: Principal | None) -> TestClient:
        made = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
        if who is not None:
            made.auth = ServiceAuth(app, who)
        return made

    with TestClient(app):  # start-up and shut-down once; the callers' clients share them
        yield clients_of(client)


def _check(clients: Clients, request: FuzzRequest) -> None:
    found = [
        (sent, problem)
        for sent, response in send(clients, request)
        for problem in problems(sent, response)
    ]
    assert not found, "\n\n".join(f"{sent.describe()}\n→ {problem}" for sent, problem in found)


@FUZZ
@given(request=st.one_of(strategies.searches(), strategies.audit_searches()))
def test_searches(clients: Clients, request: FuzzRequest) -> None:
    _check(clients, request)


@FUZZ
@given(request=st.one_of(strategies.writes(), strategies.bundle_posts(), strategies.validations()))
def test_writes(clients: Clients, request: FuzzRequest) -> None:
    _check(clients, request)


@FUZZ
@given(request=st.one_of(strategies.reads(), strategies.operations(), strategies.edges()))
def test_other_routes(clients: Clients, request: FuzzRequest) -> None:
    _check(clients, request)


@FUZZ
@given(
    request=st.one_of(
        strategies.exports(),
        web.page_requests(strategies.CALLERS),
        web.form_posts(strategies.CALLERS),
        web.sign_ins(),
    )
)
def test_export_and_web_pages(clients: Clients, request: FuzzRequest) -> None:
    _check(clients, request)
