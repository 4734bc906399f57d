"""The neutral core's own rules: format, levels and citations, portable patterns, and the
published JSON kept in step with the YAML."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, List

import jsonschema
import pytest

from core_spec import CORE_DIR, CORE_SCHEMA_PATH, anchored, load_core_cases, portable_pattern_error
from cors_spec import load_cases, read_yaml
from export_json import stale

SCHEMA = json.loads(CORE_SCHEMA_PATH.read_text(encoding="utf-8"))
CASES = load_core_cases()
FILES = sorted(CORE_DIR.glob("*.yaml"))
SECURITY = (CORE_DIR.parents[1] / "SECURITY.md").read_text(encoding="utf-8")
SECURITY_CLASSES = set(re.findall(r"^### (T\d+)\. ", SECURITY, flags=re.MULTILINE))


def test_schema_is_a_valid_2020_12_schema() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_core_file_validates_against_the_schema(path: Path) -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    raw = read_yaml(path)
    errors = sorted(validator.iter_errors(raw), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_ids_are_unique_and_filed_under_their_topic() -> None:
    counts = Counter(case.id for case in CASES)
    assert [case_id for case_id, count in counts.items() if count > 1] == []
    assert [case.id for case in CASES if case.topic != Path(case.file).stem] == []


def test_ids_are_not_shared_with_the_profile_cases() -> None:
    """Reports key results by id, and the core's topics share names with the profile's."""
    assert sorted({case.id for case in CASES} & {case.id for case in load_cases()}) == []


def test_must_rules_cite_a_fetch_or_rfc_section() -> None:
    wrong = [
        case.id
        for case in CASES
        if case.level == "must" and not re.match(r"(Fetch|RFC 9110), [^:]+: \S", case.rule)
    ]
    assert wrong == []


def test_protocol_sources_are_listed_in_sources_yaml() -> None:
    """A reader can open every section a rule cites: spec/sources.yaml gives its address."""
    sources = read_yaml(CORE_DIR.parent / "sources.yaml")
    unlisted = {
        case.rule.split(":", 1)[0]
        for case in CASES
        if case.rule.startswith(("Fetch, ", "RFC 9110, "))
    } - set(sources)
    assert unlisted == set()


def test_should_rules_cite_a_security_class_that_exists() -> None:
    assert len(SECURITY_CLASSES) >= 20
    wrong = []
    for case in CASES:
        cited = re.match(r"SECURITY\.md (T\d+)(?:, (T\d+))*: \S", case.rule)
        classes = re.findall(r"T\d+", case.rule.split(":", 1)[0]) if cited else []
        if case.level == "should" and (not classes or set(classes) - SECURITY_CLASSES):
            wrong.append(f"{case.id}: {case.rule[:60]}")
    assert wrong == []


def test_must_cases_are_judged_by_the_browser_verdict() -> None:
    assert [case.id for case in CASES if case.level == "must" and case.verdict is None] == []


def _patterns() -> List[str]:
    return [
        entry["pattern"]
        for case in CASES
        if case.policy["origins"] != "*"
        for entry in case.policy["origins"]
        if isinstance(entry, dict)
    ]


@pytest.mark.parametrize("pattern", sorted(set(_patterns())))
def test_patterns_use_the_portable_syntax(pattern: str) -> None:
    assert portable_pattern_error(pattern) is None
    re.compile(anchored(pattern))


def test_portable_syntax_refuses_engine_specific_forms() -> None:
    refused = [
        r"^https://a\.example$",  # anchors: the whole-origin rule anchors
        r"https://\w+\.example",  # shorthand classes differ between engines
        r"(?i)https://a",  # inline flags
        r"(?P<x>a)",  # named groups
        r"a*?",  # lazy quantifiers
        r"a++",  # possessive quantifiers
        r"a{2}{3}",  # stacked quantifiers
        r"[z-a]",  # reversed range
        r"(a",  # unbalanced
        r"a)",
    ]
    assert [p for p in refused if portable_pattern_error(p) is None] == []
    portable = r"https://([a-z0-9-]+\.)?app\.example(:[0-9]{2,5})?|http://(?:a|b)\.test"
    assert portable_pattern_error(portable) is None


def test_the_core_is_big_enough() -> None:
    levels = Counter(case.level for case in CASES)
    assert levels["must"] + levels["should"] >= 150, levels


def test_published_json_is_not_stale() -> None:
    problems = stale()
    assert problems == [], "run: python tests/conformance/export_json.py"


def test_published_json_carries_the_spec_version() -> None:
    version = (CORE_DIR.parent / "VERSION").read_text(encoding="utf-8").strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert f"## {version}" in (CORE_DIR.parent / "CHANGELOG.md").read_text(encoding="utf-8")
    documents: List[Any] = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((CORE_DIR.parent / "json").glob("*.json"))
    ]
    assert documents
    assert {document["spec_version"] for document in documents} == {version}
    assert sum(len(document["cases"]) for document in documents) == len(CASES)
