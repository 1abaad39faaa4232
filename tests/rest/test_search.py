"""Search: the guide's parameters and the standard ones the workflow needs, with modifiers,
prefixes, chaining, includes, paging, sorting and the handling of unknown parameters."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.demo import examples_in_load_order
from tests.support.auth import seed


@pytest.fixture
def loaded(client: TestClient) -> TestClient:
    """The guide's example journey, stored with its ids (its receipts included)."""
    seed(client.app, examples_in_load_order())
    return client


def _ids(client: TestClient, url: str, **kwargs: Any) -> list[str]:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.text
    bundle = response.json()
    assert bundle["type"] == "searchset"
    return sorted(
        e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"
    )


def test_token_identifier(loaded: TestClient) -> None:
    system = "http://electronichealth.se/identifier/personnummer"
    assert _ids(loaded, f"/fhir/Patient?identifier={system}|191212121212") == ["tolvan"]
    assert _ids(loaded, "/fhir/Patient?identifier=191212121212") == ["tolvan"]
    assert _ids(loaded, "/fhir/Patient?identifier=other-system|191212121212") == []


def test_guide_parameters(loaded: TestClient) -> None:
    assert _ids(loaded, "/fhir/Patient?kommun=0180") == ["tolvan"]
    assert _ids(loaded, "/fhir/Patient?kommun=0182") == ["skyddad-patient"]
    assert _ids(loaded, "/fhir/Organization?partstyp=socialtjanst") == ["sdf-hagersten-alvsjo"]
    assert _ids(loaded, "/fhir/Encounter?utskrivningsklar=ge2026-11-06") == ["tolvan-vardtillfalle"]
    assert _ids(loaded, "/fhir/Encounter?utskrivningsklar=lt2026-11-06") == []
    assert _ids(loaded, "/fhir/Task?deadline=le2026-11-04") == ["tolvan-inskrivningsmeddelande"]


def test_reference_and_status(loaded: TestClient) -> None:
    owned = _ids(loaded, "/fhir/Task?owner=Organization/hemtjanst-aros")
    assert owned == ["tolvan-utskrivningsmeddelande-hemtjanst"]
    requested = _ids(loaded, "/fhir/Task?status=requested&patient=tolvan")
    assert requested == ["tolvan-utskrivningsmeddelande-hemtjanst"]
    assert len(_ids(loaded, "/fhir/Task?code=utskrivningsmeddelande")) == 2
    assert _ids(loaded, "/fhir/Task?status:not=completed&status:not=cancelled") == [
        "tolvan-utskrivningsmeddelande-hemtjanst"
    ]


def test_string_modifiers(loaded: TestClient) -> None:
    assert _ids(loaded, "/fhir/Patient?name=tolv") == ["tolvan"]
    assert _ids(loaded, "/fhir/Patient?address=sjoviks") == ["tolvan"]  # accents folded
    assert _ids(loaded, "/fhir/Patient?family:exact=tolvansson") == []
    assert _ids(loaded, "/fhir/Patient?family:exact=Tolvansson") == ["tolvan"]
    assert _ids(loaded, "/fhir/Patient?family:contains=vanss") == ["tolvan"]


def test_missing_modifier(loaded: TestClient) -> None:
    assert "tolvan-vardtillfalle" in _ids(
        loaded, "/fhir/Encounter?beraknat-utskrivningsdatum:missing=false"
    )
    assert _ids(loaded, "/fhir/Patient?address-city:missing=true") == ["skyddad-patient"]


def test_chained_search(loaded: TestClient) -> None:
    system = "http://electronichealth.se/identifier/personnummer"
    chained = _ids(loaded, f"/fhir/Encounter?subject:Patient.identifier={system}|191212121212")
    assert chained == ["tolvan-vardtillfalle"]
    assert _ids(loaded, "/fhir/Task?owner.partstyp=hemtjanstutforare") == [
        "tolvan-utskrivningsmeddelande-hemtjanst"
    ]


def test_include_and_revinclude(loaded: TestClient) -> None:
    bundle = loaded.get(
        "/fhir/Encounter?_id=tolvan-vardtillfalle&_include=Encounter:subject"
    ).json()
    modes = {(e["resource"]["resourceType"], e["search"]["mode"]) for e in bundle["entry"]}
    assert modes == {("Encounter", "match"), ("Patient", "include")}
    rev = loaded.get("/fhir/Encounter?_id=tolvan-vardtillfalle&_revinclude=Task:focus").json()
    included = [e for e in rev["entry"] if e["search"]["mode"] == "include"]
    assert len(included) >= 9
    assert all(e["resource"]["resourceType"] == "Task" for e in included)


def test_paging_links_walk_all_results(loaded: TestClient) -> None:
    seen: list[str] = []
    url: str | None = "/fhir/Task?_count=4&_sort=_id"
    while url:
        bundle = loaded.get(url).json()
        seen += [e["resource"]["id"] for e in bundle.get("entry", [])]
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    total = loaded.get("/fhir/Task?_summary=count").json()["total"]
    assert len(seen) == total == len(set(seen))
    assert seen == sorted(seen)


