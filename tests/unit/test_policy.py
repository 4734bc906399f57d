"""The sans-I/O CORS decision flask_cors.policy.decide, on policies built from options."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Dict, Optional

import pytest

from flask_cors.build import build_policy
from flask_cors.layers import parse_options, resolve
from flask_cors.policy import Decision, Policy, decide


def stable_id(value: object) -> str:
    """A test id from a value's repr, with sets in sorted order: a set's repr changes from
    one process to the next, and tools that rerun tests by id (mutmut) need the same ids."""
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(map(repr, value))) + "}"
    return repr(value)


ORIGIN = "https://a.example"
OTHER = "https://c.example"

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACEH = "Access-Control-Expose-Headers"
ACMA = "Access-Control-Max-Age"
ACAPN = "Access-Control-Allow-Private-Network"
PREFLIGHT_ONLY = (ACAM, ACAH, ACMA)


def make_policy(**options: Any) -> Policy:
    """A Policy from keyword options, merged with the defaults, as the extension does."""
    values, sources = resolve([("test", parse_options(options, "test"))])
    return build_policy(values, sources, "test", warn=None)


def headers_of(decision: Decision) -> Dict[str, str]:
    """The decision's headers as a dict, checking that no name appears twice."""
    names = [name.lower() for name, _ in decision.headers]
    assert len(names) == len(set(names)), decision.headers
    return dict(decision.headers)


def get(policy: Policy, origin: Optional[str] = ORIGIN) -> Dict[str, str]:
    return headers_of(decide(policy, "GET", origin))


def preflight(
    policy: Policy,
    method: Optional[str] = "POST",
    request_headers: Optional[str] = None,
    origin: Optional[str] = ORIGIN,
    private_network: Optional[str] = None,
) -> Decision:
    return decide(policy, "OPTIONS", origin, method, request_headers, private_network)


def tokens(value: Optional[str]) -> set:
    return {t.strip() for t in (value or "").split(",") if t.strip()}


DEFAULT_METHODS = {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}


# --- origins ------------------------------------------------------------------------


def test_wildcard_echoes_the_origin_by_default() -> None:
    assert get(make_policy()) == {ACAO: ORIGIN}
    assert get(make_policy(), OTHER)[ACAO] == OTHER


@pytest.mark.parametrize("origins", ["*", ".*"])
def test_send_wildcard_answers_star(origins: str) -> None:
    assert get(make_policy(origins=origins, send_wildcard=True), OTHER) == {ACAO: "*"}


@pytest.mark.parametrize(
    "request_origin",
    ["https://a.example", "HTTPS://A.EXAMPLE", "https://A.Example", "https://a.EXAMPLE"],
)
def test_literal_origins_match_case_insensitively_and_echo_the_request(
    request_origin: str,
) -> None:
    policy = make_policy(origins=["https://b.example", "https://A.example"])
    assert get(policy, request_origin)[ACAO] == request_origin


TRUSTED_REGEX = r"https://.*\.trusted\.example\.com"


@pytest.mark.parametrize(
    "origins",
    [
        TRUSTED_REGEX,
        re.compile(TRUSTED_REGEX),
        [OTHER, re.compile(TRUSTED_REGEX)],
        "https://app.trusted.example.com",
    ],
    ids=stable_id,
)
@pytest.mark.parametrize(
    "request_origin, allowed",
    [
        ("https://app.trusted.example.com", True),
        ("https://app.trusted.example.com.evil.net", False),
        ("https://app.trusted.example.com:8443", False),
        ("https://evilapp.trusted.example.com.evil.net", False),
        ("xhttps://app.trusted.example.com", False),
        ("https://app.trusted.example.comx", False),
        ("https://app.eviltrusted.example.com", False),
    ],
)
def test_origin_patterns_must_match_the_whole_origin(
    origins: Any, request_origin: str, allowed: bool
) -> None:
    decision = decide(make_policy(origins=origins), "GET", request_origin)
    if allowed:
        assert headers_of(decision) == {ACAO: request_origin}
    else:
        assert decision.headers == ()
        assert decision.reasons == ("origin-not-allowed",)


