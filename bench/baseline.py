"""Alternating rounds of this checkout and a baseline checkout (e.g. `git archive main | tar -x
-C /tmp/main`), each round in a fresh process, so the machine's load hits both alike: the A/B
the CPU benchmarks print. The script run is the caller's own; the baseline only puts its
`service`/`mappers` first on the path, so both sides measure the same loop."""

import os
import statistics
import subprocess
import sys
from pathlib import Path


def alternate(
    script: str, argv: list[str], rounds: int, baseline: str | None, unit: str
) -> dict[str, float]:
    """Each side's median of the last number `script argv` prints, round by round."""
    runs: dict[str, list[float]] = {"this": [], "base": []}
    for number in range(rounds):
        for name in ("this", "base") if baseline else ("this",):
            env = dict(os.environ)
            if name == "base" and baseline:
                env["PYTHONPATH"] = str(Path(baseline).resolve())
            done = subprocess.run(
                [sys.executable, script, *argv], env=env, check=True, capture_output=True, text=True
            )
            value = float(done.stdout.split()[-1])
            runs[name].append(value)
            print(
                f"round {number + 1} {name}: {value:.2f} {unit}   load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    return {name: statistics.median(found) for name, found in runs.items() if found}
