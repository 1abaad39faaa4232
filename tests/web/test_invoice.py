"""Fakturaunderlag: the municipality's lines with the reason for every day, issuing, the files of
`lus-fhir report invoice`, and a dispute's round trip — filed by the municipality, shown to the
region, answered, shown back — with CSRF-checked forms and the same access as the basis."""

from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from service.cli.main import app as cli
from tests.statistics.world import AMOUNTS
from tests.web.conftest import Story
from tests.web.page import Page, read

PAGE = "/app/fakturaunderlag"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _read(client: TestClient, **params: Any) -> Page:
    answer = client.get(PAGE, params=params)
    assert answer.status_code == 200, answer.text
    return read(answer.text)


def token(client: TestClient) -> str:
    """The CSRF token the pages put in `client`'s forms."""
    app = client.app
    return str(app.state.csrf.token(client.auth.who, app.state.services.clock()))  # type: ignore[attr-defined]


def _post(client: TestClient, action: str, fields: dict[str, Any], csrf: str | None = "") -> Any:
    token_ = token(client) if csrf == "" else csrf
    body = {**fields, **({"csrf": token_} if token_ is not None else {})}
    return client.post(f"{PAGE}/{action}", data=body, headers=FORM, follow_redirects=False)


def _issue(client: TestClient, kommun: str = "0114", month: str = "2026-10") -> Any:
    return _post(client, "utfarda", {"kommun": kommun, "manad": month})


def test_the_lines_say_why_each_day_is_billed_or_not(story: Story) -> None:
    page = _read(story.region, kommun="0182", manad="2026-10")
    assert "Preliminärt – inte utfärdat" in page.plain
    line = next(row for row in page.tables[-1] if story.nacka_stay in row[0])
    assert "underrättelsen skickades före 12:00, dag 0 2026-10-05" in line[3]
    assert "Inskrivningsmeddelandet saknas eller skickades mer än 24 timmar" in line[3]
    assert line[4:6] == ["0", "0"]
    vasby = _read(story.vasby, manad="2026-10")  # its own municipality by default
    lines = {row[0]: row for row in vasby.tables[-1][1:]}
    somatic, psychiatric = (lines[e] for e in story.october)
    assert "Debiteras: 2026-10-07" in somatic[3] and somatic[4:6] == ["1", "11 500"]
    assert "före första debiterbara dag" in psychiatric[3]


def test_issue_download_dispute_and_answer(story: Story) -> None:
    issued = _issue(story.vasby)
    assert issued.status_code == 303, issued.text
    assert issued.headers["location"].endswith("version=1&klart=utfardat")
    page = _read(story.vasby, manad="2026-10", version=1)
    assert "Version 1, utfärdad" in page.plain and "Fakturaunderlaget är utfärdat" not in page.plain
    # the files are the CLI's for the same version
    for fmt in ("csv", "xlsx", "json"):
        shown = story.vasby.get(
            f"{PAGE}/fil",
            params={"kommun": "0114", "manad": "2026-10", "version": 1, "format": fmt},
        )
        assert shown.status_code == 200, shown.text
        result = CliRunner().invoke(
            cli,
            [
                "report",
                "invoice",
                "--month",
                "2026-10",
                "--kommun",
                "0114",
                "--version",
                "1",
                "--format",
                fmt,
                "--db",
                story.world.database,
            ],
            env={"LUS_FHIR_DAILY_AMOUNTS": AMOUNTS},
        )
        assert result.exit_code == 0, result.output
        assert shown.content == result.stdout_bytes, fmt
    # the municipality disputes the somatic line
    line = story.october[0]
    fields = {"kommun": "0114", "manad": "2026-10", "version": 1, "vardtillfalle": line}
    dispute = {**fields, "skal": "ej-utskrivningsklar", "text": "Patienten hade feber den 6:e."}
    filed = _post(story.vasby, "bestrid", dispute)
    assert filed.status_code == 303, filed.text
    assert filed.headers["location"].endswith(f"klart=bestritt#rad-{line}")
    assert _post(story.vasby, "bestrid", dispute).status_code == 409  # one open dispute a line
    # the region sees it, with a form to answer
    region = _read(story.region, kommun="0114", manad="2026-10")
    assert "väntar på svar" in region.plain and "Patienten hade feber den 6:e." in region.plain
    dispute_id = region.field("bestridande")
    answer = {"kommun": "0114", "manad": "2026-10", "bestridande": dispute_id}
    refused = _post(story.vasby, "svar", {**answer, "beslut": "godtas", "svar": "Själv"})
    assert refused.status_code == 403 and "only the region answers" in refused.text
    answered = _post(
        story.region, "svar", {**answer, "beslut": "avslas", "svar": "Feber ej noterad."}
    )
    assert answered.status_code == 303, answered.text
    again = _post(story.region, "svar", {**answer, "beslut": "godtas", "svar": "Ändrat mig."})
    assert again.status_code == 409
    shown = _read(story.vasby, manad="2026-10").plain
    assert "Bestridandet avslås" in shown and "Svar: Feber ej noterad." in shown
    # the issued basis itself is unchanged
    after = story.vasby.get(
        f"{PAGE}/fil", params={"kommun": "0114", "manad": "2026-10", "version": 1, "format": "json"}
    )
    assert after.json()["lines"] == issued_lines(story)


