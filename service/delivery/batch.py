"""Clauses over a batch of outbox rows whose SQL text does not depend on the batch's size.

Every round of a worker names its rows by seq (claim and lease, record, release). With
`IN (…)` expanded per row, each round's statement is a new SQL text: SQLAlchemy renders it again
and psycopg parses it again without its cache — a profile of a PostgreSQL worker under a burst
spent ~10% of its CPU there. On PostgreSQL the seqs go as one array parameter instead
(`= ANY(…)`, `unnest(…)`); SQLite has no arrays and keeps the expanded list.
"""

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, Protocol

from sqlalchemy import BigInteger, Connection, Integer, and_, any_, bindparam, func, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from service.storage.database import is_postgres
from service.storage.schema import outbox

PENDING = "pending"


class Held(Protocol):
    """A claimed row: its seq and the attempt number its claim carries (the fencing token)."""

    @property
    def seq(self) -> int: ...

    @property
    def attempts(self) -> int: ...


class PerDialect(NamedTuple):
    """One statement, built once for each database (every round of every worker runs it)."""

    sqlite: Any
    postgres: Any

    def on(self, conn: Connection) -> Any:
        return self.postgres if is_postgres(conn.engine) else self.sqlite


def per_dialect(build: Callable[[bool], Any]) -> PerDialect:
    """`build(postgres)` for each database."""
    return PerDialect(build(False), build(True))


def seq_in(postgres: bool, table: FromClause = outbox) -> ColumnElement[bool]:
    """`table`.seq (the outbox, or an alias of it) is one of the `k_seqs` parameter's."""
    if postgres:
        return table.c.seq == any_(bindparam("k_seqs", type_=ARRAY(BigInteger)))
    return table.c.seq.in_(bindparam("k_seqs", expanding=True))


def all_held(postgres: bool) -> ColumnElement[bool]:
    """Still pending on the attempt its claim made, for every row of `held_params`: the
    fence of service/delivery/claim.py's still_held, for many rows in one statement."""
    if postgres:
        held = (
            func.unnest(
                bindparam("k_held_seqs", type_=ARRAY(BigInteger)),
                bindparam("k_held_attempts", type_=ARRAY(Integer)),
            )
            .table_valued("seq", "attempts")
            .render_derived()
        )
        rows = select(held.c.seq, held.c.attempts)
        return and_(tuple_(outbox.c.seq, outbox.c.attempts).in_(rows), outbox.c.status == PENDING)
    listed = tuple_(outbox.c.seq, outbox.c.attempts).in_(bindparam("k_held", expanding=True))
    return and_(listed, outbox.c.status == PENDING)


def held_params(claims: Iterable[Held]) -> dict[str, Any]:
    """The parameters of `all_held`, for either database."""
    pairs = [(claim.seq, claim.attempts) for claim in claims]
    return {
        "k_held": pairs,
        "k_held_seqs": [seq for seq, _ in pairs],
        "k_held_attempts": [attempts for _, attempts in pairs],
    }
