"""The short chaos run of `make test`: two kill rounds under load on SQLite with the full disk,
one on PostgreSQL with the database restart (a cluster of the run's own), the SIGTERM drains on
both — the same checks `make chaos` applies over a hundred rounds."""

import pytest

from tests.chaos.cluster import installed
from tests.chaos.run import run_backend
from tests.support.databases import skip_or_fail

ROUNDS = 2  # on SQLite; one on PostgreSQL, whose database restart comes after it
SEED = 17  # the same faults at the same moments in every run


def test_nothing_acknowledged_is_lost_under_faults_on_sqlite() -> None:
    report = run_backend("sqlite", ROUNDS, SEED)
    assert report.problems == [], "\n".join(report.lines())
    assert report.faults["server-kill"] + report.faults["worker-kill"] == ROUNDS
    assert report.tally.acknowledged > 0
    assert report.tally.delivered == report.tally.notifications > 0
    assert any(note.startswith("full disk (") for note in report.notes), report.notes


@pytest.mark.postgres
def test_nothing_acknowledged_is_lost_under_faults_on_postgres() -> None:
    if not installed():
        skip_or_fail("PostgreSQL's binaries are not installed (tests/support/postgres.sh)")
    report = run_backend("postgres", 1, SEED)
    assert report.problems == [], "\n".join(report.lines())
    assert report.faults["postgres-restart"] == 1
    assert report.statuses["503"] > 0, "503s while the database was down"
    assert report.reconnected and report.reconnected[0] is not None
    assert report.tally.delivered == report.tally.notifications > 0
