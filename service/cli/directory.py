"""`lus-fhir directory load FILE`: load a routing directory Bundle into the service database.

The Bundle goes through the same transaction processor as `POST /fhir` with a transaction, so every
resource is validated against the guide exactly as over REST, and a single invalid entry loads
nothing. With PUT entries and stable ids (as `fhir_profiles/directory/stockholms-lan.json` has),
loading again updates in place instead of duplicating.
"""

import json
import re
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from service.cli import options
from service.outcome import FhirError

PARTY_TYPE_SYSTEM = "https://lus-fhir.se/fhir/CodeSystem/lus-party-type"
ENTRY = re.compile(r"Bundle\.entry\[(\d+)\]")
ENTRY_PREFIX = re.compile(r"^Bundle\.entry\[\d+\]: ")

app = typer.Typer(no_args_is_help=True, help="Routing directory: load the directory Bundle.")
console = Console(stderr=True, soft_wrap=True)  # no wrapping: messages name files and entries


@app.callback()
def directory() -> None:
    """Routing directory of the LUS parties (Organization, HealthcareService, Endpoint)."""


def _usage_error(message: str) -> typer.Exit:
    console.print(f"[red]{message}[/red]")
    return typer.Exit(2)


def _read_bundle(file: Path) -> dict[str, Any]:
    """The file's transaction Bundle; a usage error (exit 2) for anything else."""
    if not file.is_file():
        raise _usage_error(f"No such file: {file}")
    try:
        bundle = json.loads(file.read_bytes())
    except (OSError, ValueError) as exc:
        raise _usage_error(f"{file} is not JSON: {exc}") from None
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise _usage_error(f"{file} is not a FHIR Bundle")
    if bundle.get("type") != "transaction":
        # a batch would load the valid entries and skip the rest: a half-loaded directory
        raise _usage_error(f"{file} is a {bundle.get('type')!r} Bundle, not a transaction")
    return bundle


def _entry_name(bundle: dict[str, Any], expression: str) -> str:
    """`Bundle.entry[3]…` → `Organization/sdf-jarva (entry 3)`, so the culprit is named."""
    match = ENTRY.search(expression)
    if match is None:
        return "Bundle"
    index = int(match.group(1))
    entries = bundle.get("entry") or []
    resource = entries[index].get("resource") if index < len(entries) else None
    if not isinstance(resource, dict):
        return f"entry {index}"
    return f"{resource.get('resourceType')}/{resource.get('id')} (entry {index})"


def _report_failure(bundle: dict[str, Any], error: FhirError) -> None:
    console.print(f"[red]Nothing loaded: the transaction failed (HTTP {error.status}).[/red]")
    for item in error.outcome.get("issue", []):
        if item.get("severity") not in ("error", "fatal"):
            continue
        expression = ", ".join(item.get("expression") or [])
        text = item.get("details", {}).get("text") or item.get("diagnostics") or item.get("code")
        text = ENTRY_PREFIX.sub("", str(text))
        name = _entry_name(bundle, f"{expression} {text}")
        typer.echo(
            f"{name}: {item['severity']} {item.get('code', '')} {expression}: {text}", err=True
        )


def _summary(bundle: dict[str, Any], response: dict[str, Any]) -> list[str]:
    resources = [
        e["resource"] for e in bundle.get("entry", []) if isinstance(e.get("resource"), dict)
    ]
    statuses = Counter(str(e.get("response", {}).get("status", "")) for e in response["entry"])
    by_type = Counter(str(r.get("resourceType")) for r in resources)
    by_party = Counter(
        coding["code"]
        for r in resources
        if r.get("resourceType") == "Organization"
        for concept in r.get("type", [])
        for coding in concept.get("coding", [])
        if coding.get("system") == PARTY_TYPE_SYSTEM
    )
    lines = [
        f"Loaded {len(response['entry'])} entries "
        f"({statuses['201']} created, {statuses['200']} updated)",
        "By resource type:",
        *(f"  {name:<28} {count:>4}" for name, count in sorted(by_type.items())),
    ]
    if by_party:
        lines += [
            "Organizations by partstyp:",
            *(f"  {name:<28} {count:>4}" for name, count in sorted(by_party.items())),
        ]
    return lines


@app.command()
def load(
    file: Annotated[Path, typer.Argument(help="Transaction Bundle (JSON) with the directory")],
    db: options.Database = None,
    data_dir: options.DataDir = None,
) -> None:
    """Load a directory Bundle, all or nothing; exit 1 if it is invalid, 2 on usage errors."""
    from sqlalchemy.exc import ArgumentError  # with the app, inside: see `serve`

    from service.auth.principal import INTERNAL
    from service.rest.app import create_app

    bundle = _read_bundle(file)
    settings = options.settings(db, data_dir)
    try:
        services = create_app(settings).state.services
    except ArgumentError as exc:
        raise _usage_error(f"Invalid database URL: {exc}") from None
    try:
        processor = services.engine_processor(settings.base_url or "http://localhost/fhir")
        response = processor.process(bundle, INTERNAL)
    except FhirError as error:
        _report_failure(bundle, error)
        raise typer.Exit(1) from None
    finally:
        services.store.engine.dispose()
    for line in _summary(bundle, response):
        typer.echo(line)
    console.print(f"database: {settings.database()}")
