"""Narrative XHTML (`Narrative.div`, any `xhtml` value): well-formed, FHIR's subset of XHTML only,
no active content, and `href="#x"` links that name something in the resource.

The allowed element and attribute names are read from the R4 definition itself (the XPath of
invariant txt-1 on Narrative.div lists them), so they are the spec's, not ours. A narrative is
parsed once per distinct text (cached); only its local links depend on the resource around it.
"""

import re
import xml.parsers.expat
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.parsers.expat import errors as expat_errors

from service.definitions.registry import CORE_SD, DefinitionRegistry
from service.validation.issues import Issues

XHTML_NS = "http://www.w3.org/1999/xhtml"
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_NAMES = re.compile(r"name\(\.\)=\(([^)]*)\)")
_QUOTED = re.compile(r"'([^']*)'")
_UNDEFINED_ENTITY = expat_errors.codes[expat_errors.XML_ERROR_UNDEFINED_ENTITY]
_ACTIVE_HREF = re.compile(r"^\s*(javascript|vbscript|data):", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Parsed:
    """What one narrative text says, independent of the resource: (message id, text) problems,
    the local link targets it uses and the anchors (`id`, `name`) it defines itself."""

    problems: tuple[tuple[str, str], ...]
    links: tuple[str, ...]
    anchors: frozenset[str]


class Narratives:
    """Checks xhtml values; built once per registry."""

    def __init__(self, registry: DefinitionRegistry) -> None:
        elements, attributes = _allowed(registry)
        self._parse = lru_cache(maxsize=2048)(
            lambda text: _parse(text, elements, attributes | {"xml:lang", "xmlns"})
        )

    def check(self, text: str, label: str, expr: str, resource: Any, issues: Issues) -> None:
        parsed: Parsed = self._parse(text)
        for message_id, problem in parsed.problems:
            issues.add("narrative.xhtml", expr, f"{label}: {problem}", java=message_id)
        if not parsed.links:
            return
        known = parsed.anchors | set(_ids(resource))
        for link in parsed.links:
            if link and link not in known:
                issues.add(
                    "narrative.link",
                    expr,
                    f"{label}: the hyperlink '#{link}' does not resolve to an id in the resource",
                    java="Type_Specific_Checks_DT_XHTML_Resolve",
                )


def _allowed(registry: DefinitionRegistry) -> tuple[frozenset[str], frozenset[str]]:
    """Element and attribute names from the XPath of txt-1 on Narrative.div."""
    for element in registry.snapshot(CORE_SD + "Narrative") or []:
        for constraint in element.get("constraint", []):
            if constraint.get("key") == "txt-1":
                groups = _NAMES.findall(str(constraint.get("xpath", "")))
                if len(groups) == 2:
                    names = [frozenset(_QUOTED.findall(group)) for group in groups]
                    return names[0], names[1]
    raise LookupError("the R4 Narrative definition has no txt-1 XPath to read names from")


def _parse(text: str, elements: frozenset[str], attributes: frozenset[str]) -> Parsed:
    problems: list[tuple[str, str]] = []
    links: list[str] = []
    anchors: set[str] = set()
    content = [False]
    depth = [0]
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")

    def start(name: str, attrs: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        if depth[0] == 0:
            if local != "div":
                problems.append(
                    ("XHTML_XHTML_Name_Invalid", f"the narrative's root is '{local}', not 'div'")
                )
            if namespace != XHTML_NS:
                problems.append(
                    (
                        "XHTML_XHTML_NS_InValid",
                        f"the narrative's namespace is '{namespace}', not '{XHTML_NS}'",
                    )
                )
        elif local not in elements or namespace != XHTML_NS:
            problems.append(
                ("XHTML_XHTML_Element_Illegal", f"the element '{local}' is not allowed")
            )
        depth[0] += 1
        if local == "img":
            content[0] = True
        for key, value in attrs.items():
            attr_ns, _, attr = key.rpartition(" ")
            shown = f"xml:{attr}" if attr_ns == _XML_NS else attr
            if shown not in attributes or attr.lower().startswith("on"):
                problems.append(
                    (
                        "XHTML_XHTML_Attribute_Illegal",
                        f"the attribute '{shown}' is not allowed on '{local}'",
                    )
                )
            elif attr in ("href", "src") and _ACTIVE_HREF.match(value) and local != "img":
                problems.append(
                    (
                        "TYPE_SPECIFIC_CHECKS_DT_XHTML_ACTIVE_HREF",
                        f"the {attr} '{value[:40]}' is active content",
                    )
                )
            elif attr == "href" and value.startswith("#"):
                links.append(value[1:])
            elif attr in ("id", "name"):
                anchors.add(value)

    def end(_name: str) -> None:
        depth[0] -= 1

    def characters(data: str) -> None:
        if data.strip():
            content[0] = True

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(text, True)
    except xml.parsers.expat.ExpatError as error:
        reason = xml.parsers.expat.ErrorString(error.code)
        if error.code == _UNDEFINED_ENTITY:
            problem = ("XHTML_XHTML_Entity_Illegal", f"invalid entity in the XHTML ({reason})")
        else:
            problem = ("XHTML_XHTML_Parse", f"the XHTML is not well-formed ({reason})")
        return Parsed((problem,), (), frozenset())
    if not content[0]:
        problems.append(("txt-2", "the narrative SHALL have some non-whitespace content (txt-2)"))
    return Parsed(tuple(problems), tuple(links), frozenset(anchors))


def _ids(value: Any) -> Iterator[str]:
    """Every `id` in a resource: its own, its contained resources' and its elements'."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "id" and isinstance(item, str):
                yield item
            elif isinstance(item, dict | list):
                yield from _ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from _ids(item)
