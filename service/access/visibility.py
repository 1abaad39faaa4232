"""The SQL form of the read rule, for searches and histories: one correlated EXISTS over the
participation tables (`service.access.participation` keeps them)."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, and_, exists, or_

from service.storage.schema import participants, resource_contexts


def visible_condition(
    units: Iterable[str] | BindParameter[Any], res_type: Any, res_id: Any
) -> ColumnElement[bool]:
    """True for the resources (`res_type`, `res_id` columns) in a context one of `units` takes
    part in: a stay or standalone resource it is a participant of, or a patient one of whose
    stays it takes part in. `units` may be an expanding bind parameter (a prebuilt statement)."""
    members = units if isinstance(units, BindParameter) else list(units)
    rc = resource_contexts.alias("rc")
    p = participants.alias("p")
    in_context = exists().where(and_(p.c.context == rc.c.context, p.c.organization.in_(members)))
    of_patient = exists().where(and_(p.c.patient == rc.c.context, p.c.organization.in_(members)))
    return exists().where(
        and_(rc.c.res_type == res_type, rc.c.res_id == res_id, or_(in_context, of_patient))
    )