def issued_lines(story: Story) -> list[Any]:
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "invoice",
            "--month",
            "2026-10",
            "--kommun",
            "0114",
            "--version",
            "1",
            "--db",
            story.world.database,
        ],
        env={"LUS_FHIR_DAILY_AMOUNTS": AMOUNTS},
    )
    import json

    return list(json.loads(result.stdout_bytes)["lines"])


def test_late_data_makes_the_next_version(story: Story) -> None:
    assert _issue(story.vasby, month="2026-09").status_code == 303
    story.world.stay(
        story.world.patient("0114"),
        "2026-09-10T08:00:00+02:00",
        "2026-09-14T09:00:00+02:00",
        "2026-09-20T10:00:00+02:00",
    )
    page = _read(story.vasby, manad="2026-09")
    assert "Nya uppgifter har kommit sedan den senaste versionen" in page.plain
    assert "Version 1" in page.plain  # still shown as issued until issued again
    issued = _issue(story.vasby, month="2026-09")
    assert issued.headers["location"].endswith("version=2&klart=utfardat")
    second = _read(story.vasby, manad="2026-09").plain
    assert "Version 2" in second and "ersätter version 1" in second
    first = _read(story.vasby, manad="2026-09", version=1)
    assert len(first.tables[-1]) == 2  # the header row and the one stay it had


def test_forms_need_the_callers_own_fresh_csrf_token(story: Story) -> None:
    assert (
        _post(story.vasby, "utfarda", {"kommun": "0114", "manad": "2026-10"}, None).status_code
        == 403
    )
    nackas = token(story.nacka)
    stolen = _post(story.vasby, "utfarda", {"kommun": "0114", "manad": "2026-10"}, nackas)
    assert stolen.status_code == 403 and "gäller inte för dig" in stolen.text
    expired = _post(story.vasby, "utfarda", {"kommun": "0114", "manad": "2026-10"}, "1.abc")
    assert expired.status_code == 403
    foreign = story.vasby.post(
        f"{PAGE}/utfarda",
        data={"kommun": "0114", "manad": "2026-10", "csrf": nackas},
        headers={**FORM, "Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403 and "annan webbplats" in foreign.text
    as_json = story.vasby.post(f"{PAGE}/utfarda", json={"kommun": "0114"})
    assert as_json.status_code == 415


def test_who_may_see_file_and_answer(story: Story) -> None:
    # Väsby's version 1 (made here, or kept from another test of this module): under xdist the
    # module's tests may run on different workers, each with its own story.
    assert _issue(story.vasby).status_code == 303
    assert story.nacka.get(PAGE, params={"kommun": "0114", "manad": "2026-10"}).status_code == 403
    assert _issue(story.nacka).status_code == 403
    download = {"kommun": "0114", "manad": "2026-10", "version": 1, "format": "csv"}
    assert story.nacka.get(f"{PAGE}/fil", params=download).status_code == 403
    fields = {"kommun": "0114", "manad": "2026-10", "version": 1, "skal": "annat", "text": "x"}
    line = story.october[1]
    assert _post(story.nacka, "bestrid", {**fields, "vardtillfalle": line}).status_code == 403
    region = _post(story.region, "bestrid", {**fields, "vardtillfalle": line})
    assert region.status_code == 403 and "the region answers" in region.text
    bad = {
        "skal=fel": ({**fields, "vardtillfalle": line, "skal": "fel"}, 400),
        "empty text": ({**fields, "vardtillfalle": line, "text": " "}, 400),
        "unknown line": ({**fields, "vardtillfalle": "nope"}, 404),
        "unknown version": ({**fields, "vardtillfalle": line, "version": 9}, 404),
        "bad version": ({**fields, "vardtillfalle": line, "version": "x"}, 400),
    }
    for name, (sent, status) in bad.items():
        assert _post(story.vasby, "bestrid", sent).status_code == status, name
    assert story.region.get(PAGE, params={"kommun": "9999"}).status_code == 400
    assert story.region.get(PAGE, params={"kommun": "0114", "manad": "x"}).status_code == 400
