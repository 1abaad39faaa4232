"""`lus-fhir hl7v2 send FILE --to HOST:PORT`: send the messages of a file over MLLP, one
connection, each answered before the next; prints every ACK's MSA and ERR segments.

Exit 0 when every message got AA, 1 when one got AE or AR, 2 when the peer could not be reached
or did not answer in time.
"""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from service.hl7v2.client import MllpClient, messages_in

app = typer.Typer(no_args_is_help=True, help="HL7 v2 tools for testers.")
console = Console()


@app.command()
def send(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="ER7 file")],
    to: Annotated[str, typer.Option("--to", help="HOST:PORT of an MLLP listener")],
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each ACK")] = 30.0,
) -> None:
    """Send every message in FILE (LF or CR between segments; several messages in a row)."""
    host, _, port = to.rpartition(":")
    if not host or not port.isdigit():
        console.print(f"[red]--to must be HOST:PORT, not {to!r}[/red]")
        raise typer.Exit(2)
    messages = messages_in(file.read_bytes())
    failed = False
    try:
        with MllpClient(host, int(port), timeout) as client:
            for number, message in enumerate(messages, 1):
                acks = [a.decode("latin-1") for a in client.exchange(message)]
                if not acks:
                    console.print(f"{number}: no ACK (MSH-15/16 asked for none)", highlight=False)
                for ack in acks:
                    segments = [s for s in ack.split("\r") if s.startswith(("MSA", "ERR"))]
                    code = segments[0].split("|")[1] if segments and "|" in segments[0] else "?"
                    failed = failed or code not in ("AA", "CA")
                    console.print(f"{number}: {code}", highlight=False)
                    for segment in segments:
                        console.print(f"   {segment}", highlight=False, markup=False)
    except (OSError, ConnectionError) as error:
        console.print(f"[red]{to}: {error}[/red]")
        raise typer.Exit(2) from None
    raise typer.Exit(1 if failed else 0)
