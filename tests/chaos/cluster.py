"""A PostgreSQL cluster of the chaos run's own (tests/support/postgres.sh with its own data
directory and port), which it may stop and start in the middle of the load — never the shared
cluster other tests use."""

import os
import shutil
import subprocess
from pathlib import Path

from service.simulation.net import free_port

SCRIPT = Path(__file__).parents[1] / "support" / "postgres.sh"


def installed() -> bool:
    """Whether PostgreSQL's server binaries are here (where postgres.sh looks for them)."""
    return any(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


class Cluster:
    def __init__(self) -> None:
        self.port = free_port()
        self.data = Path(f"/tmp/pg-chaos-{self.port}")
        self.url = self._script("start", str(self.port)).strip()

    def _script(self, *arguments: str) -> str:
        env = {**os.environ, "LUS_PG_DIR": str(self.data)}
        done = subprocess.run(
            [str(SCRIPT), *arguments], env=env, capture_output=True, text=True, check=True
        )
        return done.stdout

    def stop(self) -> None:
        """A fast shutdown: open connections are cut, as when the database server restarts."""
        self._script("stop")

    def start(self) -> None:
        self._script("start", str(self.port))

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.data, ignore_errors=True)
