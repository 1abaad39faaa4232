"""The replay store for client assertions: a jti is accepted once per client.

The row is inserted in the token request's transaction with ON CONFLICT DO NOTHING; a second use —
from this process or any other sharing the database, even at the same moment — inserts nothing
and is refused. Rows are kept until their assertion has expired (it could not be used after that
anyway) and swept then.
"""

from datetime import datetime

from sqlalchemy import Connection, delete
from sqlalchemy.dialects import postgresql, sqlite

from service.fhirtime import stamp
from service.storage.database import is_postgres
from service.storage.schema import assertion_jtis


def consume(conn: Connection, client_id: str, jti: str, expires: datetime, now: datetime) -> bool:
    """Record the jti; False when it was used before (the caller refuses the assertion)."""
    conn.execute(delete(assertion_jtis).where(assertion_jtis.c.expires_at < stamp(now)))
    dialect = postgresql if is_postgres(conn.engine) else sqlite
    statement = (
        dialect.insert(assertion_jtis)
        .on_conflict_do_nothing()
        .returning(assertion_jtis.c.jti)  # a row comes back only when it was inserted
    )
    values = {"client_id": client_id, "jti": jti, "expires_at": stamp(expires)}
    return conn.execute(statement, values).first() is not None
