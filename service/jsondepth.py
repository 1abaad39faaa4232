"""How deeply JSON containers nest, checked without recursion so hostile input cannot overflow
the stack; the REST layer and the validator both refuse over-deep documents with it."""

from typing import Any


def nesting_exceeds(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, level = stack.pop()
        if not isinstance(current, dict | list):
            continue
        if level > limit:
            return True
        children = current.values() if isinstance(current, dict) else current
        stack.extend((c, level + 1) for c in children if isinstance(c, dict | list))
    return False
