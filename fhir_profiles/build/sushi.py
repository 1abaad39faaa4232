"""Compiles the FSH source with SUSHI (from the project's own node_modules) and fails on any error.

SUSHI reports problems on stdout and keeps going, so its summary decides: a build with errors must
never leave half-updated JSON looking like a good guide.
"""

import re
import subprocess

from fhir_profiles import ROOT

SUSHI = ROOT / "node_modules" / ".bin" / "sushi"
_SUMMARY = re.compile(r"(\d+) Errors?\s+.*?(\d+) Warnings?", re.S)


class SushiError(RuntimeError):
    pass


def build() -> str:
    """Run `sushi build`; returns SUSHI's output, raises SushiError when it reports errors."""
    if not SUSHI.exists():
        raise SushiError(f"{SUSHI} is missing: run `make node` (npm ci in fhir_profiles/) first")
    proc = subprocess.run(
        [str(SUSHI), "build", str(ROOT)], capture_output=True, text=True, check=False
    )
    output = proc.stdout + proc.stderr
    errors = [line for line in output.splitlines() if line.startswith("error")]
    if proc.returncode != 0 or errors:
        raise SushiError("SUSHI failed:\n" + "\n".join(errors or output.splitlines()[-40:]))
    return output
