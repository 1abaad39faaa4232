"""Segment rules: MSH (refusals), PID/PD1 (identity, protection, death), PV1/PV2 (trigger →
status, ward, planned/unplanned, care type, times), MRG, and how changes meet what is stored."""

from pathlib import Path
from typing import Any

import pytest

from mappers.hl7v2 import DELETE, MappingError, Refusal, load_senders, map_message, merge
from mappers.hl7v2.disposition import DISPOSITION, V2_0112
from mappers.hl7v2.senders import Senders, SenderTable
from tests.hl7v2.messages import SENDERS_FILE, adt, segment

SENDERS = load_senders(Path(SENDERS_FILE))
SD = "https://lus-fhir.se/fhir/StructureDefinition"
TAKECARE = "TAKECARE|SE2321000016-15CQ"


def error_of(raw: bytes, senders: Senders = SENDERS) -> tuple[str, str, str]:
    with pytest.raises(MappingError) as raised:
        map_message(raw, senders)
    problem = raised.value.problem
    kind = "AR" if isinstance(raised.value, Refusal) else "AE"
    return kind, str(problem.location), problem.code


def encounter(raw: bytes, senders: Senders = SENDERS) -> dict[str, Any]:
    mapped = map_message(raw, senders).encounter
    assert mapped is not None
    return merge(None, mapped.changes)


def patient(raw: bytes) -> dict[str, Any]:
    mapped = map_message(raw, SENDERS).patient
    return merge(None, mapped.apply(None))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ({"f9": "ORU^R01"}, ("AR", "MSH-9.1", "200")),
        ({"f9": "ADT^A31"}, ("AR", "MSH-9.2", "201")),
        ({"f12": "2.2"}, ("AR", "MSH-12", "203")),
        ({"f11": "X"}, ("AR", "MSH-11", "202")),
        ({"f10": ""}, ("AE", "MSH-10", "101")),
        ({"f7": ""}, ("AE", "MSH-7", "101")),
        ({"f7": "2026-11-02"}, ("AE", "MSH-7", "102")),
    ],
)
def test_msh_refusals_and_errors(header: dict[str, str], expected: tuple[str, str, str]) -> None:
    assert error_of(adt(**header)) == expected


def test_a_sender_is_msh_3_and_msh_4() -> None:
    mapped = map_message(adt(f3="TAKECARE^1.2.3^ISO", f4="^SE2321000016-15CQ^HSA"), SENDERS)
    assert mapped.header.sender == "TAKECARE|SE2321000016-15CQ"


def test_pid_3_needs_a_national_identifier() -> None:
    assert error_of(adt(pid={3: "77^^^SOSJ^MR"})) == ("AE", "PID-3", "101")
    assert error_of(adt(pid={3: ""})) == ("AE", "PID-3", "101")


def test_pid_3_repetitions_keep_local_numbers_and_key_on_the_national_one() -> None:
    mapped = map_message(
        adt(pid={3: "77^^^SOSJ^MR~191212121212^^^&1.2.752.129.2.1.3.1&ISO"}), SENDERS
    )
    assert mapped.patient.key["value"] == "191212121212"
    assert [i["value"] for i in mapped.patient.identifiers] == ["77", "191212121212"]


def test_pid_8_must_be_in_table_0001() -> None:
    assert error_of(adt(pid={8: "Q"})) == ("AE", "PID-8", "103")


def test_empty_keeps_and_null_deletes() -> None:
    changes = map_message(adt(pid={11: '""', 13: '""', 14: '""', 7: ""}), SENDERS).patient.changes
    assert changes["address"] is DELETE and changes["telecom"] is DELETE
    assert "birthDate" not in changes
    stored = {"resourceType": "Patient", "birthDate": "1912-12-12", "address": [{"city": "X"}]}
    merged = merge(stored, changes)
    assert merged["birthDate"] == "1912-12-12" and "address" not in merged


