"""Record HAPI's verdict on every differential case into hapi.json.

`python -m tests.validation.differential.record http://127.0.0.1:8090/fhir`
"""

import json
import sys
from typing import Any

import httpx

from tests.validation.differential.cases import VERDICTS, Case, hapi_issues, load, verdict_of


def validate(client: httpx.Client, base: str, case: Case) -> dict[str, Any]:
    """HAPI's verdict and issues for one case, as stored in hapi.json."""
    response = client.post(
        f"{base}/{case.resource_type}/$validate",
        content=case.body().encode("utf-8"),
        headers={"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"},
    )
    try:
        outcome = response.json()
    except ValueError:
        outcome = {}
    issues = hapi_issues(outcome)
    return {
        "verdict": verdict_of(response.status_code, issues),
        "status": response.status_code,
        "issues": [
            {"severity": i.severity, "id": i.message_id, "expression": i.expression} for i in issues
        ],
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    base = argv[1].rstrip("/")
    with httpx.Client(timeout=120) as client:
        version = client.get(f"{base}/metadata").json().get("software", {})
        results = {case.name: validate(client, base, case) for case in load()}
    data = {
        "hapi": f"{version.get('name', 'HAPI FHIR')} {version.get('version', '')}".strip(),
        "cases": results,
    }
    VERDICTS.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    rejected = sum(r["verdict"] == "reject" for r in results.values())
    print(f"{len(results)} cases recorded in {VERDICTS}: {rejected} rejected")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
