"""The facts of one stay that the statistics rest on, as read from its resources.

Nothing here applies a rule: the SQL selection (selection.py) and the resource mapping (facts.py)
fill these values, and the one rule function (timeline.py) turns them into figures.
"""

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Notice:
    """One notification Task of the stay, with its legally relevant sent time (authoredOn)."""

    task: str  # Task id
    event: str  # lus-event code
    sent: datetime  # UTC
    cancelled: bool = False  # makulerad, or the Task itself cancelled / entered-in-error
    receipts: tuple[str, ...] = ()  # Organization/… that confirmed receipt (lus-kvittens)


@dataclass(frozen=True)
class Stay:
    encounter: str  # Encounter id
    patient: str  # Patient id
    ward: str  # Organization/… (Encounter.serviceProvider)
    vardform: str  # lus-care-type code
    admitted: datetime
    discharged: datetime
    priority: str | None = None  # v3-ActPriority code of the admission
    disposition: str | None = None  # discharge-disposition code
    kommun: str | None = None  # from the Patient version current at discharge
    stadsdel: str | None = None  # as that version states it (before the merger rule)
    birth_date: date | None = None  # birthDate, else from the personnummer
    person_id: str | None = None  # personnummer or samordningsnummer
    notices: tuple[Notice, ...] = ()
    sip_invitations: tuple[datetime, ...] = ()  # kallelse till SIP sent times
    sip_participation: tuple[frozenset[str], ...] = ()  # lus-sip-deltagande codes of each SIP
    home_care: tuple[str, ...] = ()  # home-care providers the discharge notification went to
    later_admissions: tuple[tuple[datetime, str | None], ...] = ()  # (start, priority)
    deviations: tuple[tuple[str, str], ...] = ()  # (deviation code, responsible party)