def test_sort_descending_by_date(loaded: TestClient) -> None:
    bundle = loaded.get("/fhir/Task?_sort=-authored-on&_count=3").json()
    authored = [e["resource"]["authoredOn"] for e in bundle["entry"]]
    assert authored == sorted(authored, reverse=True)


def test_summary_count_and_total_none(loaded: TestClient) -> None:
    count = loaded.get("/fhir/Organization?_summary=count").json()
    assert count["total"] == 7
    assert "entry" not in count
    assert "total" not in loaded.get("/fhir/Organization?_total=none").json()


@pytest.mark.parametrize("count", [1, 6, 7, 8, 50])
def test_total_is_every_match_on_full_partial_and_later_pages(
    loaded: TestClient, count: int
) -> None:
    """A first page that is not full is counted from itself, a full one by the database."""
    first = loaded.get(f"/fhir/Organization?_count={count}").json()
    assert first["total"] == 7
    assert len(first.get("entry", [])) == min(count, 7)
    following = [link["url"] for link in first["link"] if link["relation"] == "next"]
    if following:
        assert loaded.get(following[0]).json()["total"] == 7


def test_unknown_parameter_lenient_and_strict(loaded: TestClient) -> None:
    lenient = loaded.get("/fhir/Patient?shoe-size=44").json()
    outcome = [e for e in lenient["entry"] if e["search"]["mode"] == "outcome"]
    assert "shoe-size" in outcome[0]["resource"]["issue"][0]["details"]["text"]
    strict = loaded.get("/fhir/Patient?shoe-size=44", headers={"Prefer": "handling=strict"})
    assert strict.status_code == 400
    assert strict.json()["resourceType"] == "OperationOutcome"


def test_post_search_equals_get(loaded: TestClient) -> None:
    posted = loaded.post(
        "/fhir/Patient/_search",
        content=b"kommun=0180",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert posted.status_code == 200
    assert [e["resource"]["id"] for e in posted.json()["entry"]] == ["tolvan"]


def test_last_updated_and_profile(loaded: TestClient) -> None:
    assert len(_ids(loaded, "/fhir/Patient?_lastUpdated=gt2000-01-01")) == 3
    assert _ids(loaded, "/fhir/Patient?_lastUpdated=lt2000-01-01") == []
    profile = "https://lus-fhir.se/fhir/StructureDefinition/lus-sip"
    assert _ids(loaded, f"/fhir/CarePlan?_profile={profile}") == ["tolvan-sip"]


def test_bad_search_values_are_400(loaded: TestClient) -> None:
    for url in (
        "/fhir/Task?authored-on=yesterday",
        "/fhir/Task?_count=-1",
        "/fhir/Task?_sort=nope",
    ):
        response = loaded.get(url)
        assert response.status_code == 400, url
        assert response.json()["resourceType"] == "OperationOutcome"


def test_chains_of_four_levels_and_their_limit(loaded: TestClient) -> None:
    """Each link is its own subquery: nested, four of them overflowed SQLite's parser (500)."""
    assert _ids(loaded, "/fhir/Task?patient.organization.partof.partof.name=x") == []
    deep = (
        "/fhir/Task?focus:Encounter.subject:Patient.general-practitioner:Organization.partof.name="
    )
    of_the_stay = _ids(loaded, "/fhir/Task?focus=Encounter/tolvan-vardtillfalle")
    assert of_the_stay and _ids(loaded, deep + "Region Stockholm") == of_the_stay
    assert _ids(loaded, deep + "Region Uppsala") == []
    deepest = "patient.organization" + ".partof" * 6 + ".name"  # eight links
    assert _ids(loaded, f"/fhir/Task?{deepest}=x") == []
    too_deep = deepest.replace(".name", ".partof.name")
    response = loaded.get(f"/fhir/Task?{too_deep}=x")
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == [too_deep]


def test_chain_segments_keep_their_type_modifiers(loaded: TestClient) -> None:
    """`a.b:Type.c` is three links (`b` was dropped), and a type must be one the link refers to."""
    response = loaded.get(
        "/fhir/Task?focus:Encounter.subject:Patient.general-practitioner:Patient.name=x"
    )
    assert response.status_code == 400
    assert "general-practitioner" in response.json()["issue"][0]["details"]["text"]
    missing = "/fhir/Encounter?subject:Patient.general-practitioner:missing=false"
    assert _ids(loaded, missing) == ["tolvan-vardtillfalle"]


def test_a_post_search_form_that_is_not_utf8_or_holds_nul_is_400(client: TestClient) -> None:
    """Both answered 500: the form was decoded strictly, and PostgreSQL compares no NUL."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    response = client.post("/fhir/Patient/_search", content=b"name=\xc3", headers=form)
    assert response.status_code == 400
    assert "UTF-8" in response.json()["issue"][0]["details"]["text"]
    response = client.post("/fhir/Patient/_search", content=b"name=%00", headers=form)
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["name"]


def test_id_and_last_updated_take_no_modifier(loaded: TestClient) -> None:
    """They are answered from the resources table: `_id:not=tolvan` found tolvan."""
    for name in ("_id:not", "_id:missing", "_lastUpdated:not-in"):
        response = loaded.get(f"/fhir/Patient?{name}=tolvan")
        assert response.status_code == 400, name
        assert response.json()["issue"][0]["expression"] == [name]
