"""The spec's own rules: every case file validates against the schema, ids are unique, each
case states its level and profiles, every rule cites a source a reader can open, no two
cases say the same thing, and the spec is big and balanced enough to mean something."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Set, Tuple
from urllib.parse import unquote

import jsonschema
import pytest

from cors_spec import (
    CASES_DIR,
    LEVELS,
    PROFILES,
    SCHEMA_PATH,
    SOURCES_PATH,
    SPEC_DIR,
    Case,
    load_case_files,
    load_cases,
    read_yaml,
)

ROOT = SPEC_DIR.parent
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
FILES = load_case_files()
CASES = load_cases()
SOURCES: Dict[str, Dict[str, str]] = read_yaml(SOURCES_PATH)
INVARIANTS = read_yaml(SPEC_DIR / "invariants.yaml")
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: The full text of each numbered difference from Flask-CORS 6 (README.md lists them one
#: line each, linking here).
DIFFERENCES_PAGE = (ROOT / "docs" / "differences.md").read_text(encoding="utf-8")
#: A file name no longer in the repository that rules used to cite; spelled in two parts
#: so that this file does not mention it either.
MISSING_DOCUMENT = "CORS" + ".md"
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
    counts = Counter(case.id for case in CASES)
    assert [case_id for case_id, count in counts.items() if count > 1] == []


def test_every_case_file_is_yaml_in_the_cases_directory() -> None:
    assert sorted(p.name for p in CASES_DIR.iterdir() if p.is_file()) == sorted(
        p.name for p in FILES
    )


def test_every_case_states_its_level_and_profiles() -> None:
    """`level` and `profiles` are the verdict on a case; the old compat/hardening tags are
    gone (Case.kind derives them from the profiles)."""
    problems = []
    for raw in (case for cases in FILES.values() for case in cases):
        if raw.get("level") not in LEVELS:
            problems.append(f"{raw['id']}: level {raw.get('level')!r}")
        profiles = raw.get("profiles") or []
        if not profiles or set(profiles) - set(PROFILES):
            problems.append(f"{raw['id']}: profiles {profiles!r}")
        if {"compat", "hardening"} & set(raw["tags"]):
            problems.append(f"{raw['id']}: a compat/hardening tag")
    assert not problems, "\n".join(problems)


def test_kind_is_derived_from_the_profiles() -> None:
    for case in CASES:
        assert case.kind == ("compat" if "flask-cors" in case.profiles else "hardening")
        assert case.topics == case.tags


def test_the_spec_is_big_and_balanced() -> None:
    levels = Counter(case.level for case in CASES)
    assert len(CASES) >= 200
    assert levels["must"] >= 5, levels
    assert levels["should"] >= 50, levels
    assert sum(1 for case in CASES if "flask-cors" in case.profiles) >= 150
    assert sum(1 for case in CASES if case.profiles == ("reference",)) >= 30
    per_topic = Counter(topic for case in CASES for topic in set(case.topics))
    thin = {topic: per_topic[topic] for topic in TOPICS if per_topic[topic] < 4}
    assert not thin, f"topics with fewer than 4 cases: {thin}"


# --- sources -------------------------------------------------------------------------


def _source_pattern(name: str) -> str:
    """How a rule cites a source: a numbered family by its numbers, several at once too
    ('SECURITY.md T3, T4', 'README differences 28 and 29')."""
    if name == "SECURITY.md T<N>":
        return r"SECURITY\.md T\d+(?:, T\d+)*"
    if name == "README difference <N>":
        return r"README differences? \d+(?:(?:, | and )\d+)*"
    return re.escape(name)


#: Every listed source, as a regex matching how a rule cites it.
CITABLE = sorted((_source_pattern(name) for name in SOURCES), key=len, reverse=True)
LEADING = re.compile(rf"^(?P<source>{'|'.join(CITABLE)}): \S")
#: Fetch sections and RFC 9110 sections, as listed.
SECTIONS = {
    family: sorted(
        (name[len(family) + 2 :] for name in SOURCES if name.startswith(family + ", ")),
        key=len,
        reverse=True,
    )
    for family in ("Fetch", "RFC 9110")
}
README_DIFFERENCE = re.compile(r"README differences? (\d+(?:(?:, | and )\d+)*)")


def _rules() -> Iterator[Tuple[str, str]]:
    """(where, text) of every rule and every invariant's reason."""
    for case in CASES:
        yield case.id, case.rule or ""
    for entry in INVARIANTS:
        yield entry["id"], " ".join(entry["why"].split())


def readme_differences() -> Set[int]:
    """The numbers of the differences from Flask-CORS 6 that README.md's list gives (one
    line each, linking to its own number's section of docs/differences.md) and that the
    docs page gives its full text under."""
    section = README.split("## Differences from Flask-CORS 6", 1)[1].split("\n## ", 1)[0]
    listed = {
        int(n)
        for n, target in re.findall(
            r"^(\d+)\. \[.+\]\(docs/differences\.md#difference-(\d+)\)$", section, flags=re.M
        )
        if n == target
    }
    documented = {int(n) for n in re.findall(r"^## (\d+)\. ", DIFFERENCES_PAGE, flags=re.M)}
    return listed & documented


