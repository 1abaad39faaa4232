"""`lus-fhir directory load`: all or nothing through the REST transaction processor, idempotent."""

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fhir_profiles.build import directory
from service.auth.principal import INTERNAL
from service.cli.directory import app
from service.rest.app import create_app
from service.settings import Settings

runner = CliRunner()


def counts(data_dir: Path, *queries: str) -> list[int]:
    """Totals of searches against the loaded database, asked the way a client would."""
    services = create_app(Settings(data_dir=data_dir)).state.services
    batch = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [{"request": {"method": "GET", "url": q}} for q in queries],
    }
    try:
        response = services.engine_processor("http://test/fhir").process(batch, INTERNAL)
    finally:
        services.store.engine.dispose()
    return [int(e["resource"]["total"]) for e in response["entry"]]


def load(path: Path, data_dir: Path) -> Any:
    return runner.invoke(app, ["load", str(path), "--data-dir", str(data_dir)])


TOTALS = (
    "Organization?_summary=count",
    "HealthcareService?_summary=count",
    "Endpoint?_summary=count",
)


def test_load_twice_gives_the_same_directory(tmp_path: Path) -> None:
    bundle = json.loads(directory.OUTPUT.read_text(encoding="utf-8"))
    expected = [
        sum(e["resource"]["resourceType"] == t.split("?")[0] for e in bundle["entry"])
        for t in TOTALS
    ]
    first = load(directory.OUTPUT, tmp_path)
    assert first.exit_code == 0, first.output
    assert f"Loaded {len(bundle['entry'])} entries ({len(bundle['entry'])} created" in first.output
    assert "socialtjanst" in first.output and "HealthcareService" in first.output
    assert counts(tmp_path, *TOTALS) == expected

    second = load(directory.OUTPUT, tmp_path)
    assert second.exit_code == 0, second.output
    assert f"(0 created, {len(bundle['entry'])} updated)" in second.output
    assert counts(tmp_path, *TOTALS) == expected


def test_loaded_directory_answers_routing_searches(tmp_path: Path) -> None:
    assert load(directory.OUTPUT, tmp_path).exit_code == 0
    nacka, jarva, social = counts(
        tmp_path,
        "HealthcareService?kommun=0182",
        "HealthcareService?stadsdel=jarva",
        "Organization?partstyp=socialtjanst",
    )
    assert (nacka, jarva, social) == (2, 1, 25 + 15)


def test_invalid_entry_loads_nothing_and_names_the_entry(tmp_path: Path) -> None:
    bundle = json.loads(directory.OUTPUT.read_text(encoding="utf-8"))
    index, entry = next(
        (i, e) for i, e in enumerate(bundle["entry"]) if e["resource"]["id"] == "sdf-jarva"
    )
    entry["resource"]["identifier"][0]["value"] = "SE212000-JARVA"  # breaks lus-hsa-1
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(bundle), encoding="utf-8")

    result = load(broken, tmp_path / "db")
    assert result.exit_code == 1
    assert f"Organization/sdf-jarva (entry {index})" in result.output
    assert "lus-hsa-1" in result.output
    assert counts(tmp_path / "db", *TOTALS) == [0, 0, 0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No such file"),
        ("{not json", "is not JSON"),
        ('{"resourceType": "Patient"}', "is not a FHIR Bundle"),
        ('{"resourceType": "Bundle", "type": "batch", "entry": []}', "not a transaction"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "directory.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = load(path, tmp_path)
    assert result.exit_code == 2
    assert message in result.output
