"""The walk: JSON and compiled node tree side by side, reporting every rule a value breaks.

One `Checker` is shared by all validations (it holds the compiled profiles and caches); the state
of one validation (issues, outermost resource, enclosing bundles) travels in a `Run`.
Expressions are FHIRPath the way the HL7 Java validator writes them: array items always indexed
(`Patient.identifier[0].value`), choice types as `value.ofType(Quantity)`, and cardinality issues
reported on the element that should contain the missing or surplus children.
"""

from dataclasses import dataclass, field
from typing import Any

from service.definitions.registry import CORE_SD, DefinitionRegistry
from service.outcome import Severity
from service.validation.bindings import check_binding, check_coding
from service.validation.bundle import BundleIndex, check_bundle
from service.validation.compiler import Compiler, Node, Profile, TypeRef
from service.validation.datatypes import TYPE_CHECKS
from service.validation.extensions import resolve_extension
from service.validation.ids import check_ids
from service.validation.invariants import Invariant, holds
from service.validation.issues import Issues
from service.validation.narrative import Narratives
from service.validation.patterns import check_fixed_pattern
from service.validation.primitives import PRIMITIVES, Primitives, java_message
from service.validation.references import ReferenceChecker, check_canonical
from service.validation.resource_rules import RESOURCE_RULES, Context
from service.validation.selection import profiles_for
from service.validation.slicing import SliceMatcher
from service.validation.terminology import Terminology

Json = dict[str, Any]
Holder = tuple[str, str]
Item = tuple[Any, TypeRef, str]

_ABSTRACT_RESOURCES = frozenset({"Resource", "DomainResource"})


@dataclass(slots=True)
class Run:
    """State of one validation: its issues, the outermost resource, the enclosing bundles and
    the resources that contain the one being checked."""

    issues: Issues
    root: Json
    bundles: list[BundleIndex] = field(default_factory=list)
    containers: list[Json] = field(default_factory=list)


