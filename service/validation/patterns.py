"""fixed[x] and pattern[x] comparison on JSON values."""

from typing import Any

from service.validation.issues import Issues

MISSING: Any = object()


def check_fixed_pattern(
    fixed: Any, pattern: Any, label: str, value: Any, expr: str, issues: Issues
) -> None:
    """Report a value that differs from the element's fixed[x] or lacks its pattern[x]
    (`MISSING` when the element has none)."""
    if fixed is not MISSING and not matches_fixed(value, fixed):
        issues.add(
            "fixed.mismatch",
            expr,
            f"{label}: the value {_show(value)} does not equal the fixed value {_show(fixed)}",
        )
    if pattern is not MISSING and not matches_pattern(value, pattern):
        issues.add(
            "pattern.mismatch",
            expr,
            f"{label}: the value {_show(value)} does not match the pattern {_show(pattern)}",
        )


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 120 else text[:117] + "..."


def matches_pattern(value: Any, pattern: Any) -> bool:
    """pattern[x] semantics: every property of the pattern is present (recursively) in `value`;
    each pattern array item must match some item of the value's array."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            key in value and matches_pattern(value[key], expected)
            for key, expected in pattern.items()
        )
    if isinstance(pattern, list):
        return isinstance(value, list) and all(
            any(matches_pattern(item, expected) for item in value) for expected in pattern
        )
    return _same(value, pattern)


def matches_fixed(value: Any, fixed: Any) -> bool:
    """fixed[x] semantics: exactly equal, no additional properties (numbers compared by value)."""
    if isinstance(fixed, dict):
        return (
            isinstance(value, dict)
            and value.keys() == fixed.keys()
            and all(matches_fixed(value[k], v) for k, v in fixed.items())
        )
    if isinstance(fixed, list):
        return (
            isinstance(value, list)
            and len(value) == len(fixed)
            and all(matches_fixed(a, b) for a, b in zip(value, fixed, strict=True))
        )
    return _same(value, fixed)


def _same(value: Any, expected: Any) -> bool:
    return (type(value) is type(expected) and value == expected) or (
        isinstance(value, int | float)
        and isinstance(expected, int | float)
        and not isinstance(value, bool)
        and not isinstance(expected, bool)
        and value == expected
    )