def test_xad_9_is_the_kommunkod_and_xad_10_the_district() -> None:
    found = patient(adt(pid={11: "Gatan 1^^Stockholm^^11846^SE^H^^0180^12"}))["address"][0]
    # "12" is not a district code, and the TakeCare table names no districts: a warning only
    assert [e["url"].rsplit("/", 1)[1] for e in found["extension"]] == ["lus-kommunkod"]
    cosmic = adt(f3="COSMIC", f4="SE2321000016-9K1S", pid={11: "G 1^^S^^1^SE^H^^0180^12"})
    mapped = map_message(cosmic, SENDERS)
    extensions = merge(None, mapped.patient.apply(None))["address"][0]["extension"]
    assert extensions[1]["valueCoding"]["code"] == "hagersten-alvsjo"  # the sender's table
    assert mapped.warnings == []


def test_a_bad_kommunkod_is_a_warning_not_an_error() -> None:
    mapped = map_message(adt(pid={11: "Gatan 1^^Ort^^1^SE^H^^Stockholm"}), SENDERS)
    assert [str(w.location) for w in mapped.warnings] == ["PID-11.9"]
    assert [w.severity for w in mapped.warnings] == ["W"]


def test_pd1_12_protects_the_identity_even_on_later_messages() -> None:
    pd1 = segment("PD1", {12: "Y"})
    raw = adt(pid={11: "Gatan 1^^Nacka^^13100^SE^H^^0182", 13: "070^PRN^PH"}, extra=(pd1,))
    protected = patient(raw)
    assert protected["meta"]["security"][0]["code"] == "R"
    assert protected["address"] == [{"extension": protected["address"][0]["extension"]}]
    assert "telecom" not in protected
    later = map_message(adt(pid={11: "Ny gatan 2^^Nacka^^13100^SE^H^^0182"}), SENDERS).patient
    assert set(merge(protected, later.apply(protected))["address"][0]) == {"extension"}
    lifted = map_message(adt(extra=(segment("PD1", {12: "N"}),)), SENDERS).patient
    assert "security" not in merge(protected, lifted.apply(protected))["meta"]
    assert error_of(adt(extra=(segment("PD1", {12: "X"}),))) == ("AE", "PD1-12", "103")


def test_pd1_3_names_the_listed_unit_by_hsa_id() -> None:
    pd1 = segment("PD1", {3: "Vårdcentral^^^^^^^^^SE2321000016-7F3K"})
    assert map_message(adt(extra=(pd1,)), SENDERS).patient.primary_facility == "SE2321000016-7F3K"


def test_pid_29_and_30_death() -> None:
    assert patient(adt(pid={29: "20261110"}))["deceasedDateTime"] == "2026-11-10"
    assert patient(adt(pid={30: "Y"}))["deceasedBoolean"] is True
    assert "deceasedBoolean" not in patient(adt(pid={29: "20261110", 30: "Y"}))


@pytest.mark.parametrize(
    ("trigger", "status"),
    [
        ("A01", "in-progress"),
        ("A04", "in-progress"),
        ("A02", "in-progress"),
        ("A03", "finished"),
        ("A11", "cancelled"),
        ("A13", "in-progress"),
    ],
)
def test_the_trigger_decides_the_status(trigger: str, status: str) -> None:
    raw = adt(trigger, pv1={45: "20261110104500"})
    assert encounter(raw)["status"] == status


def test_a08_leaves_the_status_alone_and_a05_plans() -> None:
    assert "status" not in encounter(adt("A08"))
    planned = encounter(
        adt("A05", pv1={2: "P", 44: ""}, extra=(segment("PV2", {8: "20261201080000"}),))
    )
    assert planned["status"] == "planned" and planned["period"]["start"].startswith("2026-12-01T08")


