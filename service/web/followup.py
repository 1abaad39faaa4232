"""*Uppföljning*: the questions the audits of the agreement asked (Stadsrevisionen, EY), each
answered for one municipality or district with a number, its trend over the months and the stays
behind it, linked to their timelines.

Each question reads the stay timeline fields the statistics cells are summed from
(service/statistics/figures.py `cell_of`), so its counts are the figures' complements: e.g. SIP
invitations too late = `sip_expected − sip_invited_on_time`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from mappers.reports.table import Column
from service.statistics.evaluate import Evaluation, evaluate
from service.statistics.figures import share
from service.statistics.scope import permitted
from service.statistics.timeline import Timeline
from service.web.overview import (
    Chart,
    Choice,
    area_label,
    choices,
    option,
    parse_query,
)
from service.web.pages import context, page_router, render, who

router = page_router()
COOPERATION_FAILURE = "samverkansbrist"
MAX_LISTED = 200  # stays listed under a question; the count is always complete


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
class Answer:
    question: Question
    failed: int
    of: int
    months: list[tuple[str, int, int, Decimal | None]]  # (month, failed, of, share)
    stays: list[Timeline]  # the failed stays, oldest discharge first
    chart: Chart

    @property
    def share(self) -> Decimal | None:
        return share(self.failed, self.of)


def answer(question: Question, found: list[Evaluation], number: int) -> Answer:
    months, stays = [], []
    for evaluation in found:
        timelines = [b.timeline for b in evaluation.billed if question.applies(b.timeline)]
        failed = [t for t in timelines if question.failed(t)]
        months.append(
            (
                evaluation.period.label,
                len(failed),
                len(timelines),
                share(len(failed), len(timelines)),
            )
        )
        stays += failed
    chart = Chart(
        f"fraga-{number}",
        question.text,
        Column(question.text, "share"),
        [m[0] for m in months],
        [m[3] for m in months],
        None,
    )
    return Answer(
        question,
        sum(m[1] for m in months),
        sum(m[2] for m in months),
        months,
        stays,
        chart,
    )


@router.get("/uppfoljning")
async def followup_page(request: Request) -> HTMLResponse:
    services, basis, principal = context(request)
    now = services.clock()
    params = dict(request.query_params)

    def run() -> dict[str, Any]:
        with services.store.reading() as conn:
            allowed = permitted(conn, principal, basis.rules.municipal_party_types)
            query = parse_query(params, basis, allowed, now)
            found = [evaluate(conn, principal, basis, m, query.area, now) for m in query.months]
            name = who(conn, principal)
        services.log_access(principal, "web-followup", [])
        areas = choices(allowed, basis.areas, query.months)
        return {
            "page": "uppfoljning",
            "title": "Uppföljning",
            "who": name,
            "query": query,
            "option": option,
            "area_name": area_label(query.area, basis.areas),
            "areas": [Choice(option(a), area_label(a, basis.areas)) for a in areas],
            "answers": [answer(q, found, n + 1) for n, q in enumerate(QUESTIONS)],
            "max_listed": MAX_LISTED,
        }

    return render(request, "uppfoljning.html", await run_in_threadpool(run))
