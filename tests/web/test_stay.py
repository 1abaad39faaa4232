"""Vårdtillfälle: one stay's timeline as the caller may read it — every notification with its
receivers, the statistics timeline behind the figures — 404 for a stay the caller takes no part
in, and a protected identity without its address."""

from typing import Any

from tests.web.conftest import Story
from tests.web.page import read


def _page(client: Any, encounter: str) -> Any:
    answer = client.get(f"/app/vardtillfalle/{encounter}")
    assert answer.status_code == 200, answer.text
    return read(answer.text)


def test_the_timeline_of_a_stay(story: Story) -> None:
    page = _page(story.region, story.september)
    text = page.plain
    order = [
        "Inskrivningsmeddelande",
        "Underrättelse om utskrivningsklar",
        "Informationsöverföring",
        "Utskrivningsmeddelande",
    ]
    positions = [text.index(f"· {event}") for event in order]
    assert positions == sorted(positions)
    assert "2026-09-07 09:00 · Underrättelse om utskrivningsklar" in text
    receivers = page.tables[0]  # of the inskrivningsmeddelande: routed, not yet delivered
    assert receivers[0] == ["Mottagare", "Leverans", "Levererat", "Kvitterat"]
    assert any("Upplands Väsby" in row[0] for row in receivers[1:]), receivers
    assert {row[1] for row in receivers[1:]} == {"väntar på leverans"}
    # the statistics timeline: ready 7–13 September, dag 0 the 7th, billable 9–12 September
    periods = next(t for t in page.tables if t[0][0] == "Från")
    assert periods[1] == ["2026-09-07", "2026-09-13", "6", "2026-09-07", "2026-09-09"]
    assert "4 (2026-09-09, 2026-09-10, 2026-09-11, 2026-09-12)" in text


def test_a_receiving_municipality_sees_the_stay(story: Story) -> None:
    page = _page(story.vasby, story.september)
    assert "Underrättelse om utskrivningsklar" in page.plain


def test_a_stay_the_caller_takes_no_part_in_is_404(story: Story) -> None:
    answer = story.nacka.get(f"/app/vardtillfalle/{story.september}")
    assert answer.status_code == 404
    assert "Sidan finns inte" in answer.text and "<html" in answer.text
    assert "Underrättelse" not in answer.text
    unknown = story.region.get("/app/vardtillfalle/finns-inte")
    assert unknown.status_code == 404
    assert story.region.get("/app/vardtillfalle/%3Cscript%3E").status_code == 404


def test_a_protected_identity_is_shown_without_address(story: Story) -> None:
    world = story.world
    patient = world.patient("0114")
    resource = world.read("Patient", patient)
    resource["meta"]["security"] = [
        {"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}
    ]
    # the guide stores a protected identity's address as its municipality and district only
    resource["address"] = [{"extension": a["extension"]} for a in resource["address"]]
    assert (
        story.region.put(
            f"/fhir/Patient/{patient}",
            json=resource,
            headers={"Content-Type": "application/fhir+json"},
        ).status_code
        == 200
    )
    encounter = world.admitted(patient, "2026-11-02T08:00:00+01:00")
    protected = _page(story.region, encounter).plain
    assert "Skyddad identitet" in protected and "Adress " not in protected.replace("Adress och", "")
    ordinary = _page(story.region, story.september).plain
    assert "Simulerad gata 1" in ordinary and "Skyddad identitet" not in ordinary
    # in hospital still: the timeline, no statistics yet
    assert "Utskrivningsklar och betalningsansvar" not in protected


def test_the_search_form_opens_the_stay(story: Story) -> None:
    answer = story.region.get(
        "/app/vardtillfalle",
        params={"id": f"Encounter/{story.september}"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/app/vardtillfalle/{story.september}"
    assert story.region.get("/app/vardtillfalle", params={"id": "a b"}).status_code == 400
    form = read(story.region.get("/app/vardtillfalle").text)
    assert [i["name"] for i in form.inputs] == ["id"]
