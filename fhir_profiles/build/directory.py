"""Generates the routing directory of Stockholm county as a FHIR transaction Bundle.

The readable source is `fhir_profiles/directory/stockholms-lan.yaml`; the Bundle
`stockholms-lan.json` is derived from it here, so the JSON can never drift from the source. Names of
municipalities and districts, and the districts' validity periods, are read from the guide's own
CodeSystems so the directory and the terminology cannot disagree. Every entry is a PUT with a stable
id: loading the Bundle twice leaves the database as it was.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fhir_profiles import CANONICAL, GENERATED, ROOT

DIRECTORY = ROOT / "directory"
SOURCE = DIRECTORY / "stockholms-lan.yaml"
OUTPUT = DIRECTORY / "stockholms-lan.json"

SD = f"{CANONICAL}/StructureDefinition"
PROFILES = {
    "Organization": f"{SD}/lus-organization",
    "HealthcareService": f"{SD}/lus-healthcareservice",
    "Endpoint": f"{SD}/lus-endpoint",
}
HSA_SYSTEM = "urn:oid:1.2.752.29.4.19"
ORGNR_SYSTEM = "urn:oid:2.5.4.97"
KOMMUNKOD_SYSTEM = "urn:oid:1.2.752.129.2.2.1.17"
STADSDEL_SYSTEM = f"{CANONICAL}/CodeSystem/stockholm-stadsdel"
PARTY_TYPE_SYSTEM = f"{CANONICAL}/CodeSystem/lus-party-type"
EVENT_SYSTEM = f"{CANONICAL}/CodeSystem/lus-event"
CONNECTION_SYSTEM = "http://terminology.hl7.org/CodeSystem/endpoint-connection-type"
CONNECTIONS = ("hl7-fhir-msg", "hl7-fhir-rest")
MUNICIPAL_KINDS = ("socialtjanst", "kommunal-halso-och-sjukvard")
STOCKHOLM = "0180"

Resource = dict[str, Any]


class DirectoryError(ValueError):
    """The source file is inconsistent (unknown code, duplicate id, missing field)."""


@dataclass(frozen=True)
class Unit:
    """What one receiving unit needs beyond its Organization: a service and an endpoint."""

    id: str
    service_name: str
    address: str
    events: list[str]
    connection: str
    weekend_phone: str
    weekend_address: str | None = None
    kod: str | None = None
    stadsdel: str | None = None
    valid: dict[str, str] | None = None


def _concepts(name: str, generated: Path) -> dict[str, dict[str, Any]]:
    path = generated / f"CodeSystem-{name}.json"
    system = json.loads(path.read_text(encoding="utf-8"))
    return {c["code"]: c for c in system.get("concept", [])}


def _validity(concept: Mapping[str, Any]) -> dict[str, str]:
    """A district's validity period, from the CodeSystem's effective-from/-to properties."""
    props = {p["code"]: p.get("valueDateTime") for p in concept.get("property", [])}
    if not props.get("effective-from"):
        raise DirectoryError(f"stadsdel {concept['code']} has no effective-from in the CodeSystem")
    period = {"start": str(props["effective-from"])}
    if props.get("effective-to"):
        period["end"] = str(props["effective-to"])
    return period


def _fill(template: str, where: str, **values: str) -> str:
    try:
        return template.format(**values)
    except KeyError as exc:
        raise DirectoryError(f"{where}: unknown placeholder {exc} in {template!r}") from exc


@dataclass
class _Builder:
    """Collects the resources in a fixed order (by type, then source order) for a stable file."""

    source: dict[str, Any]
    kommuner: dict[str, dict[str, Any]]
    stadsdelar: dict[str, dict[str, Any]]
    events: set[str]
    resources: dict[str, list[Resource]] = field(default_factory=lambda: {t: [] for t in PROFILES})
    ids: set[str] = field(default_factory=set)

    @property
    def defaults(self) -> dict[str, Any]:
        value: dict[str, Any] = self.source["defaults"]
        return value

    def add(self, resource: Resource) -> None:
        key = f"{resource['resourceType']}/{resource['id']}"
        if key in self.ids:
            raise DirectoryError(f"duplicate {key}")
        self.ids.add(key)
        self.resources[resource["resourceType"]].append(resource)

    # ---- extensions ----
    def kommunkod(self, kod: str) -> Resource:
        if kod not in self.kommuner:
            raise DirectoryError(f"unknown kommunkod {kod!r}")
        return {
            "url": f"{SD}/lus-kommunkod",
            "valueCoding": {
                "system": KOMMUNKOD_SYSTEM,
                "code": kod,
                "display": self.kommuner[kod]["display"],
            },
        }

    def stadsdel(self, code: str) -> Resource:
        return {
            "url": f"{SD}/lus-stadsdel",
            "valueCoding": {
                "system": STADSDEL_SYSTEM,
                "code": code,
                "display": self.stadsdelar[code]["display"],
            },
        }

    @staticmethod
    def validity(period: dict[str, str]) -> Resource:
        return {"url": f"{SD}/lus-giltighetsperiod", "valuePeriod": dict(period)}

    def placement(
        self, kod: str | None, stadsdel: str | None, valid: dict[str, str] | None
    ) -> list[Resource]:
        """kommunkod, stadsdel and validity: the extensions routing selects a unit by."""
        extensions = [self.kommunkod(kod)] if kod else []
        if stadsdel:
            extensions.append(self.stadsdel(stadsdel))
        if valid:
            extensions.append(self.validity(valid))
        return extensions

    # ---- resources ----
    def organization(
        self,
        id: str,
        name: str,
        partstyp: str,
        hsa: str,
        *,
        orgnr: str | None = None,
        kod: str | None = None,
        stadsdel: str | None = None,
        valid: dict[str, str] | None = None,
        part_of: str | None = None,
        phone: str | None = None,
        endpoint: bool = False,
    ) -> None:
        resource: Resource = {"resourceType": "Organization", "id": id}
        resource["meta"] = {"profile": [PROFILES["Organization"]]}
        extensions = self.placement(kod, stadsdel, valid)
        if extensions:
            resource["extension"] = extensions
        resource["identifier"] = [{"system": HSA_SYSTEM, "value": hsa}]
        if orgnr:
            resource["identifier"].append({"system": ORGNR_SYSTEM, "value": orgnr})
        resource["active"] = True
        resource["type"] = [{"coding": [{"system": PARTY_TYPE_SYSTEM, "code": partstyp}]}]
        resource["name"] = name
        if phone:
            resource["telecom"] = [{"system": "phone", "value": phone}]
        if part_of:
            resource["partOf"] = {"reference": f"Organization/{part_of}"}
        if endpoint:
            resource["endpoint"] = [{"reference": f"Endpoint/endpoint-{id}"}]
        self.add(resource)

    def endpoint(
        self,
        id: str,
        org_id: str,
        connection: str,
        address: str,
        events: list[str],
        valid: dict[str, str] | None,
    ) -> None:
        if connection not in CONNECTIONS:
            raise DirectoryError(f"{id}: connection {connection!r} is not one of {CONNECTIONS}")
        unknown = sorted(set(events) - self.events)
        if unknown or not events:
            raise DirectoryError(f"{id}: unknown or no lus-event codes {unknown}")
        start = str(self.defaults["endpoint_start"])
        if valid and valid.get("end") and valid["end"] < start:
            period = dict(valid)  # a unit that ended before go-live: its endpoint ended with it
        else:
            period = {"start": max(start, valid["start"]) if valid else start}
        self.add(
            {
                "resourceType": "Endpoint",
                "id": id,
                "meta": {"profile": [PROFILES["Endpoint"]]},
                "status": "active",
                "connectionType": {"system": CONNECTION_SYSTEM, "code": connection},
                "managingOrganization": {"reference": f"Organization/{org_id}"},
                "period": period,
                "payloadType": [
                    {"coding": [{"system": EVENT_SYSTEM, "code": event}]} for event in events
                ],
                "payloadMimeType": [self.defaults["mime_type"]],
                "address": address,
            }
        )

    def service(self, unit: Unit) -> None:
        """HealthcareService + Endpoint(s) of a receiving unit whose Organization exists."""
        self.endpoint(
            f"endpoint-{unit.id}", unit.id, unit.connection, unit.address, unit.events, unit.valid
        )
        weekend = self.defaults["weekend"]
        helg: list[Resource] = [
            {
                "url": "telecom",
                "valueContactPoint": {"system": "phone", "value": unit.weekend_phone},
            }
        ]
        if unit.weekend_address:
            weekend_id = f"endpoint-{unit.id}-helg"
            self.endpoint(
                weekend_id, unit.id, unit.connection, unit.weekend_address, unit.events, unit.valid
            )
            helg.append(
                {"url": "endpoint", "valueReference": {"reference": f"Endpoint/{weekend_id}"}}
            )
        helg.append(
            {
                "url": "availableTime",
                "extension": [{"url": "daysOfWeek", "valueCode": d} for d in weekend["days"]]
                + [{"url": "allDay", "valueBoolean": bool(weekend["all_day"])}],
            }
        )
        hours = self.defaults["opening_hours"]
        self.add(
            {
                "resourceType": "HealthcareService",
                "id": f"tjanst-{unit.id}",
                "meta": {"profile": [PROFILES["HealthcareService"]]},
                "extension": [
                    *self.placement(unit.kod, unit.stadsdel, unit.valid),
                    {"url": f"{SD}/lus-helgkontaktvag", "extension": helg},
                ],
                "active": True,
                "providedBy": {"reference": f"Organization/{unit.id}"},
                "name": unit.service_name,
                "availableTime": [
                    {
                        "daysOfWeek": list(hours["days"]),
                        "availableStartTime": str(hours["start"]),
                        "availableEndTime": str(hours["end"]),
                    }
                ],
                "endpoint": [{"reference": f"Endpoint/endpoint-{unit.id}"}],
            }
        )

    # ---- the parts of the source ----
    def region(self) -> str:
        region = self.source["region"]
        self.organization(
            region["id"], region["name"], "region", region["hsa"], orgnr=region["orgnr"]
        )
        return str(region["id"])

    def hospitals(self, region_id: str) -> None:
        events = self.defaults["events"]["vardavdelning"]
        for hospital in self.source["hospitals"]:
            self.organization(
                hospital["id"], hospital["name"], "region", hospital["hsa"], part_of=region_id
            )
            address = f"https://{hospital['slug']}.example.se/fhir"
            for ward in hospital["wards"]:
                self.organization(
                    ward["id"],
                    ward["name"],
                    "vardavdelning",
                    ward["hsa"],
                    part_of=hospital["id"],
                    phone=ward.get("phone"),
                    endpoint=True,
                )
                self.endpoint(
                    f"endpoint-{ward['id']}",
                    ward["id"],
                    ward.get("connection", "hl7-fhir-rest"),
                    address,
                    list(ward.get("events", events)),
                    None,
                )

    def primary_care(self, region_id: str) -> None:
        events = self.defaults["events"]["primarvard"]
        for unit in self.source["primarvard"]:
            self.organization(
                unit["id"],
                unit["name"],
                "primarvard",
                unit["hsa"],
                kod=unit["kod"],
                part_of=region_id,
                endpoint=True,
            )
            self.endpoint(
                f"endpoint-{unit['id']}",
                unit["id"],
                unit.get("connection", "hl7-fhir-rest"),
                f"https://{unit.get('slug', unit['id'])}.example.se/fhir",
                list(unit.get("events", events)),
                None,
            )

    def home_care(self, kommun_ids: dict[str, str]) -> None:
        events = self.defaults["events"]["hemtjanstutforare"]
        for unit in self.source["hemtjanstutforare"]:
            self.organization(
                unit["id"],
                unit["name"],
                "hemtjanstutforare",
                unit["hsa"],
                orgnr=unit.get("orgnr"),
                kod=unit["kod"],
                part_of=kommun_ids[unit["kod"]] if unit.get("part_of_kommun") else None,
                endpoint=True,
            )
            self.endpoint(
                f"endpoint-{unit['id']}",
                unit["id"],
                unit.get("connection", "hl7-fhir-rest"),
                f"https://{unit.get('slug', unit['id'])}.example.se/fhir",
                list(unit.get("events", events)),
                None,
            )

    def municipalities(self) -> dict[str, str]:
        """The 26 municipalities with their units; returns kommunkod → Organization id."""
        templates = self.source["municipal_units"]
        listed = [str(k["kod"]) for k in self.source["kommuner"]]
        missing = sorted(set(self.kommuner) - set(listed))
        if missing or len(listed) != len(set(listed)):
            raise DirectoryError(f"kommuner: missing {missing} or listed twice")
        ids: dict[str, str] = {}
        units: list[Unit] = []
        for kommun in self.source["kommuner"]:
            kod = str(kommun["kod"])
            values = {
                "kod": kod,
                "kommun": kommun["name"],
                "slug": kommun["slug"],
                "orgnr": kommun["orgnr"],
            }
            where = f"kommun {kod}"
            kommun_id = kommun.get("id") or _fill(templates["kommun"]["id"], where, **values)
            ids[kod] = kommun_id
            self.organization(
                kommun_id,
                kommun["name"],
                "kommun",
                _fill(templates["kommun"]["hsa"], where, **values),
                orgnr=kommun["orgnr"],
                kod=kod,
            )
            connection = kommun.get("connection", "hl7-fhir-msg")
            weekend = kommun.get("weekend_endpoint", [])
            phones = {
                "socialtjanst": kommun.get("socialjour"),
                "kommunal-halso-och-sjukvard": kommun["hsl_jour"],
            }
            kinds: tuple[str, ...] = MUNICIPAL_KINDS
            if kod == STOCKHOLM:  # social services are the districts; one health care unit
                units.extend(self.districts(kommun, kommun_id, connection))
                kinds = MUNICIPAL_KINDS[1:]
            for kind in kinds:
                template = templates[kind]
                unit_id = _fill(template["id"], where, **values)
                self.organization(
                    unit_id,
                    _fill(template["name"], where, **values),
                    kind,
                    _fill(template["hsa"], where, **values),
                    kod=kod,
                    part_of=kommun_id,
                    endpoint=True,
                )
                units.append(
                    Unit(
                        id=unit_id,
                        service_name=template["service"],
                        address=_fill(template["address"], where, **values),
                        events=list(self.defaults["events"][kind]),
                        connection=connection,
                        weekend_phone=str(phones[kind]),
                        weekend_address=(
                            _fill(template["weekend_address"], where, **values)
                            if kind in weekend
                            else None
                        ),
                        kod=kod,
                    )
                )
        for unit in units:
            self.service(unit)
        return ids

    def districts(self, kommun: dict[str, Any], kommun_id: str, connection: str) -> list[Unit]:
        """Stockholm city's district administrations, each valid for its CodeSystem period."""
        template = self.source["municipal_units"]["stadsdel"]
        listed = [d["code"] for d in kommun["stadsdelar"]]
        if sorted(listed) != sorted(self.stadsdelar):
            raise DirectoryError(
                f"stadsdelar must list each code of the stadsdel CodeSystem once: {listed}"
            )
        units = []
        for district in kommun["stadsdelar"]:
            code = district["code"]
            concept = self.stadsdelar[code]
            valid = _validity(concept)
            values = {
                "code": code,
                "stadsdel": concept["display"],
                "local": district["local"],
                "local_lower": district["local"].lower(),
                "orgnr": kommun["orgnr"],
            }
            where = f"stadsdel {code}"
            unit_id = _fill(template["id"], where, **values)
            self.organization(
                unit_id,
                _fill(template["name"], where, **values),
                "socialtjanst",
                _fill(template["hsa"], where, **values),
                kod=STOCKHOLM,
                stadsdel=code,
                valid=valid,
                part_of=kommun_id,
                endpoint=True,
            )
            units.append(
                Unit(
                    id=unit_id,
                    service_name=template["service"],
                    address=_fill(template["address"], where, **values),
                    events=list(district.get("events", self.defaults["events"]["socialtjanst"])),
                    connection=district.get("connection", connection),
                    weekend_phone=district["socialjour"],
                    weekend_address=(
                        _fill(template["weekend_address"], where, **values)
                        if district.get("weekend_endpoint")
                        else None
                    ),
                    kod=STOCKHOLM,
                    stadsdel=code,
                    valid=valid,
                )
            )
        return units

    def bundle(self) -> Resource:
        region_id = self.region()
        self.hospitals(region_id)
        self.primary_care(region_id)
        kommun_ids = self.municipalities()
        self.home_care(kommun_ids)
        base = self.source["bundle"]["base"].rstrip("/")
        entries = [
            {
                "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
            }
            for kind in PROFILES
            for r in self.resources[kind]
        ]
        return {
            "resourceType": "Bundle",
            "id": self.source["bundle"]["id"],
            "type": "transaction",
            "entry": entries,
        }


def build(source: Path = SOURCE, generated: Path = GENERATED) -> Resource:
    """The transaction Bundle described by `source` (pure: reads, never writes)."""
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    kommuner = {
        code: {"display": concept["display"]}
        for code, concept in _concepts("kommunkod", generated).items()
    }
    builder = _Builder(
        source=data,
        kommuner=kommuner,
        stadsdelar=_concepts("stockholm-stadsdel", generated),
        events=set(_concepts("lus-event", generated)),
    )
    try:
        return builder.bundle()
    except (KeyError, TypeError) as exc:
        raise DirectoryError(f"{source}: missing or malformed field {exc}") from exc


def render(bundle: Resource) -> str:
    """Pretty, stable text: the same source always gives byte-identical JSON."""
    return json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"


def write(out: Path = OUTPUT) -> int:
    """Regenerate the Bundle file; returns the number of resources in it."""
    bundle = build()
    out.write_text(render(bundle), encoding="utf-8")
    return len(bundle["entry"])
