"""The spec's own rules: every case file validates against the schema, ids are unique,
and the spec is big and balanced enough to mean something."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List

import jsonschema
import pytest

from cors_spec import CASES_DIR, SCHEMA_PATH, load_case_files, load_cases

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
FILES = load_case_files()
TOPICS = [
    "origins",
    "wildcard",
    "credentials",
    "vary",
    "preflight",
    "methods",
    "allow-headers",
    "expose-headers",
    "max-age",
    "private-network",
    "always-send",
    "send-wildcard",
    "resources",
    "precedence",
    "decorator",
    "exceptions",
    "blueprints",
    "attacks",
    "views",
]


def test_schema_is_a_valid_2020_12_schema() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", sorted(FILES), ids=lambda path: path.name)
def test_case_file_validates_against_the_schema(path: Path) -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(FILES[path]), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


@pytest.mark.parametrize("path", sorted(FILES), ids=lambda path: path.name)
def test_case_ids_are_filed_under_their_file_topic(path: Path) -> None:
    cases: List[Dict[str, Any]] = FILES[path]
    wrong = [case["id"] for case in cases if case["id"].split("/", 1)[0] != path.stem]
    assert not wrong
    untagged = [
        case["id"] for case in cases if path.stem not in case["tags"] and path.stem in TOPICS
    ]
    assert not untagged, "a case must carry its file's topic tag"


def test_case_ids_are_unique() -> None:
    counts = Counter(case.id for case in load_cases())
    assert [case_id for case_id, count in counts.items() if count > 1] == []


def test_every_case_file_is_yaml_in_the_cases_directory() -> None:
    assert sorted(p.name for p in CASES_DIR.iterdir() if p.is_file()) == sorted(
        p.name for p in FILES
    )


def test_the_spec_is_big_and_balanced() -> None:
    cases = load_cases()
    kinds = Counter(case.kind for case in cases)
    assert len(cases) >= 200
    assert kinds["compat"] >= 150
    assert kinds["hardening"] >= 30
    per_topic = Counter(topic for case in cases for topic in set(case.topics))
    thin = {topic: per_topic[topic] for topic in TOPICS if per_topic[topic] < 4}
    assert not thin, f"topics with fewer than 4 cases: {thin}"


def _readme_differences() -> int:
    readme = (SCHEMA_PATH.parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Differences from Flask-CORS 6", 1)[1].split("\n## ", 1)[0]
    return len(re.findall(r"^\d+\. \*\*", section, flags=re.MULTILINE))


def test_every_hardening_case_cites_a_documented_difference() -> None:
    """'hardening' means a deliberate difference listed in README.md; the case says which."""
    count = _readme_differences()
    assert count >= 10
    problems = []
    for case in load_cases():
        if case.kind != "hardening":
            continue
        cited = [
            int(n)
            for ref in re.findall(r"[Dd]ifferences? ([\d, and]+)", case.rule or "")
            for n in re.findall(r"\d+", ref)
        ]
        if not cited or any(not 1 <= n <= count for n in cited):
            problems.append(f"{case.id}: rule {case.rule!r}")
    assert not problems, "\n".join(problems)
