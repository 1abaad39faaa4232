"""Generates the suites' TestScript JSON and fixtures from the implementation guide.

The guide (`fhir_profiles/`) is the source of truth for every resource the suites send: the
journey is its examples, the messages are the foci of its example messages, the negative cases
are its invalid examples. `python -m conformance.suites.generate` rewrites every suite file;
`--check` lists files that differ from what the guide gives now (tests run it, like the IG's drift
check). Edit the generators, never the JSON by hand.
"""

import json
from collections.abc import Callable
from pathlib import Path

from conformance.suites.generate import journey, messages, negative, receiver, rest, security
from conformance.suites.generate.blocks import Json

SUITES_DIR = Path(__file__).resolve().parent.parent

# suite → (TestScripts, its fixtures/ files, whether it PUTs the journey first)
SUITES: dict[str, tuple[Callable[[], list[Json]], Callable[[], dict[str, Json]], bool]] = {
    "rest": (rest.scripts, rest.fixtures, True),
    "messages": (messages.scripts, messages.fixtures, True),
    "receiver": (receiver.scripts, receiver.fixture_files, True),
    "negative": (negative.scripts, negative.fixture_files, False),
    "security": (security.scripts, security.fixture_files, True),
}


def files() -> dict[Path, Json]:
    """Every generated file: path → JSON content."""
    out: dict[Path, Json] = {}
    for suite, (scripts, fixtures, uses_journey) in SUITES.items():
        folder = SUITES_DIR / suite
        for resource in scripts():
            out[folder / f"{resource['id']}.json"] = resource
        extra = journey.stubs() if uses_journey else {}
        for name, content in {**extra, **fixtures()}.items():
            out[folder / "fixtures" / name] = content
    return out


def render(content: Json) -> str:
    return json.dumps(content, indent=2, ensure_ascii=False) + "\n"


def drift() -> list[Path]:
    """Generated files missing or different on disk, and suite JSON files no generator writes."""
    expected = files()
    stale = [p for p, c in expected.items() if not p.is_file() or p.read_text("utf-8") != render(c)]
    on_disk = {p for suite in SUITES for p in (SUITES_DIR / suite).rglob("*.json")}
    return sorted(stale + sorted(on_disk - set(expected)))


def write() -> list[Path]:
    """Write every generated file and remove suite JSON files no generator writes."""
    expected = files()
    for suite in SUITES:
        for path in (SUITES_DIR / suite).rglob("*.json"):
            if path not in expected:
                path.unlink()
    for path, content in expected.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(content), encoding="utf-8")
    return sorted(expected)