def test_admission_and_discharge_times_fall_back_to_evn_6() -> None:
    evn = "20261103090000"
    raw = adt("A03", pv1={44: ""}).replace(
        b"EVN|A03|20261102143500", f"EVN|A03|x|||{evn}|{evn}".encode()
    )
    assert encounter(raw)["period"] == {"end": "2026-11-03T09:00:00+01:00"}
    assert error_of(adt("A03")) == ("AE", "PV1-45", "101")
    assert error_of(adt("A01", pv1={44: ""})) == ("AE", "PV1-44", "101")


def test_a13_removes_the_discharge_time() -> None:
    changes = map_message(adt("A13"), SENDERS).encounter
    assert changes is not None and changes.changes["period.end"] is DELETE
    stored = {"period": {"start": "2026-11-02T14:30:00+01:00", "end": "2026-11-10T10:45:00+01:00"}}
    assert merge(stored, changes.changes)["period"] == {"start": "2026-11-02T14:30:00+01:00"}


@pytest.mark.parametrize(
    ("code", "priority"), [("E", "EM"), ("U", "EM"), ("R", "EL"), ("", "EL"), ("A", "EM")]
)
def test_pv1_4_decides_planned_or_not_with_the_senders_table(code: str, priority: str) -> None:
    # TakeCare's table says A (akut) is unplanned; everything but E and U is planned otherwise
    found = encounter(adt(pv1={4: code}))["priority"]["coding"][0]["code"]
    assert found == priority


def test_pv1_4_empty_on_an_update_changes_nothing() -> None:
    assert "priority" not in encounter(adt("A08", pv1={4: ""}))


def test_the_care_type_is_somatisk_unless_the_senders_table_names_a_field_or_value() -> None:
    def care(raw: bytes, senders: Senders = SENDERS) -> str:
        found = encounter(raw, senders)["extension"][0]["valueCodeableConcept"]["coding"][0]
        return str(found["code"])

    assert care(adt()) == "somatisk"
    psyk = {"f3": "PSYK", "f4": "SE2321000016-5SG1"}
    assert care(adt(pv1={10: "LPT", 19: "P-1"}, **psyk)) == "lpt"
    assert error_of(adt(pv1={10: "ORT", 19: "P-1"}, **psyk)) == ("AE", "PV1-10", "103")
    valued = Senders(senders={"TAKECARE|SE2321000016-15CQ": SenderTable(care_type="psykiatrisk")})
    assert care(adt(pv1={19: "V-1^^^&1.2.3&ISO"}), valued) == "psykiatrisk"


def test_pv1_3_names_the_ward_by_hsa_id_in_pl_1_or_pl_4() -> None:
    assert (
        map_message(adt(pv1={3: "^^^SE2321000016-1C4D"}), SENDERS).encounter.ward
        == "SE2321000016-1C4D"
    )  # type: ignore[union-attr]
    assert error_of(adt(pv1={3: "AVD51^12"})) == ("AE", "PV1-3", "103")
    assert error_of(adt("A02", pv1={3: ""})) == ("AE", "PV1-3", "101")
    assert map_message(adt("A08", pv1={3: ""}), SENDERS).encounter.ward is None  # type: ignore[union-attr]


def test_pv1_19_identifies_the_stay_with_a_system() -> None:
    assert error_of(adt(pv1={19: ""})) == ("AE", "PV1-19", "101")
    assert error_of(adt(pv1={19: "V-1"})) == ("AE", "PV1-19.4", "101")


def test_pv2_9_expected_discharge_date_and_its_deletion() -> None:
    found = encounter(adt(extra=(segment("PV2", {9: "20261106"}),)))
    assert {"url": f"{SD}/lus-beraknat-utskrivningsdatum", "valueDate": "2026-11-06"} in found[
        "extension"
    ]
    stored = {
        "extension": [
            {"url": f"{SD}/lus-beraknat-utskrivningsdatum", "valueDate": "2026-11-06"},
            {"url": f"{SD}/lus-utskrivningsklar-tidpunkt", "valueDateTime": "2026-11-05"},
        ]
    }
    deleted = map_message(adt("A08", extra=(segment("PV2", {9: '""'}),)), SENDERS).encounter
    assert deleted is not None
    assert [e["url"] for e in merge(stored, deleted.changes)["extension"]] == [
        f"{SD}/lus-utskrivningsklar-tidpunkt",  # set over FHIR, kept by every v2 update
    ]


