"""SECURITY.md's map of threat classes to spec cases and tests names only things that exist."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Set

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SECURITY = ROOT / "SECURITY.md"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: The classes every CORS middleware gets wrong somewhere (T1-T9), Flask-CORS's CVE
#: classes among them, and the ones this project adds; each must name spec cases.
CLASSES_WITH_CASES = [f"T{number}" for number in (*range(1, 14), *range(15, 21))]
FLASK_CORS_CVES = [
    "CVE-2024-1681",  # request data logged raw
    "CVE-2024-6844",  # '+' in paths read as a space
    "CVE-2024-6866",  # paths matched ignoring case
    "CVE-2024-6839",  # the first matching pattern applied, not the most specific
    "CVE-2024-6221",  # private network access granted by default
]


class Section(NamedTuple):
    key: str
    text: str
    cases: List[str]
    tests: List[str]


def sections() -> Dict[str, Section]:
    """Each '### T<n>.' section with the case ids and tests its bullet lines name."""
    found: Dict[str, Section] = {}
    parts = re.split(r"^### (T\d+)\. ", SECURITY.read_text(encoding="utf-8"), flags=re.M)
    for key, text in zip(parts[1::2], parts[2::2]):
        cases_text = re.search(r"^- Spec cases:(.*?)(?=^- Tests:)", text, flags=re.M | re.S)
        tests_text = re.search(r"^- Tests:(.*?)(?=^\S|\Z)", text, flags=re.M | re.S)
        assert cases_text and tests_text, f"{key} needs '- Spec cases:' and '- Tests:' lines"
        found[key] = Section(
            key,
            text,
            re.findall(r"`([a-z-]+/[a-z0-9-]+)`", cases_text.group(1)),
            re.findall(r"`(tests/[\w/]+\.py::\w+)`", tests_text.group(1)),
        )
    return found


@functools.cache
def spec_cases() -> List[Dict[str, Any]]:
    cases: List[Dict[str, Any]] = []
    for path in sorted((ROOT / "spec" / "cases").glob("*.yaml")):
        cases.extend(yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER))
    return cases


def spec_case_ids() -> Set[str]:
    return {case["id"] for case in spec_cases()}


def cited_classes(text: str) -> List[str]:
    """The classes a text cites as 'SECURITY.md T5' or 'SECURITY.md T19, T2'."""
    return [
        f"T{number}"
        for group in re.findall(r"SECURITY\.md (T\d+(?:, T\d+)*)", text)
        for number in re.findall(r"T(\d+)", group)
    ]


@functools.cache
def functions_in(path: Path) -> Set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


SECTIONS = sections()


def test_every_class_is_there_in_order() -> None:
    assert list(SECTIONS) == [f"T{number}" for number in range(1, len(SECTIONS) + 1)]
    assert len(SECTIONS) >= len(CLASSES_WITH_CASES)


@pytest.mark.parametrize("key", CLASSES_WITH_CASES)
def test_class_names_spec_cases(key: str) -> None:
    assert SECTIONS[key].cases, f"{key} names no spec case"


@pytest.mark.parametrize("key", sorted(SECTIONS))
def test_class_names_tests(key: str) -> None:
    assert SECTIONS[key].tests, f"{key} names no test"


@pytest.mark.parametrize("key", sorted(SECTIONS))
def test_named_spec_cases_exist(key: str) -> None:
    missing = sorted(set(SECTIONS[key].cases) - spec_case_ids())
    assert not missing, f"{key} names unknown spec cases {missing}"


@pytest.mark.parametrize("key", sorted(SECTIONS))
def test_named_tests_exist(key: str) -> None:
    for reference in SECTIONS[key].tests:
        file_name, function = reference.split("::")
        path = ROOT / file_name
        assert path.is_file(), f"{key}: no file {file_name}"
        assert function in functions_in(path), f"{key}: no test {reference}"


@pytest.mark.parametrize("cve", FLASK_CORS_CVES)
def test_each_flask_cors_cve_is_mapped_to_cases(cve: str) -> None:
    holding = [section for section in SECTIONS.values() if cve in section.text]
    assert holding, f"{cve} is not discussed"
    assert all(section.cases for section in holding), cve


def test_reporting_instructions_are_given() -> None:
    text = SECURITY.read_text(encoding="utf-8")
    assert "## Reporting a vulnerability" in text
    assert "privately" in text


def test_every_cited_class_exists() -> None:
    """Spec rules and invariants cite classes of this page as 'SECURITY.md T<n>'."""
    texts = [(case["id"], case["rule"]) for case in spec_cases()]
    invariants = yaml.load(
        (ROOT / "spec" / "invariants.yaml").read_text(encoding="utf-8"), Loader=LOADER
    )
    texts += [(entry["id"], " ".join(entry["why"].split())) for entry in invariants]
    unknown = [
        f"{where}: {key}"
        for where, text in texts
        for key in cited_classes(text)
        if key not in SECTIONS
    ]
    assert not unknown, unknown


def test_every_should_case_cites_the_class_it_rules_out() -> None:
    """A `should` case holds an implementation to a security practice beyond the protocol;
    its rule starts with the class of this page that the practice rules out."""
    problems = []
    for case in spec_cases():
        if case["level"] != "should":
            continue
        leading = re.match(r"SECURITY\.md (T\d+(?:, T\d+)*): ", case["rule"])
        classes = cited_classes(leading.group(0)) if leading else []
        if not classes or set(classes) - set(SECTIONS):
            problems.append(f"{case['id']}: {case['rule']!r}")
    assert not problems, "\n".join(problems)
