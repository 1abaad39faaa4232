"""Rapportera samverkansbrist: a party's report about a stay it takes part in becomes a routed
samverkansbrist deviation in the stay's timeline and in Uppföljning's count; a stay it takes no
part in is 404, and the form needs its CSRF token and a description."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from service.storage.schema import outbox
from tests.web.conftest import Story
from tests.web.page import read
from tests.web.test_invoice import token

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
QUESTION = "Hur många vårdtillfällen fick en rapporterad samverkansbrist?"


def _report(client: TestClient, stay: str, **extra: Any) -> Any:
    fields = {
        "csrf": token(client),
        "vardtillfalle": stay,
        "parter": "Hemtjänsten, vårdcentralen",
        "beskrivning": "Hemtjänsten fick inte veta att patienten kom hem.",
        **extra,
    }
    return client.post("/app/samverkansbrist", data=fields, headers=FORM, follow_redirects=False)


def _deviation_receivers(story: Story) -> list[str]:
    services = story.region.app.state.services
    with services.store.reading() as conn:
        query = select(outbox.c.receiver).where(outbox.c.notification.like("DetectedIssue/%"))
        return sorted(conn.execute(query).scalars())


def test_a_reported_failure_is_a_routed_deviation_of_the_stay(story: Story) -> None:
    form = read(
        story.vasby.get("/app/samverkansbrist", params={"vardtillfalle": story.september}).text
    )
    assert form.field("vardtillfalle") == story.september
    before = _deviation_receivers(story)
    answer = _report(story.vasby, story.september)
    assert answer.status_code == 303, answer.text
    page = read(story.vasby.get(answer.headers["location"]).text).plain
    assert "Samverkansbristen är rapporterad" in page
    assert "Avvikelse: Samverkansbrist" in page and "fick inte veta att patienten kom hem" in page
    assert "Rapporterad av: Upplands Väsby" in page
    # routed like every deviation: to the ward, which answers for it
    assert _deviation_receivers(story) == sorted([*before, "Organization/sos-avd-51"])
    followup = read(
        story.region.get(
            "/app/uppfoljning",
            params={"omrade": "kommun-0114", "fran": "2026-09", "till": "2026-09"},
        ).text
    )
    assert followup.table_under(QUESTION)[1] == ["2026-09", "1", "1", "100,0 %"]


def test_a_stay_not_taken_part_in_or_a_bad_form_is_refused(story: Story) -> None:
    assert _report(story.nacka, story.september).status_code == 404
    assert _report(story.vasby, story.september, beskrivning=" ").status_code == 400
    assert _report(story.vasby, "x y").status_code == 400
    assert _report(story.vasby, story.september, allvarlighet="extrem").status_code == 400
    assert _report(story.vasby, story.september, csrf="").status_code == 403
