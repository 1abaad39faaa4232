"""The questions the audits of the agreement asked (Stadsrevisionen, EY), as rules over a stay's
timeline, and each discharged stay's answers to them in a small record the monthly job keeps
(kept.py), so *Uppföljning* over many months reads records instead of evaluating every stay.

Each question reads the stay timeline fields the statistics cells are summed from
(figures.py `cell_of`), so its counts are the figures' complements: e.g. SIP invitations too
late = `sip_expected − sip_invited_on_time`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from service.fhirtime import stamp
from service.statistics.timeline import Timeline

COOPERATION_FAILURE = "samverkansbrist"
NOT_ASKED, ANSWERED, FAILED = "-", "j", "n"  # per question: not in its denominator, fine, failed


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    applies: Callable[[Timeline], bool]  # the stay is in the question's denominator
    failed: Callable[[Timeline], bool]  # … and is one the question asks about


QUESTIONS = (
    Question(
        "sip",
        "Hur ofta kallades det inte till SIP inom 3 dagar?",
        lambda t: t.sip_invited_on_time is not None,
        lambda t: t.sip_invited_on_time is False,
    ),
    Question(
        "delaktighet",
        "Hur ofta var varken patienten eller närstående med i SIP?",
        lambda t: t.sip_participation is not None,
        lambda t: t.sip_participation is False,
    ),
    Question(
        "information",
        "Hur ofta kom informationsöverföringen inte senast utskrivningsdagen?",
        lambda t: True,
        lambda t: not t.information_on_time,
    ),
    Question(
        "hemtjanst",
        "Hur ofta bekräftade hemtjänsten inte att den fått veta att patienten kom hem?",
        lambda t: t.home_care_acknowledged is not None,
        lambda t: t.home_care_acknowledged is False,
    ),
    Question(
        "aterinskrivning",
        "Hur många patienter 65+ kom oplanerat tillbaka inom 7 dagar?",
        lambda t: t.readmitted is not None,
        lambda t: t.readmitted is True,
    ),
    Question(
        "inskrivningsmeddelande",
        "Hur ofta kom inskrivningsmeddelandet inte inom 24 timmar?",
        lambda t: True,
        lambda t: not t.admission_on_time,
    ),
    Question(
        "samverkansbrist",
        "Hur många vårdtillfällen fick en rapporterad samverkansbrist?",
        lambda t: True,
        lambda t: any(code == COOPERATION_FAILURE for code, _ in t.stay.deviations),
    ),
)


@dataclass(frozen=True)
class Answered:
    """A discharged stay as Uppföljning lists it, with one mark per question (QUESTIONS' order)."""

    encounter: str
    kommun: str | None
    stadsdel: str | None  # the district valid on the discharge date
    care_group: str
    discharged: str  # UTC stamp: the order stays are listed in
    discharge_date: date
    marks: str

    def applies(self, number: int) -> bool:
        return self.marks[number] != NOT_ASKED

    def failed(self, number: int) -> bool:
        return self.marks[number] == FAILED


def answered(timeline: Timeline) -> Answered:
    marks = "".join(
        (FAILED if q.failed(timeline) else ANSWERED) if q.applies(timeline) else NOT_ASKED
        for q in QUESTIONS
    )
    return Answered(
        timeline.stay.encounter,
        timeline.kommun,
        timeline.stadsdel,
        timeline.care_group,
        stamp(timeline.stay.discharged),
        timeline.discharge_date,
        marks,
    )