def test_a_patient_class_other_than_inpatient_updates_only_the_patient() -> None:
    mapped = map_message(adt("A04", pv1={2: "O"}), SENDERS)
    assert mapped.encounter is None and [w.severity for w in mapped.warnings] == ["W"]


def test_a40_names_the_prior_patient_in_mrg_1() -> None:
    merge_message = adt(
        "A40", extra=(segment("MRG", {1: "197010632391^^^&1.2.752.129.2.1.3.3&ISO"}),)
    )
    mapped = map_message(merge_message.replace(b"PV1|", b"ZV1|"), SENDERS)
    assert mapped.prior == {
        "system": "http://electronichealth.se/identifier/samordningsnummer",
        "value": "197010632391",
    }
    assert mapped.encounter is None
    assert error_of(adt("A40", extra=(segment("MRG", {1: "77^^^X"}),))) == ("AE", "MRG-1", "101")
    assert error_of(adt("A40")) == ("AE", "MRG", "100")


def test_identifiers_are_upserted_by_system() -> None:
    stored = {"identifier": [{"system": "a", "value": "1"}, {"system": "b", "value": "2"}]}
    merged = merge(stored, {"identifier": [{"system": "b", "value": "3"}]})
    assert merged["identifier"] == [{"system": "a", "value": "1"}, {"system": "b", "value": "3"}]


@pytest.mark.parametrize(
    ("pv1_36", "expected"),
    [
        (
            "20^Expired",
            {
                "coding": [
                    {"system": DISPOSITION, "code": "exp", "display": "Expired"},
                    {"system": V2_0112, "code": "20", "display": "Expired"},
                ],
                "text": "Expired",
            },
        ),
        (
            "06^^HL70112",
            {
                "coding": [
                    {"system": DISPOSITION, "code": "home", "display": "Home"},
                    {"system": V2_0112, "code": "06"},
                ]
            },
        ),
        ("09", {"coding": [{"system": V2_0112, "code": "09"}]}),  # no FHIR equivalent
        ("H^Hem^99LOK", {"text": "Hem"}),  # a local table the sender's table does not map
    ],
)
def test_pv1_36_discharge_disposition_from_table_0112(
    pv1_36: str, expected: dict[str, Any]
) -> None:
    stay = encounter(adt("A03", pv1={36: pv1_36, 45: "20261110104500"}))
    assert stay["hospitalization"]["dischargeDisposition"] == expected


def test_pv1_36_with_the_senders_table_null_and_a13() -> None:
    def own(table: dict[str, str]) -> Senders:
        takecare = SENDERS.table(TAKECARE).model_copy(update={"discharge_dispositions": table})
        return Senders(senders={TAKECARE: takecare})

    found = encounter(adt("A03", pv1={36: "4^Avliden^99UTS", 45: "20261110"}), own({"4": "exp"}))
    assert found["hospitalization"]["dischargeDisposition"] == {
        "coding": [{"system": DISPOSITION, "code": "exp", "display": "Expired"}],
        "text": "Avliden",
    }
    wrong = own({"4": "dead"})
    assert error_of(adt("A03", pv1={36: "4", 45: "20261110"}), wrong) == ("AE", "PV1-36", "103")
    stored = {
        "hospitalization": {"dischargeDisposition": {"text": "x"}, "admitSource": {"text": "y"}}
    }
    for message in (adt("A08", pv1={36: '""'}), adt("A13")):
        mapped = map_message(message, SENDERS).encounter
        assert mapped is not None
        assert merge(stored, mapped.changes)["hospitalization"] == {"admitSource": {"text": "y"}}
    assert "hospitalization" not in encounter(adt("A08"))  # empty PV1-36: nothing changes
