"""`lus-fhir conformance run`: the LUS conformance suite against any FHIR server.

The runner, its validator and the reports are imported inside the commands (see `serve`).
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from conformance.suites import load_suite, suite_names

if TYPE_CHECKING:
    from conformance.engine import ActionResult, ScriptResult

app = typer.Typer(no_args_is_help=True, help="Run the LUS conformance suites.")
console = Console(stderr=True)

_MARK = {
    "pass": "[green]✓",
    "fail": "[red]✗",
    "error": "[red]![/red]",
    "warning": "[yellow]~",
    "skip": "[dim]-",
}


@app.command("list")
def list_suites() -> None:
    """List the suites shipped with lus-fhir."""
    for name in suite_names():
        typer.echo(name)


@app.command()
def run(
    target: Annotated[str, typer.Option(help="FHIR base URL of the system under test")],
    suite: Annotated[str, typer.Option(help="suite name (see `list`) or a folder/file path")],
    token: Annotated[
        str | None, typer.Option(help="bearer token of the default client (see --credentials)")
    ] = None,
    credentials: Annotated[
        Path | None,
        typer.Option(
            help="JSON file naming the client of each organization the scripts act as "
            "(`conformance credentials` makes one)"
        ),
    ] = None,
    junit: Annotated[Path | None, typer.Option(help="write JUnit XML here")] = None,
    report: Annotated[Path | None, typer.Option(help="write TestReports + HTML here")] = None,
    timeout: Annotated[float, typer.Option(help="seconds per request")] = 30.0,
) -> None:
    """Exit 0 when every test passes, 1 on failures, 2 on errors (script or connection)."""
    import httpx

    from conformance import credentials as clients
    from conformance.engine import Runner
    from conformance.profiles import profile_errors
    from conformance.reports.html import html_report
    from conformance.reports.junit import junit_xml
    from conformance.reports.testreport import test_report

    try:
        scripts = load_suite(suite)
    except (FileNotFoundError, json.JSONDecodeError) as error:
        console.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from error
    base = target.rstrip("/") + "/"
    try:
        loaded = clients.load(credentials, base) if credentials else None
    except clients.CredentialsError as error:
        console.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from error
    default = loaded.default if loaded else None
    if token and default:
        console.print('[red]error:[/red] --token and a "default" client in --credentials')
        raise typer.Exit(2)
    auth = clients.Bearer(token) if token else default

    def show(action: "ActionResult") -> None:
        if action.kind == "assert" or action.result != "pass":
            text = escape(f"{action.label} — {action.message}")
            console.print(f"    {_MARK[action.result]} {text}", highlight=False)

    results: list[ScriptResult] = []
    with httpx.Client(base_url=base, auth=auth, timeout=timeout) as client:
        by_organization = loaded.by_organization if loaded else None
        runner = Runner(
            client, validator=profile_errors, listener=show, credentials=by_organization
        )
        for number, (script, folder) in enumerate(scripts, 1):
            title = escape(str(script.get("name", script.get("id"))))
            console.print(f"[bold]({number}/{len(scripts)}) {title}")
            results.append(runner.run(script, folder))
    issued = datetime.now(UTC)
    if junit:
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_text(junit_xml(results), encoding="utf-8")
    if report:
        report.mkdir(parents=True, exist_ok=True)
        for result in results:
            name = result.script.get("id", result.name)
            (report / f"TestReport-{name}.json").write_text(
                json.dumps(test_report(result, target, issued), indent=2), encoding="utf-8"
            )
        (report / "index.html").write_text(html_report(results, target, issued), encoding="utf-8")
    tests = [t for r in results for t in r.tests]
    counts = {kind: sum(t.result == kind for t in tests) for kind in _MARK}
    console.print(
        f"[bold]{len(tests)} tests:[/] {counts['pass'] + counts['warning']} passed, "
        f"{counts['fail']} failed, {counts['error']} errors, {counts['skip']} skipped"
    )
    worst = {r.result for r in results}
    if "error" in worst:
        raise typer.Exit(2)
    if "fail" in worst:
        raise typer.Exit(1)


@app.command("credentials")
def make_credentials(
    out: Annotated[Path, typer.Option(help="folder for credentials.json and the public JWKS")],
    region_organization: Annotated[
        str, typer.Option(help="the Organization of the default client (region-wide role)")
    ] = "Organization/region-stockholm",
) -> None:
    """Make a key for the default client and for every organization the suites act as; print
    the commands that register them with lus-fhir (another server registers the JWKS files its
    own way)."""
    from conformance import credentials as clients

    made = clients.generate(out, region_organization)
    console.print(f"wrote {out / 'credentials.json'} (private keys) and {len(made)} JWKS files")
    for client in made:
        typer.echo(client.register_command())
