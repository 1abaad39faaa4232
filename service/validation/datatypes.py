"""Rules on data types that the Java validator implements in code, not in StructureDefinitions:
an Attachment's data is strict base64 whose decoded length and SHA-1 match `size` and `hash`;
a Quantity's UCUM code is a valid UCUM unit.

The Java validator checks UCUM only on elements of type Quantity (and its profiles such as
SimpleQuantity), not on the specialisations Duration, Age, Distance, Count: so do we.
"""

import base64
import binascii
import hashlib
from collections.abc import Callable
from typing import Any

from service.validation import ucum
from service.validation.issues import Issues

UCUM = "http://unitsofmeasure.org"
Check = Callable[[dict[str, Any], str, str, Issues], None]


def _attachment(value: dict[str, Any], label: str, expr: str, issues: Issues) -> None:
    data = value.get("data")
    if not isinstance(data, str) or not data:
        return
    try:
        decoded = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as error:
        issues.add(
            "attachment.data",
            expr,
            f"{label}: the base64 content in the data element is not valid base64 ({error})",
            java="TYPE_SPECIFIC_CHECKS_DT_ATT_B64_DECODE_FAIL",
        )
        return
    size = value.get("size")
    if isinstance(size, int) and not isinstance(size, bool) and size != len(decoded):
        issues.add(
            "attachment.data",
            expr,
            f"{label}: the stated size {size} does not match the data's {len(decoded)} bytes",
            java="TYPE_SPECIFIC_CHECKS_DT_ATT_SIZE_CORRECT",
        )
    stated = value.get("hash")
    if isinstance(stated, str):
        actual = base64.b64encode(hashlib.sha1(decoded).digest()).decode("ascii")
        if stated != actual:
            issues.add(
                "attachment.data",
                expr,
                f"{label}: the stated hash {stated} is not the SHA-1 of the data ({actual})",
                java="TYPE_SPECIFIC_CHECKS_DT_ATT_HASH_MISMATCH",
            )


def _quantity(value: dict[str, Any], label: str, expr: str, issues: Issues) -> None:
    code = value.get("code")
    if value.get("system") != UCUM or not isinstance(code, str):
        return
    problem = ucum.problem(code)
    if problem is not None:
        issues.add(
            "quantity.ucum",
            expr,
            f"{label}: '{code}' is not a valid UCUM unit: {problem}",
            java="Terminology_PassThrough_TX_Message",
        )


#: data type code -> its check
TYPE_CHECKS: dict[str, Check] = {"Attachment": _attachment, "Quantity": _quantity}
