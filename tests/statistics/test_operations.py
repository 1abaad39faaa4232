"""The operations and files around the figures: bad input, access scoping, the invoice basis's
hash and versions, the file formats, and the stored monthly MeasureReports."""

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from service.cli.main import app as cli
from service.statistics.invoice import canonical
from service.statistics.measures import measures
from tests.statistics.world import AMOUNTS, World, _count, _group
from tests.support.auth import ServiceAuth, principal

EVALUATE = "/fhir/Measure/lus-betalningsansvar/$evaluate-measure"
INVOICE = "/fhir/Measure/lus-betalningsansvar/$invoice-basis"
MARCH = {"periodStart": "2026-03-01", "periodEnd": "2026-03-31"}


@pytest.fixture(scope="module", autouse=True)
def stays(world: World) -> None:
    """Two stays in Upplands Väsby and one in Järva, discharged in March 2026."""
    for kommun, stadsdel in (("0114", None), ("0114", None), ("0180", "jarva")):
        world.stay(
            world.patient(kommun, stadsdel),
            "2026-03-01T08:00:00+01:00",
            "2026-03-02T09:00:00+01:00",
            "2026-03-10T10:00:00+01:00",
        )


def _outcome(response: Any, status: int, expression: str | None = None) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    issue = body["issue"][0]
    if expression:
        assert issue["expression"] == [expression]
    return str(issue["details"]["text"])


@pytest.mark.parametrize(
    ("params", "expression", "says"),
    [
        ({"periodStart": "2026-13-01", "periodEnd": "2026-03-31"}, "periodStart", "not a"),
        ({"periodStart": "2026-02-30", "periodEnd": "2026-03-31"}, "periodStart", "calendar"),
        ({"periodStart": "2026-03-31", "periodEnd": "2026-03-01"}, "periodEnd", "reversed"),
        ({"periodEnd": "2026-03-31"}, "periodStart", "required"),
        ({"periodStart": "2099-01-01", "periodEnd": "2099-01-31"}, "periodStart", "not begun"),
        ({**MARCH, "subject": "Location/kommun-9999"}, "subject", "kommunkod"),
        ({**MARCH, "subject": "Patient/x"}, "subject", "names no area"),
        ({**MARCH, "reportType": "subject-list"}, "reportType", "only population"),
    ],
)
def test_evaluate_measure_refuses_bad_input(
    world: World, params: dict[str, str], expression: str, says: str
) -> None:
    assert says in _outcome(world.client.get(EVALUATE, params=params), 400, expression)


def test_an_unknown_measure_is_404(world: World) -> None:
    text = _outcome(world.client.get("/fhir/Measure/nope/$evaluate-measure", params=MARCH), 404)
    assert "Measure/nope" in text and "lus-betalningsansvar" in text


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"kommun": "9999", "month": "2026-03"}, 400, "not a kommunkod"),
        ({"kommun": "0114", "month": "2026-3"}, 400, "not a month"),
        ({"kommun": "0114", "month": "2099-01"}, 400, "not begun"),
        ({"kommun": "0114"}, 400, "month is required"),
        ({"kommun": "0114", "month": "2026-03", "format": "pdf"}, 400, "formats"),
        ({"kommun": "0114", "month": "2026-03", "version": "x"}, 400, "version"),
        ({"kommun": "0114", "month": "2026-03", "version": "7"}, 404, "no invoice basis"),
    ],
)
def test_invoice_basis_refuses_bad_input(
    world: World, params: dict[str, str], status: int, says: str
) -> None:
    assert says in _outcome(world.client.post(INVOICE, params=params), status)


