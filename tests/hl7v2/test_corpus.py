"""Every corpus message (Cosmic- and TakeCare-like feeds, 8859/1, UTF-8 and ASCII with escapes)
maps to the FHIR result recorded beside it."""

import json
from pathlib import Path

import pytest

from mappers.hl7v2 import load_senders
from tests.hl7v2.corpus_expectation import expectation
from tests.hl7v2.messages import SENDERS_FILE

CORPUS = Path(__file__).parent / "corpus"
SENDERS = load_senders(Path(SENDERS_FILE))


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.hl7")), ids=lambda p: p.stem)
def test_corpus_message_maps_to_its_expected_result(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert expectation(path.read_bytes(), SENDERS) == expected


def test_corpus_covers_the_cases_the_issue_names() -> None:
    results = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in CORPUS.glob("*.json")}
    actions = {r.get("action") for r in results.values()}
    assert {"admit", "preadmit", "transfer", "discharge", "update", "cancel-admit"} <= actions
    assert {"cancel-discharge", "merge"} <= actions
    raw = {p.stem: p.read_bytes() for p in CORPUS.glob("*.hl7")}
    assert "Sjövikskajen".encode("latin-1") in raw["takecare-a01-admit"]  # 8859/1 bytes
    assert "Råsundavägen".encode() in raw["cosmic-a01-samordningsnummer"]  # UTF-8 bytes
    protected = results["cosmic-a01-protected"]["patient"]
    assert protected["meta"]["security"][0]["code"] == "R"
    assert all(set(a) == {"extension"} for a in protected["address"])
    assert "telecom" not in protected
    system = results["cosmic-a01-samordningsnummer"]["patient"]["identifier"][0]["system"]
    assert system.endswith("/samordningsnummer")
    assert results["takecare-a02-transfer"]["ward"] != results["takecare-a01-admit"]["ward"]
