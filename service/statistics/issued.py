"""Issued invoice bases: stored once and never changed. Issuing again with the same content returns
the stored version; different content (late data) becomes the next version, which names the one
it replaces. This module only ever inserts into `invoice_bases`."""

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from service.auth.principal import Principal
from service.fhirtime import instant
from service.outcome import FhirError
from service.search.request import LARGEST_INTEGER
from service.statistics.basis import Basis
from service.statistics.evaluate import evaluate
from service.statistics.invoice import invoice_basis
from service.statistics.period import Period
from service.statistics.scope import Area, require
from service.storage.schema import invoice_bases
from service.storage.store import Store

Resource = dict[str, Any]


def _latest(conn: Connection, kommun: str, month: str) -> Any:
    return conn.execute(
        select(invoice_bases)
        .where(invoice_bases.c.kommun == kommun, invoice_bases.c.month == month)
        .order_by(invoice_bases.c.version.desc())
        .limit(1)
    ).first()


def issue(store: Store, conn: Connection, document: Resource, now: datetime) -> Resource:
    """The issued document for `document`'s content: the stored one when unchanged."""
    header = document["header"]
    kommun, month = header["kommun"], header["month"]
    store.lock(conn, f"invoice-basis:{kommun}:{month}")
    latest = _latest(conn, kommun, month)
    if latest is not None and latest.hash == header["hash"]:
        stored: Resource = json.loads(latest.document)
        return stored
    version = (latest.version + 1) if latest is not None else 1
    issued = {
        "header": {
            **header,
            "version": version,
            "replaces": (
                {"version": latest.version, "hash": latest.hash} if latest is not None else None
            ),
            "issued_at": instant(now),
        },
        "lines": document["lines"],
    }
    conn.execute(
        insert(invoice_bases).values(
            kommun=kommun,
            month=month,
            version=version,
            hash=header["hash"],
            replaces=latest.version if latest is not None else None,
            issued_at=instant(now),
            document=json.dumps(issued, ensure_ascii=False),
        )
    )
    return issued


def parse_version(value: str | None, where: str = "version") -> int | None:
    """A version number as a caller writes it (none when empty); 400 for anything else."""
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= LARGEST_INTEGER:
        raise FhirError.of(400, "invalid", f"{where}={value!r} is not a version number", where)
    return int(value)


def versions(conn: Connection, kommun: str, month: str) -> list[tuple[int, str, str]]:
    """The issued versions of a municipality's month, newest first: (version, hash, issued_at)."""
    query = (
        select(invoice_bases.c.version, invoice_bases.c.hash, invoice_bases.c.issued_at)
        .where(invoice_bases.c.kommun == kommun, invoice_bases.c.month == month)
        .order_by(invoice_bases.c.version.desc())
    )
    return [(row.version, row.hash, row.issued_at) for row in conn.execute(query)]


def issued_version(conn: Connection, kommun: str, month: str, version: int) -> Resource:
    row = conn.execute(
        select(invoice_bases.c.document).where(
            invoice_bases.c.kommun == kommun,
            invoice_bases.c.month == month,
            invoice_bases.c.version == version,
        )
    ).first()
    if row is None:
        raise FhirError.of(
            404, "not-found", f"no invoice basis version {version} was issued for {kommun} {month}"
        )
    document: Resource = json.loads(row.document)
    return document


def invoice(
    store: Store,
    conn: Connection,
    principal: Principal,
    basis: Basis,
    kommun: str,
    period: Period,
    now: datetime,
    version: int | None = None,
) -> Resource:
    """The municipality's issued basis for the month: issued now (or the stored one when the
    data is unchanged), or with `version` an earlier one as it was issued."""
    area = Area(kommun)
    if version is not None:
        require(conn, principal, area, basis.rules.municipal_party_types)
        return issued_version(conn, kommun, period.label, version)
    found = evaluate(conn, principal, basis, period, area, now)
    return issue(store, conn, invoice_basis(found, basis), now)
