"""`lus-fhir ig pack`: the guide as a standard FHIR NPM package that HAPI FHIR and other tools load.

Layout as the FHIR package spec defines it: `package/package.json`, `package/.index.json` and one
file per conformance resource; examples under `package/example/` with their own index; plus the
`.tgz` of the same tree, which is what package loaders are given.
"""

import io
import json
import tarfile
from pathlib import Path
from typing import Any

from fhir_profiles import CANONICAL, PACKAGE_ID, VERSION
from fhir_profiles.guide import Guide, guide

INDEX_KEYS = ("url", "version", "kind", "type", "supplements")


def manifest() -> dict[str, Any]:
    return {
        "name": PACKAGE_ID,
        "version": VERSION,
        "description": "LUS: FHIR R4 implementation guide for the Swedish discharge process",
        "canonical": CANONICAL,
        "url": CANONICAL,
        "fhirVersions": ["4.0.1"],
        "type": "fhir.ig",
        "license": "CC0-1.0",
        "dependencies": {"hl7.fhir.r4.core": "4.0.1"},
        "author": "lus-fhir",
    }


def _filename(resource: dict[str, Any]) -> str:
    return f"{resource['resourceType']}-{resource['id']}.json"


def _index(resources: list[dict[str, Any]]) -> dict[str, Any]:
    files = []
    for resource in resources:
        entry = {"filename": _filename(resource), "resourceType": resource["resourceType"]}
        entry["id"] = resource["id"]
        entry.update({k: resource[k] for k in INDEX_KEYS if isinstance(resource.get(k), str)})
        files.append(entry)
    return {"index-version": 1, "files": files}


def contents(g: Guide) -> dict[str, bytes]:
    """Relative path inside the archive → file content."""

    def dump(value: object) -> bytes:
        return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    files = {"package/package.json": dump(manifest())}
    for folder, resources in (("package", g.definitions), ("package/example", g.examples)):
        files[f"{folder}/.index.json"] = dump(_index(resources))
        for resource in resources:
            files[f"{folder}/{_filename(resource)}"] = dump(resource)
    return files


def write(out_dir: Path, g: Guide | None = None) -> Path:
    """Write the package folder and its tarball into `out_dir`; returns the tarball path."""
    files = contents(g or guide())
    for name, data in files.items():
        target = out_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    tarball = out_dir / f"{PACKAGE_ID}-{VERSION}.tgz"
    with tarfile.open(tarball, "w:gz") as archive:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return tarball
