"""The browser harness itself, without Chromium: the host-resolver rules, the verdict and
consistency checks, case loading, the recording API dispatcher and the install script."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import ensure_debian
import pytest
from harness import (
    Attempt,
    BrowserCase,
    Observation,
    SeenRequest,
    check_consistency,
    describe_observation,
    host_resolver_rules,
    judge_verdict,
    load_browser_cases,
    page_origins,
    parse_origin,
)
from servers import SANDBOXED_PAGE, ApiDispatcher, page_app
from werkzeug.test import Client

from cors_spec import Case


def make_case(
    request: Mapping[str, Any],
    fetch: Optional[Mapping[str, Any]] = None,
    verdict: Optional[Mapping[str, Any]] = None,
) -> BrowserCase:
    case = Case(
        id="topic/example",
        description="a case made by the harness tests",
        tags=("origins",),
        config={"extension": {}},
        request=request,
        expect={"status": 200},
        profiles=("flask-cors", "reference"),
    )
    return BrowserCase(
        case, fetch or {}, verdict or {"outcome": "resolves", "reaches_server": True}
    )


GET_CASE = {"method": "GET", "path": "/items", "headers": {"Origin": "https://a.example"}}
PREFLIGHT_CASE = {
    "method": "OPTIONS",
    "path": "/",
    "headers": {
        "Origin": "https://a.example",
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "X-Custom, Content-Type",
    },
}


def seen(
    method: str,
    path: str = "/",
    origin: Optional[str] = "https://a.example",
    acrm: Optional[str] = None,
    acrh: Optional[str] = None,
) -> SeenRequest:
    return SeenRequest(method, path, "browser-run=1", origin, acrm, acrh, 200)


def resolved(status: int = 200, headers: Optional[Dict[str, Optional[str]]] = None) -> Attempt:
    return Attempt(resolved=True, status=status, type="cors", headers=headers or {})


FAILED = Attempt(resolved=False, error="TypeError: Failed to fetch")


# Host-resolver rules and origins


def test_rules_map_the_api_then_each_port_to_its_schemes_server_then_nothing_else() -> None:
    origins = [
        "https://a.example",
        "https://shop.example.com:8443",
        "http://a.example",
        "http://localhost:3000",
        "null",
        "https://b.example",
    ]
    assert host_resolver_rules(origins, tls_port=4443, http_port=8000, api_port=9443) == (
        "MAP api.test 127.0.0.1, "
        "MAP other.test 127.0.0.1:9443, "
        "MAP *:80 127.0.0.1:8000, "
        "MAP *:443 127.0.0.1:4443, "
        "MAP *:3000 127.0.0.1:8000, "
        "MAP *:8443 127.0.0.1:4443, "
        "MAP * ~NOTFOUND"
    )


def test_rules_always_map_443_for_the_sandboxed_frames_host_page() -> None:
    assert host_resolver_rules(["null"], tls_port=1, http_port=2, api_port=3) == (
        "MAP api.test 127.0.0.1, MAP other.test 127.0.0.1:3, MAP *:443 127.0.0.1:1, MAP * ~NOTFOUND"
    )


def test_page_origins_leave_out_what_no_page_can_have() -> None:
    requests = [
        GET_CASE,
        dict(GET_CASE, headers={"Origin": "null"}),
        dict(GET_CASE, headers={"Origin": "https://a.example, https://b.example"}),
        dict(GET_CASE, headers={"Origin": "https://a.example/path"}),
        dict(GET_CASE, headers={}),
    ]
    cases = [make_case(request) for request in requests]
    assert page_origins(cases) == ["https://a.example", "null"]


def test_rules_refuse_one_port_for_both_schemes() -> None:
    with pytest.raises(ValueError, match="port 8080"):
        host_resolver_rules(
            ["http://localhost:8080", "https://a.example:8080"], tls_port=1, http_port=2, api_port=3
        )


@pytest.mark.parametrize(
    ("text", "scheme", "host", "port"),
    [
        ("https://a.example", "https", "a.example", 443),
        ("http://a.example", "http", "a.example", 80),
        ("http://[::1]:8080", "http", "::1", 8080),
        ("https://shop.example.com:8443", "https", "shop.example.com", 8443),
    ],
)
def test_parse_origin(text: str, scheme: str, host: str, port: int) -> None:
    origin = parse_origin(text)
    assert origin is not None
    assert (origin.scheme, origin.host, origin.port) == (scheme, host, port)


def test_parse_origin_null_is_no_host() -> None:
    assert parse_origin("null") is None


@pytest.mark.parametrize("text", ["https://a.example/", "ftp://a.example", "a.example", "*"])
def test_parse_origin_refuses_what_is_not_a_serialized_http_origin(text: str) -> None:
    with pytest.raises(ValueError):
        parse_origin(text)


# The case's fetch


def test_url_appends_the_run_parameter_to_the_case_path() -> None:
    assert make_case(GET_CASE).url("https://api.test:1", 7) == (
        "https://api.test:1/items?browser-run=7"
    )
    with_query = dict(GET_CASE, path="/items?page=2")
    assert make_case(with_query).url("https://api.test:1", 7) == (
        "https://api.test:1/items?page=2&browser-run=7"
    )


def test_init_defaults_are_fetchs_own_and_a_single_fetch_skips_the_http_cache() -> None:
    assert make_case(GET_CASE).init() == {
        "method": "GET",
        "headers": {},
        "credentials": "same-origin",
        "mode": "cors",
        "cache": "no-store",
    }


def test_init_of_repeated_fetches_keeps_the_default_cache_mode_for_the_preflight_cache() -> None:
    fetch = {"method": "PUT", "headers": {"X-Custom": "1"}, "times": 2, "body": "x"}
    init = make_case(PREFLIGHT_CASE, fetch).init()
    assert init["cache"] == "default"
    assert (init["method"], init["headers"], init["body"]) == ("PUT", {"X-Custom": "1"}, "x")


def test_read_includes_every_header_the_verdict_names_once() -> None:
    verdict = {
        "outcome": "resolves",
        "reaches_server": True,
        "readable": {"X-Total": "5"},
        "unreadable": ["X-Secret"],
    }
    case = make_case(GET_CASE, {"read": ["X-Total", "Content-Type"]}, verdict)
    assert case.read == ["X-Total", "Content-Type", "X-Secret"]


def test_page_url_is_the_origin_or_the_sandboxed_frames_host_page() -> None:
    assert make_case(GET_CASE).page_url() == "https://a.example/"
    null = dict(GET_CASE, headers={"Origin": "null"})
    assert make_case(null).page_url() == "https://sandbox.test/sandboxed"


# The verdict


def test_a_matching_observation_has_no_problems() -> None:
    verdict = {
        "outcome": "resolves",
        "status": 200,
        "reaches_server": True,
        "preflights": 1,
        "readable": {"X-Total": "5"},
        "unreadable": ["X-Secret"],
    }
    case = make_case(PREFLIGHT_CASE, {"method": "PUT"}, verdict)
    observed = Observation(
        [resolved(headers={"X-Total": "5", "X-Secret": None})],
        [seen("OPTIONS", acrm="PUT"), seen("PUT")],
    )
    assert judge_verdict(case, observed) == []


def test_a_failed_fetch_when_the_verdict_says_resolves() -> None:
    case = make_case(GET_CASE)
    problems = judge_verdict(case, Observation([FAILED], [seen("GET")]))
    assert problems == ["fetch failed (TypeError: Failed to fetch), expected it to resolve"]


def test_a_resolved_fetch_when_the_verdict_says_fails() -> None:
    case = make_case(GET_CASE, verdict={"outcome": "fails", "reaches_server": True})
    problems = judge_verdict(case, Observation([resolved()], [seen("GET")]))
    assert problems == ["fetch resolved with status 200, expected it to fail"]


def test_every_repeated_fetch_is_judged() -> None:
    case = make_case(GET_CASE, {"times": 2})
    problems = judge_verdict(case, Observation([resolved(), FAILED], [seen("GET"), seen("GET")]))
    assert problems == ["fetch 2 of 2 failed (TypeError: Failed to fetch), expected it to resolve"]


def test_status_and_read_headers() -> None:
    verdict = {
        "outcome": "resolves",
        "status": 200,
        "reaches_server": True,
        "readable": {"X-Total": "5"},
        "unreadable": ["X-Secret"],
    }
    case = make_case(GET_CASE, {"read": ["X-Total", "X-Secret"]}, verdict)
    attempt = resolved(404, {"X-Total": None, "X-Secret": "s"})
    problems = judge_verdict(case, Observation([attempt], [seen("GET")]))
    assert problems == [
        "status 404, expected 200",
        "X-Total: script read null, expected '5'",
        "X-Secret: script read 's', expected null (not exposed)",
    ]


def test_reaches_server_counts_actual_requests_not_preflights() -> None:
    case = make_case(PREFLIGHT_CASE, {"method": "PUT"})
    observed = Observation([FAILED], [seen("OPTIONS", acrm="PUT")])
    problems = judge_verdict(case, observed)
    assert "the actual request never reached the app, expected it to" in problems


def test_an_options_fetch_reaches_the_server_with_its_actual_options() -> None:
    case = make_case({**PREFLIGHT_CASE, "method": "OPTIONS"}, {"method": "OPTIONS"})
    observed = Observation([resolved()], [seen("OPTIONS", acrm="OPTIONS"), seen("OPTIONS")])
    assert observed.reached_server
    assert observed.preflights == 1
    assert judge_verdict(case, observed) == []


def test_an_actual_request_that_should_not_have_reached_the_app() -> None:
    case = make_case(GET_CASE, verdict={"outcome": "fails", "reaches_server": False})
    problems = judge_verdict(case, Observation([FAILED], [seen("GET", path="/items")]))
    assert len(problems) == 1
    assert problems[0].startswith("the actual request reached the app (GET /items")


def test_preflight_count() -> None:
    verdict = {"outcome": "resolves", "reaches_server": True, "preflights": 1}
    case = make_case(PREFLIGHT_CASE, {"method": "PUT", "times": 2}, verdict)
    requests = [seen("OPTIONS", acrm="PUT"), seen("PUT")] * 2
    problems = judge_verdict(case, Observation([resolved(), resolved()], requests))
    assert problems == ["2 preflights reached the app, expected 1"]


def test_a_repeated_fetch_answered_without_reaching_the_app_is_reported() -> None:
    case = make_case(GET_CASE, {"times": 2})
    problems = judge_verdict(case, Observation([resolved(), resolved()], [seen("GET")]))
    assert len(problems) == 1
    assert problems[0].startswith("2 fetches but 1 actual request reached the app")


def test_a_verdict_about_the_response_of_a_fetch_that_fails_is_reported() -> None:
    verdict = {"outcome": "fails", "reaches_server": True, "status": 200}
    case = make_case(GET_CASE, verdict=verdict)
    problems = judge_verdict(case, Observation([FAILED], [seen("GET")]))
    assert problems == ["the verdict says what the response shows, but fetch fails"]


def test_describe_observation() -> None:
    case = make_case(GET_CASE, {"read": ["X-Total", "X-Secret"]})
    observed = Observation(
        [resolved(headers={"X-Total": "5", "X-Secret": None})],
        [seen("OPTIONS", acrm="PUT"), seen("PUT")],
    )
    assert describe_observation("chromium 156.0", case, observed) == (
        "chromium 156.0: fetch resolved 200; actual request reached server; 1 preflight; "
        "X-Total='5', X-Secret=null"
    )
    failed = Observation([FAILED, FAILED], [])
    assert describe_observation("chromium 156.0", case, failed) == (
        "chromium 156.0: fetch failed (TypeError: Failed to fetch), failed (TypeError: "
        "Failed to fetch); actual request did not reach server; 0 preflights"
    )


# Consistency of the browser's requests with the case's own request

PREFIX = "the case's request is not what the browser sends: "


def test_the_browsers_preflight_matching_the_case_is_consistent() -> None:
    case = make_case(PREFLIGHT_CASE, {"method": "PUT", "headers": {"X-Custom": "1"}})
    requests = [seen("OPTIONS", acrm="PUT", acrh="content-type,x-custom"), seen("PUT")]
    assert check_consistency(case, Observation([resolved()], requests)) == []


def test_another_origin_is_inconsistent() -> None:
    case = make_case(GET_CASE)
    observed = Observation([resolved()], [seen("GET", path="/items", origin=None)])
    assert check_consistency(case, observed) == [
        PREFIX + "the browser sent GET with Origin None, the case's Origin is 'https://a.example'"
    ]


def test_another_path_is_inconsistent() -> None:
    case = make_case(GET_CASE)
    observed = Observation([resolved()], [seen("GET", path="/Items")])
    assert check_consistency(case, observed) == [
        PREFIX + "the browser sent GET to path '/Items', the case's request path is '/items'"
    ]


def test_another_acrm_or_other_acrh_names_are_inconsistent() -> None:
    case = make_case(PREFLIGHT_CASE)
    observed = Observation([resolved()], [seen("OPTIONS", acrm="DELETE", acrh="x-custom")])
    assert check_consistency(case, observed) == [
        PREFIX + "the browser's preflight has ACRM 'DELETE', the case's 'PUT'",
        PREFIX + "the browser's preflight has ACRH ['x-custom'], the case's "
        "['content-type', 'x-custom']",
    ]


def test_absent_acrh_equals_empty_acrh() -> None:
    headers = {"Origin": "https://a.example", "Access-Control-Request-Method": "PUT"}
    case = make_case({"method": "OPTIONS", "path": "/", "headers": headers})
    observed = Observation([resolved()], [seen("OPTIONS", acrm="PUT", acrh=""), seen("PUT")])
    assert check_consistency(case, observed) == []


def test_a_preflight_case_the_browser_sends_no_preflight_for_is_inconsistent() -> None:
    case = make_case(PREFLIGHT_CASE)
    observed = Observation([resolved()], [seen("GET")])
    assert check_consistency(case, observed) == [
        PREFIX + "the case's request is a preflight (ACRM 'PUT') but the browser sent none"
    ]


def test_an_actual_request_with_another_method_is_inconsistent() -> None:
    case = make_case(dict(GET_CASE, path="/"))
    observed = Observation([resolved()], [seen("OPTIONS", acrm="POST"), seen("POST")])
    assert check_consistency(case, observed) == [
        PREFIX + "the browser's actual request is POST, the case's request is GET"
    ]


def test_a_null_origin_case_expects_origin_null() -> None:
    case = make_case({"method": "GET", "path": "/", "headers": {"Origin": "null"}})
    assert case.sandboxed
    assert check_consistency(case, Observation([resolved()], [seen("GET", origin="null")])) == []


# Loading cases


def write_cases(directory: Path, text: str) -> None:
    (directory / "origins.yaml").write_text(textwrap.dedent(text), encoding="utf-8")


def test_only_cases_with_a_browser_field_are_loaded(tmp_path: Path) -> None:
    write_cases(
        tmp_path,
        """
        - id: origins/with-browser
          description: A case with a browser field.
          level: profile
          profiles: [flask-cors, reference]
          tags: [origins]
          rule: "README: a test case for the loader."
          config: {extension: {}}
          request: {method: GET, path: /, headers: {Origin: "https://a.example"}}
          expect: {status: 200}
          browser:
            fetch: {read: [X-Total]}
            verdict: {outcome: resolves, reaches_server: true}
        - id: origins/without-browser
          description: A case without a browser field.
          level: profile
          profiles: [flask-cors, reference]
          tags: [origins]
          rule: "README: a test case for the loader."
          config: {extension: {}}
          request: {method: GET, path: /, headers: {Origin: "https://a.example"}}
          expect: {status: 200}
        """,
    )
    cases = load_browser_cases(tmp_path)
    assert [case.id for case in cases] == ["origins/with-browser"]
    assert cases[0].fetch == {"read": ["X-Total"]}
    assert cases[0].verdict == {"outcome": "resolves", "reaches_server": True}


def test_a_malformed_browser_field_fails_loading(tmp_path: Path) -> None:
    write_cases(
        tmp_path,
        """
        - id: origins/bad-browser
          description: A verdict without reaches_server.
          level: profile
          profiles: [flask-cors, reference]
          tags: [origins]
          rule: "README: a test case for the loader."
          config: {extension: {}}
          request: {method: GET, path: /, headers: {Origin: "https://a.example"}}
          expect: {status: 200}
          browser:
            fetch: {}
            verdict: {outcome: resolves}
        """,
    )
    with pytest.raises(ValueError, match="reaches_server"):
        load_browser_cases(tmp_path)


# The servers' apps


def test_the_dispatcher_records_requests_and_answers_with_the_current_app() -> None:
    def app(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
        start_response("204 No Content", [("Access-Control-Allow-Origin", "https://a.example")])
        return [b""]

    dispatcher = ApiDispatcher()
    dispatcher.set_app(app)
    client = Client(dispatcher)
    preflight_headers = {
        "Origin": "https://a.example",
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "x-custom",
    }
    # The dev server passes the request target as sent in RAW_URI; the test client does not.
    raw = {"RAW_URI": "/a%2Fb?x=1&browser-run=3"}
    client.options("/a%2Fb?x=1&browser-run=3", headers=preflight_headers, environ_overrides=raw)
    client.get("/other?browser-run=4", headers={"Origin": "null"})
    client.get("/untagged")

    (preflight,) = dispatcher.seen(3)
    assert (preflight.method, preflight.path) == ("OPTIONS", "/a%2Fb")
    assert preflight.query == "x=1&browser-run=3"
    assert (preflight.origin, preflight.acrm, preflight.acrh) == (
        "https://a.example",
        "PUT",
        "x-custom",
    )
    assert preflight.is_preflight
    assert preflight.status == 204
    assert preflight.response_headers == [("Access-Control-Allow-Origin", "https://a.example")]
    (get,) = dispatcher.seen(4)
    assert (get.method, get.path, get.origin, get.acrm) == ("GET", "/other", "null", None)


def test_the_dispatcher_answers_503_between_cases() -> None:
    response = Client(ApiDispatcher()).get("/?browser-run=1")
    assert response.status_code == 503


def test_the_page_server_serves_the_sandboxed_frame_page() -> None:
    response = Client(page_app).get("/sandboxed")
    assert response.status_code == 200
    assert response.get_data() == SANDBOXED_PAGE
    assert b'sandbox="allow-scripts"' in SANDBOXED_PAGE
    assert Client(page_app).get("/favicon.ico").status_code == 404


# The install script


def test_install_as_root_runs_apt_get_directly() -> None:
    packages = ["chromium"]
    assert ensure_debian.install_commands(True, "/usr/bin/sudo", "/usr/bin/apt-get", packages) == [
        ["env", "DEBIAN_FRONTEND=noninteractive", "/usr/bin/apt-get", "update"],
        ["env", "DEBIAN_FRONTEND=noninteractive", "/usr/bin/apt-get", "install", "-y", "chromium"],
    ]


def test_install_as_another_user_goes_through_sudo_without_a_prompt() -> None:
    commands = ensure_debian.install_commands(
        False, "/usr/bin/sudo", "/usr/bin/apt-get", ["nodejs", "npm"]
    )
    assert [command[:2] for command in commands] == [["/usr/bin/sudo", "-n"]] * 2
    assert commands[1][-4:] == ["install", "-y", "nodejs", "npm"]


@pytest.mark.parametrize(
    ("is_root", "sudo", "apt_get", "words"),
    [
        (False, None, "/usr/bin/apt-get", "not root and there is no sudo"),
        (True, None, None, "no apt-get"),
    ],
)
def test_install_impossible_says_why(
    is_root: bool, sudo: Optional[str], apt_get: Optional[str], words: str
) -> None:
    with pytest.raises(ensure_debian.CannotInstall, match=words):
        ensure_debian.install_commands(is_root, sudo, apt_get, ["chromium"])


def test_the_script_fails_clearly_when_it_cannot_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert ensure_debian.main(["node"]) == 1
    error = capsys.readouterr().err
    assert "node, npm missing" in error and "no apt-get" in error
