"""Signing in to the pages through OpenID Connect, end to end: a real `lus-fhir serve` over
HTTPS with authentication on, the small provider of tests/support/oidc.py on loopback, and
httpx as the browser (every redirect followed by hand, so each step is seen). On SQLite and
PostgreSQL.

Anna works at Upplands Väsby's social services and Regina at the region: each is registered
with `lus-fhir clients add --oidc-identity`; Okänd is known to the provider only. The server
also takes Upplands Väsby's organization certificate, so a person can use either way.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from service.audit.render import audit_event
from service.cli.main import app as cli
from service.storage.database import engine_for
from service.storage.schema import audit_events
from tests.statistics.world import AMOUNTS
from tests.support.auth import register
from tests.support.certificates import CertificateAuthority
from tests.support.databases import fresh_postgres_database
from tests.support.oidc import CLIENT_ID, CLIENT_SECRET, OidcProvider
from tests.support.server import ServerProcess, start_server, wait_for
from tests.web.conftest import VASBY, told_world

REGION = "Organization/region-stockholm"
HSA_VASBY = "SE2120000000-vasby1"
SESSION = "__Host-lus-session"
SIGN_IN = "__Host-lus-sign-in"


@dataclass
class Site:
    server: ServerProcess
    provider: OidcProvider
    ca: CertificateAuthority
    told: dict[str, Any]
    data: Path

    def browser(self, certificate: Any = None) -> httpx.Client:
        """A browser without cookies, that follows no redirect by itself."""
        return httpx.Client(
            base_url=self.server.root, verify=self.ca.context(certificate), timeout=30
        )


def _oidc_env(provider: OidcProvider) -> dict[str, str]:
    return {
        "LUS_FHIR_OIDC_ISSUER": provider.issuer,
        "LUS_FHIR_OIDC_CLIENT_ID": CLIENT_ID,
        "LUS_FHIR_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "LUS_FHIR_OIDC_SCOPES": "openid profile",
        "LUS_FHIR_DAILY_AMOUNTS": AMOUNTS,
    }


def register_person(
    database_url: str, client_id: str, organization: str, identity: str, *extra: str
) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "clients",
            "add",
            "--client-id",
            client_id,
            "--organization",
            organization,
            "--scope",
            "system/*.cruds",
            "--oidc-identity",
            identity,
            "--db",
            database_url,
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("sign-in")
    url = fresh_postgres_database() if request.param == "postgres" else None
    told = told_world(data, url)
    provider = OidcProvider().start()
    ca = CertificateAuthority.create(data / "ca")
    server = start_server(data, url, tls=ca, env=_oidc_env(provider))
    try:
        env = {"LUS_FHIR_OIDC_ISSUER": provider.issuer}
        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            register_person(server.database_url, "anna-vasby", VASBY, "anna")
            register_person(server.database_url, "regina", REGION, "regina", "--region")
        register(server.database_url, VASBY, region=False, hsa_id=HSA_VASBY)
        yield Site(server, provider, ca, told, data)
    finally:
        server.stop()
        provider.stop()


def _cookies(response: httpx.Response) -> dict[str, str]:
    """Set-Cookie headers by cookie name (the whole header, attributes included)."""
    return {v.split("=", 1)[0]: v for v in response.headers.get_list("set-cookie")}


def _start(site: Site, browser: httpx.Client, page: str = "/app/") -> httpx.Response:
    """Open a page without a session and take the sign-in page's link to the provider."""
    first = browser.get(page)
    assert first.status_code == 303, first.text[:500]
    assert first.headers["location"] == f"/app/inloggning?till={quote(page, safe='')}"
    started = browser.get(f"/app/inloggning/start?till={quote(page, safe='')}")
    assert started.status_code == 303, started.text[:500]
    assert started.headers["location"].startswith(f"{site.provider.issuer}/authorize?")
    return started


