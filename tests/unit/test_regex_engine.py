"""Configured regexes run on RE2, in time linear in the input, with Python's meaning
(SECURITY.md T17); what RE2 cannot run falls back to Python's re with a setup warning.
Work is checked by which engine runs and how often, never by timing."""

from __future__ import annotations

import logging
import re
import warnings
from typing import Any, List, Optional, Pattern

import pytest
from flask import Flask

from flask_cors import CORS
from flask_cors.regex import RegexSet, to_re2

ACAO = "Access-Control-Allow-Origin"
ACAH = "Access-Control-Allow-Headers"

#: The report's patterns: each two more characters of input double Python's time.
EXPONENTIAL = [
    pytest.param(r"https://([a-z0-9]+[-.]?)*\.example\.com", id="optional-separator"),
    pytest.param(r"https://(\w+\.?)+example\.com", id="optional-dot"),
    pytest.param(r"https://(.*\.)*example\.com", id="dot-star-group"),
]


def quietly_compiled(pattern: str) -> Pattern[str]:
    """Python warns that '[[' may mean a nested set some day; today it is literal."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return re.compile(pattern)


def app_with(**options: Any) -> Flask:
    app = Flask(__name__)

    @app.route("/", methods=["GET", "PUT"])
    def index() -> str:
        return "ok"

    CORS(app, **options)
    return app


def count_calls(monkeypatch: pytest.MonkeyPatch, name: str) -> List[str]:
    seen: List[str] = []
    original = getattr(RegexSet, name)

    def counting(self: RegexSet, value: str) -> Any:
        seen.append(value)
        return original(self, value)

    monkeypatch.setattr(RegexSet, name, counting)
    return seen


@pytest.mark.parametrize(
    ("pattern", "ascii_input", "translated"),
    [
        pytest.param(
            re.compile(r"https://a\.example\Z"), True, r"https://a\.example\z", id="end-anchor"
        ),
        pytest.param(re.compile(r"x{,3}"), True, "x{0,3}", id="no-minimum"),
        pytest.param(re.compile(r"x{2,3}y{4}"), True, "x{2,3}y{4}", id="counted"),
        pytest.param(
            re.compile(r"/v\d+/\D"), False, r"/v\p{Nd}+/\P{Nd}", id="unicode-input-digits"
        ),
        pytest.param(re.compile(r"/v\d+"), True, r"/v\d+", id="ascii-input-digits"),
        pytest.param(re.compile(r"/v\d+", re.ASCII), False, r"/v\d+", id="ascii-flag-digits"),
        pytest.param(
            re.compile(r"(?P<host>a)\.(?P<tld>b)"), True, r"(?:a)\.(?:b)", id="named-groups"
        ),
        pytest.param(
            re.compile("a.b", re.IGNORECASE | re.DOTALL), True, "(?is)a.b", id="flags-i-s"
        ),
        pytest.param(re.compile("^a$", re.MULTILINE), True, "(?m)^a$", id="flag-m"),
        pytest.param(re.compile(r"[\]\d-]\w"), True, r"[\]\d-]\w", id="escaped-bracket-in-class"),
        pytest.param(re.compile(r"[]a][^]b]"), True, r"[]a][^]b]", id="leading-bracket-in-class"),
        pytest.param(re.compile(r"\\d"), False, r"\\d", id="escaped-backslash"),
        # Only a ']' first in its class is literal: these close the class, so {,n} counts.
        pytest.param(quietly_compiled(r"[a[]x{,3}"), True, "[a[]x{0,3}", id="bracket-ends-class"),
        pytest.param(re.compile(r"[\[^]x{,2}"), True, r"[\[^]x{0,2}", id="caret-ends-class"),
    ],
)
def test_patterns_are_spelled_for_re2_with_pythons_meaning(
    pattern: Pattern[str], ascii_input: bool, translated: str
) -> None:
    assert to_re2(pattern, ascii_input) == (translated, "")


@pytest.mark.parametrize(
    ("pattern", "ascii_input", "reason"),
    [
        pytest.param(re.compile(r"https://(a+)\1"), True, "RE2 cannot run it", id="backreference"),
        pytest.param(
            re.compile(r"https://(?P<x>a)(?P=x)"),
            True,
            "RE2 cannot run it",
            id="named-backreference",
        ),
        pytest.param(re.compile(r"https://(?!evil)\w+"), True, "RE2 cannot run it", id="lookahead"),
        pytest.param(
            re.compile(r"https://(a)?(?(1)b|c)"), True, "RE2 cannot run it", id="conditional"
        ),
        pytest.param(
            re.compile(r"https://a  # main", re.VERBOSE), True, "re.VERBOSE", id="verbose"
        ),
        pytest.param(re.compile(r"/users/\w+"), False, r"\w is Unicode-wide", id="unicode-word"),
        pytest.param(re.compile(r"/a\b"), False, r"\b is Unicode-wide", id="unicode-boundary"),
        pytest.param(quietly_compiled(r"[[:alpha:]]+"), True, "POSIX class", id="posix-class"),
    ],
)
def test_what_re2_cannot_run_with_pythons_meaning_says_why(
    pattern: Pattern[str], ascii_input: bool, reason: str
) -> None:
    translated, why = to_re2(pattern, ascii_input)
    assert translated is None
    assert reason in why


@pytest.mark.parametrize("pattern", EXPONENTIAL)
def test_the_reported_exponential_origin_regexes_run_on_re2(pattern: str) -> None:
    app = app_with(origins=[pattern])
    policy = app.extensions["cors"]["sources"][0].table(app).rules[0][1]
    assert policy.origins.notes == ()  # no fallback: the engine guarantees linear time
    hostile = "https://" + "a" * 1000 + "!"
    assert ACAO not in app.test_client().get("/", headers={"Origin": hostile}).headers
    good = "https://api.example.com"
    assert app.test_client().get("/", headers={"Origin": good}).headers[ACAO] == good


def test_a_fallback_regex_is_warned_about_naming_the_option(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="flask_cors")
    app = app_with(origins=[r"https://(a+)\1\.example"], allow_headers=[r"x-(?!secret)\w+"])
    messages = [r.getMessage() for r in caplog.records if "not RE2" in r.getMessage()]
    assert len(messages) == 2
    assert any("origins" in m and r"(a+)\\1" in m for m in messages)
    assert any("allow_headers" in m for m in messages)
    # The fallback still means what it says.
    client = app.test_client()
    assert client.get("/", headers={"Origin": "https://aaaa.example"}).headers[ACAO]
    assert ACAO not in client.get("/", headers={"Origin": "https://aaa.example"}).headers


def test_a_path_pattern_re2_cannot_run_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="flask_cors")
    app = app_with(resources={r"/users/\w+": {}, r"/v\d+/.*": {}})
    messages = [r.getMessage() for r in caplog.records if "not RE2" in r.getMessage()]
    assert len(messages) == 1 and r"/users/\\w+" in messages[0]
    assert "CORS resources" in messages[0]
    # \d keeps its Unicode meaning in RE2: an Arabic-Indic digit is a digit.
    assert app.extensions["cors"]["sources"][0].table(app).match("/v\u0663/x") is not None


def test_each_distinct_requested_header_is_matched_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The report's preflight: 31 copies of one 256-character name, and a second name."""
    app = app_with(allow_headers=[r"x-.*-.*-.*-id", "content-type"])
    seen = count_calls(monkeypatch, "matching")
    name = "x-" + "-" * 253 + "z"
    requested = ", ".join([name] * 30 + [name.upper(), "x-a-b-c-id"])
    response = app.test_client().options(
        "/",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": requested,
        },
    )
    assert response.headers[ACAH] == "x-a-b-c-id"
    assert sorted(seen) == sorted([name, "x-a-b-c-id"])


