"""A county's discharge history as a story of timed writes: patients from the 26 municipalities and
Stockholm's districts weighted by population, somatic and psychiatric stays, late and missing
notices, withdrawals, cancellations, SIP, home care, readmissions and patients who move.

Everything is drawn from one seeded random generator, so a seed always tells the same story
(ids included). `County.admissions(month)` plans a month's admissions; each stay is a list of
(time, write) steps that history.py carries out in time order through the engine.
"""

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from service.fhirtime import STOCKHOLM
from service.simulation import resources as build
from service.statistics.areas import STOCKHOLM_CITY, areas

Resource = dict[str, Any]
POPULATION = Path(__file__).parent / "population.yaml"
WARDS = (
    "Organization/sos-avd-51",
    "Organization/sos-avd-14",
    "Organization/ks-solna-avd-m63",
    "Organization/ks-huddinge-avd-c71",
    "Organization/ds-avd-32",
    "Organization/sg-avd-86",
)
PRIMARY_CARE = {
    "0180": "Organization/vc-liljeholmen",
    "0182": "Organization/vc-sickla",
    "0126": "Organization/vc-huddinge",
    "0160": "Organization/vc-taby-centrum",
    "0181": "Organization/vc-sodertalje",
    "0188": "Organization/vc-norrtalje",
}
HOME_CARE = {
    "0180": "Organization/hemtjanst-aros",
    "0182": "Organization/hemtjanst-solglantan",
    "0126": "Organization/hemtjanst-lugna-hem",
    "0188": "Organization/hemtjanst-norrtalje",
}
CARE_TYPES = (("somatisk", 88), ("psykiatrisk", 9), ("lpt", 2), ("lrv", 1))
Write = Callable[[Any], None]  # given the writer, makes one write
Step = tuple[datetime, Write]


@cache
def weights() -> dict[str, dict[str, int]]:
    data: dict[str, dict[str, int]] = yaml.safe_load(POPULATION.read_text(encoding="utf-8"))
    return data


@dataclass
class Person:
    resource: Resource
    kommun: str
    over_65: bool
    home_care: str | None = None
    team: str | None = None
    busy_until: datetime | None = None