def test_an_invoice_for_a_year_without_a_daily_amount_names_the_year_and_the_setting(
    world: World,
) -> None:
    world.stay(
        world.patient("0115"),
        "2024-05-01T08:00:00+02:00",
        "2024-05-02T09:00:00+02:00",
        "2024-05-10T10:00:00+02:00",
    )
    response = world.client.post(INVOICE, params={"kommun": "0115", "month": "2024-05"})
    text = _outcome(response, 422)
    assert "2024" in text and "LUS_FHIR_DAILY_AMOUNTS" in text
    # the statistics still show the days; the amount is left out
    report = world.client.get(
        EVALUATE,
        params={
            "periodStart": "2024-05-01",
            "periodEnd": "2024-05-31",
            "subject": "Location/kommun-0115",
        },
    ).json()
    assert _group(report, "dagar")["measureScore"]["value"] == 6
    assert "measureScore" not in _group(report, "belopp")


def test_invoice_basis_on_another_measure_is_404(world: World) -> None:
    response = world.client.post(
        "/fhir/Measure/lus-avvikelser/$invoice-basis", params={"kommun": "0114", "month": "2026-03"}
    )
    assert "lus-betalningsansvar" in _outcome(response, 404)


def test_evaluate_measure_takes_a_parameters_body(world: World) -> None:
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "periodStart", "valueDate": "2026-03-01"},
            {"name": "periodEnd", "valueDate": "2026-03-31"},
            {"name": "subject", "valueString": "Location/kommun-0114"},
        ],
    }
    response = world.client.post(
        EVALUATE, json=body, headers={"Content-Type": "application/fhir+json"}
    )
    assert response.status_code == 200, response.text
    assert _group(response.json(), "dagar")["measureScore"]["value"] == 12


# ---- access ----
def _as(world: World, organization: str, region: bool = False) -> Iterator[None]:
    """The world's client signs in as `organization` for the test."""
    usual = world.client.auth
    caller = principal(f"Organization/{organization}", region=region)
    world.client.auth = ServiceAuth(world.client.app, caller)  # type: ignore[arg-type]
    yield
    world.client.auth = usual


@pytest.fixture
def social_services_0114(world: World) -> Iterator[None]:
    yield from _as(world, "socialtjanst-0114")


@pytest.fixture
def district_jarva(world: World) -> Iterator[None]:
    yield from _as(world, "sdf-jarva")


@pytest.fixture
def home_care(world: World) -> Iterator[None]:
    yield from _as(world, "hemtjanst-aros")


@pytest.fixture
def region(world: World) -> Iterator[None]:
    yield from _as(world, "region-stockholm", region=True)


def test_a_municipality_sees_its_own_figures_and_invoice(
    world: World, social_services_0114: None
) -> None:
    own = world.client.get(EVALUATE, params={**MARCH, "subject": "Location/kommun-0114"})
    assert own.status_code == 200
    invoice = world.client.post(INVOICE, params={"kommun": "0114", "month": "2026-03"})
    assert invoice.status_code == 200


def test_a_municipality_is_refused_the_county_and_other_municipalities(
    world: World, social_services_0114: None
) -> None:
    county = _outcome(world.client.get(EVALUATE, params=MARCH), 403)
    assert "municipality 0114" in county and "region role" in county
    _outcome(world.client.get(EVALUATE, params={**MARCH, "subject": "Location/kommun-0180"}), 403)
    _outcome(world.client.post(INVOICE, params={"kommun": "0180", "month": "2026-03"}), 403)


def test_a_district_sees_its_district_only(world: World, district_jarva: None) -> None:
    own = world.client.get(EVALUATE, params={**MARCH, "subject": "Location/stadsdel-jarva"})
    assert own.status_code == 200
    assert _group(own.json(), "dagar")["measureScore"]["value"] == 6
    _outcome(world.client.get(EVALUATE, params={**MARCH, "subject": "Location/kommun-0180"}), 403)
    _outcome(world.client.post(INVOICE, params={"kommun": "0180", "month": "2026-03"}), 403)


def test_a_home_care_provider_sees_no_statistics(world: World, home_care: None) -> None:
    _outcome(world.client.get(EVALUATE, params={**MARCH, "subject": "Location/kommun-0180"}), 403)


