"""Extensions no slice claimed: resolve the url to its definition, check the context it may be
used in, and judge unknown urls the way the Java validator does."""

import re

from service.validation.compiler import Compiler, Profile, TypeRef
from service.validation.issues import Issues

Holder = tuple[str, str]

_ABSTRACT_RESOURCES = frozenset({"Resource", "DomainResource"})
_CROSS_VERSION = re.compile(r"^http://hl7\.org/fhir/[1-9]\.0/StructureDefinition/extension-")


def resolve_extension(
    compiler: Compiler, url: object, holder: Holder, expr: str, issues: Issues
) -> TypeRef:
    """The type to check an extension with: its definition's when known (reporting a context
    that does not allow `holder`), plain Extension otherwise (reporting it as unknown)."""
    profile = compiler.profile(url) if isinstance(url, str) else None
    if profile is not None and profile.type == "Extension":
        if not _context_allows(profile, holder):
            issues.add(
                "extension.context",
                expr,
                f"The extension {url} is not allowed on {holder[0]} (its context is "
                f"{', '.join(e for _, e in profile.contexts)})",
            )
        return TypeRef("Extension", (profile.url,))
    if isinstance(url, str) and _must_be_known(url, holder):
        if _is_example_url(url):
            issues.add(
                "extension.unknown",
                expr,
                f"The extension {url} is unknown; allowed because its url is an example url",
                severity="warning",
            )
        else:
            issues.add("extension.unknown", expr, f"The extension {url} is unknown")
    return TypeRef("Extension")


def _must_be_known(url: str, holder: Holder) -> bool:
    """Unknown extensions are errors, except the HL7 cross-version ones (which the Java validator
    synthesises) and the relative urls of sub-extensions of an extension we do not know."""
    if _CROSS_VERSION.match(url):
        return False
    return not (holder[1] == "Extension" and ":" not in url)


# Hosts the HL7 Java validator treats as example urls (its Utilities.isExampleUrl): extensions
# under them are illustrations, not contracts, so an unknown one is a warning, not an error.
_EXAMPLE_HOSTS = ("example.org", "example.com", "example.net", "acme.com", "acme.org", "nema.org")


def _is_example_url(url: str) -> bool:
    host = url.split("://", 1)[-1].split("/", 1)[0].lower()
    return any(host == h or host.endswith(f".{h}") for h in _EXAMPLE_HOSTS)


def _context_allows(profile: Profile, holder: Holder) -> bool:
    path, type_code = holder
    if not profile.contexts:
        return True
    for kind, expression in profile.contexts:
        if kind != "element" or expression in ("Element", "Base", path, type_code):
            return True
        # the core's own snapshots put extensions whose context is a primitive child
        # (ElementDefinition.type.code) on its parent; the Java validator accepts that
        if expression.startswith(f"{path}.") and "." not in expression[len(path) + 1 :]:
            return True
        if expression in _ABSTRACT_RESOURCES and "." not in path:
            return True
    return False
