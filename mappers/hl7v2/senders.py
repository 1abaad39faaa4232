"""Per-sender tables: data that changes a sender's defaults, never code.

A sender needs no entry to be accepted; its entry (keyed `MSH-3|MSH-4`, the namespace or universal
id of each) only changes what that feed means: its own assigning authorities, its charset when
MSH-18 is empty, admission types, where the care type is read, how districts are written.
"""

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

CARE_TYPES = ("somatisk", "psykiatrisk", "lpt", "lrv")
DEFAULT_ADMISSION_TYPES = {"E": "EM", "U": "EM"}  # emergency, urgent → unplanned


class SenderTable(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    charset: str | None = Field(default=None, description="table 0211 value when MSH-18 is empty")
    assigning_authorities: dict[str, str] = Field(
        default_factory=dict, description="CX.4 namespace or OID → identifier system URI"
    )
    visit_system: str | None = Field(
        default=None, description="identifier system of PV1-19 when CX.4 names none"
    )
    admission_types: dict[str, str] = Field(
        default_factory=dict, description="PV1-4 → EL | EM, over the default E, U → EM"
    )
    care_type: str = Field(default="somatisk", description="care type when no field names one")
    care_type_field: str | None = Field(
        default=None, description="PV1-10 (hospital service) or PV1-18 (patient type)"
    )
    care_types: dict[str, str] = Field(
        default_factory=dict, description="values of care_type_field → care type"
    )
    discharge_dispositions: dict[str, str] = Field(
        default_factory=dict, description="PV1-36 code → discharge-disposition code"
    )
    districts: dict[str, str] = Field(
        default_factory=dict, description="XAD.10 → lus-stadsdel code, beyond the codes themselves"
    )

    def planned(self, admission_type: str) -> str:
        """EL (planned) or EM (unplanned) for a PV1-4 value."""
        table = {**DEFAULT_ADMISSION_TYPES, **self.admission_types}
        return table.get(admission_type.upper(), "EL")


class Senders(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    default_charset: str = "ASCII"
    senders: dict[str, SenderTable] = Field(default_factory=dict)

    def table(self, sender: str) -> SenderTable:
        return self.senders.get(sender) or SenderTable()

    def charset(self, sender: str) -> str:
        return self.table(sender).charset or self.default_charset


def load_senders(path: Path | None, default_charset: str = "ASCII") -> Senders:
    """The tables in a YAML file (`senders:` mapping), or none; `default_charset` applies to
    senders whose table names no charset."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path else None
    tables = (data or {}).get("senders") or {}
    return Senders(default_charset=default_charset, senders=tables)