class Checker:
    """Walks resources against compiled profiles; shared, with its caches, by all validations."""

    def __init__(
        self, registry: DefinitionRegistry, compiler: Compiler, terminology: Terminology
    ) -> None:
        self.registry = registry
        self.compiler = compiler
        self.terminology = terminology
        self.primitives = Primitives(registry)
        self.narratives = Narratives(registry)
        self.matcher = SliceMatcher(compiler, terminology, self.conforms)
        self.references = ReferenceChecker(registry)
        self._resource_types: dict[str, bool] = {}
        self._combined: dict[tuple[int, int], tuple[Invariant, ...]] = {}

    # -- resources -------------------------------------------------------------------------------

    def resource(self, resource: Json, profile: Profile, expr: str, run: Run) -> None:
        """Check a resource against one compiled profile of its type."""
        kind = resource.get("resourceType")
        if kind != profile.type:
            run.issues.add(
                "structure.resource-type",
                expr,
                f"The resource type '{kind}' does not match the profile {profile.url}, "
                f"which constrains {profile.type}",
            )
            return
        index = BundleIndex(resource) if kind == "Bundle" else None
        if index is not None:
            run.bundles.append(index)
        self._object(resource, profile.root, (profile.type, profile.type), expr, resource, run)
        self._invariants(profile.root.invariants, resource, profile.type, expr, resource, run)
        check_ids(resource, expr, run.issues)
        rule = RESOURCE_RULES.get(profile.type)
        if rule is not None:
            bundle = run.bundles[-1] if run.bundles else None
            rule(resource, expr, run.issues, Context(bundle, self.registry))
        if index is not None:
            check_bundle(resource, index, expr, run.issues)
            run.bundles.pop()

    def profiles_for(
        self, resource: Json, explicit: tuple[str, ...], expr: str, issues: Issues
    ) -> list[Profile]:
        return profiles_for(self.compiler, self.registry, resource, explicit, expr, issues)

    def conforms(self, value: Any, url: str) -> bool:
        """Whether a value passes a profile without errors (profile discriminators)."""
        profile = self.compiler.profile(url)
        if profile is None or not isinstance(value, dict):
            return False
        run = Run(Issues(), value)
        if profile.kind == "resource":
            self.resource(value, profile, profile.type, run)
        else:
            type_ref = TypeRef(profile.type, (url,))
            holder = (profile.type, profile.type)
            self._complex(profile.root, value, type_ref, profile.type, holder, value, run)
        return not any(i["severity"] == "error" for i in run.issues.items)

    def _embedded(
        self, node: Node, value: Any, type_ref: TypeRef, expr: str, container: Json, run: Run
    ) -> None:
        """A resource inside another (contained, Bundle.entry.resource, Parameters): checked
        against the element's type profiles, its own meta.profile, else its base."""
        if not isinstance(value, dict):
            run.issues.add("structure.json-type", expr, "A resource must be a JSON object")
            return
        kind = value.get("resourceType")
        allowed = {t.code for t in node.types}
        if isinstance(kind, str) and not allowed & {kind, *_ABSTRACT_RESOURCES}:
            run.issues.add(
                "type.not-allowed",
                expr,
                f"{node.label}: a {kind} is not allowed here, only {', '.join(sorted(allowed))}",
            )
            return
        contained = node.name == "contained"
        if contained:
            run.containers.append(container)
        for profile in self.profiles_for(value, type_ref.profiles, expr, run.issues):
            self.resource(value, profile, expr, run)
        if contained:
            run.containers.pop()

    # -- objects and items -----------------------------------------------------------------------

    def _object(
        self, obj: Json, content: Node, holder: Holder, expr: str, resource: Json, run: Run
    ) -> None:
        issues = run.issues
        if not obj:
            issues.add("structure.empty", expr, f"{content.label}: an object must not be empty")
            return
        grouped: dict[int, list[Item]] = {}
        keys = content.keys
        for key, raw in obj.items():
            if key == "resourceType" and obj is resource:
                continue
            if key[:1] == "_":
                self._primitive_extension(key, raw, obj, content, expr, resource, run, grouped)
                continue
            entry = keys.get(key)
            if entry is None:
                self._unknown(key, content, expr, issues)
                continue
            node, type_ref = entry
            base = f"{expr}.{node.name}.ofType({type_ref.code})" if node.choice else f"{expr}.{key}"
            items = grouped.setdefault(id(node), [])
            if not node.is_array:
                if isinstance(raw, list) or raw is None:
                    kind = "an array" if raw is not None else "null"
                    issues.add("structure.json-type", base, f"{node.label} must not be {kind}")
                else:
                    items.append((raw, type_ref, base))
            elif not isinstance(raw, list):
                issues.add("structure.json-type", base, f"{node.label} must be a JSON array")
            elif not raw:
                # The Java validator's parser reads an empty array of primitives as no values
                # (a warning at most) but reports an empty array of objects.
                severity: Severity = "warning" if type_ref.code in PRIMITIVES else "error"
                issues.add(
                    "structure.empty",
                    base,
                    f"{node.label}: an array must not be empty",
                    severity=severity,
                )
            else:
                for position, value in enumerate(raw):
                    if value is not None:
                        items.append((value, type_ref, f"{base}[{position}]"))
                    elif "_" + key not in obj:
                        issues.add(
                            "structure.json-type",
                            f"{base}[{position}]",
                            f"{node.label}: null is only allowed with a matching '_{key}' entry",
                        )
        for child in content.children:
            items = grouped.get(id(child), [])
            self._cardinality(child, len(items), child.label, expr, issues)
            if not items:
                continue
            if child.slicing is not None and child.slices:
                self._sliced(child, items, holder, expr, resource, run)
            else:
                for value, type_ref, item_expr in items:
                    self._item(child, value, type_ref, item_expr, holder, resource, run)

    def _unknown(self, key: str, content: Node, expr: str, issues: Issues) -> None:
        """An unknown key: a choice element with a type it does not allow, or no element at all."""
        for child in content.children:
            suffix = key[len(child.name) :]
            if child.choice and key.startswith(child.name) and suffix[:1].isupper():
                allowed = ", ".join(t.code for t in child.types)
                issues.add(
                    "type.not-allowed",
                    f"{expr}.{child.name}",
                    f"{child.label}: the type {suffix} is not allowed here, only {allowed}",
                )
                return
        issues.add(
            "structure.unknown-element", expr, f"Unrecognized property '{key}' in {content.label}"
        )

    def _primitive_extension(
        self,
        key: str,
        raw: Any,
        obj: Json,
        content: Node,
        expr: str,
        resource: Json,
        run: Run,
        grouped: dict[int, list[Item]],
    ) -> None:
        """`_birthDate`: the id/extensions of a primitive; it also counts for cardinality."""
        entry = content.keys.get(key[1:])
        if entry is None or entry[1].code not in PRIMITIVES:
            run.issues.add(
                "structure.unknown-element",
                expr,
                f"Unrecognized property '{key}' in {content.label}",
            )
            return
        node, type_ref = entry
        element = self.compiler.type_profile(TypeRef(type_ref.code))
        if element is None:
            return
        base = f"{expr}.{node.name}.ofType({type_ref.code})" if node.choice else f"{expr}.{key[1:]}"
        values = raw if node.is_array and isinstance(raw, list) else [raw]
        if node.is_array != isinstance(raw, list):
            kind = "must be a JSON array" if node.is_array else "must not be an array"
            run.issues.add("structure.json-type", base, f"{node.label} (extensions) {kind}")
            return
        holder = (node.path, type_ref.code)
        for position, value in enumerate(values):
            item_expr = f"{base}[{position}]" if node.is_array else base
            if value is None:
                continue
            if not isinstance(value, dict):
                run.issues.add("structure.json-type", item_expr, f"'{key}' must hold objects")
                continue
            self._object(value, element.root, holder, item_expr, resource, run)
            main = obj.get(key[1:])
            if isinstance(main, list):
                main = main[position] if position < len(main) else None
            if main is None:
                grouped.setdefault(id(node), []).append((None, type_ref, item_expr))
                if all(k == "id" for k in value):
                    self._ele1(node, item_expr, run)
                elif node.binding is not None and node.binding.strength == "required":
                    run.issues.add(
                        "binding.required",
                        item_expr,
                        f"{node.label}: no code is given (only extensions), and a code is "
                        f"required from the value set {node.binding.value_set}",
                        java="Terminology_TX_Code_ValueSet_MISSING",
                    )

    def _cardinality(self, node: Node, count: int, label: str, expr: str, issues: Issues) -> None:
        if count < node.min:
            issues.add(
                "cardinality.min",
                expr,
                f"{label}: minimum required = {node.min}, but only found {count}",
            )
        if node.max is not None and count > node.max:
            issues.add(
                "cardinality.max", expr, f"{label}: max allowed = {node.max}, but found {count}"
            )

    def _sliced(
        self, node: Node, items: list[Item], holder: Holder, expr: str, resource: Json, run: Run
    ) -> None:
        assert node.slicing is not None
        real = [(value, type_ref, e) for value, type_ref, e in items if value is not None]
        assignment = self.matcher.assign(node, [(value, type_ref) for value, type_ref, _ in real])
        counts = [0] * len(node.slices)
        rules, ordered = node.slicing.rules, node.slicing.ordered
        highest, unmatched_seen = -1, False
        for (value, type_ref, item_expr), index in zip(real, assignment, strict=True):
            if index is None:
                unmatched_seen = True
                if rules == "closed":
                    run.issues.add(
                        "slicing.no-match",
                        item_expr,
                        f"{node.label}: this element does not match any of the slices defined "
                        "by the profile, and the slicing is closed",
                    )
                self._item(node, value, type_ref, item_expr, holder, resource, run)
                continue
            counts[index] += 1
            if (ordered and index < highest) or (rules == "openAtEnd" and unmatched_seen):
                run.issues.add(
                    "slicing.order",
                    item_expr,
                    f"{node.label}: the element matching slice '{node.slices[index].slice_name}' "
                    "is out of the order the profile requires",
                )
            highest = max(highest, index)
            slice_node = node.slices[index]
            slice_type = next((t for t in slice_node.types if t.code == type_ref.code), type_ref)
            self._item(slice_node, value, slice_type, item_expr, holder, resource, run)
        for slice_node, count in zip(node.slices, counts, strict=True):
            self._cardinality(slice_node, count, slice_node.label, expr, run.issues)

    def _item(
        self,
        node: Node,
        value: Any,
        type_ref: TypeRef,
        expr: str,
        holder: Holder,
        resource: Json,
        run: Run,
    ) -> None:
        if value is None:
            return
        if node.choice and node.slices:
            for slice_node in node.slices:
                if slice_node.types and all(t.code == type_ref.code for t in slice_node.types):
                    node, type_ref = slice_node, slice_node.types[0]
                    break
        code = type_ref.code
        if code in PRIMITIVES:
            self._primitive(node, value, code, expr, resource, run)
        elif code == "Extension" and not type_ref.profiles and not node.children:
            self._extension(node, value, expr, holder, resource, run)
        elif self._is_resource_type(code):
            self._embedded(node, value, type_ref, expr, resource, run)
        elif not isinstance(value, dict):
            run.issues.add(
                "structure.json-type", expr, f"{node.label} must be a JSON object ({code})"
            )
        else:
            self._complex(node, value, type_ref, expr, holder, resource, run)

    def _primitive(
        self, node: Node, value: Any, code: str, expr: str, resource: Json, run: Run
    ) -> None:
        problem = self.primitives.problem(code, value)
        if problem is not None:
            java = java_message(code, value) if problem[0] != "structure.json-type" else None
            run.issues.add(problem[0], expr, f"{node.label}: {problem[1]}", java=java)
            return
        check_fixed_pattern(node.fixed, node.pattern, node.label, value, expr, run.issues)
        if code == "xhtml":
            self.narratives.check(value, node.label, expr, resource, run.issues)
        elif code == "canonical":
            check_canonical(node.label, value, expr, resource, run.issues)
        if node.binding is not None:
            check_binding(self.terminology, node.binding, node.label, code, value, expr, run.issues)
        if node.invariants:
            self._invariants(node.invariants, value, code, expr, resource, run)

    def _complex(
        self,
        node: Node,
        value: Json,
        type_ref: TypeRef,
        expr: str,
        holder: Holder,
        resource: Json,
        run: Run,
    ) -> None:
        content = self.compiler.content(node, type_ref)
        if content is None:
            return
        if value and all(key == "id" for key in value):
            self._ele1(node, expr, run)
        check_fixed_pattern(node.fixed, node.pattern, node.label, value, expr, run.issues)
        code = type_ref.code
        if node.binding is not None:
            check_binding(self.terminology, node.binding, node.label, code, value, expr, run.issues)
        type_check = TYPE_CHECKS.get(code)
        if type_check is not None:
            type_check(value, node.label, expr, run.issues)
        if code == "Coding":
            check_coding(self.terminology, value, expr, run.issues)
        elif code == "Reference":
            bundle = run.bundles[-1] if run.bundles else None
            container = run.containers[-1] if run.containers else None
            self.references.check(
                node.label, value, type_ref.targets, expr, (resource, container), bundle, run.issues
            )
        self._object(value, content, (node.path, code), expr, resource, run)
        invariants = self._invariants_of(node, content)
        if invariants:
            path = node.path.replace("[x]", "") if content is node else code
            self._invariants(invariants, value, path, expr, resource, run)

    def _ele1(self, node: Node, expr: str, run: Run) -> None:
        run.issues.add(
            "invariant",
            expr,
            f"Constraint failed: ele-1: 'All FHIR elements must have a @value or children' "
            f"({node.label})",
            invariant_key="ele-1",
        )

    def _extension(
        self, node: Node, value: Any, expr: str, holder: Holder, resource: Json, run: Run
    ) -> None:
        """An extension no slice claimed: resolve its url and check it against that definition."""
        if not isinstance(value, dict):
            run.issues.add("structure.json-type", expr, f"{node.label} must be a JSON object")
            return
        type_ref = resolve_extension(self.compiler, value.get("url"), holder, expr, run.issues)
        self._complex(node, value, type_ref, expr, holder, resource, run)

    # -- value rules -----------------------------------------------------------------------------

    def _invariants_of(self, node: Node, content: Node) -> tuple[Invariant, ...]:
        """The element's own invariants plus its type's root invariants (once per key)."""
        if content is node:
            return node.invariants
        key = (id(node), id(content))
        combined = self._combined.get(key)
        if combined is None:
            own = {i.key for i in node.invariants}
            combined = node.invariants + tuple(i for i in content.invariants if i.key not in own)
            self._combined[key] = combined
        return combined

    def _invariants(
        self,
        invariants: tuple[Invariant, ...],
        value: Any,
        type_path: str,
        expr: str,
        resource: Json,
        run: Run,
    ) -> None:
        for invariant in invariants:
            if not holds(invariant, value, type_path, resource, run.root):
                run.issues.add(
                    "invariant",
                    expr,
                    f"Constraint failed: {invariant.key}: '{invariant.human}'",
                    severity="warning" if invariant.severity == "warning" else "error",
                    invariant_key=invariant.key,
                )

    def _is_resource_type(self, code: str) -> bool:
        known = self._resource_types.get(code)
        if known is None:
            profile = self.compiler.profile(CORE_SD + code) if code[:1].isupper() else None
            known = code in _ABSTRACT_RESOURCES or (
                profile is not None and profile.kind == "resource"
            )
            self._resource_types[code] = known
        return known
