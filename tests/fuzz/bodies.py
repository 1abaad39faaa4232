"""Request bodies for the fuzzer: the guide's examples (valid and invalid ones) mutated a few
places at a time, Bundles built from them, JSON Patches, Parameters, and bytes that are not
quite JSON. Mutations start from real resources so that most of them get past the parser and
reach validation, storage and the workflow, where the interesting failures are."""

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

from hypothesis import strategies as st

from fhir_profiles import INVALID_DIR
from fhir_profiles.guide import guide

Json = Any
Path = tuple[str | int, ...]

# Values that often break code that trusts JSON types: wrong types, edges of ranges, odd text.
ODD_STRINGS = st.sampled_from(
    [
        "",
        " ",
        "\u0000",
        "\ufeff",
        "null",
        "-1",
        "1e999",
        "NaN",
        "2026-13-45",
        "2026-11-02T25:61:61+99:00",
        "../../etc/passwd",
        "Patient/",
        "/",
        "urn:uuid:",
        "'; DROP TABLE resources; --",
        "%",
        "_",
        "\\",
        "x" * 5000,
        "ö" * 300,
        "😀",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    ODD_STRINGS,
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=12), children, max_size=4),
    ),
    max_leaves=12,
)


def one_in(n: int) -> st.SearchStrategy[bool]:
    """True once in `n` draws (`integers(0, n - 1) == 0` comes out far more often: Hypothesis
    favours the small end of a range)."""
    return st.sampled_from([False] * (n - 1) + [True])


@cache
def examples() -> tuple[dict[str, Any], ...]:
    """The guide's examples and its deliberately invalid ones."""
    invalid = [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted(INVALID_DIR.glob("*.json"))
    ]
    return (*guide().examples, *invalid)


def examples_of(res_type: str | None = None) -> list[dict[str, Any]]:
    return [e for e in examples() if res_type is None or e.get("resourceType") == res_type]


@cache
def example_ids() -> tuple[str, ...]:
    return tuple(sorted({str(e["id"]) for e in examples() if "id" in e}))


def paths(value: Json, prefix: Path = ()) -> Iterator[Path]:
    """Every path into a JSON value (the value itself first)."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, (*prefix, index))


def _parent(value: Json, path: Path) -> Json:
    for step in path[:-1]:
        value = value[step]
    return value


@st.composite
def mutated(draw: st.DrawFn, value: Json, max_mutations: int = 3) -> Json:
    """`value` (deep-copied) with one to `max_mutations` changes at random places: a member
    removed, replaced by another JSON value or an odd string, an array emptied or an item
    doubled, an unknown member added."""
    value = json.loads(json.dumps(value))
    for _ in range(draw(st.integers(1, max_mutations))):
        path = draw(st.sampled_from(list(paths(value))))
        if not path:
            value = draw(JSON_VALUES) if draw(one_in(10)) else value
            continue
        parent, key = _parent(value, path), path[-1]
        kind = draw(st.sampled_from(["remove", "replace", "odd", "double", "empty", "add"]))
        if kind == "remove":
            del parent[key]
        elif kind == "replace":
            parent[key] = draw(JSON_VALUES)
        elif kind == "odd":
            parent[key] = draw(ODD_STRINGS)
        elif kind == "double" and isinstance(parent, list):
            parent.insert(int(key), json.loads(json.dumps(parent[key])))
        elif kind == "empty":
            parent[key] = [] if isinstance(parent[key], list) else {}
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["extension", "modifierExtension", "_id", "x"]))] = draw(
                JSON_VALUES
            )
    return value


def resources(res_type: str | None = None) -> st.SearchStrategy[Json]:
    """An example of `res_type` (any example when it has none), half the time mutated."""
    pool = examples_of(res_type) or examples_of()
    base = st.sampled_from(pool)
    return st.one_of(base, base.flatmap(mutated))


@st.composite
def bundles(draw: st.DrawFn) -> Json:
    """A batch or transaction (now and then of another type) of creates, updates, conditional
    writes, reads and deletes of the examples, mostly mutated."""
    entries = []
    for index in range(draw(st.integers(0, 5))):
        resource = draw(resources())
        kind = str(resource.get("resourceType", "Patient")) if isinstance(resource, dict) else "X"
        method = draw(st.sampled_from(["POST", "PUT", "GET", "DELETE", "PATCH", "HEAD", "x"]))
        rid = draw(st.sampled_from(example_ids()) | st.text(max_size=8))
        url = draw(
            st.sampled_from([kind, f"{kind}/{rid}", f"{kind}?_id={rid}", f"{kind}/{rid}/_history"])
            | st.text(max_size=20)
        )
        request: dict[str, Any] = {"method": method, "url": url}
        if draw(st.booleans()):
            request[draw(st.sampled_from(["ifNoneExist", "ifMatch", "ifNoneMatch"]))] = draw(
                st.sampled_from([f"_id={rid}", 'W/"1"', "identifier=x|y", "*"]) | st.text()
            )
        entry = {"fullUrl": f"urn:uuid:00000000-0000-0000-0000-{index:012d}", "request": request}
        if method in ("POST", "PUT"):
            entry["resource"] = resource
        entries.append(entry)
    kind = draw(st.sampled_from(["transaction", "batch"] * 3 + ["message", "collection", "x"]))
    bundle = {"resourceType": "Bundle", "type": kind, "entry": entries}
    return draw(mutated(bundle, 1)) if draw(one_in(4)) else bundle


@st.composite
def json_patches(draw: st.DrawFn, res_type: str) -> Json:
    """JSON Patch operations on the paths of an example of the type (and a few that are not)."""
    pool = ["/" + "/".join(str(s) for s in p) for p in paths(draw(st.sampled_from(examples_of())))]
    pointers = st.sampled_from([*pool, "/id", "/resourceType", "/meta/versionId", "-", "/x/-"])
    operations = st.fixed_dictionaries(
        {
            "op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "x"]),
            "path": pointers | st.text(max_size=10),
        },
        optional={"value": JSON_VALUES, "from": pointers},
    )
    patch = draw(st.lists(operations, max_size=4))
    return draw(mutated(patch, 1)) if draw(one_in(5)) else patch


def parameters(names: list[str]) -> st.SearchStrategy[Json]:
    """A Parameters resource with some of `names` (odd value types included)."""
    value_key = st.sampled_from(["valueString", "valueDate", "valueCode", "valueInteger", "x"])
    parameter = st.builds(
        lambda name, key, value: {"name": name, key: value},
        st.sampled_from(names) | st.text(max_size=8),
        value_key,
        SCALARS,
    )
    return st.builds(
        lambda items: {"resourceType": "Parameters", "parameter": items},
        st.lists(parameter, max_size=4),
    )


def encoded(value: Json) -> st.SearchStrategy[bytes]:
    """`value` as JSON, or bytes that are nearly JSON: cut short, a member twice, a byte-order
    mark, invalid UTF-8, nesting past the server's limit, numbers no float holds."""
    text = json.dumps(value, ensure_ascii=False)
    raw = text.encode()
    duplicate = text.replace("{", '{"id": "a", "id": "b", ', 1)
    broken = st.sampled_from(
        [
            raw[: len(raw) // 2],
            duplicate.encode(),
            b"\xef\xbb\xbf" + raw,
            raw.replace(b'"', b"\xff", 1),
            b"[" * 200 + b"]" * 200,
            b'{"resourceType": "Patient", "birthDate": 1e400}',
            b'{"resourceType": "Patient", "active": NaN}',
            b"",
            b"null",
        ]
    )
    return st.one_of(st.just(raw), st.just(raw), st.just(raw), broken)
