"""`python -m fhir_profiles.build [--check]`: regenerate everything derived from the guide source.

Order matters: the R4 definitions feed SUSHI's package cache, SUSHI's output feeds the invalid
examples and the profile pages. `--check` also fails when the regenerated files differ from the
ones that were there before, so CI catches JSON that was edited by hand or not regenerated.
"""

import hashlib
import sys
import time
from collections.abc import Callable
from pathlib import Path

from fhir_profiles import GENERATED, INVALID_DIR, R4_DIR
from fhir_profiles.build import (
    directory,
    fhir_cache,
    invalid_examples,
    profile_docs,
    r4_examples,
    r4_vendor,
    sushi,
)

OUTPUTS = (R4_DIR, r4_examples.OUT, GENERATED, INVALID_DIR, directory.DIRECTORY, profile_docs.DOCS)


def _digests() -> dict[Path, str]:
    return {
        path: hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in OUTPUTS
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _sushi() -> str:
    summary = [line for line in sushi.build().splitlines() if "Errors" in line]
    return summary[-1].strip("| ").split("  ")[-1].strip() if summary else "done"


def main(check: bool = False) -> int:
    before = _digests()
    steps: tuple[tuple[str, Callable[[], str]], ...] = (
        ("vendor R4 definitions", lambda: f"{r4_vendor.write()} files"),
        ("vendor R4 examples", lambda: f"{r4_examples.write()} examples"),
        ("seed FHIR package cache", lambda: str(fhir_cache.seed())),
        ("compile FSH with SUSHI", _sushi),
        ("write invalid examples", lambda: f"{invalid_examples.write()} cases"),
        ("write Stockholm directory", lambda: f"{directory.write()} resources"),
        ("write profile pages", lambda: f"{profile_docs.write()} pages"),
    )
    for name, step in steps:
        started = time.monotonic()
        print(f"{name} ...", flush=True)
        try:
            detail = step()
        except (
            FileNotFoundError,
            sushi.SushiError,
            invalid_examples.CaseError,
            directory.DirectoryError,
        ) as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            return 1
        print(f"  {detail} ({time.monotonic() - started:.1f} s)", flush=True)
    after = _digests()
    changed = sorted(str(p) for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    if check and changed:
        print("Generated files were out of date with their sources:", file=sys.stderr)
        print("\n".join(f"  {p}" for p in changed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv[1:]))
