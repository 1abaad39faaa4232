"""The session rules at their edges with an injected clock (the end-to-end tests in
test_sign_in.py run them against a real server with the real one), the relying party with
private_key_jwt against the local provider, and the settings sign-in cannot start with. On
SQLite and PostgreSQL."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc.jwk import RSAKey

from service.settings import Settings
from service.storage.database import engine_for, migrate
from service.storage.store import Store
from service.web.oidc import OidcSetupError, Provider, SignInError
from service.web.sessions import SIGN_IN_LIFETIME, Sessions
from tests.support.databases import fresh_postgres_database
from tests.support.oidc import CLIENT_ID, CLIENT_SECRET, OidcProvider

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = fresh_postgres_database() if request.param == "postgres" else None
    engine = engine_for(url or f"sqlite:///{tmp_path / 'sessions.sqlite3'}")
    migrate(engine)
    made = Store(engine)
    yield made
    made.dispose()


def _sessions(store: Store, clock: Clock) -> Sessions:
    return Sessions(store, clock, timedelta(minutes=30), timedelta(hours=8))


def test_a_session_ends_after_30_idle_minutes_not_before(store: Store) -> None:
    clock = Clock()
    sessions = _sessions(store, clock)
    token = sessions.open("anna-vasby", "id.token.here")
    clock.now += timedelta(minutes=29)
    found = sessions.find(token)
    assert found is not None and found.client_id == "anna-vasby"
    clock.now += timedelta(minutes=29)  # 29 minutes after the last request
    assert sessions.find(token) is not None
    clock.now += timedelta(minutes=31)
    assert sessions.find(token) is None
    clock.now -= timedelta(minutes=31)
    assert sessions.find(token) is None  # ended for good, not only looked at as expired


def test_a_used_session_ends_8_hours_after_sign_in(store: Store) -> None:
    clock = Clock()
    sessions = _sessions(store, clock)
    token = sessions.open("anna-vasby", "id.token.here")
    for _ in range(16 * 2 - 1):  # a request every quarter of an hour for 7 h 45
        clock.now += timedelta(minutes=15)
        assert sessions.find(token) is not None
    clock.now += timedelta(minutes=16)
    assert sessions.find(token) is None


def test_sign_out_ends_the_session_and_another_stays(store: Store) -> None:
    clock = Clock()
    sessions = _sessions(store, clock)
    first, second = sessions.open("anna-vasby", "a"), sessions.open("anna-vasby", "b")
    ended = sessions.end(first)
    assert ended is not None and ended.id_token == "a"
    assert sessions.find(first) is None and sessions.end(first) is None
    assert sessions.find(second) is not None


def test_a_sign_in_is_taken_once_with_its_own_state_within_10_minutes(store: Store) -> None:
    clock = Clock()
    sessions = _sessions(store, clock)
    token, attempt = sessions.begin_sign_in("/app/uppfoljning")
    assert sessions.take_sign_in(token, "another state") is None
    token, attempt = sessions.begin_sign_in("/app/uppfoljning")
    assert sessions.take_sign_in("another browser", attempt.state) is None
    taken = sessions.take_sign_in(token, attempt.state)
    assert taken == attempt and taken.return_to == "/app/uppfoljning"
    assert sessions.take_sign_in(token, attempt.state) is None  # used once
    late, attempt = sessions.begin_sign_in("/app/")
    clock.now += SIGN_IN_LIFETIME + timedelta(seconds=1)
    assert sessions.take_sign_in(late, attempt.state) is None


def _settings(provider: OidcProvider, **extra: object) -> Settings:
    values: dict[str, object] = {
        "oidc_issuer": provider.issuer,
        "oidc_client_id": CLIENT_ID,
        **extra,
    }
    return Settings(**values)  # type: ignore[arg-type]


def test_private_key_jwt_and_the_provider_clock(tmp_path: Path) -> None:
    """The client proves itself with a signed assertion instead of a secret; the ID token is
    checked against the injected clock (an hour ahead of the provider's: expired)."""
    key = RSAKey.generate_key(2048, {"kid": "lus-web-1"})
    provider = OidcProvider(person="anna", client_key=key).start()
    try:
        key_file = tmp_path / "web-key.json"
        key_file.write_text(json.dumps(key.as_dict(private=True)))
        clock = Clock()
        provider.clock = lambda: clock.now.timestamp()
        rp = Provider(_settings(provider, oidc_private_key=key_file), clock)
        redirect = "https://lus.example/app/inloggning/svar"

        def code_for(nonce: str, verifier: str) -> str:
            url = rp.authorization_url(redirect, "state-1", nonce, verifier)
            answer = httpx.get(url, timeout=30)
            return parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]

        verifier = "v" * 50
        id_token = rp.exchange(code_for("nonce-1", verifier), redirect, verifier)
        assertion = provider.token_requests[-1]
        assert "client_assertion" in assertion and "client_secret" not in assertion
        assert rp.identity(rp.verify(id_token, "nonce-1")) == "anna"
        with pytest.raises(SignInError, match="refused the code"):
            rp.exchange(code_for("nonce-2", verifier), redirect, "w" * 50)  # wrong verifier
        clock.now += timedelta(hours=1)
        with pytest.raises(SignInError, match="expired"):
            rp.verify(id_token, "nonce-1")
    finally:
        provider.stop()


@pytest.mark.parametrize(
    ("extra", "rule"),
    [
        ({"oidc_client_id": None}, "CLIENT_ID"),
        ({}, "one of LUS_FHIR_OIDC_CLIENT_SECRET"),
        ({"oidc_client_secret": "s", "oidc_issuer": "http://op.example"}, "https"),
    ],
)
def test_settings_sign_in_cannot_work_with_are_refused(extra: dict[str, object], rule: str) -> None:
    provider = OidcProvider()
    with pytest.raises(OidcSetupError, match=rule):
        Provider(_settings(provider, **extra), Clock())


def test_a_provider_that_is_away_is_a_502_not_a_crash() -> None:
    provider = OidcProvider()  # never started: nothing listens on its port
    rp = Provider(_settings(provider, oidc_client_secret=CLIENT_SECRET), Clock())
    with pytest.raises(SignInError) as refused:
        rp.metadata()
    assert refused.value.status == 502
