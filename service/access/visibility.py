"""The SQL form of the read rule, for searches and histories: one correlated EXISTS over the
participation tables (`service.access.participation` keeps them)."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, and_, exists, literal, or_

from service.storage.schema import participants, resource_contexts


def visible_condition(
    units: Iterable[str] | BindParameter[Any], res_type: Any, res_id: Any
) -> ColumnElement[bool]:
    """True for the resources (`res_type`, `res_id` columns) in a context one of `units` takes
    part in: a stay or standalone resource it is a participant of, or a patient one of whose
    stays it takes part in.

    `units` may be a bind parameter holding `packed(units)`, for statements built once: an
    expanding IN list is rendered again on every execution, which cost several times the query.
    The few participant rows of one context are then matched by LIKE (FHIR ids hold neither `%`,
    `_` nor `,`)."""
    rc = resource_contexts.alias("rc")
    p = participants.alias("p")
    member = _member(units, p.c.organization)
    in_context = exists().where(and_(p.c.context == rc.c.context, member))
    of_patient = exists().where(and_(p.c.patient == rc.c.context, member))
    return exists().where(
        and_(rc.c.res_type == res_type, rc.c.res_id == res_id, or_(in_context, of_patient))
    )


def packed(units: Iterable[str]) -> str:
    """Units as the one string a prebuilt statement binds: `,Organization/a,Organization/b,`."""
    return "," + ",".join(sorted(units)) + ","


def _member(units: Iterable[str] | BindParameter[Any], column: Any) -> ColumnElement[bool]:
    if isinstance(units, BindParameter):
        return units.like(literal("%,") + column + literal(",%"))
    return column.in_(list(units))  # type: ignore[no-any-return]