def test_sources_file_lists_openable_sources() -> None:
    assert len(SOURCES) >= 20
    for name, entry in SOURCES.items():
        assert set(entry) == {"url", "about"}, name
        assert "\n" not in entry["about"] and len(entry["about"]) > 20, name
        url = entry["url"]
        if name.startswith("Fetch, "):
            assert url.startswith("https://fetch.spec.whatwg.org/#"), name
        elif name.startswith("RFC 9110, "):
            section = name[len("RFC 9110, ") :]
            assert url == f"https://www.rfc-editor.org/rfc/rfc9110#section-{section}", name
        elif not url.startswith("https://"):
            path = url.split("#", 1)[0]
            assert (ROOT / path).is_file(), f"{name}: no file {path} in the repository"


def test_every_rule_starts_with_a_listed_source() -> None:
    problems = [f"{case.id}: {case.rule!r}" for case in CASES if not LEADING.match(case.rule or "")]
    assert not problems, "rules must start with a name of spec/sources.yaml:\n" + "\n".join(
        problems
    )


def test_every_fetch_and_rfc_citation_names_a_listed_section() -> None:
    """'Fetch, CORS check', never a bare 'Fetch:'; 'RFC 9110, 5.5', never 'RFC 9110:'."""
    problems = []
    for where, text in _rules():
        for family, sections in SECTIONS.items():
            for match in re.finditer(rf"\b{re.escape(family)}\b", text):
                rest = text[match.end() :]
                cited = rest.startswith(", ") and any(
                    re.match(rf"{re.escape(section)}(?![\w.-])", rest[2:]) for section in sections
                )
                if not cited:
                    problems.append(f"{where}: {family}{rest[:40]!r}")
    assert not problems, "\n".join(problems)


def test_must_rules_cite_the_fetch_standard_or_rfc_9110() -> None:
    problems = [
        f"{case.id}: {case.rule!r}"
        for case in CASES
        if case.level == "must" and not re.match(r"(Fetch|RFC 9110), [^:]+: \S", case.rule or "")
    ]
    assert not problems, "\n".join(problems)


def test_should_rules_cite_a_security_class() -> None:
    """The classes named must exist: tests/unit/test_security_doc.py checks that."""
    problems = [
        f"{case.id}: {case.rule!r}"
        for case in CASES
        if case.level == "should"
        and not re.match(r"SECURITY\.md T\d+(, T\d+)*: \S", case.rule or "")
    ]
    assert not problems, "\n".join(problems)


def test_every_cited_readme_difference_exists() -> None:
    known = readme_differences()
    assert len(known) >= 30
    problems = [
        f"{where}: README difference {n}"
        for where, text in _rules()
        for group in README_DIFFERENCE.findall(text)
        for n in map(int, re.findall(r"\d+", group))
        if n not in known
    ]
    assert not problems, "\n".join(problems)


def test_every_reference_only_case_cites_its_readme_difference() -> None:
    """A case only this project answers so is a deliberate difference from Flask-CORS,
    listed in README.md, its reason in docs/differences.md; the case says which."""
    problems = [
        f"{case.id}: {case.rule!r}"
        for case in CASES
        if "flask-cors" not in case.profiles and not README_DIFFERENCE.search(case.rule or "")
    ]
    assert not problems, "\n".join(problems)


def test_no_file_in_spec_or_tests_mentions_the_missing_document() -> None:
    """Rules once cited a document that is not in this repository; nothing may."""
    found = []
    for top in (ROOT / "spec", ROOT / "tests"):
        for path in sorted(top.rglob("*")):
            if not path.is_file() or {"__pycache__", "node_modules"} & set(path.parts):
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            if MISSING_DOCUMENT in text:
                found.append(str(path.relative_to(ROOT)))
    assert not found, f"files mentioning {MISSING_DOCUMENT}: {found}"


# --- duplicates and mapping order ------------------------------------------------------


def test_no_two_cases_say_the_same_thing() -> None:
    """Two cases with the same configuration, app, requests and expectations are one case.
    Mappings compare whatever their order: YAML gives mappings none, so two cases that
    differ only in the order of a mapping are the same case (write $pairs instead)."""
    seen: Dict[str, str] = {}
    duplicates = []
    for case in CASES:
        exchange = [case.config, case.app, case.request, case.expect, list(case.then)]
        key = json.dumps(exchange, sort_keys=True)
        if key in seen:
            duplicates.append(f"{seen[key]} and {case.id}")
        seen.setdefault(key, case.id)
    assert not duplicates, "\n".join(duplicates)


def _resources_mappings(case: Case) -> Iterator[Mapping[str, Any]]:
    """Every `resources` option of the case given as a plain mapping."""
    config = case.config
    places: List[Optional[Mapping[str, Any]]] = [
        config.get("extension"),
        config.get("init_app"),
        {"resources": (config.get("app_config") or {}).get("CORS_RESOURCES")},
    ]
    places += [blueprint.get("cors") for blueprint in case.app.get("blueprints") or []]
    for options in places:
        resources = (options or {}).get("resources")
        if isinstance(resources, dict) and "$pairs" not in resources:
            yield resources


