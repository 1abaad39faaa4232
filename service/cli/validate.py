"""`lus-fhir validate PATH...`: validate FHIR JSON/NDJSON files, folders or stdin offline."""

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress

from service.outcome import has_errors
from service.validation import validator
from service.validation.issues import Issues

MAX_FILE_BYTES = 50 * 1024 * 1024
PROGRESS_THRESHOLD = 20

# interspersed args: options may follow the paths even though this is a one-callback sub-app
app = typer.Typer(
    context_settings={"allow_interspersed_args": True},
    subcommand_metavar="",
    help="Validate FHIR R4 resources against the base definitions and the guide's profiles.",
)
console = Console(stderr=True)


class Format(StrEnum):
    text = "text"
    json = "json"


@dataclass(frozen=True, slots=True)
class Unit:
    """One resource to validate: where it came from and its raw JSON (or a reason it has none)."""

    source: str
    line: int | None
    text: bytes | None
    problem: str | None = None

    @property
    def name(self) -> str:
        return self.source if self.line is None else f"{self.source}:{self.line}"


@app.callback(invoke_without_command=True)
def validate(
    paths: Annotated[
        list[str], typer.Argument(help="Files, folders (searched for *.json, *.ndjson) or -")
    ],
    profile: Annotated[
        list[str] | None, typer.Option("--profile", help="Also validate against this profile")
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="Output format")] = Format.text,
) -> None:
    """Validate resources; exit 0 when none has errors, 1 when some do, 2 on usage errors."""
    missing = [p for p in paths if p != "-" and not Path(p).exists()]
    if missing:
        console.print(f"[red]No such file or folder:[/red] {', '.join(missing)}")
        raise typer.Exit(2)
    units = [unit for path in paths for unit in _units(path)]
    checker = validator()
    profiles = tuple(profile or ())
    results: list[tuple[Unit, dict[str, Any]]] = []
    with Progress(console=console, transient=True, disable=len(units) <= PROGRESS_THRESHOLD) as bar:
        task = bar.add_task("Validating", total=len(units))
        for unit in units:
            results.append((unit, _outcome(unit, checker.validate_json, profiles)))
            bar.advance(task)
    if output is Format.json:
        typer.echo(json.dumps([{"source": u.name, "outcome": o} for u, o in results], indent=2))
    else:
        for unit, outcome in results:
            for line in _text_lines(unit, outcome):
                typer.echo(line)
    failed = sum(has_errors(outcome) for _, outcome in results)
    console.print(f"{len(results)} resource(s) validated, {failed} with errors")
    raise typer.Exit(1 if failed else 0)


def _outcome(unit: Unit, check: Any, profiles: tuple[str, ...]) -> dict[str, Any]:
    if unit.text is None:
        issues = Issues()
        issues.add("structure.json", "", unit.problem or "Nothing to validate")
        return issues.outcome()
    outcome: dict[str, Any] = check(unit.text, profiles)
    return outcome


def _units(path: str) -> Iterator[Unit]:
    if path == "-":
        yield from _split("<stdin>", sys.stdin.buffer.read(), ndjson=None)
        return
    target = Path(path)
    files = (
        sorted(p for p in target.rglob("*") if p.suffix in (".json", ".ndjson") and p.is_file())
        if target.is_dir()
        else [target]
    )
    for file in files:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            yield Unit(str(file), None, None, f"File is {size // 2**20} MB, over the 50 MB limit")
            continue
        try:
            data = file.read_bytes()
        except OSError as error:
            yield Unit(str(file), None, None, f"Cannot read the file: {error.strerror}")
            continue
        yield from _split(str(file), data, ndjson=file.suffix == ".ndjson")


def _split(source: str, data: bytes, ndjson: bool | None) -> Iterator[Unit]:
    """Whole-document JSON, or NDJSON (one resource a line); None: guess from the content."""
    if ndjson is None:
        lines = [line for line in data.splitlines() if line.strip()]
        ndjson = len(lines) > 1 and all(line.lstrip().startswith(b"{") for line in lines)
        if ndjson and _is_json(data):
            ndjson = False
    if not ndjson:
        yield Unit(source, None, data)
        return
    for number, line in enumerate(data.splitlines(), start=1):
        if line.strip():
            yield Unit(source, number, line)


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


def _text_lines(unit: Unit, outcome: dict[str, Any]) -> Iterator[str]:
    for entry in outcome.get("issue", []):
        if entry.get("severity") == "information":
            continue
        codings = entry.get("details", {}).get("coding", [])
        code = codings[0]["code"] if codings else entry.get("code", "")
        expression = (entry.get("expression") or [""])[0]
        text = entry.get("details", {}).get("text", "")
        yield f"{unit.name}: {entry['severity']} {code} {expression}: {text}"