@pytest.mark.parametrize(
    "origins", [r"https://api\.example\.com", re.compile(r"https://api\.example\.com")], ids=repr
)
def test_escaped_dots_do_not_match_any_character(origins: Any) -> None:
    policy = make_policy(origins=origins)
    assert get(policy, "https://api.example.com") == {ACAO: "https://api.example.com"}
    assert get(policy, "https://apiXexample.com") == {}


def test_literal_origin_suffix_is_not_enough() -> None:
    policy = make_policy(origins="https://trusted.example.com")
    assert get(policy, "https://eviltrusted.example.com") == {}
    assert get(policy, "https://trusted.example.com.evil.net") == {}
    assert get(policy, "https://sub.trusted.example.com") == {}


def test_null_origin_only_when_configured() -> None:
    assert get(make_policy(origins=["null"]), "null") == {ACAO: "null"}
    assert get(make_policy(origins=[ORIGIN]), "null") == {}
    assert get(make_policy(origins=[r"https://.*\.example"]), "null") == {}


LONGEST = "https://" + "a" * (1024 - len("https://"))
INVALID_ORIGINS = [
    LONGEST + "a",
    "https://a.example, https://b.example",
    "https://a.example,https://b.example",
    "https://a .example",
    "https://a.example ",
    "https://a.example\r\nSet-Cookie: x=1",
    "https://a.example\n",
    "https://a.example\x00",
    "https://a.example\t",
    "https://a.example\x7f",
    "https://bücher.example",
    "https://xn--bcher-kva.example\u200b",
]


@pytest.mark.parametrize("origin", INVALID_ORIGINS, ids=stable_id)
@pytest.mark.parametrize(
    "options",
    [{}, {"supports_credentials": True}, {"origins": [r"https://.*", ORIGIN]}],
    ids=stable_id,
)
def test_invalid_origins_are_never_echoed(origin: str, options: Dict[str, Any]) -> None:
    decision = decide(make_policy(**options), "GET", origin)
    assert decision.headers == ()
    assert decision.reasons == ("origin-invalid",)
    assert decision.vary_origin is True


def test_origin_of_exactly_1024_characters_is_echoed() -> None:
    assert get(make_policy(), LONGEST) == {ACAO: LONGEST}


# --- credentials and expose headers -------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"supports_credentials": True},
        {"supports_credentials": True, "origins": [ORIGIN, "https://b.example"]},
        {"supports_credentials": True, "origins": re.compile(r"https://a\.example")},
        {"supports_credentials": True, "origins": ".*"},
    ],
    ids=stable_id,
)
@pytest.mark.parametrize("origin", [ORIGIN, OTHER, None, "", "null", "https://a.example,x"])
def test_credentials_only_beside_a_non_star_origin(
    options: Dict[str, Any], origin: Optional[str]
) -> None:
    for decision in (
        decide(make_policy(**options), "GET", origin),
        preflight(make_policy(**options), origin=origin),
    ):
        headers = headers_of(decision)
        if ACAO in headers:
            assert headers[ACAO] != "*"
            assert headers[ACAC] == "true"
        else:
            assert ACAC not in headers


def test_credentials_with_wildcard_echo_the_origin() -> None:
    policy = make_policy(supports_credentials=True)
    assert get(policy, OTHER) == {ACAO: OTHER, ACAC: "true"}


def test_expose_headers_go_with_every_allowed_answer() -> None:
    policy = make_policy(origins=[ORIGIN], expose_headers=["X-Total", "X-Page"])
    assert tokens(get(policy)[ACEH]) == {"X-Total", "X-Page"}
    assert tokens(get(policy, None)[ACEH]) == {"X-Total", "X-Page"}
    assert get(policy, OTHER) == {}


# --- always_send (no Origin) --------------------------------------------------------