@pytest.mark.parametrize(
    "patterns",
    [
        pytest.param([r"https://[a-z]+\.example", r"https://(a|b)+\.test"], id="all-re2"),
        pytest.param([r"https://x\.example", r"https://(x)\1\.example"], id="one-fallback"),
    ],
)
@pytest.mark.parametrize(
    "value",
    [
        pytest.param("https://abc.example", id="abc"),
        pytest.param("https://abba.test", id="abba"),
        pytest.param("https://xx.example", id="xx"),
        pytest.param("nope", id="nope"),
    ],
)
def test_a_regex_set_agrees_with_python_fullmatch(patterns: List[str], value: str) -> None:
    compiled = [re.compile(p, re.IGNORECASE) for p in patterns]
    regexes = RegexSet(compiled, whole=True, ascii_input=True, where="test")
    expected: List[int] = [i for i, p in enumerate(compiled) if p.fullmatch(value)]
    assert regexes.matching(value) == expected


@pytest.mark.parametrize(
    ("path", "first"),
    [
        pytest.param("/api/v1/x", 0, id="versioned"),
        pytest.param("/api/x", 1, id="unversioned"),
        pytest.param("/x", None, id="elsewhere"),
    ],
)
def test_a_prefix_set_reports_every_pattern_matching_the_start(
    path: str, first: Optional[int]
) -> None:
    compiled = [re.compile(r"/api/v\d+/"), re.compile(r"/api/"), re.compile(r"/api/(x)\1")]
    regexes = RegexSet(compiled, whole=False, ascii_input=False, where="test")
    hits = regexes.matching(path)
    assert hits == [i for i, p in enumerate(compiled) if p.match(path)]
    assert (hits[0] if hits else None) == first
