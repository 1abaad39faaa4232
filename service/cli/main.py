"""Entry point of the `lus-fhir` command: one Typer app, one sub-app per area."""

import typer

from service.cli import (
    audit,
    clients,
    conformance,
    db,
    demo,
    directory,
    hl7v2,
    ig,
    report,
    serve,
    simulate,
    validate,
    worker,
)

app = typer.Typer(
    no_args_is_help=True, help="lus-fhir: FHIR R4 service for the LUS discharge process."
)
app.command()(serve.serve)
app.command()(worker.worker)
app.command()(demo.demo)
app.command()(simulate.simulate)
app.add_typer(validate.app, name="validate")
app.add_typer(ig.app, name="ig")
app.add_typer(directory.app, name="directory")
app.add_typer(clients.app, name="clients")
app.add_typer(audit.app, name="audit")
app.add_typer(conformance.app, name="conformance")
app.add_typer(hl7v2.app, name="hl7v2")
app.add_typer(report.app, name="report")
app.add_typer(db.app, name="db")


if __name__ == "__main__":
    app()