def _at_provider(started: httpx.Response) -> str:
    """The provider signs the person in and sends the browser back: the callback URL."""
    answer = httpx.get(started.headers["location"], timeout=30)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def sign_in(site: Site, person: str, page: str = "/app/") -> tuple[httpx.Client, httpx.Response]:
    """The whole flow for `person`; the browser and the callback's answer."""
    site.provider.person = person
    browser = site.browser()
    callback = _at_provider(_start(site, browser, page))
    return browser, browser.get(callback.removeprefix(site.server.root))


def _audit(site: Site, client_id: str) -> list[Any]:
    engine = engine_for(site.server.database_url)
    try:
        with engine.connect() as conn:
            query = select(audit_events).where(audit_events.c.client_id == client_id)
            return list(conn.execute(query))
    finally:
        engine.dispose()


def test_the_full_redirect_flow_signs_anna_in(site: Site) -> None:
    browser = site.browser()
    page = f"/app/vardtillfalle/{site.told['september']}"
    login = browser.get(f"/app/inloggning?till={quote(page, safe='')}")
    assert login.status_code == 200
    assert "Logga in via inloggningstjänsten" in login.text
    assert "organisationens certifikat" in login.text  # both ways are offered
    started = _start(site, browser, page)
    sent = {k: v[0] for k, v in parse_qs(urlsplit(started.headers["location"]).query).items()}
    assert sent["response_type"] == "code" and sent["client_id"] == CLIENT_ID
    assert sent["code_challenge_method"] == "S256" and len(sent["code_challenge"]) == 43
    assert sent["scope"].split() == ["openid", "profile"]
    assert sent["redirect_uri"] == f"{site.server.root}/app/inloggning/svar"
    assert len(sent["state"]) >= 32 and len(sent["nonce"]) >= 32
    attempt = _cookies(started)[SIGN_IN]
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in attempt
    site.provider.person = "anna"
    callback = _at_provider(started)
    back = browser.get(callback.removeprefix(site.server.root))
    assert back.status_code == 303, back.text[:500]
    assert back.headers["location"] == page
    session = _cookies(back)[SESSION]
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=28800"):
        assert flag in session
    assert "Max-Age=0" in _cookies(back)[SIGN_IN]  # the sign-in cookie is done
    token_request = site.provider.token_requests[-1]
    assert token_request["code_verifier"] and token_request["grant_type"] == "authorization_code"
    shown = browser.get(page)
    assert shown.status_code == 200, shown.text[:500]
    assert "Tidslinje" in shown.text and "Logga ut" in shown.text
    assert "Upplands Väsby" in shown.text
    overview = browser.get("/app/")
    assert overview.status_code == 200 and "Översikt" in overview.text


def test_the_person_sees_only_her_own_municipality(site: Site) -> None:
    anna, _ = sign_in(site, "anna")
    overview = anna.get("/app/")
    assert '<option value="kommun-0114" selected>' in overview.text
    assert "kommun-0182" not in overview.text and "lan-01" not in overview.text
    assert anna.get("/app/?omrade=kommun-0182").status_code == 403
    assert anna.get("/app/?omrade=lan-01").status_code == 403
    assert anna.get(f"/app/vardtillfalle/{site.told['nacka_stay']}").status_code == 404
    assert anna.get(f"/app/vardtillfalle/{site.told['september']}").status_code == 200
    regina, _ = sign_in(site, "regina")
    county = regina.get("/app/?omrade=lan-01")
    assert county.status_code == 200 and "kommun-0182" in county.text
    assert regina.get(f"/app/vardtillfalle/{site.told['nacka_stay']}").status_code == 200


def test_the_access_log_names_the_person_and_how_she_signed_in(site: Site) -> None:
    anna, _ = sign_in(site, "anna")
    assert anna.get(f"/app/vardtillfalle/{site.told['september']}").status_code == 200

    def logged() -> set[str]:
        return {r.subtype for r in _audit(site, "anna-vasby") if r.authentication == "oidc"}

    wait_for(lambda: {"login", "web-stay"} <= logged(), 10, logged)
    rows = _audit(site, "anna-vasby")
    assert {r.organization for r in rows} == {VASBY}
    views = [r for r in rows if r.subtype == "web-stay"]
    assert views and all(r.token_id.startswith("web-session:") for r in views)
    organization = audit_event(views[0], [], [])["agent"][1]
    assert organization["policy"] == [f"urn:lus-fhir:{views[0].token_id}"]  # no jti to name


