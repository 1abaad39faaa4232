"""Everything a stay's figures are computed against: the agreement's rules, the legal deadlines
(service/workflow/deadlines.yaml) and the reporting areas, gathered once and passed down."""

import json
from dataclasses import dataclass

from service.settings import Settings
from service.statistics.areas import Areas, areas
from service.statistics.rules import AMOUNTS_SETTING, Rules, RulesError, load
from service.workflow.deadlines import Deadlines, deadlines


@dataclass(frozen=True)
class Basis:
    rules: Rules
    deadlines: Deadlines
    areas: Areas


def daily_amounts(text: str | None) -> dict[int, int]:
    """The operator's extra daily amounts: a JSON object of year → kr, e.g. {"2026": 11000}."""
    if not text:
        return {}
    try:
        data = json.loads(text)
        amounts = {int(year): int(amount) for year, amount in data.items()}
    except (ValueError, TypeError, AttributeError):
        raise RulesError(
            f'{AMOUNTS_SETTING} must be a JSON object of year → kr, e.g. {{"2026": 11000}}; '
            f"got {text!r}"
        ) from None
    return amounts


def basis_for(settings: Settings) -> Basis:
    extra = daily_amounts(settings.daily_amounts)
    return Basis(load(settings.statistics_rules, extra), deadlines(), areas())
