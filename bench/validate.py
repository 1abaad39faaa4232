"""Validator benchmark: cold start, then resources/s on one core for the guide's examples and for a
generated corpus of 10,000 LUS-like resources. Run: `.venv/bin/python bench/validate.py`.

`--against DIR` compares with another checkout (e.g. `git worktree add /tmp/base 159d509`): both
benchmarks run as subprocesses, alternately, `--rounds` times (default 3); the best of each is
printed with the ratio new/old, so a busy machine penalises neither side more than the other.
"""

import argparse
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

Resource = dict[str, Any]
CORPUS_SIZE = 10_000


def main() -> None:
    started = time.perf_counter()
    from fhir_profiles import CANONICAL, GENERATED, R4_DIR
    from service.definitions import DefinitionRegistry
    from service.validation import Validator

    validator = Validator(DefinitionRegistry((R4_DIR, GENERATED)))
    compiled = validator.warm_up()
    cold = time.perf_counter() - started
    print(f"cold start: {cold:.3f} s (registry load + compile {compiled} guide profiles)")

    from fhir_profiles.guide import load

    examples = load(GENERATED).examples
    if examples:
        rate, failed = _throughput(validator.validate, examples, minimum_seconds=2.0)
        print(
            f"guide examples: {len(examples)} resources, {rate:,.0f} resources/s, {failed} invalid"
        )
    corpus = _corpus(CORPUS_SIZE, f"{CANONICAL}/StructureDefinition/lus-organization")
    rate, failed = _throughput(validator.validate, corpus, minimum_seconds=0.0)
    print(f"generated corpus: {len(corpus):,} resources, {rate:,.0f} resources/s, {failed} invalid")


def _throughput(
    validate: Callable[[Resource], Resource], resources: list[Resource], minimum_seconds: float
) -> tuple[float, int]:
    """Resources per second over whole passes (at least one, until `minimum_seconds`)."""
    from service.outcome import has_errors

    failed = sum(has_errors(validate(r)) for r in resources)
    count, started = 0, time.perf_counter()
    while True:
        for resource in resources:
            validate(resource)
        count += len(resources)
        elapsed = time.perf_counter() - started
        if elapsed >= minimum_seconds:
            return count / elapsed, failed


def _corpus(size: int, organization_profile: str) -> list[Resource]:
    rng = random.Random(4711)
    makers = [_patient, _encounter, _task, _organization]
    return [makers[n % 4](rng, n, organization_profile) for n in range(size)]


def _narrative() -> Resource:
    return {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'}


def _patient(rng: random.Random, n: int, _profile: str) -> Resource:
    year = rng.randint(1920, 2010)
    return {
        "resourceType": "Patient",
        "id": f"p{n}",
        "text": _narrative(),
        "identifier": [
            {
                "system": "http://electronichealth.se/identifier/personnummer",
                "value": f"{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{n % 10000:04d}",
            }
        ],
        "name": [{"use": "official", "family": f"Efternamn{n}", "given": ["Förnamn"]}],
        "telecom": [{"system": "phone", "value": f"+46 70 {n:07d}", "use": "mobile"}],
        "gender": rng.choice(["male", "female", "other", "unknown"]),
        "birthDate": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "address": [{"line": [f"Gatan {n}"], "city": "Stockholm", "postalCode": "11122"}],
    }


def _encounter(rng: random.Random, n: int, _profile: str) -> Resource:
    day = rng.randint(1, 28)
    return {
        "resourceType": "Encounter",
        "id": f"e{n}",
        "text": _narrative(),
        "status": rng.choice(["in-progress", "finished", "planned"]),
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
        "subject": {"reference": f"Patient/p{n - 1}"},
        "period": {"start": f"2026-11-{day:02d}T08:00:00+01:00", "end": "2026-12-01"},
        "serviceProvider": {"reference": "Organization/sos-avd-51"},
    }


def _task(rng: random.Random, n: int, _profile: str) -> Resource:
    return {
        "resourceType": "Task",
        "id": f"t{n}",
        "text": _narrative(),
        "status": rng.choice(["requested", "received", "accepted", "completed"]),
        "intent": "order",
        "for": {"reference": f"Patient/p{n - 2}"},
        "encounter": {"reference": f"Encounter/e{n - 1}"},
        "authoredOn": "2026-11-01T09:00:00+01:00",
        "lastModified": "2026-11-02T09:00:00+01:00",
        "requester": {"reference": "Organization/sos-avd-51"},
        "owner": {"reference": "Organization/vc-liljeholmen"},
    }


def _organization(rng: random.Random, n: int, profile: str) -> Resource:
    return {
        "resourceType": "Organization",
        "id": f"o{n}",
        "meta": {"profile": [profile]},
        "text": _narrative(),
        "identifier": [
            {"system": "urn:oid:1.2.752.29.4.19", "value": f"SE2321000016-{n:X}"},
            {"system": "urn:oid:2.5.4.97", "value": "2321000016"},
        ],
        "active": True,
        "type": [
            {
                "coding": [
                    {
                        "system": "https://lus-fhir.se/fhir/CodeSystem/lus-party-type",
                        "code": rng.choice(["vardavdelning", "primarvard", "socialtjanst"]),
                    }
                ]
            }
        ],
        "name": f"Enhet {n}",
        "telecom": [{"system": "phone", "value": "+46 8 123 45 67"}],
    }


_RATE = re.compile(r"^(cold start|guide examples|generated corpus):.*?([\d,.]+) (s|resources/s)")


def _measure(checkout: Path) -> dict[str, float]:
    """One run of a checkout's bench/validate.py: its figures by name."""
    output = subprocess.run(
        [sys.executable, str(checkout / "bench" / "validate.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        match.group(1): float(match.group(2).replace(",", ""))
        for line in output.splitlines()
        if (match := _RATE.match(line))
    }


def compare(base: Path, rounds: int) -> None:
    best: dict[str, dict[str, float]] = {"old": {}, "new": {}}
    for _ in range(rounds):
        for side, checkout in (("old", base), ("new", HERE)):
            for name, value in _measure(checkout).items():
                better = min if name == "cold start" else max
                best[side][name] = better(best[side].get(name, value), value)
    for name in ("cold start", "guide examples", "generated corpus"):
        old, new = best["old"].get(name), best["new"].get(name)
        if old and new:
            unit = "s" if name == "cold start" else "resources/s"
            print(f"{name}: old {old:,.3f} {unit}, new {new:,.3f} {unit}, new/old {new / old:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.against:
        compare(args.against.resolve(), args.rounds)
    else:
        main()