@dataclass
class County:
    rng: random.Random
    end: datetime  # nothing is written at or after this instant
    people: list[Person] = field(default_factory=list)

    # ---- drawing ----
    def _id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _pick(self, table: dict[str, int]) -> str:
        names = list(table)
        return self.rng.choices(names, weights=[table[n] for n in names])[0]

    def _district(self, day: date) -> str:
        valid = set(areas().districts_between(day, day))
        return self._pick({k: v for k, v in weights()["stadsdelar"].items() if k in valid})

    def _at_hour(self, day: date, low: float, high: float) -> datetime:
        minutes = int(self.rng.uniform(low, high) * 60)
        return datetime.combine(day, time(0), tzinfo=STOCKHOLM) + timedelta(minutes=minutes)

    def _local(self, moment: datetime) -> date:
        return moment.astimezone(STOCKHOLM).date()

    # ---- people ----
    def _person(self, at: datetime) -> Person:
        kommun = self._pick(weights()["kommuner"])
        stadsdel = self._district(self._local(at)) if kommun == STOCKHOLM_CITY else None
        over_65 = self.rng.random() < 0.72
        age = self.rng.randint(65, 98) if over_65 else self.rng.randint(20, 64)
        born = date(self._local(at).year - age, self.rng.randint(1, 12), self.rng.randint(1, 28))
        body = born.strftime("%y%m%d") + f"{self.rng.randint(0, 999):03d}"
        number = born.strftime("%Y")[:2] + body + build.luhn(body)
        resource = build.patient(
            self._id(), number, born.isoformat(), kommun, stadsdel, PRIMARY_CARE.get(kommun)
        )
        person = Person(resource, kommun, over_65)
        if over_65 and kommun in HOME_CARE and self.rng.random() < 0.5:
            person.home_care = HOME_CARE[kommun]
        self.people.append(person)
        return person

    def _patient_for(self, at: datetime) -> tuple[Person, bool]:
        """An earlier patient one time in four (when one is at home), else a new one."""
        if self.people and self.rng.random() < 0.25:
            person = self.rng.choice(self.people)
            if person.busy_until is None or person.busy_until < at:
                return person, False
        return self._person(at), True

    # ---- the story of one stay ----
    def admissions(self, first: date, last: date, count: int) -> list[Step]:
        """`count` admissions spread over the days [first, last]."""
        steps: list[Step] = []
        span = (last - first).days + 1
        for _ in range(count):
            day = first + timedelta(days=self.rng.randrange(span))
            steps += self.stay(self._at_hour(day, 0, 24))
        return steps

    def stay(
        self, admitted: datetime, person: Person | None = None, priority: str | None = None
    ) -> list[Step]:
        rng = self.rng
        new = person is None
        if person is None:
            person, new = self._patient_for(admitted)
        vardform = self._pick(dict(CARE_TYPES))
        psychiatric = vardform != "somatisk"
        los = 1 + min(rng.expovariate(1 / (13 if psychiatric else 6)), 60)
        discharged = self._at_hour(self._local(admitted + timedelta(days=los)), 10, 17)
        discharged = max(discharged, admitted + timedelta(hours=6))
        person.busy_until = discharged
        stay = build.encounter(
            self._id(),
            person.resource["id"],
            rng.choice(WARDS),
            vardform,
            priority or ("EM" if rng.random() < 0.8 else "EL"),
            admitted,
        )
        steps: list[Step] = []
        if new:
            steps.append((admitted - timedelta(minutes=5), self._create(person.resource)))
        if person.home_care and person.team is None:
            person.team = self._id()
            members = [("hemtjanstutforare", person.home_care)]
            team = build.care_team(person.team, person.resource["id"], members)
            steps.append((admitted - timedelta(minutes=4), self._create(team)))
        steps.append((admitted, self._create(stay)))
        steps += self._admission_notice(stay, admitted, discharged)
        steps += self._ready(stay, person, admitted, discharged, psychiatric)
        steps += self._information(stay, admitted, discharged)
        steps += self._discharge(stay, person, discharged)
        return [(t, w) for t, w in steps if t < self.end]

    def _notice(
        self, stay: Resource, event: str, at: datetime, **extra: Any
    ) -> tuple[Resource, Step]:
        task = build.task(self._id(), self._id(), event, stay, at, **extra)
        return task, (at, self._create(task))

    def _admission_notice(
        self, stay: Resource, admitted: datetime, discharged: datetime
    ) -> list[Step]:
        draw = self.rng.random()
        if draw < 0.04:
            return []  # never sent
        hours = self.rng.uniform(25, 72) if draw < 0.10 else self.rng.uniform(0.3, 20)
        sent = min(admitted + timedelta(hours=hours), discharged - timedelta(minutes=30))
        return [self._notice(stay, "inskrivningsmeddelande", sent)[1]]

    def _ready(
        self, stay: Resource, person: Person, admitted: datetime, discharged: datetime, psych: bool
    ) -> list[Step]:
        rng = self.rng
        if rng.random() > 0.88:
            return []
        days = 0 if rng.random() < 0.35 else 1 + int(rng.expovariate(1 / (5 if psych else 2.5)))
        day = self._local(discharged) - timedelta(days=days)
        ready = self._at_hour(day, 8, 16.5)
        if ready <= admitted or ready >= discharged:
            ready = admitted + (discharged - admitted) / 2
        steps = []
        if rng.random() < 0.015 and ready - timedelta(hours=3) > admitted:
            wrong, step = self._notice(stay, "utskrivningsklar", ready - timedelta(hours=3))
            reason = {"text": "Felsänt: fel patient"}
            basis = [{"reference": f"Task/{wrong['id']}"}]
            _, cancel = self._notice(
                stay, "makulering", ready - timedelta(hours=2), basedOn=basis, statusReason=reason
            )
            steps += [step, cancel]
        steps.append(self._notice(stay, "utskrivningsklar", ready)[1])
        if ready + timedelta(days=2, hours=1) < discharged and rng.random() < 0.06:
            steps.append(
                self._notice(stay, "inte-langre-utskrivningsklar", ready + timedelta(days=1))[1]
            )
            steps.append(self._notice(stay, "utskrivningsklar", ready + timedelta(days=2))[1])
        if rng.random() < 0.45:
            steps += self._sip(stay, person, ready, discharged)
        return steps

    def _sip(
        self, stay: Resource, person: Person, ready: datetime, discharged: datetime
    ) -> list[Step]:
        rng = self.rng
        caller = PRIMARY_CARE.get(person.kommun, "Organization/vc-liljeholmen")
        sent = ready + timedelta(hours=rng.uniform(2, 110))
        meeting = sent + timedelta(days=rng.uniform(1, 3))
        invited = [caller, stay["serviceProvider"]["reference"]]
        request = build.invitation(self._id(), self._id(), stay, sent, meeting, invited)
        steps: list[Step] = [(sent, self._create(request))]
        if rng.random() < 0.6:
            if person.team is None:
                person.team = self._id()
                team = build.care_team(
                    person.team, person.resource["id"], [("fast-vardkontakt", caller)]
                )
                steps.append((meeting - timedelta(minutes=1), self._create(team)))
            draw = rng.random()
            took_part = ["patient"] if draw < 0.6 else (["narstaende"] if draw < 0.8 else ["ingen"])
            plan = build.sip(self._id(), stay, person.team, meeting, caller, took_part)
            steps.append((meeting, self._create(plan)))
        return steps

    def _information(self, stay: Resource, admitted: datetime, discharged: datetime) -> list[Step]:
        draw = self.rng.random()
        if draw < 0.03:
            return []
        if draw < 0.08:
            sent = discharged + timedelta(hours=self.rng.uniform(14, 40))
        else:
            sent = max(
                discharged - timedelta(hours=self.rng.uniform(0, 3)),
                admitted + timedelta(minutes=10),
            )
        return [self._notice(stay, "informationsoverforing", sent)[1]]

    def _discharge(self, stay: Resource, person: Person, at: datetime) -> list[Step]:
        rng = self.rng
        deceased = person.over_65 and rng.random() < 0.015
        notice, step = self._notice(stay, "utskrivningsmeddelande", at)
        steps = [(at, self._update(build.discharged(stay, at, deceased))), step]
        if person.home_care and rng.random() < 0.85:
            received = at + timedelta(hours=rng.uniform(0.2, 8))
            steps.append(
                (received, self._update(build.acknowledged(notice, person.home_care, received)))
            )
        if deceased:
            return steps
        if person.over_65 and rng.random() < 0.12:
            back = at + timedelta(hours=rng.uniform(2, 240))
            priority = "EM" if rng.random() < 0.75 else "EL"
            steps.append((back, lambda writer: writer.schedule(self.stay(back, person, priority))))
        if rng.random() < 0.02:
            moved = at + timedelta(days=rng.uniform(1, 20))
            steps.append((moved, self._move(person, moved)))
        return steps

    def _move(self, person: Person, at: datetime) -> Write:
        def write(writer: Any) -> None:
            kommun = self._pick(weights()["kommuner"])
            stadsdel = self._district(self._local(at)) if kommun == STOCKHOLM_CITY else None
            person.kommun = kommun
            person.resource = {**person.resource, "address": [build.address(kommun, stadsdel)]}
            writer.update(person.resource)

        return write

    # ---- writes ----
    def _create(self, resource: Resource) -> Write:
        return lambda writer: writer.create(resource)

    def _update(self, resource: Resource) -> Write:
        return lambda writer: writer.update(resource)
