"""Uppföljning answers the audits' questions with the statistics cells' own counts, per month,
with the stays behind each number; a municipality asks only about itself."""

from service.auth.principal import INTERNAL
from service.statistics.evaluate import evaluate
from service.statistics.figures import merge
from service.statistics.period import parse_month
from service.statistics.scope import Area
from tests.web.conftest import Story
from tests.web.page import read

AUTUMN = {"omrade": "kommun-0114", "fran": "2026-09", "till": "2026-10"}
SIP = "Hur ofta kallades det inte till SIP inom 3 dagar?"
ADMISSION = "Hur ofta kom inskrivningsmeddelandet inte inom 24 timmar?"


def _table(page: object, question: str) -> list[list[str]]:
    return page.table_under(question)  # type: ignore[attr-defined,no-any-return]


def test_the_answers_are_the_cells_complements(story: Story) -> None:
    page = read(story.region.get("/app/uppfoljning", params=AUTUMN).text)
    services, basis = story.region.app.state.services, story.region.app.state.statistics
    now = services.clock()
    for row, month in zip(_table(page, SIP)[1:], ("2026-09", "2026-10"), strict=True):
        with services.store.reading() as conn:
            found = evaluate(conn, INTERNAL, basis, parse_month(month, now), Area("0114"), now)
        cell = merge(found.table, lambda _: True)
        assert row[:3] == [
            month,
            str(cell.sip_expected - cell.sip_invited_on_time),
            str(cell.sip_expected),
        ]
    # nobody was invited to a SIP in the story; every admission notice came in time
    assert "3 av 3 vårdtillfällen (100,0 %)" in page.plain
    assert _table(page, ADMISSION)[1:] == [
        ["2026-09", "0", "1", "0,0 %"],
        ["2026-10", "0", "2", "0,0 %"],
    ]
    assert page.series(SIP) == [100.0, 100.0]
    html = story.region.get("/app/uppfoljning", params=AUTUMN).text
    for encounter in (story.september, *story.october):
        assert f'href="/app/vardtillfalle/{encounter}"' in html


def test_another_area_answers_differently(story: Story) -> None:
    nacka = {**AUTUMN, "omrade": "kommun-0182"}
    page = read(story.region.get("/app/uppfoljning", params=nacka).text)
    assert _table(page, ADMISSION)[1:] == [
        ["2026-09", "0", "0", "–"],
        ["2026-10", "1", "1", "100,0 %"],
    ]
    assert story.nacka_stay in story.region.get("/app/uppfoljning", params=nacka).text


def test_a_municipality_asks_about_itself_only(story: Story) -> None:
    page = read(
        story.vasby.get("/app/uppfoljning", params={"fran": "2026-09", "till": "2026-10"}).text
    )
    assert page.options["omrade"] == ["kommun-0114"]
    refused = story.vasby.get("/app/uppfoljning", params={"omrade": "kommun-0182"})
    assert refused.status_code == 403
    assert story.region.get("/app/uppfoljning", params={"fran": "x"}).status_code == 400
