"""The LUS implementation guide: FSH source, generated FHIR JSON, vendored R4 definitions."""

from functools import cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent
SUSHI_CONFIG = ROOT / "sushi-config.yaml"
GENERATED = ROOT / "fsh-generated" / "resources"
R4_DIR = ROOT / "r4"
INVALID_DIR = ROOT / "examples-invalid"


@cache
def _config() -> dict[str, object]:
    loaded = yaml.safe_load(SUSHI_CONFIG.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


CANONICAL: str = str(_config()["canonical"])
PACKAGE_ID: str = str(_config()["id"])
VERSION: str = str(_config()["version"])
