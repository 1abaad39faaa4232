"""Worker processes: SIGKILL mid-delivery loses and duplicates nothing; two workers on
PostgreSQL share the outbox (SKIP LOCKED) and deliver each row once; the serve-process worker
is woken by `announce` instead of waiting for its poll."""

import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from service.delivery import DeliveryConfig, start_in_background
from service.storage.database import engine_for, migrate
from service.storage.schema import outbox
from service.storage.store import Store
from service.workflow.notify import Workflow
from tests.delivery.support import Row, enqueue, row
from tests.delivery.test_delivery import assert_in_order_exactly_once
from tests.support.databases import fresh_postgres_database
from tests.support.receiver import Receiver, receiver
from tests.support.server import wait_for, worker_process


def statuses(engine: Engine) -> Counter[str]:
    with engine.connect() as conn:
        return Counter(conn.execute(select(outbox.c.status)).scalars())


def assert_resent_at_most_once(received: Receiver, rows: list[Row], in_flight: int) -> None:
    counts = Counter(received.keys())
    assert set(counts) == {r.key for r in rows}, "every key received"
    assert max(counts.values()) <= 2
    resent = sum(1 for c in counts.values() if c == 2)
    assert 1 <= resent <= in_flight, "the rows in flight at the kill, re-sent once each"
    first_seen: list[str] = list(dict.fromkeys(received.keys()))
    position = {key: i for i, key in enumerate(first_seen)}
    for ordering_key in {r.ordering_key for r in rows}:
        keys = [r.key for r in rows if r.ordering_key == ordering_key]
        assert [position[k] for k in keys] == sorted(position[k] for k in keys)


def test_sigkill_mid_delivery_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'outbox.sqlite3'}"
    engine = engine_for(url)
    migrate(engine)
    options = ("--concurrency", "4", "--lease-seconds", "2", "--poll-seconds", "0.1")
    with receiver(delay=0.2) as slow:
        rows = [row(n, n % 10, slow.url) for n in range(40)]
        with worker_process(url, tmp_path / "worker.log", *options) as first:
            enqueue(engine, rows, Store(engine).clock())
            wait_for(lambda: len(slow.requests) >= 10, 30, first.tail)
            first.kill()
        seen_before = len(slow.requests)
        assert statuses(engine)["pending"] > 0, "killed mid-way"
        with worker_process(url, tmp_path / "worker.log", *options) as second:
            wait_for(lambda: statuses(engine) == {"delivered": 40}, 30, lambda: statuses(engine))
            assert second.stop() == 0, "SIGTERM exits cleanly"
        assert_resent_at_most_once(slow, rows, in_flight=4)
        assert len(slow.requests) - seen_before <= 40
    engine.dispose()


@pytest.mark.postgres
def test_two_workers_share_the_outbox_on_postgres(tmp_path: Path) -> None:
    url = fresh_postgres_database()
    engine = engine_for(url.replace("postgresql://", "postgresql+psycopg://", 1))
    migrate(engine)
    options = ("--concurrency", "4", "--poll-seconds", "1")
    # 50 ms an answer: since a claim takes a key's whole run, one worker alone would empty a
    # faster outbox in well under a second, before the other's first round.
    with (
        receiver(delay=0.05, keep_alive=True) as fast,
        worker_process(url, tmp_path / "a.log", *options),
        worker_process(url, tmp_path / "b.log", *options),
    ):
        rows = [row(n, n % 40, fast.url) for n in range(200)]
        enqueue(engine, rows, Store(engine).clock())
        wait_for(lambda: statuses(engine) == {"delivered": 200}, 30, lambda: statuses(engine))
        assert_in_order_exactly_once(fast, rows)
        senders = Counter(r.user_agent for r in fast.requests)
        assert len(senders) == 2, f"both workers delivered: {senders}"
    engine.dispose()


def test_background_worker_is_woken_by_announce(tmp_path: Path) -> None:
    engine = engine_for(f"sqlite:///{tmp_path / 'serve.sqlite3'}")
    migrate(engine)
    store = Store(engine)
    config = DeliveryConfig(poll_seconds=30, concurrency=4)
    background = start_in_background(store, Workflow(store, store.clock).deviation, config)
    try:
        with receiver() as up:
            time.sleep(0.2)  # the worker is now idle, waiting up to 30 s
            started = time.monotonic()
            enqueue(engine, [row(1, 1, up.url)], store.clock())
            wait_for(lambda: statuses(engine) == {"delivered": 1}, 5, lambda: statuses(engine))
            assert time.monotonic() - started < 2
    finally:
        background.stop()
    engine.dispose()
