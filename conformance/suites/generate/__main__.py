"""`python -m conformance.suites.generate [--check]`: write (or check) the suites' JSON files."""

import sys

from conformance.suites.generate import drift, write

if __name__ == "__main__":
    if "--check" in sys.argv[1:]:
        stale = drift()
        for path in stale:
            print(
                f"out of date (run python -m conformance.suites.generate): {path}", file=sys.stderr
            )
        raise SystemExit(1 if stale else 0)
    for path in write():
        print(path)
