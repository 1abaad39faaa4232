"""The pages in a real browser (Debian's chromium driven by Selenium) against real `lus-fhir
serve` processes over the web tests' scripted stays: each page loads without console errors, its
charts draw, a filter changes the figures, and a dispute goes from the municipality to the region
and back. Screenshots of each page are saved under build/screenshots/.

Two servers share the database with authentication off: one acts as Upplands Väsby's social
services (LUS_FHIR_DEVELOPMENT_ORGANIZATION), one as the service itself (the region's view).
Without chromium and chromedriver the tests skip and say so (fail with
LUS_FHIR_REQUIRE_REAL_COMPONENTS=1).
"""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.statistics.world import AMOUNTS
from tests.support.databases import skip_or_fail
from tests.support.server import ServerProcess, start_server
from tests.web.conftest import VASBY, told_world

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
AUTUMN = "omrade=kommun-0114&fran=2026-09&till=2026-10"
INVOICE = "/app/fakturaunderlag?kommun=0114&manad=2026-10"


@dataclass
class Servers:
    region: ServerProcess
    vasby: ServerProcess
    told: dict[str, Any]


def require_chromium() -> None:
    """Skip (fail in CI) before any server is started when there is no browser to drive."""
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        skip_or_fail(
            "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
        )


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    require_chromium()
    data = tmp_path_factory.mktemp("browser")
    told = told_world(data, None)
    common = {"LUS_FHIR_AUTH": "off", "LUS_FHIR_DAILY_AMOUNTS": AMOUNTS}
    region = start_server(data, env=common)
    try:
        vasby = start_server(data, env={**common, "LUS_FHIR_DEVELOPMENT_ORGANIZATION": VASBY})
        try:
            yield Servers(region, vasby, told)
        finally:
            vasby.stop()
    finally:
        region.stop()


@contextmanager
def chromium() -> Iterator[Any]:
    """Headless chromium with its console log; it takes the certificates of the tests' own CA
    (HTTPS servers in tests/support/certificates.py)."""
    require_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = str(shutil.which("chromium"))
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,2400"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.accept_insecure_certs = True
    driver = webdriver.Chrome(service=Service(str(shutil.which("chromedriver"))), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def browser(servers: Servers) -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def _open(browser: Any, server: ServerProcess, path: str, shot: str | None = None) -> None:
    """Load the page, wait until it is complete, and require a console without errors."""
    browser.get(server.root + path)
    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == [], errors
    if shot:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(SCREENSHOTS / f"{shot}.png"))


PAINTED = """
const canvas = arguments[0];
const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
let painted = 0;
for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
return [canvas.dataset.drawn || '', painted, canvas.width * canvas.height];
"""


def test_the_overview_draws_every_chart(browser: Any, servers: Servers) -> None:
    _open(browser, servers.region, f"/app/?{AUTUMN}", "oversikt")
    canvases = browser.find_elements(By.CSS_SELECTOR, "canvas[data-chart]")
    assert len(canvases) == 9
    for canvas in canvases:
        drawn, painted, total = browser.execute_script(PAINTED, canvas)
        assert drawn == "true" and painted > 0.01 * total, (canvas.get_attribute("id"), painted)


def test_the_followup_page_draws_its_charts(browser: Any, servers: Servers) -> None:
    _open(browser, servers.region, f"/app/uppfoljning?{AUTUMN}", "uppfoljning")
    canvases = browser.find_elements(By.CSS_SELECTOR, "canvas[data-chart]")
    assert len(canvases) == 7
    drawn, painted, total = browser.execute_script(PAINTED, canvases[0])
    assert drawn == "true" and painted > 0.005 * total
    browser.find_element(By.TAG_NAME, "summary").click()
    link = browser.find_element(By.LINK_TEXT, servers.told["september"])
    link.click()
    WebDriverWait(browser, 20).until(lambda d: "/app/vardtillfalle/" in d.current_url)
    _open(browser, servers.region, browser.current_url.removeprefix(servers.region.root))
    assert "Tidslinje" in browser.find_element(By.TAG_NAME, "main").text


def test_a_filter_changes_the_numbers(browser: Any, servers: Servers) -> None:
    _open(browser, servers.region, f"/app/?{AUTUMN}")

    def mean_days() -> list[str]:
        table = browser.find_elements(By.CSS_SELECTOR, "section.chart table")[0]
        return [cell.text for cell in table.find_elements(By.CSS_SELECTOR, "tbody td")]

    assert mean_days() == ["6,00", "6,00", "3,50", "5,67"]  # Väsby, county; Sep, Oct
    Select(browser.find_element(By.ID, "vardform")).select_by_value("psykiatrisk")
    browser.find_element(By.CSS_SELECTOR, "form.filters button").click()
    WebDriverWait(browser, 20).until(lambda d: "vardform=" in d.current_url)
    _open(browser, servers.region, browser.current_url.removeprefix(servers.region.root))
    assert "vardform=psykiatrisk" in browser.current_url
    assert mean_days() == ["–", "–", "4,00", "4,00"]


