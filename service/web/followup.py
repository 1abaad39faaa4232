"""*Uppföljning*: the questions the audits of the agreement asked (Stadsrevisionen, EY), each
answered for one municipality or district with a number, its trend over the months and the stays
behind it, linked to their timelines.

The questions and each stay's answers are in service/statistics/questions.py; a month the
monthly job kept is read from its kept answers, the others are evaluated (evaluate.answers).
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from mappers.reports.table import Column
from service.statistics.evaluate import answers
from service.statistics.figures import share
from service.statistics.period import Period
from service.statistics.questions import QUESTIONS, Answered, Question
from service.statistics.scope import permitted
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
MAX_LISTED = 200  # stays listed under a question; the count is always complete


@dataclass(frozen=True)
class Answer:
    question: Question
    failed: int
    of: int
    months: list[tuple[str, int, int, Decimal | None]]  # (month, failed, of, share)
    stays: list[Answered]  # the failed stays, oldest discharge first
    chart: Chart

    @property
    def share(self) -> Decimal | None:
        return share(self.failed, self.of)


def answer(question: Question, found: list[tuple[Period, list[Answered]]], number: int) -> Answer:
    index = QUESTIONS.index(question)
    months, stays = [], []
    for period, answered in found:
        asked = [a for a in answered if a.applies(index)]
        failed = [a for a in asked if a.failed(index)]
        months.append((period.label, len(failed), len(asked), share(len(failed), len(asked))))
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
            found = answers(conn, principal, basis, query.months, query.area, now)
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
