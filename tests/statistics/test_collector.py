"""The collector's pause during evaluations: overlapping evaluations share it, and the state
before the first is what the last leaves."""

import gc
from collections.abc import Iterator

import pytest

from service.statistics.collector import Paused


@pytest.fixture
def collector_enabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_overlapping_pauses_restore_the_collector_after_the_last(collector_enabled: None) -> None:
    paused = Paused()
    first, second = paused, paused
    first.__enter__()
    assert not gc.isenabled()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second evaluation is still under way
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled(collector_enabled: None) -> None:
    gc.disable()
    with Paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_an_error_in_the_evaluation_still_restores_the_collector(collector_enabled: None) -> None:
    with pytest.raises(ValueError), Paused():
        raise ValueError("evaluation failed")
    assert gc.isenabled()