def test_an_unknown_person_is_refused_with_a_page(site: Site) -> None:
    browser, answer = sign_in(site, "okand")
    assert answer.status_code == 403
    assert "text/html" in answer.headers["content-type"]
    assert "inte registrerad" in answer.text and "okand" in answer.text
    assert SESSION not in _cookies(answer)
    assert browser.get("/app/").status_code == 303


def test_a_wrong_or_foreign_or_reused_state_is_refused(site: Site) -> None:
    site.provider.person = "anna"
    browser = site.browser()
    callback = _at_provider(_start(site, browser))
    code = parse_qs(urlsplit(callback).query)["code"][0]
    wrong = browser.get(f"/app/inloggning/svar?code={code}&state=forged")
    assert wrong.status_code == 400 and "state" in wrong.text
    assert SESSION not in _cookies(wrong)
    # the attempt is used up by the wrong try: the right state does not work afterwards
    assert browser.get(callback.removeprefix(site.server.root)).status_code == 400
    # a callback another browser started (login CSRF) finds no sign-in of this browser
    other = site.browser()
    callback = _at_provider(_start(site, other))
    assert site.browser().get(callback.removeprefix(site.server.root)).status_code == 400
    assert other.get(callback.removeprefix(site.server.root)).status_code == 303


@pytest.mark.parametrize(
    ("tamper", "rule"),
    [
        ({"claims": {"nonce": "another"}}, "nonce"),
        ({"claims": {"aud": "another-client"}}, "aud"),
        ({"claims": {"iss": "https://op.example"}}, "iss"),
        ({"claims": {"exp": int(time.time()) - 3600}}, "exp"),
        ({"forge": True}, "signature"),
        ({"unsigned": True}, "alg"),
        ({"wrong_challenge": True}, "refused the code"),
    ],
    ids=["nonce", "audience", "issuer", "expired", "bad-signature", "alg-none", "pkce"],
)
def test_an_id_token_that_does_not_hold_is_refused(
    site: Site, tamper: dict[str, Any], rule: str
) -> None:
    provider = site.provider
    for name, value in tamper.items():
        setattr(provider, name, value)
    try:
        browser, answer = sign_in(site, "anna")
    finally:
        provider.claims, provider.forge, provider.unsigned = {}, False, False
        provider.wrong_challenge = False
    assert answer.status_code == 403, answer.text[:500]
    assert rule in answer.text
    assert SESSION not in _cookies(answer)
    assert browser.get("/app/").status_code == 303