def _pattern_matches(pattern: str, path: str) -> bool:
    """Flask-CORS's reading of a resource pattern: '*' is every path, a string with a
    regex character is a regex matched from the start, anything else a literal path."""
    if pattern == "*":
        return True
    if set(pattern) & set("*\\]?$^[()"):
        try:
            return re.match(pattern, path) is not None
        except re.error:
            return False
    return pattern == path


def test_no_case_relies_on_the_order_of_a_yaml_mapping() -> None:
    """When several resource patterns match the request's path, which one applies is what
    the case is about, and the order they were written in is part of it: that order must
    be written as $pairs, since a YAML mapping has none."""
    problems = []
    for case in CASES:
        path = unquote(case.request["path"])
        for resources in _resources_mappings(case):
            matching = [pattern for pattern in resources if _pattern_matches(pattern, path)]
            if len(matching) > 1:
                problems.append(f"{case.id}: {matching} all match {path}")
    assert not problems, "\n".join(problems)


# --- what only this project answers so -------------------------------------------------


def _expects(case: Case) -> Iterator[Mapping[str, Any]]:
    """The case's expectation and each further request's."""
    yield case.expect
    for step in case.then:
        yield step["expect"]


def _holds(value: Any, predicate: Any) -> bool:
    """Whether ``predicate`` holds for ``value`` or anything nested in it."""
    if predicate(value):
        return True
    if isinstance(value, dict):
        return any(_holds(item, predicate) for item in value.values())
    if isinstance(value, list):
        return any(_holds(item, predicate) for item in value)
    return False


def test_cases_expecting_a_warning_are_reference_only() -> None:
    """Flask-CORS 6 warns about none of the configurations README difference 8 lists, so a
    case expecting a warning cannot state its answer; ``warns: []`` it can."""
    problems = [
        case.id
        for case in CASES
        if any(expect.get("warns") for expect in _expects(case)) and "flask-cors" in case.profiles
    ]
    assert not problems, "\n".join(problems)


def test_callables_and_bare_decorators_are_reference_only() -> None:
    """Flask-CORS 6 has no callable origins (README difference 26) and needs parentheses on
    @cross_origin (README difference 16): such cases state this project's answer only."""
    callable_tag = lambda value: isinstance(value, dict) and "$callable" in value  # noqa: E731
    problems = []
    for case in CASES:
        bare = _holds(dict(case.app), lambda value: value == "bare") or (
            case.config.get("decorator") == "bare"
        )
        if (bare or _holds(dict(case.config), callable_tag)) and "flask-cors" in case.profiles:
            problems.append(case.id)
    assert not problems, "\n".join(problems)


def test_every_new_format_feature_is_used() -> None:
    """Each extension of the format has cases, so the runner's support for it is played."""
    used = {
        "warns": any("warns" in expect for case in CASES for expect in _expects(case)),
        "warns []": any(expect.get("warns") == [] for case in CASES for expect in _expects(case)),
        "$callable": any(
            _holds(dict(case.config), lambda v: isinstance(v, dict) and "$callable" in v)
            for case in CASES
        ),
        "bare decorator": any(
            _holds([dict(case.config), dict(case.app)], lambda v: v == "bare") for case in CASES
        ),
        "option_mutations": any("option_mutations" in case.app for case in CASES),
        "then": any(case.then for case in CASES),
        "then config_changes": any(
            "config_changes" in step for case in CASES for step in case.then
        ),
        "then config_removals": any(
            "config_removals" in step for case in CASES for step in case.then
        ),
    }
    assert all(used.values()), [name for name, found in used.items() if not found]


#: Cases that sit exactly on, or one past, a bound of README difference 29, with the
#: Access-Control-Request-Headers length (in characters) or name count they must have.
BOUND_CASES = {
    "attacks/request-headers-exactly-8192-characters-granted": ("characters", 8192),
    "attacks/request-headers-8193-characters-refused": ("characters", 8193),
    "attacks/request-headers-100-names-granted": ("names", 100),
    "attacks/request-headers-over-100-names-refused": ("names", 101),
    "attacks/request-headers-100-names-granted-by-regex": ("names", 100),
    "attacks/request-headers-101-names-refused-by-regex": ("names", 101),
}


@pytest.mark.parametrize("case_id", sorted(BOUND_CASES))
def test_bound_cases_sit_exactly_at_their_bound(case_id: str) -> None:
    """A bound case one character or name away from what its id says tests nothing; every
    name stays within the 256-character bound of a single name (README difference 4)."""
    case = next(case for case in CASES if case.id == case_id)
    requested = case.request["headers"]["Access-Control-Request-Headers"]
    names = [name.strip() for name in requested.split(",")]
    unit, size = BOUND_CASES[case_id]
    assert (len(requested) if unit == "characters" else len(names)) == size
    assert all(0 < len(name) <= 256 for name in names)
    assert len(names) <= 100 or unit == "names"