@pytest.mark.parametrize("origin", [None, ""], ids=["absent", "empty"])
@pytest.mark.parametrize(
    "options, expected, reason",
    [
        ({}, {ACAO: "*"}, "no-origin-always-send"),
        ({"origins": ".*"}, {ACAO: "*"}, "no-origin-always-send"),
        ({"supports_credentials": True}, {}, "no-origin"),
        ({"always_send": False}, {}, "no-origin"),
        (  # one value, never several: the alphabetically first, as Flask-CORS 6 picks
            {"origins": ["https://b.example", ORIGIN]},
            {ACAO: ORIGIN},
            "no-origin-always-send",
        ),
        (
            {"origins": [ORIGIN], "supports_credentials": True},
            {ACAO: ORIGIN, ACAC: "true"},
            "no-origin-always-send",
        ),
        ({"origins": [ORIGIN], "always_send": False}, {}, "no-origin"),
        ({"origins": [re.compile(r"https://.*\.example")]}, {}, "no-origin"),
    ],
    ids=stable_id,
)
def test_requests_without_origin(
    options: Dict[str, Any], expected: Dict[str, str], reason: str, origin: Optional[str]
) -> None:
    decision = decide(make_policy(**options), "GET", origin)
    assert headers_of(decision) == expected
    assert decision.reasons == (reason,)


# --- Vary ---------------------------------------------------------------------------


@pytest.mark.parametrize("origin", [ORIGIN, OTHER, None, "bad origin"])
@pytest.mark.parametrize(
    "options, vary",
    [
        ({}, True),
        ({"origins": [ORIGIN]}, True),
        ({"origins": [ORIGIN], "always_send": False}, True),
        ({"supports_credentials": True}, True),
        ({"send_wildcard": True, "always_send": False}, True),
        ({"send_wildcard": True}, False),
        ({"vary_header": False}, False),
        ({"origins": [ORIGIN], "vary_header": False}, False),
    ],
    ids=stable_id,
)
def test_vary_origin_decision(options: Dict[str, Any], vary: bool, origin: Optional[str]) -> None:
    policy = make_policy(**options)
    assert decide(policy, "GET", origin).vary_origin is vary
    assert preflight(policy, origin=origin).vary_origin is vary


# --- preflight: methods -------------------------------------------------------------


def test_preflight_lists_the_configured_methods() -> None:
    decision = preflight(make_policy())
    assert tokens(headers_of(decision)[ACAM]) == DEFAULT_METHODS
    assert decision.reasons == ("origin-allowed", "preflight-allowed")


@pytest.mark.parametrize(
    "method, request_method",
    [("GET", "POST"), ("POST", "POST"), ("OPTIONS", None), ("OPTIONS", "")],
)
def test_preflight_headers_only_on_real_preflights(
    method: str, request_method: Optional[str]
) -> None:
    policy = make_policy(max_age=600)
    decision = decide(policy, method, ORIGIN, request_method, "x-a")
    headers = headers_of(decision)
    assert headers[ACAO] == ORIGIN
    assert not set(headers) & set(PREFLIGHT_ONLY)
    assert "preflight-allowed" not in decision.reasons


@pytest.mark.parametrize("request_method", ["ET", "POS", "GETPOST", "GET, POST", "G ET", "PURGE"])
def test_preflight_method_must_be_exactly_one_of_the_methods(request_method: str) -> None:
    decision = preflight(make_policy(max_age=5), request_method, "x-a")
    assert not set(headers_of(decision)) & set(PREFLIGHT_ONLY)
    assert decision.reasons == ("origin-allowed", "method-not-allowed")


@pytest.mark.parametrize("request_method", ["post", "Post", "POST"])
def test_preflight_method_is_matched_case_insensitively(request_method: str) -> None:
    decision = preflight(make_policy(methods=["GET", "POST"]), request_method)
    assert tokens(headers_of(decision)[ACAM]) == {"GET", "POST"}


def test_preflight_for_a_method_not_configured_is_refused() -> None:
    decision = preflight(make_policy(methods="GET, PUT"), "POST")
    assert ACAM not in headers_of(decision)
    assert "method-not-allowed" in decision.reasons


