"""Writes a simulated county history through the engine: the story's steps in time order, each at
its own moment on the service's clock (so every version is stored when it happened), in batched
transactions, with a progress bar and its rate. Deliveries are queued, never sent.
"""

import heapq
import itertools
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Connection, Engine

from service.auth.principal import INTERNAL
from service.demo import directory_bundle
from service.fhirtime import STOCKHOLM
from service.rest.services import Services
from service.settings import Settings
from service.simulation.county import County, Step
from service.simulation.sampling import Sampler
from service.statistics.period import Period, month_of
from service.statistics.writes import EngineWrites
from service.storage.database import engine_for, migrate
from service.storage.store import Store

Resource = dict[str, Any]


class SimulatedClock:
    """The service's clock during the simulation: the moment of the step being written."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Writer:
    """What a step may do: write through the engine, or plan more steps (a readmission)."""

    writes: EngineWrites
    sampler: Sampler | None  # None: the engine validates every write itself
    conn: Connection | None = None
    queue: list[tuple[datetime, int, Any]] = field(default_factory=list)
    counter: Iterator[int] = field(default_factory=itertools.count)
    done: int = 0
    started: float = field(default_factory=time.perf_counter)

    def create(self, resource: Resource) -> None:
        assert self.conn is not None
        if self.sampler is not None:
            self.sampler.check(resource)
        self.writes.create(self.conn, resource)
        self.done += 1

    def update(self, resource: Resource) -> None:
        assert self.conn is not None
        if self.sampler is not None:
            self.sampler.check(resource)
        self.writes.update(self.conn, resource)
        self.done += 1

    def schedule(self, steps: list[Step]) -> None:
        for moment, write in steps:
            heapq.heappush(self.queue, (moment, next(self.counter), write))


@dataclass(frozen=True)
class Summary:
    months: list[str]
    admissions: int
    writes: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.writes / self.seconds if self.seconds else 0.0


def months_until(last: date, count: int) -> list[Period]:
    periods, day = [], last.replace(day=1)
    for _ in range(count):
        periods.append(month_of(day))
        day = (day - timedelta(days=1)).replace(day=1)
    return periods[::-1]


def _load_directory(services: Services) -> None:
    with services.store.reading() as conn:
        loaded = services.store.read(conn, "Organization", "region-stockholm") is not None
    if not loaded:
        processor = services.engine_processor(services.settings.source())
        processor.process(directory_bundle(), INTERNAL)


def simulate(
    settings: Settings,
    months: int,
    stays_per_month: int,
    seed: int,
    last_month: date,
    batch: int = 500,
    console: Console | None = None,
    after_month: Callable[[Period, Engine], None] | None = None,
    validate_all: bool = False,
) -> Summary:
    """Write `months` months of history ending with `last_month` (plus a warm-up month of
    admissions, so the first month's discharges are as many as the others'). `after_month` is
    called between transactions after each month (e.g. to copy the database as it is then).
    Writes are validated by sample of each shape (sampling.py) unless `validate_all`."""
    periods = months_until(last_month, months)
    warm_up = month_of(periods[0].first - timedelta(days=1))
    clock = SimulatedClock(warm_up.start() - timedelta(days=1))
    engine = engine_for(settings.database())
    migrate(engine)
    sampler = None if validate_all else Sampler(settings)
    trusted = settings if validate_all else settings.model_copy(update={"validate_writes": False})
    _load_directory(Services(settings, Store(engine, clock), clock))
    services = Services(trusted, Store(engine, clock), clock)
    county = County(random.Random(seed), periods[-1].end())
    writer = Writer(EngineWrites(services), sampler)
    admissions = 0
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} days"),
        TextColumn("{task.fields[writes]} writes, {task.fields[rate]:.0f}/s"),
        TimeElapsedColumn(),
        console=console,
    )
    days = (periods[-1].last - warm_up.first).days + 1
    with progress:
        bar = progress.add_task("simulating", total=days, writes=0, rate=0.0)
        for period in [warm_up, *periods]:
            writer.schedule(county.admissions(period.first, period.last, stays_per_month))
            admissions += stays_per_month
            _run_until(writer, clock, period.end(), batch, services, progress, bar, warm_up.first)
            if after_month is not None and period is not warm_up:
                after_month(period, engine)
    engine.dispose()
    seconds = time.perf_counter() - writer.started
    return Summary([p.label for p in periods], admissions, writer.done, seconds)


def _run_until(
    writer: Writer,
    clock: SimulatedClock,
    until: datetime,
    batch: int,
    services: Services,
    progress: Progress,
    bar: Any,
    origin: date,
) -> None:
    """Carry out every planned step before `until`, `batch` steps per transaction."""
    while writer.queue and writer.queue[0][0] < until:
        with services.store.begin() as conn:
            writer.conn = conn
            for _ in range(batch):
                if not writer.queue or writer.queue[0][0] >= until:
                    break
                moment, _, write = heapq.heappop(writer.queue)
                clock.now = moment
                write(writer)
        writer.conn = None
        elapsed = time.perf_counter() - writer.started
        day = clock.now.astimezone(STOCKHOLM).date()
        rate = writer.done / elapsed if elapsed else 0.0
        progress.update(bar, completed=(day - origin).days, writes=writer.done, rate=rate)
