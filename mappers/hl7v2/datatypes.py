"""HL7 v2 data types → FHIR data types, after the v2-to-FHIR IG's data-type maps (CX[Identifier],
HD[uri], XPN[HumanName], XAD[Address], XTN[ContactPoint], DTM[dateTime]), with the Swedish rules
of our guide: national identifier OIDs become the guide's systems, a DTM without offset is
Europe/Stockholm time (with daylight saving), an offset given is kept.
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from fhir_profiles import R4_DIR
from mappers.hl7v2.er7 import Field
from mappers.hl7v2.errors import DATA_TYPE, Location, MappingError

Resource = dict[str, Any]
STOCKHOLM = ZoneInfo("Europe/Stockholm")
PERSONNUMMER = "http://electronichealth.se/identifier/personnummer"
SAMORDNINGSNUMMER = "http://electronichealth.se/identifier/samordningsnummer"
RESERVNUMMER = "http://electronichealth.se/identifier/nationelltReservnummer"
HSA_OIDS = ("1.2.752.29.4.19", "1.2.752.129.2.1.4.1")  # HL7 Sweden, RIV-TA
# Assigning-authority OIDs (CX.4) that name the guide's identifier systems.
NATIONAL = {
    "1.2.752.129.2.1.3.1": PERSONNUMMER,
    "1.2.752.129.2.1.3.3": SAMORDNINGSNUMMER,
}
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
_DTM = re.compile(
    r"^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(\.\d{1,4})?)?)?)?)?)?"
    r"([+-]\d{4})?$"
)
_HSA = re.compile(r"^SE\d{10}-[0-9A-Za-z]+$")


@dataclass(frozen=True)
class Moment:
    """A DTM as FHIR writes it, and the instant it names (start of its precision)."""

    text: str
    at: datetime


def dtm(field: Field, location: Location, component: int = 1) -> Moment | None:
    """DTM/TS → FHIR dateTime; None when empty. Precision is kept (a date stays a date); hours
    without minutes get :00, as FHIR needs minutes and seconds once a time is given."""
    raw = field.value(component).strip()
    if not raw:
        return None
    match = _DTM.match(raw)
    if not match:
        raise MappingError(location, DATA_TYPE, f"{raw!r} is not a DTM (YYYY[MM[DD[HH[MM[SS]]]]])")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        base = datetime(int(year), int(month or 1), int(day or 1), int(hour or 0))
        local = base + timedelta(minutes=int(minute or 0), seconds=int(second or 0))
        if (minute and int(minute) > 59) or (second and int(second) > 59):
            raise ValueError("minute or second out of range")
    except ValueError as error:
        raise MappingError(
            location, DATA_TYPE, f"{raw!r} is not a valid date/time: {error}"
        ) from None
    if offset:
        sign = -1 if offset[0] == "-" else 1
        hours, minutes = int(offset[1:3]), int(offset[3:5])
        if hours > 14 or minutes > 59:
            raise MappingError(location, DATA_TYPE, f"{raw!r} has an impossible UTC offset")
        zone: Any = timezone(sign * timedelta(hours=hours, minutes=minutes))
    else:
        zone = STOCKHOLM
    at = local.replace(tzinfo=zone)
    if hour is None:
        text = year + (f"-{month}" if month else "") + (f"-{day}" if day else "")
        return Moment(text, at)
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S") + (fraction or "")
    shift = at.utcoffset() or timedelta(0)
    total = int(shift.total_seconds() // 60)
    sign_text = "-" if total < 0 else "+"
    return Moment(f"{stamp}{sign_text}{abs(total) // 60:02d}:{abs(total) % 60:02d}", at)


def date(field: Field, location: Location) -> str | None:
    """DT (or the date part of a DTM) → FHIR date."""
    moment = dtm(field, location)
    return moment.text[:10] if moment else None


def hd_uri(namespace: str, universal: str, kind: str) -> str | None:
    """HD[uri]: an ISO OID becomes urn:oid:, a UUID urn:uuid:, a namespace that is a URI stays."""
    if universal and kind.upper() == "ISO":
        return f"urn:oid:{universal}"
    if universal and kind.upper() == "UUID":
        return f"urn:uuid:{universal}"
    if re.match(r"^[a-z][a-z0-9+.-]*:", namespace):
        return namespace
    return None


def hsa_id(text: str) -> str | None:
    """The text if it has the HSA-id form (SE + 10-digit organisation number + - + local part)."""
    text = text.strip()
    return text if _HSA.match(text) else None


@cache
def identifier_types() -> frozenset[str]:
    """The codes of HL7 table 0203 as the vendored R4 CodeSystem has them."""
    path = R4_DIR / "CodeSystem-v2-0203.json"
    return frozenset(c["code"] for c in json.loads(path.read_text(encoding="utf-8"))["concept"])


def identifier(
    field: Field, location: Location, authorities: dict[str, str], birth: str | None
) -> Resource:
    """CX[Identifier]: CX.1 value, CX.4 assigning authority → system, CX.5 → type. A national
    number (personnummer, samordningsnummer) is normalised to 12 digits without hyphen."""
    value = field.value(1).strip()
    namespace, universal, kind = (field.value(4, sub=n).strip() for n in (1, 2, 3))
    oid = universal if kind.upper() == "ISO" else ""
    if not oid and re.match(r"^\d+(\.\d+)+$", namespace):
        oid = namespace
    system = NATIONAL.get(oid) or authorities.get(namespace) or authorities.get(oid)
    system = system or hd_uri(namespace, universal, kind)
    result: Resource = {}
    if system in (PERSONNUMMER, SAMORDNINGSNUMMER):
        value = national_number(value, birth, location)
    if system:
        result["system"] = system
    result["value"] = value
    type_code = field.value(5).strip()
    if type_code in identifier_types():
        result["type"] = {"coding": [{"system": V2_0203, "code": type_code}]}
    elif type_code:  # e.g. NNSWE: the NN + country pattern, which is no code of table 0203
        result["type"] = {"text": type_code}
    if not system and namespace:
        result["assigner"] = {"display": namespace}
    return result


def national_number(value: str, birth: str | None, location: Location) -> str:
    """YYYYMMDDNNNC from the forms senders use: 12 digits, YYYYMMDD-NNNC, YYMMDD-NNNC or
    YYMMDD+NNNC ('+' for 100 years or older); a 10-digit form takes its century from PID-7."""
    digits = value.replace("-", "").replace("+", "").replace(" ", "")
    if re.fullmatch(r"\d{12}", digits):
        return digits
    if re.fullmatch(r"\d{10}", digits) and birth and birth[2:4] == digits[:2]:
        return birth[:2] + digits
    if re.fullmatch(r"\d{10}", digits) and birth:
        raise MappingError(
            location, DATA_TYPE, f"{value!r} does not match the birth date {birth} in PID-7"
        )
    raise MappingError(
        location,
        DATA_TYPE,
        f"{value!r} is not a 12-digit Swedish identity number (a 10-digit one needs PID-7)",
    )


_NAME_USE = {"L": "official", "D": "usual", "M": "maiden", "N": "nickname", "A": "anonymous"}


def human_name(field: Field) -> Resource:
    """XPN[HumanName]: .1 family, .2 and .3 given, .4 suffix, .5 prefix, .7 use (table 0200)."""
    name: Resource = {}
    use = _NAME_USE.get(field.value(7).strip().upper())
    if use:
        name["use"] = use
    family = field.value(1).strip()
    if family:
        name["family"] = family
    given = [g for g in (field.value(2).strip(), field.value(3).strip()) if g]
    if given:
        name["given"] = given
    for component, key in ((4, "suffix"), (5, "prefix")):
        text = field.value(component).strip()
        if text:
            name[key] = [text]
    return name


_ADDRESS_USE = {"H": "home", "B": "work", "O": "work", "C": "temp", "BA": "old", "M": "home"}


def address(field: Field) -> tuple[Resource, str, str]:
    """XAD[Address] without the Swedish parts: (address, XAD.9 county/parish, XAD.10 census tract).
    The caller turns XAD.9 (the kommunkod) and XAD.10 (the district) into the guide's extensions."""
    result: Resource = {}
    use = _ADDRESS_USE.get(field.value(7).strip().upper())
    if use:
        result["use"] = use
    lines = [field.value(1).strip(), field.value(2).strip()]
    lines = [line for line in lines if line]
    if lines:
        result["line"] = lines
    for component, key in ((3, "city"), (5, "postalCode"), (6, "country")):
        text = field.value(component).strip()
        if text:
            result[key] = text.replace(" ", "") if key == "postalCode" else text
    return result, field.value(9).strip(), field.value(10).strip()


_TELECOM_USE = {"PRN": "home", "ORN": "home", "VHN": "home", "WPN": "work", "PRS": "mobile"}
_EQUIPMENT = {"PH": "phone", "CP": "phone", "FX": "fax", "INTERNET": "email", "X.400": "email"}


def contact_point(field: Field, default_use: str) -> Resource | None:
    """XTN[ContactPoint]: .2 use (table 0201), .3 equipment (table 0202), .4 e-mail,
    .12 unformatted number, else .1 (the pre-2.5 form)."""
    equipment = field.value(3).strip().upper()
    system = _EQUIPMENT.get(equipment, "phone")
    value = field.value(4).strip() if system == "email" else ""
    value = value or field.value(12).strip() or field.value(1).strip()
    if not value:
        return None
    use = "mobile" if equipment == "CP" else _TELECOM_USE.get(field.value(2).strip().upper())
    return {"system": system, "value": value, "use": use or default_use}
