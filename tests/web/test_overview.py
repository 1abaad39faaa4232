"""Översikt shows the statistics functions' own figures for the chosen area, months and care
type, the county beside them only for a caller who may see it, and hands out the report CLI's
file."""

from decimal import Decimal

from typer.testing import CliRunner

from service.auth.principal import INTERNAL
from service.cli.main import app as cli
from service.statistics.evaluate import evaluate
from service.statistics.figures import merge
from service.statistics.period import parse_month
from service.statistics.rows import STATISTICS
from service.statistics.scope import COUNTY_AREA, Area
from service.web.overview import CHARTS
from tests.statistics.world import AMOUNTS
from tests.web.conftest import Story
from tests.web.page import read

VASBY_AUTUMN = {"omrade": "kommun-0114", "fran": "2026-09", "till": "2026-10"}
FIGURES = {column.header: figure for column, figure in STATISTICS}


def _expected(
    story: Story, area: Area, month: str, header: str, care: str = "alla"
) -> float | None:
    """The figure as the statistics functions compute it (shares in per cent, as charted)."""
    app = story.region.app
    services, basis = app.state.services, app.state.statistics
    now = services.clock()
    with services.store.reading() as conn:
        found = evaluate(conn, INTERNAL, basis, parse_month(month, now), area, now)
    cell = merge(found.table, lambda key: care in ("alla", key[2]))
    value = FIGURES[header](cell)
    if value is None:
        return None
    assert isinstance(value, int | Decimal)
    kind = next(c.kind for c, _ in STATISTICS if c.header == header)
    return float(value * 100) if kind == "share" else float(value)


def test_every_chart_shows_the_statistics_functions_figures(story: Story) -> None:
    page = read(story.region.get("/app/", params=VASBY_AUTUMN).text)
    for header, title in CHARTS:
        for index, month in enumerate(("2026-09", "2026-10")):
            assert page.series(title)[index] == _expected(story, Area("0114"), month, header)
            assert page.series(title, "county")[index] == _expected(
                story, COUNTY_AREA, month, header
            )


def test_the_numbers_of_the_story(story: Story) -> None:
    page = read(story.region.get("/app/", params=VASBY_AUTUMN).text)
    # September: 4 billable days; October: 1 (somatic) + 0 (psychiatric, 5 free days)
    assert page.series("Dagar med betalningsansvar") == [4, 1]
    # the county adds Nacka's October stay, excluded for its late admission notice
    assert page.series("Dagar med betalningsansvar", "county") == [4, 1]
    assert page.series("Inskrivningsmeddelande inom 24 timmar", "county") == [100.0, 66.67]
    # the table under the chart says the same, in Swedish
    table = page.table_under("Dagar med betalningsansvar")
    assert table == [
        ["Månad", "Upplands Väsby", "Stockholms län"],
        ["2026-09", "4", "4"],
        ["2026-10", "1", "1"],
    ]
    assert page.table_under("Inskrivningsmeddelande inom 24 timmar")[2] == [
        "2026-10",
        "100,0 %",
        "66,7 %",
    ]
    assert "Den streckade linjen är Stockholms län" in page.plain


def test_the_filters_change_the_figures(story: Story) -> None:
    title = "Medelantal utskrivningsklara dagar per vårdtillfälle"
    october = {**VASBY_AUTUMN, "fran": "2026-10"}
    shown = {
        care: read(story.region.get("/app/", params={**october, "vardform": care}).text)
        for care in ("alla", "somatisk", "psykiatrisk")
    }
    assert {care: page.series(title) for care, page in shown.items()} == {
        "alla": [3.5],
        "somatisk": [3.0],
        "psykiatrisk": [4.0],
    }
    nacka = read(story.region.get("/app/", params={**october, "omrade": "kommun-0182"}).text)
    assert nacka.series(title) == [10.0]
    # the default: the 12 months up to the last complete one
    default = read(story.region.get("/app/").text)
    assert default.chart(title)["months"][0] == "2025-11"
    assert default.chart(title)["months"][-1] == "2026-10"


def test_a_municipality_sees_only_its_own(story: Story) -> None:
    page = read(story.vasby.get("/app/").text)
    assert page.options["omrade"] == ["kommun-0114"]
    title = "Dagar med betalningsansvar"
    assert page.series(title)[-2:] == [4, 1]
    assert [s["label"] for s in page.chart(title)["series"]] == ["area"]  # no county line
    assert "Stockholms län" not in page.plain.replace("FHIR", "")
    for path in ("/app/", "/app/oversikt/fil"):
        refused = story.vasby.get(path, params={"omrade": "kommun-0182"})
        assert refused.status_code == 403, refused.text
        assert "needs the region role" in refused.text
    county = story.vasby.get("/app/", params={"omrade": "lan-01"})
    assert county.status_code == 403


def test_the_download_is_the_file_the_cli_writes(story: Story) -> None:
    for fmt in ("csv", "xlsx"):
        shown = story.region.get(
            "/app/oversikt/fil",
            params={"format": fmt, "omrade": "lan-01", "fran": "2026-10", "till": "2026-10"},
        )
        assert shown.status_code == 200, shown.text
        result = CliRunner().invoke(
            cli,
            [
                "report",
                "statistics",
                "--month",
                "2026-10",
                "--format",
                fmt,
                "--db",
                story.world.database,
            ],
            env={"LUS_FHIR_DAILY_AMOUNTS": AMOUNTS},
        )
        assert result.exit_code == 0, result.output
        assert shown.content == result.stdout_bytes
        assert f'filename="statistik-lan-01-2026-10.{fmt}"' in shown.headers["content-disposition"]


def test_the_download_follows_the_filters(story: Story) -> None:
    shown = story.vasby.get(
        "/app/oversikt/fil", params={"format": "csv", "fran": "2026-09", "vardform": "somatisk"}
    )
    rows = shown.content.decode("utf-8-sig").splitlines()[1:]
    assert [r.split(";")[:6] for r in rows] == [
        [f"2026-{m:02d}", "kommun", "0114", "Upplands Väsby", "", "somatisk"] for m in (9, 10)
    ]


def test_bad_filters_are_400_with_a_reason(story: Story) -> None:
    cases = {
        "fran=2026-13": "not a month",
        "fran=2026-10&till=2026-09": "ligger efter",
        "fran=2020-01&till=2026-10": "högst 36 månader",
        "omrade=kommun-9999": "not a kommunkod",
        "omrade=stadsdel-atlantis": "not a Stockholm district",
        "vardform=tandvard": "vardform",
        "till=2099-01": "not begun",
    }
    for query, says in cases.items():
        answer = story.region.get(f"/app/?{query}")
        assert answer.status_code == 400, (query, answer.text)
        assert says in answer.text and "<html" in answer.text, query
    assert story.region.get("/app/oversikt/fil?format=pdf").status_code == 400
