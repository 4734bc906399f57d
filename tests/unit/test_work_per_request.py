"""Work done per request does not grow with the configuration: counted, not timed."""

from __future__ import annotations

import re
import tracemalloc
from typing import Any, List, Optional

import pytest
from flask import Flask, Response
from werkzeug.datastructures import Headers

import flask_cors.binding
from flask_cors import CORS
from flask_cors.patterns import NameMatcher
from flask_cors.regex import RegexSet
from flask_cors.resources import CACHEABLE_LENGTH, MEMO, MEMO_CHARACTERS, MEMO_ENTRIES, Memo

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
    calls = count_calls(monkeypatch, RegexSet, "matching")
    client.get("/r999/items/1", headers=ORIGIN)
    assert calls[0] == 1  # the first time: every pattern in one pass
    for _ in range(5):
        response = client.get("/r999/items/1", headers=ORIGIN)
    assert calls[0] == 1
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


def test_with_a_callable_only_the_callable_is_asked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    verdicts = [True, False, True, False]
    asked: List[str] = []

    def allow(origin: str) -> bool:
        asked.append(origin)
        return verdicts[len(asked) - 1]

    client = app_with(origins=["https://listed.example", allow]).test_client()
    calls = count_calls(monkeypatch, flask_cors.binding, "decide")
    granted = [
        client.get("/items", headers=ORIGIN).headers.get("Access-Control-Allow-Origin")
        for _ in verdicts
    ]
    assert granted == ["https://app.example", None, "https://app.example", None]
    assert asked == ["https://app.example"] * 4 and calls[0] == 1
    client.get("/items", headers={"Origin": "https://listed.example"})
    assert len(asked) == 4 and calls[0] == 2  # a listed origin never reaches the callable


def test_a_hundred_regex_origins_are_one_linear_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    regexes = [rf"https://[a-z]+\.tenant{i}\.example" for i in range(100)]
    app = app_with(origins=regexes)
    client = app.test_client()
    calls = count_calls(monkeypatch, RegexSet, "matching")
    response = client.get("/x", headers={"Origin": "https://eu.tenant99.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://eu.tenant99.example"
    response = client.get("/x", headers={"Origin": "https://eu.tenant99.example.evil"})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert calls[0] == 2
    matcher = NameMatcher(False, (), tuple(re.compile(r, re.IGNORECASE) for r in regexes))
    assert matcher.notes == ()  # all of them run in RE2


def test_remembered_paths_and_decisions_are_bounded_for_the_whole_process() -> None:
    apps = [app_with(resources={rf"/api{i}/.*": {} for i in range(50)}) for _ in range(3)]
    for i in range(MEMO_ENTRIES + 10):
        apps[i % 3].test_client().get(f"/api{i % 50}/{i}", headers={"Origin": f"https://s{i}.x"})
        assert 0 < len(MEMO.entries) <= MEMO_ENTRIES
        assert MEMO.characters <= MEMO_CHARACTERS


def test_the_memo_starts_afresh_when_its_keys_reach_the_character_bound() -> None:
    client = app_with(resources=r"/api/.*").test_client()
    origin = "https://" + "o" * 1000 + ".example"  # long, but under the Origin bound
    for i in range(MEMO_CHARACTERS // 1000 + 10):
        client.get("/api/x", headers={"Origin": f"{origin}{i}"})
        assert MEMO.characters <= MEMO_CHARACTERS


def test_oversized_requests_are_answered_but_not_remembered() -> None:
    app = app_with()
    client = app.test_client()
    long_path = "/api/" + "a" * CACHEABLE_LENGTH
    names = [f"x-{i}-" + "b" * 250 for i in range(9)]
    long_headers = ", ".join(names)
    assert len(long_headers) > CACHEABLE_LENGTH
    preflight = {
        **ORIGIN,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": long_headers,
    }
    MEMO.entries.clear()
    response = client.options(long_path, headers=preflight)
    assert response.headers["Access-Control-Allow-Headers"] == long_headers
    assert not any(long_path in key or long_headers in key for key in MEMO.entries)


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


#: What the memo may hold at most, whatever the traffic (SECURITY.md T21): 4,096 entries
#: whose keys hold at most 1 Mi characters, and the answers they map to.
MEMO_BOUND_BYTES = 8 << 20


@pytest.mark.parametrize("shape", ["hostile-origins", "echoed-origins", "header-lists"])
def test_the_memo_stays_under_its_memory_bound_with_1000_resources(shape: str) -> None:
    """The report's case (1,000 resources, Origins of 2,000 characters) and the two
    shapes whose answers are largest: echoed 1,024-character Origins, and preflights
    whose 2,048 characters of requested names are all echoed."""
    resources = {rf"/r{i}/.*": {"origins": "*"} for i in range(1000)}
    client = app_with(resources=resources).test_client()
    MEMO.entries.clear()
    MEMO.characters = 0
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        peak = 0
        for i in range(1500):
            path = f"/r{i % 1000}/x"
            if shape == "hostile-origins":
                client.get(path, headers={"Origin": f"https://{i:06d}" + "a" * 1986})
            elif shape == "echoed-origins":
                client.get(path, headers={"Origin": f"https://{i:06d}" + "a" * 1010})
            else:
                names = ", ".join(f"x-{i}-{n}" + "b" * 190 for n in range(10))[:2040]
                client.options(
                    path,
                    headers={
                        "Origin": "https://a.example",
                        "Access-Control-Request-Method": "GET",
                        "Access-Control-Request-Headers": names,
                    },
                )
            if i % 500 == 499:
                peak = max(peak, tracemalloc.get_traced_memory()[0] - baseline)
    finally:
        tracemalloc.stop()
    assert 0 < peak < MEMO_BOUND_BYTES, peak


def test_a_memo_holds_exactly_its_character_bound() -> None:
    # A fresh Memo, not the process's: MEMO was made at import, before any test ran.
    memo = Memo()
    assert (memo.entries, memo.characters) == ({}, 0)
    count = MEMO_CHARACTERS // CACHEABLE_LENGTH
    for index in range(count):
        memo.remember((index,), index, CACHEABLE_LENGTH)
    assert len(memo.entries) == count
    assert memo.characters == MEMO_CHARACTERS
    memo.remember(("one more",), None, 1)
    assert (memo.entries, memo.characters) == ({("one more",): None}, 1)
