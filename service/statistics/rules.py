"""The statistics and invoice rules as one typed value, read from versioned data (rules.yaml).

The operator may replace the packaged file (LUS_FHIR_STATISTICS_RULES) and add the daily amounts of
years the file does not list (LUS_FHIR_DAILY_AMOUNTS); nothing else in the statistics package holds
a number of its own.
"""

from dataclasses import dataclass
from datetime import time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

RULES = Path(__file__).parent / "rules.yaml"
MODEL_KINDS = ("per-patient", "medelvarde")
AMOUNTS_SETTING = "LUS_FHIR_DAILY_AMOUNTS"
RULES_SETTING = "LUS_FHIR_STATISTICS_RULES"


class RulesError(ValueError):
    """The rules data cannot be used (a file the operator wrote, or a missing amount)."""


@dataclass(frozen=True)
class DailyAmount:
    year: int
    amount: int  # kr per vårddygn
    reference: str
    source: str


@dataclass(frozen=True)
class Rules:
    version: str
    path: Path
    care_groups: dict[str, str]  # vardform code → somatisk | psykiatrisk
    skr_min_days: int
    model: str  # per-patient | medelvarde
    noon: time
    free_days: dict[str, int]  # care group → P
    average_level: dict[str, float]  # care group → agreed level (medelvarde model)
    admission_notice: timedelta
    daily_amounts: dict[int, DailyAmount]
    readmission_min_age: int
    readmission_window: timedelta
    unplanned_priorities: frozenset[str]
    deceased_dispositions: frozenset[str]
    sip_participation: frozenset[str]
    district_successors: dict[str, str]
    pending: timedelta
    municipal_party_types: frozenset[str]

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.care_groups.values()))

    def amount(self, year: int) -> DailyAmount:
        found = self.daily_amounts.get(year)
        if found is None:
            raise RulesError(
                f"no daily amount (Socialstyrelsen's kr per vårddygn) for {year}: add it under "
                f"daily_amounts in {self.path} or set {AMOUNTS_SETTING}='{{\"{year}\": <kr>}}'"
            )
        return found


def _require(data: dict[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise RulesError(f"{where}: '{key}' is missing")
    return data[key]


def parse(data: dict[str, Any], path: Path, extra_amounts: dict[int, int]) -> Rules:
    """The typed rules of one rules document plus the operator's extra daily amounts."""
    where = str(path)
    payment = _require(data, "payment", where)
    models = _require(payment, "models", f"{where}: payment")
    model = str(_require(payment, "model", f"{where}: payment"))
    if model not in models or model not in MODEL_KINDS:
        raise RulesError(f"{where}: payment.model {model!r} must be one of {list(MODEL_KINDS)}")
    care_groups = {
        code: group
        for group, codes in _require(data, "care_types", where).items()
        for code in codes
    }
    groups = set(care_groups.values())
    free_days = {str(k): int(v) for k, v in _require(payment, "free_days", where).items()}
    if set(free_days) != groups:
        raise RulesError(f"{where}: payment.free_days must name exactly {sorted(groups)}")
    level = {str(k): float(v) for k, v in models.get("medelvarde", {}).get("level", {}).items()}
    if model == "medelvarde" and set(level) != groups:
        raise RulesError(f"{where}: payment.models.medelvarde.level must name {sorted(groups)}")
    hour, minute = (int(p) for p in str(_require(payment, "noon", where)).split(":"))
    amounts = {
        int(year): DailyAmount(
            int(year), int(entry["amount"]), str(entry["reference"]), str(entry.get("source", ""))
        )
        for year, entry in (data.get("daily_amounts") or {}).items()
    }
    for year, amount in extra_amounts.items():
        amounts[year] = DailyAmount(year, amount, f"operator setting {AMOUNTS_SETTING}", "")
    readmission = _require(data, "readmission", where)
    return Rules(
        version=str(_require(data, "version", where)),
        path=path,
        care_groups=care_groups,
        skr_min_days=int(data.get("ready_days", {}).get("skr_min_days", 1)),
        model=model,
        noon=time(hour, minute),
        free_days=free_days,
        average_level=level,
        admission_notice=timedelta(hours=float(payment["admission_notice_hours"])),
        daily_amounts=dict(sorted(amounts.items())),
        readmission_min_age=int(readmission["min_age"]),
        readmission_window=timedelta(hours=float(readmission["window_hours"])),
        unplanned_priorities=frozenset(readmission["unplanned_priorities"]),
        deceased_dispositions=frozenset(readmission["deceased_dispositions"]),
        sip_participation=frozenset(data.get("followup", {}).get("sip_participation", [])),
        district_successors=dict(data.get("districts", {}).get("successors", {})),
        pending=timedelta(days=float(data.get("pending_days", 0))),
        municipal_party_types=frozenset(
            _require(data, "access", where).get("municipal_party_types", [])
        ),
    )


@cache
def _load(path: Path, extra: tuple[tuple[int, int], ...]) -> Rules:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"{RULES_SETTING}: cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise RulesError(f"{path}: not a rules document")
    try:
        return parse(data, path, dict(extra))
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, RulesError):
            raise
        raise RulesError(f"{path}: malformed rules ({exc!r})") from None


def load(path: Path | None = None, extra_amounts: dict[int, int] | None = None) -> Rules:
    """The rules of `path` (default: the packaged rules.yaml), read once per process."""
    return _load(path or RULES, tuple(sorted((extra_amounts or {}).items())))
