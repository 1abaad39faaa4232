"""The LUS conformance suites: one folder per suite, TestScript JSON files and their fixtures."""

import json
from pathlib import Path
from typing import Any

SUITES_DIR = Path(__file__).resolve().parent


def suite_names() -> list[str]:
    return sorted(p.name for p in SUITES_DIR.iterdir() if p.is_dir() and any(p.glob("*.json")))


def load_suite(name_or_path: str) -> list[tuple[dict[str, Any], Path]]:
    """The TestScripts of a suite (by name, or a folder or file path), in file-name order."""
    path = Path(name_or_path)
    if not path.exists():
        path = SUITES_DIR / name_or_path
    if not path.exists():
        known = ", ".join(suite_names()) or "none"
        raise FileNotFoundError(f"no suite '{name_or_path}' (known suites: {known})")
    files = [path] if path.is_file() else sorted(path.glob("*.json"))
    scripts = []
    for file in files:
        resource = json.loads(file.read_text(encoding="utf-8"))
        if resource.get("resourceType") == "TestScript":
            scripts.append((resource, file.parent))
    if not scripts:
        raise FileNotFoundError(f"suite '{name_or_path}' holds no TestScript")
    return scripts