def test_the_region_sees_the_county(world: World, region: None) -> None:
    county = world.client.get(EVALUATE, params=MARCH).json()
    assert county["subject"]["reference"] == "Location/lan-01"
    by_kommun = next(
        s
        for s in _group(county, "dagar")["stratifier"]
        if s["code"][0]["coding"][0]["code"] == "kommun"
    )
    values = {s["value"]["text"]: s["measureScore"]["value"] for s in by_kommun["stratum"]}
    assert len(values) >= 26 and values["0114"] == 12 and values["0180"] == 6


# ---- the invoice basis ----
def test_the_invoice_basis_is_byte_identical_and_its_hash_can_be_recomputed(world: World) -> None:
    first = world.client.post(INVOICE, params={"kommun": "0114", "month": "2026-03"})
    second = world.client.post(INVOICE, params={"kommun": "0114", "month": "2026-03"})
    assert first.content == second.content
    document = first.json()
    header = document["header"]
    assert header["version"] == 1 and header["replaces"] is None
    assert (header["total_days"], header["total_amount"], header["stays"]) == (12, 12 * 11500, 2)
    content = {
        "header": {
            k: v for k, v in header.items() if k not in ("hash", "version", "replaces", "issued_at")
        },
        "lines": document["lines"],
    }
    recomputed = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert header["hash"] == "sha256:" + hashlib.sha256(recomputed.encode()).hexdigest()
    assert canonical(document) == recomputed.encode()
    assert header["rule_set"] == {"version": "2026.1", "model": "per-patient"}


def test_late_data_makes_a_new_version_that_names_the_one_it_replaces(world: World) -> None:
    first = world.client.post(INVOICE, params={"kommun": "0138", "month": "2026-03"}).json()
    world.stay(
        world.patient("0138"),
        "2026-03-01T08:00:00+01:00",
        "2026-03-02T09:00:00+01:00",
        "2026-03-06T10:00:00+01:00",
    )
    second = world.client.post(INVOICE, params={"kommun": "0138", "month": "2026-03"}).json()
    assert second["header"]["version"] == first["header"]["version"] + 1
    assert second["header"]["replaces"] == {
        "version": first["header"]["version"],
        "hash": first["header"]["hash"],
    }
    again = world.client.post(
        INVOICE,
        params={"kommun": "0138", "month": "2026-03", "version": str(first["header"]["version"])},
    ).json()
    assert again == first  # the earlier version, unchanged


def test_the_invoice_basis_as_csv_and_xlsx(world: World) -> None:
    raw = world.invoice("2026-03", "0114", "csv")
    text = raw.decode("utf-8")
    assert text.startswith("\ufeffVårdtillfälle;Personnummer;")
    lines = text.strip().split("\r\n")
    assert lines[-1].startswith("Summa;") and lines[-1].endswith(f";12;{12 * 11500};")
    workbook = zipfile.ZipFile(io.BytesIO(world.invoice("2026-03", "0114", "xlsx")))
    sheet = workbook.read("xl/worksheets/sheet1.xml").decode()
    assert 'ySplit="1"' in sheet and "Underlag" in workbook.read("xl/workbook.xml").decode()
    binary = world.client.post(
        INVOICE,
        params={"kommun": "0114", "month": "2026-03", "format": "csv"},
        headers={"Accept": "application/fhir+json"},
    ).json()
    assert binary["resourceType"] == "Binary" and binary["contentType"].startswith("text/csv")


def test_statistics_csv_uses_semicolons_and_a_decimal_comma(world: World) -> None:
    rows = world.csv_rows("2026-03")
    row = next(
        r
        for r in rows
        if r["Kommunkod"] == "0114" and r["Område"] == "kommun" and r["Vårdform"] == "alla"
    )
    assert row["Medel dagar (SKR, ≥ 1 dag)"] == "8,00"
    assert row["Andel informationsöverföring i tid"] == "1,0000"
    kinds = {(r["Område"], r["Vårdform"]) for r in rows}
    assert ("län", "alla") in kinds and ("stadsdel", "psykiatrisk") in kinds