def test_sign_out_ends_the_session_here_and_at_the_provider(site: Site) -> None:
    browser, _ = sign_in(site, "anna")
    cookie = browser.cookies[SESSION]
    page = browser.get("/app/")
    policy = page.headers["content-security-policy"]
    assert f"form-action 'self' {site.provider.issuer};" in policy  # the logout redirect
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    refused = browser.post("/app/utloggning", data={"csrf": "1.forged"})
    assert refused.status_code == 403
    assert browser.get("/app/").status_code == 200  # a forged sign-out changed nothing
    out = browser.post("/app/utloggning", data={"csrf": csrf})
    assert out.status_code == 303
    target = urlsplit(out.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{site.provider.issuer}/logout"
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["post_logout_redirect_uri"] == f"{site.server.root}/app/inloggning?utloggad=1"
    assert query["id_token_hint"].count(".") == 2 and query["client_id"] == CLIENT_ID
    assert "Max-Age=0" in _cookies(out)[SESSION]
    back = httpx.get(out.headers["location"], timeout=30)
    assert back.headers["location"] == query["post_logout_redirect_uri"]
    assert "Du är utloggad" in browser.get("/app/inloggning?utloggad=1").text
    # the old cookie is dead in the server, not only forgotten by the browser
    replayed = site.browser()
    replayed.cookies.set(SESSION, cookie, domain="127.0.0.1")
    ended = replayed.get("/app/")
    assert ended.status_code == 303 and "slut=1" in ended.headers["location"]


def test_csrf_tokens_bind_to_the_session(site: Site) -> None:
    first, _ = sign_in(site, "anna")
    second, _ = sign_in(site, "anna")  # the same person, another browser
    page = first.get("/app/")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert second.post("/app/utloggning", data={"csrf": csrf}).status_code == 403
    assert second.get("/app/").status_code == 200
    assert first.post("/app/utloggning", data={"csrf": csrf}).status_code == 303


def test_removing_the_registration_ends_the_persons_sessions(site: Site) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LUS_FHIR_OIDC_ISSUER", site.provider.issuer)
        register_person(site.server.database_url, "bert-vasby", VASBY, "bert")
    bert, _ = sign_in(site, "bert")
    assert bert.get("/app/").status_code == 200
    removed = CliRunner().invoke(
        cli, ["clients", "remove", "bert-vasby", "--db", site.server.database_url]
    )
    assert removed.exit_code == 0, removed.output
    gone = bert.get("/app/")
    assert gone.status_code == 303 and "slut=1" in gone.headers["location"]


def test_a_bad_token_on_a_page_is_401_not_the_sign_in_page(site: Site) -> None:
    with site.browser() as script:
        answer = script.get("/app/", headers={"Authorization": "Bearer not-a-token"})
    assert answer.status_code == 401 and "invalid_token" in answer.headers["www-authenticate"]


def test_the_session_cookie_does_not_open_the_fhir_api(site: Site) -> None:
    browser, _ = sign_in(site, "anna")
    answer = browser.get("/fhir/Encounter")
    assert answer.status_code == 401 and answer.headers["www-authenticate"].startswith("Bearer")


def test_the_certificate_works_beside_oidc(site: Site) -> None:
    certificate = site.ca.client(HSA_VASBY)
    with site.browser(certificate) as browser:
        page = browser.get(f"/app/vardtillfalle/{site.told['september']}")
        assert page.status_code == 200 and "Tidslinje" in page.text
        assert "Logga ut" not in page.text  # a certificate session ends with the card


def test_sign_in_goes_back_to_pages_of_this_site_only(site: Site) -> None:
    browser = site.browser()
    site.provider.person = "anna"
    started = browser.get("/app/inloggning/start?till=https://evil.example/app/")
    callback = _at_provider(started)
    back = browser.get(callback.removeprefix(site.server.root))
    assert back.headers["location"] == "/app/"


def test_sessions_expire_when_idle_and_after_their_lifetime(site: Site) -> None:
    """A server of its own with a 3-second idle limit and a 7-second lifetime."""
    env = {
        **_oidc_env(site.provider),
        "LUS_FHIR_SESSION_IDLE_MINUTES": "0.05",
        "LUS_FHIR_SESSION_HOURS": str(7 / 3600),
    }
    server = start_server(site.data, site.server.database_url, tls=site.ca, env=env)
    short = Site(server, site.provider, site.ca, site.told, site.data)
    try:
        idle, _ = sign_in(short, "anna")
        assert idle.get("/app/").status_code == 200
        time.sleep(3.5)
        expired = idle.get("/app/")
        assert expired.status_code == 303 and "slut=1" in expired.headers["location"]
        assert "Max-Age=0" in _cookies(expired)[SESSION]
        busy, _ = sign_in(short, "anna")
        signed_in_at = time.monotonic()
        while time.monotonic() - signed_in_at < 6:
            assert busy.get("/app/inloggning").status_code == 200
            assert busy.get("/app/vardtillfalle").status_code == 200  # active: not idle
            time.sleep(0.5)
        time.sleep(max(0.0, 7.5 - (time.monotonic() - signed_in_at)))
        assert busy.get("/app/vardtillfalle").status_code == 303  # the lifetime is over
    finally:
        server.stop()