@pytest.mark.parametrize("request_method", ["PURGE", "GET", "X-CUSTOM"])
def test_methods_star_echoes_the_requested_method(request_method: str) -> None:
    decision = preflight(make_policy(methods="*"), request_method)
    assert headers_of(decision)[ACAM] == request_method


@pytest.mark.parametrize("request_method", ["GET\r\nX-Evil: 1", "GE\x00T", "PUR\nGE", "GET POST"])
def test_methods_star_never_echoes_a_non_token(request_method: str) -> None:
    decision = preflight(make_policy(methods="*"), request_method)
    assert ACAM not in headers_of(decision)
    assert "method-not-allowed" in decision.reasons


def test_methods_star_echoes_a_method_of_256_characters_but_not_257() -> None:
    """README difference 4: a requested method is echoed only up to 256 characters, so
    what a client sends cannot make the answer arbitrarily large."""
    longest = "M" * 256
    assert headers_of(preflight(make_policy(methods="*"), longest))[ACAM] == longest
    too_long = preflight(make_policy(methods="*"), "M" * 257)
    assert ACAM not in headers_of(too_long)
    assert "method-not-allowed" in too_long.reasons


# --- preflight: headers -------------------------------------------------------------


def test_allowed_headers_are_echoed_sorted_in_client_spelling() -> None:
    decision = preflight(make_policy(), request_headers="x-b, content-type, X-Custom-A")
    assert tokens(headers_of(decision)[ACAH]) == {"x-b", "content-type", "X-Custom-A"}
    lower = preflight(make_policy(), request_headers="x-b,content-type,x-a")
    assert headers_of(lower)[ACAH] == "content-type, x-a, x-b"


def test_allowed_headers_are_deduplicated_case_insensitively() -> None:
    value = headers_of(preflight(make_policy(), request_headers="X-A, x-a, x-b, X-B, x-a"))[ACAH]
    names = [name.strip() for name in value.split(",")]
    assert len(names) == 2
    assert {name.lower() for name in names} == {"x-a", "x-b"}


def test_empty_header_names_are_dropped() -> None:
    decision = preflight(make_policy(), request_headers="a,,b, ,")
    assert headers_of(decision)[ACAH] == "a, b"
    assert "" not in decision.refused_headers


@pytest.mark.parametrize("bad", ["bad name", "x:y", "x\x00y", "x\ty", "(x)", "ä-header", "x/y"])
def test_non_token_header_names_are_dropped_and_reported(bad: str) -> None:
    decision = preflight(make_policy(), request_headers=f"x-a, {bad}")
    assert headers_of(decision)[ACAH] == "x-a"
    assert bad in decision.refused_headers
    assert decision.reasons[:2] == ("origin-allowed", "preflight-allowed")
    assert "header-not-allowed" in decision.reasons


def test_literal_allow_headers_refuse_the_others() -> None:
    decision = preflight(make_policy(allow_headers=["X-A"]), request_headers="x-a, x-b")
    assert headers_of(decision)[ACAH] == "x-a"
    assert decision.refused_headers == ("x-b",)
    assert "header-not-allowed" in decision.reasons
    assert "preflight-allowed" in decision.reasons


@pytest.mark.parametrize(
    "allow_headers", [r"x-[a-z]+", re.compile(r"x-[a-z]+"), [re.compile("x-[a-z]+")]], ids=repr
)
@pytest.mark.parametrize(
    "name, allowed",
    [("x-abc", True), ("x-abc-def", False), ("pre-x-abc", False), ("x-abc1", False)],
)
def test_regex_allow_headers_must_match_the_whole_name(
    allow_headers: Any, name: str, allowed: bool
) -> None:
    decision = preflight(make_policy(allow_headers=allow_headers), request_headers=name)
    assert (headers_of(decision).get(ACAH) == name) is allowed
    assert (name in decision.refused_headers) is not allowed


def test_authorization_is_echoed_by_name_under_star() -> None:
    decision = preflight(make_policy(), request_headers="authorization, x-a")
    assert tokens(headers_of(decision)[ACAH]) == {"authorization", "x-a"}


