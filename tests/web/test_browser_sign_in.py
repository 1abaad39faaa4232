"""Signing in through OpenID Connect in a real browser (Debian's chromium driven by Selenium):
a page of a server with authentication on sends the browser to the sign-in page, the button
takes it to the small provider of tests/support/oidc.py and back, and Anna of Upplands Väsby
sees Översikt of her municipality; sign-out ends there with "Du är utloggad". Screenshots go
under build/screenshots/ with the other pages'.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.certificates import CertificateAuthority
from tests.support.oidc import OidcProvider
from tests.support.server import ServerProcess, start_server
from tests.web.conftest import VASBY, told_world
from tests.web.test_browser import SCREENSHOTS, _open, chromium, require_chromium
from tests.web.test_sign_in import _oidc_env, register_person


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    require_chromium()
    data = tmp_path_factory.mktemp("browser-sign-in")
    told_world(data, None)
    provider = OidcProvider(person="anna").start()
    ca = CertificateAuthority.create(data / "ca")
    started = start_server(data, tls=ca, env=_oidc_env(provider))
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("LUS_FHIR_OIDC_ISSUER", provider.issuer)
            register_person(started.database_url, "anna-vasby", VASBY, "anna")
        yield started
    finally:
        started.stop()
        provider.stop()


@pytest.fixture(scope="module")
def browser(server: ServerProcess) -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def test_a_person_signs_in_through_the_provider_and_sees_the_overview(
    browser: Any, server: ServerProcess
) -> None:
    _open(browser, server, "/app/", "inloggning")
    assert "/app/inloggning?till=" in browser.current_url
    assert browser.find_element(By.TAG_NAME, "h1").text == "Logga in"
    browser.find_element(By.ID, "logga-in").click()
    WebDriverWait(browser, 30).until(
        lambda d: (
            d.current_url.startswith(server.root + "/app/")
            and "/app/inloggning" not in d.current_url
            and d.execute_script("return document.readyState") == "complete"
        )
    )
    _open(browser, server, browser.current_url.removeprefix(server.root), "oversikt-inloggad")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Översikt")
    header = browser.find_element(By.CSS_SELECTOR, "header.site").text
    assert "Upplands Väsby" in header
    session = browser.get_cookie("__Host-lus-session")
    assert session is not None and session["httpOnly"] and session["secure"]
    assert session["sameSite"] == "Lax"
    browser.find_element(By.CSS_SELECTOR, "form.sign-out button").click()
    WebDriverWait(browser, 30).until(
        lambda d: (
            "utloggad=1" in d.current_url
            and d.execute_script("return document.readyState") == "complete"
        )
    )
    assert "Du är utloggad" in browser.find_element(By.TAG_NAME, "main").text
    assert browser.get_cookie("__Host-lus-session") is None
    browser.save_screenshot(str(SCREENSHOTS / "utloggad.png"))
