"""What no route takes: a NUL character (`%00`) in the decoded path or in a parameter.

No FHIR id, search value or operation parameter may contain one, and PostgreSQL cannot even
compare text with it (a read of `Task/%00` failed there with 500). `check_url` is a dependency
of the whole app, so every route refuses it before it reaches the engine and the refusal is
logged like any other; parameters from a form body go through `check_parameters`.
"""

from collections.abc import Iterable

from starlette.requests import HTTPConnection

from service.outcome import FhirError


async def check_url(connection: HTTPConnection) -> None:
    """Async although it awaits nothing: FastAPI runs a plain `def` dependency in its thread
    pool, which cost every request of the app a thread hop."""
    check_parameters(connection.query_params.multi_items())
    if "\x00" in connection.scope["path"]:
        raise _refused("the path")


def check_parameters(parameters: Iterable[tuple[str, str]]) -> None:
    for name, value in parameters:
        if "\x00" in name + value:
            raise _refused(f"the parameter {name!r}", name)


def _refused(where: str, parameter: str | None = None) -> FhirError:
    text = f"{where} holds a NUL character (%00), which no FHIR value may contain"
    return FhirError.of(400, "invalid", text, parameter)
