"""Writes one Markdown page per profile and extension, so an integrator can read the contract
without a FHIR tool. Generated from the same JSON the validator uses, so it cannot disagree."""

from pathlib import Path
from typing import Any

from fhir_profiles import ROOT
from fhir_profiles.guide import Guide, load

DOCS = ROOT.parent / "docs" / "profiles"
Element = dict[str, Any]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _cardinality(element: Element) -> str:
    if "min" not in element and "max" not in element:
        return ""
    return f"{element.get('min', '')}..{element.get('max', '')}"


def _types(element: Element) -> str:
    parts = []
    for t in element.get("type", []):
        targets = t.get("targetProfile") or t.get("profile") or []
        names = ", ".join(p.rsplit("/", 1)[-1] for p in targets)
        parts.append(f"{t['code']}({names})" if names else t["code"])
    return " or ".join(parts)


def _rules(element: Element) -> str:
    rules = []
    for key, value in element.items():
        if key.startswith(("fixed", "pattern")):
            rules.append(f"{key} `{_compact(value)}`")
    if "binding" in element:
        binding = element["binding"]
        rules.append(f"{binding['strength']} binding `{binding.get('valueSet', '')}`")
    if "slicing" in element:
        slicing = element["slicing"]
        discriminators = ", ".join(
            f"{d['type']}:{d['path']}" for d in slicing.get("discriminator", [])
        )
        rules.append(f"sliced by {discriminators} ({slicing.get('rules')})")
    rules.extend(f"obeys `{c['key']}`" for c in element.get("constraint", []))
    if element.get("mustSupport"):
        rules.append("must support")
    return "; ".join(rules)


def _compact(value: Any) -> str:
    if isinstance(value, dict):
        coding = value.get("coding", [value])[0]
        if "code" in coding:
            return f"{coding.get('system', '')}#{coding['code']}"
    return str(value)


def _examples(guide: Guide, url: str) -> list[str]:
    return sorted(
        f"{r['resourceType']}/{r['id']}"
        for r in guide.examples
        if url in r.get("meta", {}).get("profile", [])
    )


def page(guide: Guide, sd: dict[str, Any]) -> str:
    lines = [
        f"# {sd.get('title', sd['name'])} (`{sd['id']}`)",
        "",
        sd.get("description", ""),
        "",
        f"- Canonical: `{sd['url']}`",
        f"- Base: `{sd['baseDefinition']}`",
    ]
    if sd.get("abstract"):
        lines.append("- Abstract: use one of the profiles derived from it.")
    for context in sd.get("context", []):
        lines.append(f"- Used on: `{context['expression']}`")
    lines += ["", "| element | card. | type | rules | meaning |", "|---|---|---|---|---|"]
    for element in sd.get("differential", {}).get("element", []):
        lines.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    f"`{element['id']}`",
                    _cardinality(element),
                    _types(element),
                    _rules(element),
                    element.get("short", ""),
                )
            )
            + " |"
        )
    constraints = [
        c for e in sd.get("differential", {}).get("element", []) for c in e.get("constraint", [])
    ]
    if constraints:
        lines += ["", "## Invariants", ""]
        lines += [f"- `{c['key']}` ({c['severity']}): {c['human']}" for c in constraints]
    examples = _examples(guide, sd["url"])
    if examples:
        lines += ["", "## Examples", ""]
        lines += [
            f"- `fhir_profiles/fsh-generated/resources/{e.replace('/', '-')}.json`"
            for e in examples
        ]
    return "\n".join(lines) + "\n"


def write(out_dir: Path = DOCS) -> int:
    guide = load()
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.md"):
        old.unlink()
    definitions = sorted(guide.profiles + guide.extensions, key=lambda sd: str(sd["id"]))
    index = ["# Profiles and extensions of the LUS guide", ""]
    for sd in definitions:
        (out_dir / f"{sd['id']}.md").write_text(page(guide, sd), encoding="utf-8")
        index.append(f"- [{sd.get('title', sd['name'])}]({sd['id']}.md): `{sd['url']}`")
    (out_dir / "README.md").write_text("\n".join(index) + "\n", encoding="utf-8")
    return len(definitions)
