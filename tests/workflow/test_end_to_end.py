"""The whole journey through a running service and real HTTP receivers on loopback, over the REST
path and the message path: each notification reaches exactly the right receivers, each receiver
acknowledges, and `lus-fhir demo` reports it."""

from pathlib import Path

from typer.testing import CliRunner

from service.cli.main import app
from service.settings import Settings
from service.simulation.harness import running
from service.simulation.journey import Journey
from service.simulation.receivers import Receivers

EXPECTED = {
    "inskrivningsmeddelande": {"sdf-hagersten-alvsjo", "vc-liljeholmen"},
    "utskrivningsklar": {"sdf-hagersten-alvsjo", "vc-liljeholmen", "hemtjanst-aros"},
    "kallelse-sip": {"sdf-hagersten-alvsjo", "sos-avd-51"},
    "informationsoverforing": {"sdf-hagersten-alvsjo", "vc-liljeholmen", "hemtjanst-aros"},
    "utskrivningsmeddelande": {"sdf-hagersten-alvsjo", "vc-liljeholmen", "hemtjanst-aros"},
}


def test_journey_reaches_and_is_acknowledged_by_every_receiver(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, worker_poll_seconds=0.1, delivery_base_delay_seconds=0.2)
    with running(settings) as service:
        receivers = Receivers(service.base, service.credentials).start()
        journey = Journey(service.base, receivers, service.credentials)
        try:
            steps = journey.run(wait_seconds=30)
        finally:
            journey.close()
            receivers.stop()
    assert [s.path for s in steps if s.event == "utskrivningsklar"] == ["message"]
    for step in steps:
        got = {d["receiver"].removeprefix("Organization/") for d in step.deliveries}
        assert got == EXPECTED[step.event], step.event
        wanted = "acknowledged" if step.notification.startswith("Task/") else "delivered"
        assert {d["status"] for d in step.deliveries} == {wanted}, step
    received = {(r.receiver, r.notification) for r in receivers.log}
    sent = {
        (d["receiver"].removeprefix("Organization/"), s.notification)
        for s in steps
        for d in s.deliveries
    }
    assert received == sent  # every delivery arrived, nothing else did
    assert len(receivers.log) == len(received)  # and exactly once


def test_demo_command_prints_the_timeline(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--data-dir", str(tmp_path), "--wait", "30"])
    assert result.exit_code == 0, result.output
    assert "Who received and acknowledged what" in result.output
    assert result.output.count("acknowledged") >= 11