def test_the_stay_page(browser: Any, servers: Servers) -> None:
    _open(
        browser, servers.vasby, f"/app/vardtillfalle/{servers.told['september']}", "vardtillfalle"
    )
    text = browser.find_element(By.TAG_NAME, "main").text
    assert "Underrättelse om utskrivningsklar" in text and "Debiterbara dagar" in text


def _submit(browser: Any, server: ServerProcess, form: Any) -> None:
    """Send the form and check the page it leads to as every other. The wait is for the old
    page to go (its button gone stale): the page before may already have had `klart=` in its
    address, and the new one may not have arrived yet."""
    button = form.find_element(By.CSS_SELECTOR, "button[type=submit]")
    button.click()
    WebDriverWait(browser, 20).until(expected_conditions.staleness_of(button))
    WebDriverWait(browser, 20).until(lambda d: "klart=" in d.current_url)
    _open(browser, server, browser.current_url.removeprefix(server.root))


def test_a_dispute_goes_to_the_region_and_back(browser: Any, servers: Servers) -> None:
    line = servers.told["october"][0]
    _open(browser, servers.vasby, INVOICE)
    _submit(browser, servers.vasby, browser.find_element(By.CSS_SELECTOR, "form[action$=utfarda]"))
    assert "Fakturaunderlaget är utfärdat" in browser.page_source
    row = browser.find_element(By.ID, f"rad-{line}")
    row.find_element(By.TAG_NAME, "summary").click()
    Select(row.find_element(By.NAME, "skal")).select_by_value("ej-utskrivningsklar")
    row.find_element(By.NAME, "text").send_keys("Patienten hade feber den 6 oktober.")
    _submit(browser, servers.vasby, row.find_element(By.TAG_NAME, "form"))
    assert "Bestridandet är registrerat" in browser.page_source
    browser.save_screenshot(str(SCREENSHOTS / "fakturaunderlag-kommun.png"))
    # the region sees the dispute and answers it
    _open(browser, servers.region, INVOICE)
    row = browser.find_element(By.ID, f"rad-{line}")
    assert "väntar på svar" in row.text and "feber den 6 oktober" in row.text
    row.find_element(By.TAG_NAME, "summary").click()
    Select(row.find_element(By.NAME, "beslut")).select_by_value("avslas")
    row.find_element(By.NAME, "svar").send_keys("Ingen feber i journalen.")
    browser.save_screenshot(str(SCREENSHOTS / "fakturaunderlag-region.png"))
    _submit(browser, servers.region, row.find_element(By.TAG_NAME, "form"))
    assert "Svaret är registrerat" in browser.page_source
    # and the municipality reads the answer
    _open(browser, servers.vasby, INVOICE, "fakturaunderlag")
    row = browser.find_element(By.ID, f"rad-{line}")
    assert "Bestridandet avslås" in row.text and "Ingen feber i journalen." in row.text


def test_the_download_links_give_the_files(browser: Any, servers: Servers) -> None:
    _open(browser, servers.region, "/app/?omrade=lan-01&fran=2026-10&till=2026-10")
    link = browser.find_element(By.LINK_TEXT, "CSV").get_attribute("href")
    answer = httpx.get(link, timeout=30)
    assert answer.status_code == 200
    assert answer.content.startswith("\ufeffMånad;Område".encode())
    assert "2026-10;kommun;0114;Upplands Väsby;;alla;2;2;2;7;3,50" in answer.text


def test_reporting_a_cooperation_failure(browser: Any, servers: Servers) -> None:
    stay = servers.told["september"]
    _open(browser, servers.vasby, f"/app/vardtillfalle/{stay}")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Rapportera en samverkansbrist").click()
    WebDriverWait(browser, 20).until(lambda d: "/app/samverkansbrist" in d.current_url)
    _open(browser, servers.vasby, browser.current_url.removeprefix(servers.vasby.root))
    browser.find_element(By.ID, "parter").send_keys("Hemtjänsten")
    browser.find_element(By.ID, "beskrivning").send_keys("Ingen hade sagt till hemtjänsten.")
    browser.save_screenshot(str(SCREENSHOTS / "samverkansbrist.png"))
    submit = browser.find_element(By.CSS_SELECTOR, "form[action='/app/samverkansbrist'] button")
    submit.click()
    WebDriverWait(browser, 20).until(lambda d: "klart=samverkansbrist" in d.current_url)
    _open(browser, servers.vasby, browser.current_url.removeprefix(servers.vasby.root))
    text = browser.find_element(By.TAG_NAME, "main").text
    assert (
        "Samverkansbristen är rapporterad" in text and "Ingen hade sagt till hemtjänsten." in text
    )
