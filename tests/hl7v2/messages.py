"""Builders for test messages: fields by number, so a test states only what it is about."""

SENDERS_FILE = __file__.rsplit("/", 1)[0] + "/senders.yaml"
TOLVAN_PID = {
    1: "1",
    3: "191212121212^^^&1.2.752.129.2.1.3.1&ISO^NNSWE",
    5: "Tolvansson^Tolvan^^^^^L",
    7: "19121212",
    8: "M",
}


def segment(name: str, fields: dict[int, str]) -> str:
    last = max(fields, default=0)
    return "|".join([name, *(fields.get(n, "") for n in range(1, last + 1))])


def msh(trigger: str = "A01", control_id: str = "C1", **fields: str) -> str:
    values = {
        3: "TAKECARE",
        4: "SE2321000016-15CQ",
        5: "LUS",
        6: "LUS-FHIR",
        7: "20261102143512",
        9: f"ADT^{trigger}^ADT_A01",
        10: control_id,
        11: "P",
        12: "2.5",
    }
    values.update({int(k[1:]): v for k, v in fields.items()})
    return "MSH|^~\\&|" + "|".join(values.get(n, "") for n in range(3, max(values) + 1))


def adt(
    trigger: str = "A01",
    pid: dict[int, str] | None = None,
    pv1: dict[int, str] | None = None,
    extra: tuple[str, ...] = (),
    control_id: str = "C1",
    **header: str,
) -> bytes:
    """An ADT message as bytes (UTF-8 unless the test encodes itself), segments ended by CR."""
    visit = {
        1: "1",
        2: "I",
        3: "SE2321000016-1A2B",
        4: "E",
        19: "SOS-2026-448812^^^SOS^VN",
        44: "20261102143000",
    }
    segments = [
        msh(trigger, control_id, **header),
        segment("EVN", {1: trigger, 2: "20261102143500"}),
        segment("PID", {**TOLVAN_PID, **(pid or {})}),
        *([segment("PV1", {**visit, **pv1})] if pv1 is not None else [segment("PV1", visit)]),
        *extra,
    ]
    return ("\r".join(segments) + "\r").encode("utf-8")