def test_no_requested_headers_gives_no_allow_headers() -> None:
    assert ACAH not in headers_of(preflight(make_policy()))


# --- preflight: max age and private network -----------------------------------------


@pytest.mark.parametrize(
    "max_age, expected",
    [(600, "600"), ("600", "600"), (timedelta(minutes=10), "600"), (0, "0"), (None, None)],
    ids=stable_id,
)
def test_max_age_on_preflights_only(max_age: Any, expected: Optional[str]) -> None:
    policy = make_policy(max_age=max_age)
    assert headers_of(preflight(policy)).get(ACMA) == expected
    assert ACMA not in get(policy)


@pytest.mark.parametrize(
    "allow, request_value, expected",
    [
        (True, "true", "true"),
        (False, "true", "false"),
        (True, None, None),
        (True, "false", None),
        (True, "TRUE", None),
        (True, "1", None),
        (True, "", None),
        (False, "yes", None),
    ],
)
def test_private_network(
    allow: bool, request_value: Optional[str], expected: Optional[str]
) -> None:
    policy = make_policy(allow_private_network=allow)
    decision = preflight(policy, private_network=request_value)
    assert headers_of(decision).get(ACAPN) == expected


# --- reason codes -------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, args, first",
    [
        ({}, ("GET", ORIGIN), "origin-allowed"),
        ({"origins": [ORIGIN]}, ("GET", OTHER), "origin-not-allowed"),
        ({"origins": [ORIGIN]}, ("GET", "https://a.example\r\n"), "origin-invalid"),
        ({"always_send": False}, ("GET", None), "no-origin"),
        ({}, ("GET", None), "no-origin-always-send"),
        ({}, ("OPTIONS", ORIGIN, "PUT"), "origin-allowed"),
        ({"methods": "GET"}, ("OPTIONS", ORIGIN, "PUT"), "origin-allowed"),
    ],
    ids=stable_id,
)
def test_first_reason_is_about_the_origin(options: Dict[str, Any], args: tuple, first: str) -> None:
    assert decide(make_policy(**options), *args).reasons[0] == first


# --- header safety ------------------------------------------------------------------

HOSTILE = [
    ("https://a.example\r\nSet-Cookie: x=1", "POST", "x-a", "true"),
    (ORIGIN, "GET\r\nX-Evil: 1", "x-a", "true"),
    (ORIGIN, "POST", "x-a\r\nSet-Cookie: x=1, x-b", "true"),
    (ORIGIN, "POST", "x-a, \nx-b\r, x\rc", "true\r\nX: y"),
    ("\r\n", "\r\n", "\r\n", "\r\n"),
    ("https://a.example\n", "PURGE\n", "\nx-a", "\ntrue"),
    ("null\r\n", "*", ",\r\n,", None),
    (ORIGIN, "POST\x00", "x\x00a", "true\x00"),
]
HOSTILE_POLICIES = [
    {},
    {"methods": "*", "max_age": 5, "expose_headers": "X-A"},
    {"origins": [ORIGIN, "null"], "supports_credentials": True},
    {"origins": [r"https://.*"], "allow_headers": [r"x-.*"], "allow_private_network": True},
    {"send_wildcard": True, "allow_headers": ["x-a", "x-b"]},
]


@pytest.mark.parametrize("options", HOSTILE_POLICIES, ids=stable_id)
@pytest.mark.parametrize("origin, acrm, acrh, pna", HOSTILE, ids=stable_id)
@pytest.mark.parametrize("method", ["OPTIONS", "GET"])
def test_no_header_value_ever_contains_cr_or_lf(
    options: Dict[str, Any],
    origin: str,
    acrm: str,
    acrh: str,
    pna: Optional[str],
    method: str,
) -> None:
    decision = decide(make_policy(**options), method, origin, acrm, acrh, pna)
    for name, value in headers_of(decision).items():
        assert isinstance(value, str)
        assert not re.search(r"[\r\n\x00]", name + value), (name, value)
