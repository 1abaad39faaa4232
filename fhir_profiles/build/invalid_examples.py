"""Materialises the invalid examples of `examples-invalid/cases.yaml` as JSON files.

Each case is a valid example plus a JSON Patch, so the broken resource can never drift from the
valid one it is derived from; the files exist for tools (HAPI `$validate`, vendors) that want files.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonpatch
import yaml

from fhir_profiles import GENERATED, INVALID_DIR

CASES = INVALID_DIR / "cases.yaml"


class CaseError(ValueError):
    pass


@dataclass(frozen=True)
class InvalidCase:
    name: str
    base: str
    rule: str
    patch: list[dict[str, Any]]
    code: str
    expression: str

    def resource(self, generated: Path = GENERATED) -> dict[str, Any]:
        base_path = generated / self.base
        if not base_path.exists():
            raise CaseError(f"case {self.name}: base example {self.base} does not exist")
        base = json.loads(base_path.read_text(encoding="utf-8"))
        try:
            patched: dict[str, Any] = jsonpatch.apply_patch(base, self.patch)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
            raise CaseError(
                f"case {self.name}: patch does not apply to {self.base}: {exc}"
            ) from exc
        return patched


def load(path: Path = CASES) -> list[InvalidCase]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = []
    for raw in data["cases"]:
        try:
            cases.append(
                InvalidCase(
                    name=raw["name"],
                    base=raw["base"],
                    rule=raw["rule"],
                    patch=raw["patch"],
                    code=raw["error"]["code"],
                    expression=raw["error"]["expression"],
                )
            )
        except (KeyError, TypeError) as exc:
            raise CaseError(f"{path}: malformed case {raw!r}: missing {exc}") from exc
    names = [c.name for c in cases]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CaseError(f"{path}: duplicate case names {duplicates}")
    return cases


def write(out_dir: Path = INVALID_DIR) -> int:
    cases = load()
    for old in out_dir.glob("*.json"):
        old.unlink()
    for case in cases:
        text = json.dumps(case.resource(), indent=2, ensure_ascii=False) + "\n"
        (out_dir / f"{case.name}.json").write_text(text, encoding="utf-8")
    return len(cases)