def test_statistics_as_xlsx_and_json(world: World, tmp_path: Any) -> None:
    out = tmp_path / "statistik.xlsx"
    args = ["report", "statistics", "--month", "2026-03", "--db", world.database]
    env = {"LUS_FHIR_DAILY_AMOUNTS": AMOUNTS}
    result = CliRunner().invoke(cli, [*args, "--format", "xlsx", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    sheet = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode()
    assert 'ySplit="1"' in sheet
    result = CliRunner().invoke(cli, [*args, "--format", "json"], env=env)
    rows = json.loads(result.stdout)
    county = next(r for r in rows if r["Område"] == "län" and r["Vårdform"] == "alla")
    assert county["Dagar med betalningsansvar"] >= 18


def test_the_cli_refuses_a_future_month_and_an_unknown_kommun(world: World) -> None:
    for args in (
        ["report", "statistics", "--month", "2099-01"],
        ["report", "invoice", "--month", "2026-03", "--kommun", "9999"],
    ):
        result = CliRunner().invoke(cli, [*args, "--db", world.database])
        assert result.exit_code == 1
        assert "not begun" in result.output or "not a kommunkod" in result.output


# ---- stored reports ----
def test_monthly_reports_are_stored_and_remade_when_late_data_changes_them(world: World) -> None:
    args = ["report", "statistics", "--month", "2026-03", "--store", "--db", world.database]
    env = {"LUS_FHIR_DAILY_AMOUNTS": AMOUNTS}
    assert CliRunner().invoke(cli, args, env=env).exit_code == 0
    search = {
        "measure": "https://lus-fhir.se/fhir/Measure/lus-betalningsansvar",
        "subject": "Location/kommun-0186",
    }
    found = world.client.get("/fhir/MeasureReport", params={**search, "period": "2026-03"}).json()
    (entry,) = found["entry"]
    report = entry["resource"]
    assert _group(report, "dagar")["measureScore"]["value"] == 0
    assert world.read("Location", "kommun-0186")["name"] == "Lidingö"
    # nothing changed: no new version; a late stay: version 2, both in the history
    assert CliRunner().invoke(cli, args, env=env).exit_code == 0
    assert world.read("MeasureReport", report["id"])["meta"]["versionId"] == "1"
    world.stay(
        world.patient("0186"),
        "2026-03-01T08:00:00+01:00",
        "2026-03-02T09:00:00+01:00",
        "2026-03-10T10:00:00+01:00",
    )
    assert CliRunner().invoke(cli, args, env=env).exit_code == 0
    history = world.client.get(f"/fhir/MeasureReport/{report['id']}/_history").json()
    scores = [_group(e["resource"], "dagar")["measureScore"]["value"] for e in history["entry"]]
    assert scores == [6, 0]


def test_every_measure_population_names_a_figure_and_every_group_has_a_score() -> None:
    loaded = measures()
    assert set(loaded) == {
        "lus-utskrivningsklara-dagar",
        "lus-betalningsansvar",
        "lus-aterinskrivning-7d",
        "lus-processuppfoljning",
        "lus-avvikelser",
    }
    assert all(g.populations and g.stratifiers for m in loaded.values() for g in m.groups)


def test_the_report_repeats_the_measures_population_ids(world: World) -> None:
    report = world.report("lus-processuppfoljning", "2026-03", "0114")
    (definition,) = [m for m in measures().values() if m.id == "lus-processuppfoljning"]
    for group, defined in zip(report["group"], definition.groups, strict=True):
        assert group["id"] == defined.id
        assert [p["id"] for p in group["population"]] == [p.id for p in defined.populations]
    sip = _group(report, "kallelse-sip-3d")
    assert (_count(sip, "denominator"), _count(sip, "numerator")) == (2, 0)


def test_the_capability_statement_lists_the_operations(world: World) -> None:
    statement = world.client.get("/fhir/metadata").json()
    names = {o["name"] for o in statement["rest"][0]["operation"]}
    assert {"evaluate-measure", "invoice-basis"} <= names
    types = {r["type"] for r in statement["rest"][0]["resource"]}
    assert {"Measure", "MeasureReport"} <= types
