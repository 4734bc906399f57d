"""Work done per request does not grow with the configuration: counted, not timed."""

from __future__ import annotations

import re
from typing import Any, List, Optional

import pytest
from flask import Flask, Response
from werkzeug.datastructures import Headers

import flask_cors.binding
from flask_cors import CORS
from flask_cors.binding import CACHE_SIZE, CACHEABLE_LENGTH
from flask_cors.patterns import NameMatcher, PathPattern

ORIGIN = {"Origin": "https://app.example"}


def app_with(**options: Any) -> Flask:
    app = Flask(__name__)
    CORS(app, **options)

    @app.route("/<path:path>")
    def view(path: str) -> str:
        return "ok"

    return app


def count_calls(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> List[int]:
    calls = [0]
    original = getattr(owner, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    return calls


def test_a_path_seen_before_costs_no_pattern_match(monkeypatch: pytest.MonkeyPatch) -> None:
    resources = {rf"/r{i}/items/.*": {"origins": "*"} for i in range(1000)}
    client = app_with(resources=resources).test_client()
    calls = count_calls(monkeypatch, PathPattern, "matches")
    client.get("/r999/items/1", headers=ORIGIN)
    assert calls[0] > 1  # the first time: patterns in order until the most specific match
    calls[0] = 0
    for _ in range(5):
        response = client.get("/r999/items/1", headers=ORIGIN)
    assert calls[0] == 0
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example"


def test_a_request_shape_seen_before_is_not_decided_again(monkeypatch: pytest.MonkeyPatch) -> None:
    client = app_with(origins=[f"https://site{i}.example" for i in range(10000)]).test_client()
    calls = count_calls(monkeypatch, flask_cors.binding, "decide")
    for _ in range(5):
        response = client.get("/items", headers={"Origin": "https://site9999.example"})
    assert calls[0] == 1
    assert response.headers["Access-Control-Allow-Origin"] == "https://site9999.example"
    client.get("/items", headers={"Origin": "https://other.example"})
    assert calls[0] == 2


def test_a_hundred_regex_origins_are_one_match_call() -> None:
    regexes = [rf"https://[a-z]+\.tenant{i}\.example" for i in range(100)]
    app = app_with(origins=regexes)
    client = app.test_client()
    response = client.get("/x", headers={"Origin": "https://eu.tenant99.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://eu.tenant99.example"
    response = client.get("/x", headers={"Origin": "https://eu.tenant99.example.evil"})
    assert "Access-Control-Allow-Origin" not in response.headers
    matcher = NameMatcher(False, (), tuple(re.compile(r, re.IGNORECASE) for r in regexes))
    assert len(matcher.matchers) == 1


@pytest.mark.parametrize(
    "special",
    [
        r"https://(a+)\1\.example",  # a backreference would point elsewhere
        r"https://(?P<x>a)(?P=x)\.example",  # so would a named one
        r"https://(a)?(?(1)b|c)\.example",  # and a conditional
    ],
)
def test_regexes_whose_meaning_depends_on_their_groups_stay_alone(special: str) -> None:
    others = [re.compile(r"https://b\.example", re.I), re.compile(r"https://c\.example", re.I)]
    matcher = NameMatcher(False, (), (*others, re.compile(special, re.I)))
    assert len(matcher.matchers) == 2
    assert matcher.matches("https://c.example") and not matcher.matches("https://d.example")


def test_verbose_regexes_stay_alone_and_keep_their_comments() -> None:
    verbose = re.compile(r"https://a\.example  # the main site", re.VERBOSE)
    matcher = NameMatcher(False, (), (verbose, re.compile(r"https://b\.example")))
    assert len(matcher.matchers) == 2
    assert matcher.matches("https://a.example") and matcher.matches("https://b.example")


def test_patterns_that_cannot_share_an_alternation_fall_back_to_one_each() -> None:
    """Two patterns defining the same group name cannot be joined into one regex."""
    first = re.compile(r"https://(?P<host>a)\.example")
    second = re.compile(r"https://(?P<host>b)\.example")
    matcher = NameMatcher(False, (), (first, second))
    assert matcher.matchers == (first, second)
    assert matcher.matches("https://b.example")


def test_remembered_paths_and_decisions_are_bounded() -> None:
    app = app_with(resources=r"/api/.*")
    client = app.test_client()
    for i in range(CACHE_SIZE + 10):
        client.get(f"/api/{i}", headers={"Origin": f"https://s{i}.example"})
    table = next(iter(app.extensions["cors"]["sources"])).table(app)
    policy = table.rules[0][1]
    assert 0 < len(table._by_path) <= CACHE_SIZE
    assert 0 < len(policy.decisions) <= CACHE_SIZE


def test_oversized_requests_are_answered_but_not_remembered() -> None:
    app = app_with()
    client = app.test_client()
    long_path = "/api/" + "a" * CACHEABLE_LENGTH
    long_headers = "x-a," * (CACHEABLE_LENGTH // 4 + 1)
    preflight = {
        **ORIGIN,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": long_headers,
    }
    response = client.options(long_path, headers=preflight)
    assert response.headers["Access-Control-Allow-Headers"] == "x-a"
    table = next(iter(app.extensions["cors"]["sources"])).table(app)
    assert long_path not in table._by_path
    assert table.rules[0][1].decisions == {}


class _OwnHeaders(Headers):
    """A headers class of the app's own, as some libraries install."""


@pytest.mark.parametrize("view_vary", [None, "Accept"])
def test_headers_of_another_class_get_the_same_answer(view_vary: Optional[str]) -> None:
    """The fast path appends to werkzeug's own list; any other headers object goes
    through its public methods and ends with the same headers."""
    app = app_with(origins=["https://app.example"], expose_headers=["X-Total"])

    @app.after_request
    def swap_headers(response: Response) -> Response:
        response.headers = _OwnHeaders(response.headers)
        return response

    @app.route("/own")
    def own() -> Response:
        response = Response("ok")
        if view_vary:
            response.headers["Vary"] = view_vary
        return response

    response = app.test_client().get("/own", headers=ORIGIN)
    assert response.headers.getlist("Access-Control-Allow-Origin") == ["https://app.example"]
    assert response.headers["Access-Control-Expose-Headers"] == "X-Total"
    expected_vary = "Accept, Origin" if view_vary else "Origin"
    assert response.headers.getlist("Vary") == [expected_vary]
