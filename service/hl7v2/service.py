"""The intake as the running service builds it: the app's engine, the configured sender tables,
and the principal the intake writes as (until authentication lands: INTERNAL)."""

from functools import cache
from pathlib import Path

from mappers.hl7v2 import Senders, load_senders
from service.auth.principal import INTERNAL
from service.hl7v2.intake import Intake
from service.rest.services import Services


@cache
def senders(path: Path | None, charset: str) -> Senders:
    return load_senders(path, charset)


def intake(services: Services) -> Intake:
    settings = services.settings
    tables = senders(settings.hl7v2_senders, settings.hl7v2_charset)
    return Intake(services.engine, tables, services.clock, INTERNAL)
