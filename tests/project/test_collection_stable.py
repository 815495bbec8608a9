"""The suite collects the same test ids every time: pytest-xdist workers each collect, and any id built from the
clock or randomness (a ``now()`` in a parametrize value) makes the two workers disagree and the whole run error
out before one test runs (it happened twice in one day). Such values need fixed ``ids=``."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent.parent  # tests/: the test modules live in its package folders
UNSTABLE = {"now", "utcnow", "today", "time", "time_ns", "monotonic", "random", "randint", "uuid4", "token_hex"}


def _calls(node: ast.AST) -> set[str]:
    names = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            f = n.func
            names.add(f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else "")
    return names


def unstable_parametrizations(source: str) -> list[int]:
    """Lines of ``pytest.mark.parametrize(...)`` decorators whose values call the clock or a random source and
    that give no ``ids=``."""
    out = []
    for node in ast.walk(ast.parse(source)):
        func = node.func if isinstance(node, ast.Call) else None
        if not (isinstance(node, ast.Call) and isinstance(func, ast.Attribute) and func.attr == "parametrize"):
            continue
        if any(k.arg == "ids" for k in node.keywords):
            continue
        if any(_calls(a) & UNSTABLE for a in node.args[1:]):
            out.append(node.lineno)
    return out


def test_no_parametrize_values_from_the_clock_without_fixed_ids() -> None:
    modules = sorted(TESTS.rglob("test_*.py"))  # tests/<package>/test_*.py (and any not yet moved)
    assert len(modules) > 100, f"only {len(modules)} test modules found under {TESTS}"
    offenders = [f"{p.relative_to(TESTS)}:{line}" for p in modules
                 for line in unstable_parametrizations(p.read_text(encoding="utf-8"))]  # fmt: skip
    assert not offenders, f"parametrize values from the clock/randomness need fixed ids=: {offenders}"


def test_the_check_finds_the_case_that_broke_collection() -> None:
    bad = '@pytest.mark.parametrize("due", ["9999", (dt.datetime.now(dt.UTC) + d).isoformat()])\ndef test(due): ...\n'
    assert unstable_parametrizations(bad) == [1]
    assert unstable_parametrizations(bad.replace("])", "], ids=['a', 'b'])")) == []
