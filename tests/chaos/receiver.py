"""The receiving systems of the chaos runs as their own process: a keep-alive HTTP receiver
(tests/support/receiver.py) that appends every request — its idempotency key (X-Request-Id),
path and a digest of its content — to a JSON-lines file before answering, so the runner can
tell a re-send from a loss after any crash of the sender.

    python -m tests.chaos.receiver --port P --log FILE [--delay SECONDS]

SIGUSR1 makes it answer one second late (deliveries stay in flight for a while), SIGUSR2 prompt.
"""

import argparse
import hashlib
import json
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tests.support.receiver import Received, Receiver

SLOW = 1.0  # seconds before an answer after SIGUSR1


@dataclass
class RecordingReceiver(Receiver):
    """A Receiver that also writes each request to `journal` (flushed before the answer)."""

    journal: IO[str] | None = None

    def _record(self, request: Received) -> None:
        declared = int(request.request_headers.get("Content-Length", len(request.body)))
        if len(request.body) != declared:
            return  # the sender died mid-request: a receiver rejects a cut body, nothing arrived
        line = json.dumps(
            {
                "key": request.key,
                "method": request.method,
                "path": request.path,
                "digest": hashlib.sha256(request.body).hexdigest(),
                "arrived": request.arrived,
            }
        )
        with self._lock:
            assert self.journal is not None
            self.journal.write(line + "\n")
            self.journal.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    arguments = parser.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with arguments.log.open("a", encoding="utf-8") as journal:
        receiver = RecordingReceiver(keep_alive=True, delay=arguments.delay, port=arguments.port)
        receiver.journal = journal
        signal.signal(signal.SIGUSR1, lambda *_: setattr(receiver, "delay", SLOW))
        signal.signal(signal.SIGUSR2, lambda *_: setattr(receiver, "delay", arguments.delay))
        receiver.start()
        print(f"receiving at {receiver.url}", flush=True)
        while not stop.wait(0.5):  # wakes up for the signal handlers
            pass
        receiver.stop()


if __name__ == "__main__":
    main()
