"""spec/invariants.yaml is well formed, and every invariant is checked by a property test."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set

import yaml

HERE = Path(__file__).resolve().parent
INVARIANTS = yaml.safe_load(
    (HERE.parents[1] / "spec" / "invariants.yaml").read_text(encoding="utf-8")
)


def invariant_marks() -> Dict[str, Set[str]]:
    """Invariant ids named by @invariant(...) on each test function of tests/property."""
    found: Dict[str, Set[str]] = {}
    for path in sorted(HERE.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Name)
                    and decorator.func.id == "invariant"
                ):
                    ids = {arg.value for arg in decorator.args if isinstance(arg, ast.Constant)}
                    found[f"{path.name}::{node.name}"] = ids
    return found


def test_invariants_are_numbered_and_fully_described() -> None:
    ids: List[str] = [entry["id"] for entry in INVARIANTS]
    assert len(ids) >= 12
    assert ids == [f"INV-{n:02d}" for n in range(1, len(ids) + 1)]
    for entry in INVARIANTS:
        assert set(entry) == {"id", "title", "statement", "why"}, entry["id"]
        for key in ("title", "statement", "why"):
            assert isinstance(entry[key], str) and len(entry[key]) > 10, (entry["id"], key)


def test_every_invariant_is_checked_by_a_property_test() -> None:
    marks = invariant_marks()
    used = set().union(*marks.values()) if marks else set()
    declared = {entry["id"] for entry in INVARIANTS}
    assert declared - used == set(), "invariants no property test names"
    assert used - declared == set(), "property tests naming unknown invariants"


def test_property_tests_are_hypothesis_tests() -> None:
    """Each test marked with invariants is a @given test (at least 12 of them)."""
    given_tests = 0
    for path in sorted(HERE.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and getattr(d.func, "id", "") == "given"
                for d in node.decorator_list
            ):
                given_tests += 1
    assert given_tests >= 12
