"""The fetch() model in verdict.py, checked against the WHATWG Fetch Standard's text."""

from __future__ import annotations

from typing import Callable, List, Optional, Tuple

import pytest

from fetch_terms import (
    Fetch,
    Grant,
    Headers,
    Request,
    Response,
    is_forbidden_request_header,
    is_safelisted_method,
    is_safelisted_request_header,
    normalize_method,
    unsafe_request_header_names,
)
from verdict import (
    DEFAULT_MAX_AGE,
    MAX_AGE_LIMIT,
    PreflightCache,
    cors_check,
    exposed_header_names,
    max_age,
    play,
    preflight_check,
)

ORIGIN = "https://app.example"
ACAO = ("Access-Control-Allow-Origin", ORIGIN)
ACAC = ("Access-Control-Allow-Credentials", "true")


class Server:
    """A fake API: canned answers to preflights and to actual requests; records what it got."""

    def __init__(
        self,
        preflight: Headers = (ACAO,),
        actual: Headers = (ACAO,),
        preflight_status: int = 204,
        status: int = 200,
        answer: Optional[Callable[[Request], Optional[Response]]] = None,
    ) -> None:
        self.preflight = Response(preflight_status, preflight)
        self.actual = Response(status, actual)
        self.answer = answer
        self.requests: List[Request] = []

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        custom = self.answer(request) if self.answer else None
        if custom is not None:
            return custom
        return self.preflight if request.preflight else self.actual


def header(request: Request, name: str) -> Optional[str]:
    values = [value for key, value in request.headers if key.lower() == name.lower()]
    assert len(values) <= 1
    return values[0] if values else None


# Fetch, Methods: "normalize", "CORS-safelisted method", "forbidden method".


@pytest.mark.parametrize(
    ("given", "normalized"),
    [
        ("get", "GET"),
        ("Delete", "DELETE"),
        ("head", "HEAD"),
        ("options", "OPTIONS"),
        ("post", "POST"),
        ("put", "PUT"),
        ("patch", "patch"),
        ("Patch", "Patch"),
        ("CHICKEN", "CHICKEN"),
    ],
)
def test_normalize_uppercases_only_six_methods(given: str, normalized: str) -> None:
    """Fetch, Methods, "normalize": only DELETE, GET, HEAD, OPTIONS, POST, PUT, matched
    case-insensitively, are byte-uppercased; other methods keep their case."""
    assert normalize_method(given) == normalized


@pytest.mark.parametrize(("method", "safe"), [("GET", True), ("HEAD", True), ("POST", True)])
def test_safelisted_methods(method: str, safe: bool) -> None:
    """Fetch, Methods: a CORS-safelisted method is `GET`, `HEAD` or `POST`."""
    assert is_safelisted_method(method) is safe


@pytest.mark.parametrize("method", ["PUT", "DELETE", "OPTIONS", "PATCH", "post", "get"])
def test_other_methods_are_not_safelisted(method: str) -> None:
    """Fetch, Methods: methods are byte sequences, so `post` is not `POST`."""
    assert not is_safelisted_method(method)


def test_patch_is_sent_as_patch_and_needs_patch_in_acam() -> None:
    """Fetch, Methods, note: `patch` is not normalized; CORS-preflight fetch step 7.5: the
    request's method must be in ACAM, compared as bytes, so `PATCH` does not grant `patch`."""
    server = Server(preflight=(ACAO, ("Access-Control-Allow-Methods", "PATCH")))
    verdict = play(Fetch(ORIGIN, method="patch"), server)
    assert verdict.outcome == "fails"
    assert [r.method for r in verdict.sent] == ["OPTIONS"]
    assert header(verdict.sent[0], "Access-Control-Request-Method") == "patch"
    assert "'patch'" in verdict.failures[0]

    server = Server(preflight=(ACAO, ("Access-Control-Allow-Methods", "patch")))
    verdict = play(Fetch(ORIGIN, method="patch"), server)
    assert verdict.outcome == "resolves"
    assert [r.method for r in verdict.sent] == ["OPTIONS", "patch"]


def test_put_in_lower_case_is_sent_as_put() -> None:
    """Fetch, Request constructor: the method is normalized, so `put` goes out as `PUT`
    (ACRM included) and ACAM `PUT` grants it."""
    server = Server(preflight=(ACAO, ("Access-Control-Allow-Methods", "PUT")))
    verdict = play(Fetch(ORIGIN, method="put"), server)
    assert verdict.outcome == "resolves"
    assert header(verdict.sent[0], "Access-Control-Request-Method") == "PUT"
    assert verdict.sent[1].method == "PUT"


@pytest.mark.parametrize("method", ["CONNECT", "trace", "Track"])
def test_forbidden_method_rejects_before_sending(method: str) -> None:
    """Fetch, Request constructor step "If method is ... a forbidden method, then throw a
    TypeError": a byte-case-insensitive CONNECT, TRACE or TRACK; nothing reaches the network."""
    verdict = play(Fetch(ORIGIN, method=method, times=2), Server())
    assert verdict.outcome == "fails"
    assert verdict.sent == []
    assert not verdict.reaches_server
    assert len(verdict.failures) == 2
    assert all("TypeError" in failure for failure in verdict.failures)


def test_a_method_that_is_no_token_rejects() -> None:
    """Fetch, Request constructor: "If method is not a method ... throw a TypeError"."""
    assert play(Fetch(ORIGIN, method="GET /"), Server()).sent == []


# Fetch, Headers: "CORS-safelisted request-header", "CORS-unsafe request-header names".


@pytest.mark.parametrize(
    ("name", "value", "safe"),
    [
        ("Accept", "application/json", True),
        ("accept", "*/*", True),
        ("Accept", 'text/"html"', False),  # 0x22 is a CORS-unsafe request-header byte
        ("Accept", "a{b}", False),
        ("Accept-Language", "en-US,en;q=0.9", True),
        ("Content-Language", "de-DE", True),
        ("Accept-Language", "en_US", False),  # "_" is not in the allowed bytes
        ("Content-Type", "text/plain", True),
        ("Content-Type", "text/plain;charset=UTF-8", True),
        ("Content-Type", "multipart/form-data; boundary=x", True),
        ("Content-Type", "application/x-www-form-urlencoded", True),
        ("Content-Type", "TEXT/Plain", True),  # the essence is lower-cased
        ("Content-Type", "application/json", False),
        ("Content-Type", 'text/plain; charset="utf-8"', False),  # 0x22 again
        ("Content-Type", "text /plain", False),  # "text " is no token: parsing fails
        ("Content-Type", "text/plain, application/json", False),
        ("Range", "bytes=0-", True),
        ("Range", "bytes=0-499", True),
        ("Range", "bytes=-500", False),  # no start: not safelisted
        ("Range", "bytes=5-1", False),  # start after end: failure
        ("Range", "bytes=0-1,3-4", False),  # not a single range
        ("Range", "bytes = 0-1", False),  # whitespace is not allowed here
        ("X-Custom", "1", False),
        ("Authorization", "Bearer x", False),
    ],
)
def test_safelisted_request_header(name: str, value: str, safe: bool) -> None:
    """Fetch, "CORS-safelisted request-header": Accept, Accept-Language, Content-Language,
    Content-Type with one of three MIME essences, and Range with a single `bytes=N-[M]`."""
    assert is_safelisted_request_header(name, value) is safe


def test_safelisted_values_are_at_most_128_bytes() -> None:
    """Fetch, "CORS-safelisted request-header" step 1: a value longer than 128 is not."""
    assert is_safelisted_request_header("Accept", "a" * 128)
    assert not is_safelisted_request_header("Accept", "a" * 129)
    long_type = "text/plain;x=" + "a" * 116
    assert len(long_type) == 129
    assert not is_safelisted_request_header("Content-Type", long_type)


def test_unsafe_names_are_lowercased_unique_and_sorted() -> None:
    """Fetch, "CORS-unsafe request-header names" and "convert header names to a
    sorted-lowercase set"."""
    headers = (
        ("X-B", "1"),
        ("x-a", "2"),
        ("Content-Type", "application/json"),
        ("Accept", "*/*"),
        ("X-A", "3"),
    )
    assert unsafe_request_header_names(headers) == ["content-type", "x-a", "x-b"]


def test_safelisted_values_over_1024_bytes_in_all_become_unsafe() -> None:
    """Fetch, "CORS-unsafe request-header names" step 5: once the safelisted values add up to
    more than 1024 bytes, their names are unsafe too; exactly 1024 is still fine."""
    eight = tuple(
        (("Accept-Language", "a" * 128), ("Content-Language", "b" * 128))[i % 2] for i in range(8)
    )
    assert unsafe_request_header_names(eight) == []
    assert unsafe_request_header_names((*eight, ("Accept", "x"))) == [
        "accept",
        "accept-language",
        "content-language",
    ]


def test_preflight_lists_unsafe_names_joined_by_comma_without_space() -> None:
    """Fetch, CORS-preflight fetch steps 2-5: ACRM is the method; ACRH is the CORS-unsafe
    request-header names joined by `,` (no space); the preflight carries no credentials."""
    headers = (("X-B", "1"), ("X-A", "2"), ("Content-Type", "application/json"))
    server = Server(preflight=(ACAO, ("Access-Control-Allow-Headers", "x-a, X-B, content-type")))
    verdict = play(Fetch(ORIGIN, method="POST", headers=headers, body="{}"), server)
    preflight, actual = verdict.sent
    assert preflight.method == "OPTIONS" and preflight.preflight
    assert header(preflight, "Origin") == ORIGIN
    assert header(preflight, "Access-Control-Request-Method") == "POST"
    assert header(preflight, "Access-Control-Request-Headers") == "content-type,x-a,x-b"
    assert not preflight.credentials
    assert verdict.outcome == "resolves"
    assert header(actual, "X-A") == "2" and header(actual, "Origin") == ORIGIN


def test_safelisted_request_needs_no_preflight() -> None:
    """Fetch, main fetch: a request goes through the CORS-preflight branch only when its method
    is not CORS-safelisted or it has CORS-unsafe request-header names."""
    headers = (("Accept", "application/json"), ("Content-Type", "text/plain"))
    verdict = play(Fetch(ORIGIN, method="POST", headers=headers, body="x"), Server())
    assert verdict.preflights == 0
    assert verdict.outcome == "resolves"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Cookie", "a=1"),
        ("Origin", "https://evil.example"),
        ("Host", "evil.example"),
        ("Content-Length", "5"),
        ("Sec-Fetch-Mode", "cors"),
        ("Proxy-Authorization", "x"),
        ("Access-Control-Request-Headers", "x"),
        ("X-HTTP-Method-Override", "TRACE"),
        ("X-Method-Override", "GET, connect"),
    ],
)
def test_forbidden_request_headers_are_silently_left_out(name: str, value: str) -> None:
    """Fetch, "forbidden request-header" and Headers "validate": with guard "request" such a
    header is not appended, and no error is thrown, so the GET needs no preflight."""
    assert is_forbidden_request_header(name, value)
    verdict = play(Fetch(ORIGIN, headers=((name, value),)), Server())
    assert verdict.outcome == "resolves"
    assert verdict.preflights == 0
    assert verdict.sent[0].headers == (("Origin", ORIGIN),)


def test_method_override_naming_an_allowed_method_is_not_forbidden() -> None:
    """Fetch, "forbidden request-header" step 3: only a forbidden method in the value counts."""
    assert not is_forbidden_request_header("X-HTTP-Method-Override", "PATCH")


# Fetch, CORS check.


@pytest.mark.parametrize(
    ("include", "acao", "acac", "shared"),
    [
        (False, "*", None, True),
        (False, "*", "true", True),
        (False, "https://rabbit.invalid/", None, False),
        (False, "https://rabbit.invalid", None, True),
        (True, "*", "true", False),
        (True, "https://rabbit.invalid", "true", True),
        (True, "https://rabbit.invalid", "True", False),
    ],
)
def test_cors_check_follows_the_credentials_table(
    include: bool, acao: str, acac: Optional[str], shared: bool
) -> None:
    """Fetch, "CORS protocol and credentials": the table of legal and illegal combinations
    for a request from https://rabbit.invalid."""
    headers: Headers = (("Access-Control-Allow-Origin", acao),)
    if acac is not None:
        headers += (("Access-Control-Allow-Credentials", acac),)
    assert (cors_check("https://rabbit.invalid", include, headers) is None) is shared


def test_cors_check_fails_without_acao() -> None:
    """Fetch, CORS check step 2: "If origin is null, then return failure"."""
    assert cors_check(ORIGIN, False, (("Access-Control-Allow-Methods", "GET"),)) is not None


def test_acao_compares_byte_for_byte() -> None:
    """Fetch, CORS check step 4: the byte-serialized origin must be ACAO exactly."""
    assert cors_check(ORIGIN, False, (("Access-Control-Allow-Origin", "HTTPS://APP.EXAMPLE"),))


def test_two_acao_headers_never_match() -> None:
    """Fetch, CORS check step 1 uses header list "get", which joins repeated values with ", ",
    so two ACAO lines, even both equal to the origin, never match it."""
    twice = (ACAO, ACAO)
    reason = cors_check(ORIGIN, False, twice)
    assert reason is not None and f"{ORIGIN}, {ORIGIN}" in reason
    assert play(Fetch(ORIGIN), Server(actual=twice)).outcome == "fails"


@pytest.mark.parametrize("acac", [None, "True", "TRUE", "1", "yes", "true, true"])
def test_credentials_need_acac_exactly_true(acac: Optional[str]) -> None:
    """Fetch, CORS check steps 6-8 and the ABNF `%s"true"`: with credentials mode "include"
    only `true`, case-sensitive and alone, passes (two `true` lines get as "true, true")."""
    headers: Headers = (ACAO,)
    if acac == "true, true":
        headers += (ACAC, ACAC)
    elif acac is not None:
        headers += (("Access-Control-Allow-Credentials", acac),)
    assert cors_check(ORIGIN, True, headers) is not None
    assert cors_check(ORIGIN, True, (ACAO, ACAC)) is None


def test_credentials_include_sends_cookies_on_the_actual_request_only() -> None:
    """Fetch, HTTP-network-or-cache fetch: includeCredentials is true for mode "include" (for
    "same-origin" only with basic tainting, never cross-origin); a CORS-preflight request
    never includes credentials."""
    server = Server(
        preflight=(ACAO, ACAC, ("Access-Control-Allow-Methods", "PUT")), actual=(ACAO, ACAC)
    )
    sent = play(Fetch(ORIGIN, method="PUT", credentials="include"), server).sent
    assert [(r.preflight, r.credentials) for r in sent] == [(True, False), (False, True)]
    for mode in ("omit", "same-origin"):
        assert not play(Fetch(ORIGIN, credentials=mode), Server()).sent[0].credentials


def test_acao_star_is_literal_with_credentials() -> None:
    """Fetch, CORS check step 3: `*` succeeds only when credentials mode is not "include"."""
    star = Server(actual=(("Access-Control-Allow-Origin", "*"), ACAC))
    assert play(Fetch(ORIGIN, credentials="omit"), star).outcome == "resolves"
    verdict = play(Fetch(ORIGIN, credentials="include"), star)
    assert verdict.outcome == "fails"
    assert verdict.reaches_server  # the request was sent; its response is not shared
    assert "literally" in verdict.failures[0]


# Fetch, CORS-preflight fetch: ACAM and ACAH, with and without credentials.


@pytest.mark.parametrize(
    ("credentials", "acam", "outcome"),
    [
        ("same-origin", "*", "resolves"),
        ("omit", "*", "resolves"),
        ("include", "*", "fails"),
        ("include", "*, PUT", "resolves"),
    ],
)
def test_acam_star_is_a_wildcard_only_without_credentials(
    credentials: str, acam: str, outcome: str
) -> None:
    """Fetch, CORS-preflight fetch step 7.5: a method not in ACAM fails unless it is
    safelisted, or ACAM has `*` and credentials mode is not "include"."""
    allow = (ACAO, ACAC, ("Access-Control-Allow-Methods", acam))
    server = Server(preflight=allow, actual=(ACAO, ACAC))
    assert play(Fetch(ORIGIN, method="PUT", credentials=credentials), server).outcome == outcome


@pytest.mark.parametrize(
    ("credentials", "acah", "outcome"),
    [
        ("same-origin", "*", "resolves"),
        ("include", "*", "fails"),
        ("include", "*, X-Custom", "resolves"),
        ("include", "x-custom", "resolves"),
    ],
)
def test_acah_star_is_a_wildcard_only_without_credentials(
    credentials: str, acah: str, outcome: str
) -> None:
    """Fetch, CORS-preflight fetch step 7.7: each CORS-unsafe name must be in ACAH (compared
    byte-case-insensitively) unless ACAH has `*` and credentials mode is not "include"."""
    allow = (ACAO, ACAC, ("Access-Control-Allow-Headers", acah))
    server = Server(preflight=allow, actual=(ACAO, ACAC))
    fetch = Fetch(ORIGIN, headers=(("X-Custom", "1"),), credentials=credentials)
    assert play(fetch, server).outcome == outcome


@pytest.mark.parametrize(
    ("acah", "outcome"),
    [("*", "fails"), ("*, Authorization", "resolves"), ("authorization", "resolves")],
)
def test_authorization_is_not_covered_by_star(acah: str, outcome: str) -> None:
    """Fetch, "CORS non-wildcard request-header name" (Authorization) and CORS-preflight fetch
    step 7.6: it must be named in ACAH even without credentials."""
    server = Server(preflight=(ACAO, ("Access-Control-Allow-Headers", acah)))
    fetch = Fetch(ORIGIN, headers=(("Authorization", "Bearer t"),))
    assert play(fetch, server).outcome == outcome


@pytest.mark.parametrize("status", [200, 204, 299])
def test_preflight_with_an_ok_status_passes(status: int) -> None:
    """Fetch, Statuses: an ok status is 200 to 299; CORS-preflight fetch step 7 needs one."""
    server = Server(
        preflight=(ACAO, ("Access-Control-Allow-Methods", "PUT")), preflight_status=status
    )
    assert play(Fetch(ORIGIN, method="PUT"), server).outcome == "resolves"


@pytest.mark.parametrize("status", [199, 300, 301, 302, 308, 400, 404, 500])
def test_preflight_without_an_ok_status_fails(status: int) -> None:
    """Fetch, CORS-preflight fetch step 7 (ok status) and step 8 (otherwise, a network error):
    a redirect is not followed for a preflight (it uses HTTP-network-or-cache fetch)."""
    allow = (ACAO, ("Access-Control-Allow-Methods", "PUT"), ("Location", "/elsewhere"))
    verdict = play(Fetch(ORIGIN, method="PUT"), Server(preflight=allow, preflight_status=status))
    assert verdict.outcome == "fails"
    assert [r.method for r in verdict.sent] == ["OPTIONS"]
    assert not verdict.reaches_server
    assert f"status {status}" in verdict.failures[0]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Access-Control-Allow-Methods", "PUT GET"),
        ("Access-Control-Allow-Methods", "PUT;"),
        ("Access-Control-Allow-Headers", "x-custom, x custom"),
        ("Access-Control-Allow-Headers", '"x-custom"'),
    ],
)
def test_acam_or_acah_that_is_not_a_token_list_fails(name: str, value: str) -> None:
    """Fetch, CORS-preflight fetch step 7.3: extracting ACAM (`#method`) or ACAH
    (`#field-name`) as header list values can fail, and failure is a network error."""
    good = (("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Allow-Headers", "*"))
    allow = (ACAO, *(h for h in good if h[0] != name), (name, value))
    fetch = Fetch(ORIGIN, method="PUT", headers=(("X-Custom", "1"),))
    verdict = play(fetch, Server(preflight=allow))
    assert verdict.outcome == "fails"
    assert "not a list of tokens" in verdict.failures[0]


def test_acam_lines_and_empty_elements_are_one_list() -> None:
    """Fetch, "extract header list values": every header line's values are appended; the `#`
    list rule allows empty elements."""
    allow = (
        ACAO,
        ("Access-Control-Allow-Methods", "GET,,"),
        ("Access-Control-Allow-Methods", " PUT "),
    )
    grant = preflight_check(ORIGIN, "PUT", (), False, Response(200, allow))
    assert isinstance(grant, Grant)
    assert grant.methods == ("GET", "PUT")


def test_preflight_check_runs_the_cors_check_with_the_request_credentials() -> None:
    """Fetch, CORS-preflight fetch step 7 note: the CORS check uses the request's credentials
    mode, so an "include" preflight needs ACAC `true` and an exact ACAO."""
    allow = (("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "PUT"))
    assert isinstance(preflight_check(ORIGIN, "PUT", (), False, Response(204, allow)), Grant)
    assert isinstance(preflight_check(ORIGIN, "PUT", (), True, Response(204, allow)), str)


# Fetch, main fetch and "CORS filtered response": what the script reads.

SAFELISTED = [
    "Cache-Control",
    "Content-Language",
    "Content-Length",
    "Content-Type",
    "Expires",
    "Last-Modified",
    "Pragma",
]


def test_safelisted_response_headers_are_always_readable() -> None:
    """Fetch, "CORS-safelisted response-header name": these seven are exposed without ACEH;
    others are not (Headers get() returns null)."""
    answer = (ACAO, *((name, "v") for name in SAFELISTED), ("X-Total", "5"), ("ETag", '"e"'))
    fetch = Fetch(ORIGIN, read=(*(name.lower() for name in SAFELISTED), "X-Total", "ETag"))
    verdict = play(fetch, Server(actual=answer))
    assert verdict.readable == {name.lower(): "v" for name in SAFELISTED}
    assert verdict.unreadable == ["X-Total", "ETag"]


def test_aceh_names_are_exposed_case_insensitively() -> None:
    """Fetch, main fetch: the CORS-exposed header-name list is ACEH's values; a CORS-safelisted
    response-header name matches them byte-case-insensitively."""
    answer = (
        ACAO,
        ("Access-Control-Expose-Headers", "x-total, ETAG"),
        ("X-Total", "5"),
        ("ETag", "e"),
        ("X-Other", "o"),
    )
    verdict = play(Fetch(ORIGIN, read=("X-Total", "etag", "X-Other")), Server(actual=answer))
    assert verdict.readable == {"X-Total": "5", "etag": "e"}
    assert verdict.unreadable == ["X-Other"]


@pytest.mark.parametrize(
    ("credentials", "readable"), [("omit", True), ("same-origin", True), ("include", False)]
)
def test_aceh_star_exposes_all_only_without_credentials(credentials: str, readable: bool) -> None:
    """Fetch, main fetch: ACEH `*` exposes every header name unless credentials mode is
    "include", where it only matches a header named `*`."""
    answer = (ACAO, ACAC, ("Access-Control-Expose-Headers", "*"), ("X-Total", "5"))
    verdict = play(Fetch(ORIGIN, credentials=credentials, read=("X-Total",)), Server(actual=answer))
    assert verdict.outcome == "resolves"
    assert (verdict.readable == {"X-Total": "5"}) is readable
    assert (verdict.unreadable == ["X-Total"]) is not readable


def test_set_cookie_is_never_exposed() -> None:
    """Fetch, "CORS-safelisted response-header name": listed items count only when they are
    not a forbidden response-header name (Set-Cookie, Set-Cookie2)."""
    for aceh in ("Set-Cookie, Set-Cookie2", "*"):
        answer = (("Access-Control-Expose-Headers", aceh), ("Set-Cookie", "a=1"))
        assert "set-cookie" not in exposed_header_names(answer, False)


def test_malformed_aceh_exposes_only_the_safelist() -> None:
    """Fetch, main fetch: extracting ACEH can fail; a failed list names no header, so only the
    CORS-safelisted response-header names remain."""
    answer = (("Access-Control-Expose-Headers", "X-A X-B"), ("X-A", "1"))
    assert exposed_header_names(answer, False) == {name.lower() for name in SAFELISTED}


def test_a_header_read_twice_is_combined() -> None:
    """Fetch, Headers get() returns header list "get": the values joined with ", "."""
    answer = (
        ACAO,
        ("Access-Control-Expose-Headers", "X-Total"),
        ("X-Total", "1"),
        ("x-total", " 2 "),
    )
    assert play(Fetch(ORIGIN, read=("X-Total",)), Server(actual=answer)).readable == {
        "X-Total": "1, 2"
    }


def test_any_status_can_be_shared() -> None:
    """Fetch, CORS protocol, HTTP responses: a response to a CORS request can use any status,
    so a 403 with the right headers resolves and the script sees 403."""
    verdict = play(Fetch(ORIGIN), Server(status=403))
    assert (verdict.outcome, verdict.status) == ("resolves", 403)


# Fetch, CORS-preflight cache.


def test_max_age_parsing() -> None:
    """Fetch, CORS-preflight fetch steps 7.8-7.10 and the ABNF `delta-seconds`: a failure or no
    header means 5 seconds; above the imposed limit, the limit."""

    def acma(*values: str) -> int:
        return max_age(tuple(("Access-Control-Max-Age", value) for value in values))

    assert acma() == DEFAULT_MAX_AGE == 5
    assert acma("600") == 600
    assert acma("0") == 0
    assert acma("86400") == MAX_AGE_LIMIT
    for failure in (("-1",), ("1.5",), ("10, 20",), ("",), ("x",), ("10", "20")):
        assert acma(*failure) == 5


@pytest.mark.parametrize(("acma", "preflights"), [("0", 2), ("600", 1), (None, 1)])
def test_max_age_decides_whether_a_repeat_is_preflighted(
    acma: Optional[str], preflights: int
) -> None:
    """Fetch, CORS-preflight cache: entries are removed after max-age seconds; 0 removes them
    at once, a positive max-age (or the default 5) outlives an immediate repeat."""
    allow: Headers = (ACAO, ("Access-Control-Allow-Methods", "PUT"))
    if acma is not None:
        allow += (("Access-Control-Max-Age", acma),)
    verdict = play(Fetch(ORIGIN, method="PUT", times=2), Server(preflight=allow))
    assert verdict.outcome == "resolves"
    assert verdict.preflights == preflights
    assert [r.preflight for r in verdict.sent].count(False) == 2


def test_default_max_age_is_five_seconds() -> None:
    """Fetch, CORS-preflight cache: an entry "must be removed after the seconds specified in
    their max-age field have passed"; without ACMA that is 5."""
    cache = PreflightCache()
    cache.store(ORIGIN, "/", False, Grant(("PUT",), (), max_age(())))
    cache.advance(4.9)
    assert cache.method_match(ORIGIN, "/", False, "PUT")
    cache.advance(0.1)
    assert not cache.method_match(ORIGIN, "/", False, "PUT")


def test_a_cached_method_does_not_cover_a_new_header() -> None:
    """Fetch, HTTP fetch step 4.1: a preflight is needed when some CORS-unsafe name has no
    header-name cache entry match, even if the method has a method cache entry match."""
    methods = (ACAO, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Max-Age", "600"))
    cache = PreflightCache()
    assert play(Fetch(ORIGIN, method="PUT"), Server(preflight=methods), cache).preflights == 1
    assert play(Fetch(ORIGIN, method="PUT"), Server(preflight=methods), cache).preflights == 0
    server = Server(preflight=(*methods, ("Access-Control-Allow-Headers", "X-New")))
    verdict = play(Fetch(ORIGIN, method="PUT", headers=(("X-New", "1"),)), server, cache)
    assert verdict.preflights == 1
    assert header(verdict.sent[0], "Access-Control-Request-Headers") == "x-new"


def test_every_granted_name_is_cached_even_if_not_asked_for() -> None:
    """Fetch, CORS-preflight fetch step 7.15: an entry is created "for each headerName in
    headerNames", so a name ACAH listed unasked needs no preflight later."""
    allow = (
        ACAO,
        ("Access-Control-Allow-Methods", "PUT"),
        ("Access-Control-Allow-Headers", "X-Later"),
    )
    cache = PreflightCache()
    assert play(Fetch(ORIGIN, method="PUT"), Server(preflight=allow), cache).preflights == 1
    later = Fetch(ORIGIN, method="PUT", headers=(("X-Later", "1"),))
    assert play(later, Server(preflight=allow), cache).preflights == 0


def test_cache_entries_match_method_and_header_as_the_standard_says() -> None:
    """Fetch, "method cache entry match" (the method or `*`, case-sensitive) and "header-name
    cache entry match" (byte-case-insensitive, `*` but not for Authorization)."""
    cache = PreflightCache()
    cache.store(ORIGIN, "/", False, Grant(("PATCH",), ("X-A", "*"), 600))
    assert cache.method_match(ORIGIN, "/", False, "PATCH")
    assert not cache.method_match(ORIGIN, "/", False, "patch")
    assert cache.header_match(ORIGIN, "/", False, "x-a")
    assert cache.header_match(ORIGIN, "/", False, "X-Anything")
    assert not cache.header_match(ORIGIN, "/", False, "Authorization")
    assert not cache.method_match(ORIGIN, "/other", False, "PATCH")  # the URL is part of the key
    assert not cache.method_match("https://b.example", "/", False, "PATCH")  # and the origin


def test_cache_entries_without_credentials_do_not_serve_credentialed_requests() -> None:
    """Fetch, "cache entry match": an entry whose credentials is false matches only requests
    whose credentials mode is not "include"; a true one matches both."""
    cache = PreflightCache()
    cache.store(ORIGIN, "/a", False, Grant(("PUT",), (), 600))
    cache.store(ORIGIN, "/b", True, Grant(("PUT",), (), 600))
    assert not cache.method_match(ORIGIN, "/a", True, "PUT")
    assert cache.method_match(ORIGIN, "/a", False, "PUT")
    assert cache.method_match(ORIGIN, "/b", True, "PUT")
    assert cache.method_match(ORIGIN, "/b", False, "PUT")


def test_a_failed_preflight_is_not_cached() -> None:
    """Fetch, CORS-preflight fetch: entries are created only after every check passed."""
    server = Server(
        preflight=(ACAO, ("Access-Control-Allow-Methods", "GET"), ("Access-Control-Max-Age", "600"))
    )
    verdict = play(Fetch(ORIGIN, method="DELETE", times=2), server)
    assert (verdict.outcome, verdict.preflights, verdict.reaches_server) == ("fails", 2, False)
    assert len(verdict.failures) == 2 and verdict.failures[1].startswith("fetch 2 of 2: ")


def test_a_failed_preflighted_fetch_clears_its_cache_entries() -> None:
    """Fetch, main fetch: "If corsWithPreflightResponse is a network error, then clear cache
    entries using request", so a repeat after a refused actual response preflights again."""
    allow = (ACAO, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Max-Age", "600"))
    verdict = play(Fetch(ORIGIN, method="PUT", times=2), Server(preflight=allow, actual=()))
    assert (verdict.outcome, verdict.preflights, verdict.reaches_server) == ("fails", 2, True)


# Fetch, HTTP fetch and HTTP-redirect fetch.


def redirecting(status: int, location: str = "/next", cors: bool = True) -> Server:
    """Answers the first actual request with a redirect, everything else with 200."""
    first = Response(status, ((ACAO,) if cors else ()) + (("Location", location),))

    def answer(request: Request) -> Optional[Response]:
        return first if not request.preflight and request.path != "/next" else None

    allow = (
        ACAO,
        ("Access-Control-Allow-Methods", "PUT, DELETE"),
        ("Access-Control-Allow-Headers", "*"),
    )
    return Server(preflight=allow, answer=answer)


@pytest.mark.parametrize(
    ("status", "method", "after"),
    [
        (301, "POST", "GET"),
        (302, "POST", "GET"),
        (303, "POST", "GET"),
        (303, "PUT", "GET"),
        (303, "HEAD", "HEAD"),
        (301, "PUT", "PUT"),
        (302, "DELETE", "DELETE"),
        (307, "POST", "POST"),
        (308, "POST", "POST"),
    ],
)
def test_redirects_change_the_method_as_the_standard_says(
    status: int, method: str, after: str
) -> None:
    """Fetch, HTTP-redirect fetch step 12: 301/302 turn POST into GET, 303 turns every method
    but GET and HEAD into GET (dropping the body and its request-body-header names)."""
    body = None if method == "HEAD" else "x"
    verdict = play(Fetch(ORIGIN, path="/first", method=method, body=body), redirecting(status))
    actual = [r for r in verdict.sent if not r.preflight]
    assert verdict.outcome == "resolves"
    assert [(r.method, r.path) for r in actual] == [(method, "/first"), (after, "/next")]
    if after == "GET":
        assert header(actual[1], "Content-Type") is None
    assert header(actual[1], "Origin") == ORIGIN  # same-origin redirect: no redirect-taint


def test_a_redirect_is_cors_checked_before_it_is_followed() -> None:
    """Fetch, HTTP fetch step 4.4: the CORS check runs on the response, redirect or not, so a
    redirect without ACAO is a network error and its Location is never requested."""
    verdict = play(Fetch(ORIGIN, path="/first"), redirecting(302, cors=False))
    assert verdict.outcome == "fails"
    assert [r.path for r in verdict.sent] == ["/first"]
    assert verdict.reaches_server


def test_a_redirected_preflighted_request_is_preflighted_again() -> None:
    """Fetch, HTTP-redirect fetch runs main fetch again for the new URL, whose CORS-preflight
    cache entries are its own (the cache is keyed by URL)."""
    verdict = play(Fetch(ORIGIN, path="/first", method="PUT"), redirecting(307))
    assert [(r.method, r.path) for r in verdict.sent] == [
        ("OPTIONS", "/first"),
        ("PUT", "/first"),
        ("OPTIONS", "/next"),
        ("PUT", "/next"),
    ]
    assert verdict.preflights == 2


@pytest.mark.parametrize(
    ("location", "path"),
    [("next?x=1", "/a/next?x=1"), ("/b", "/b"), ("https://api.test/c?d", "/c?d"), ("../e", "/e")],
)
def test_location_is_resolved_against_the_current_url(location: str, path: str) -> None:
    """Fetch, response's "location URL": Location is parsed with the response's URL as base."""

    def answer(request: Request) -> Optional[Response]:
        return Response(302, (ACAO, ("Location", location))) if request.path == "/a/b" else None

    verdict = play(Fetch(ORIGIN, path="/a/b"), Server(answer=answer))
    assert [r.path for r in verdict.sent] == ["/a/b", path]


def test_a_redirect_without_location_is_the_response() -> None:
    """Fetch, HTTP-redirect fetch step 4: "If locationURL is null, then return response"."""
    verdict = play(Fetch(ORIGIN), Server(status=302))
    assert (verdict.outcome, verdict.status, len(verdict.sent)) == ("resolves", 302, 1)


def test_twenty_redirects_are_followed_and_the_twenty_first_fails() -> None:
    """Fetch, HTTP-redirect fetch step 7: "If request's redirect count is 20, then return a
    network error"."""

    def chain(length: int) -> Server:
        def answer(request: Request) -> Optional[Response]:
            hop = int(request.path.strip("/") or 0)
            return Response(302, (ACAO, ("Location", f"/{hop + 1}"))) if hop < length else None

        return Server(answer=answer)

    verdict = play(Fetch(ORIGIN), chain(20))
    assert (verdict.outcome, len(verdict.sent)) == ("resolves", 21)
    verdict = play(Fetch(ORIGIN), chain(21))
    assert (verdict.outcome, len(verdict.sent)) == ("fails", 21)
    assert "20 redirects" in verdict.failures[0]


@pytest.mark.parametrize(
    "location", [("https://user:pass@api.test/x",), ("/a", "/b"), ("mailto:a@b.example",)]
)
def test_bad_locations_are_network_errors(location: Tuple[str, ...]) -> None:
    """Fetch, HTTP-redirect fetch steps 5, 6, 9: a Location that fails to extract (two of
    them), is not HTTP(S), or includes credentials in cors mode is a network error."""
    answer = Response(302, (ACAO, *(("Location", value) for value in location)))
    verdict = play(Fetch(ORIGIN), lambda request: answer)
    assert verdict.outcome == "fails" and len(verdict.sent) == 1


# Fetch, Request constructor and main fetch: no-cors mode.


def test_no_cors_is_opaque_and_unchecked() -> None:
    """Fetch, main fetch: no-cors uses "opaque" tainting: no CORS check, no preflight, and an
    opaque filtered response (status 0, empty header list). Origin: only for non-GET/HEAD."""
    answer = (("X-Total", "5"), ("Content-Type", "text/plain"))
    verdict = play(
        Fetch(ORIGIN, mode="no-cors", read=("X-Total", "Content-Type")), Server(actual=answer)
    )
    assert (verdict.outcome, verdict.status, verdict.preflights) == ("resolves", 0, 0)
    assert verdict.readable == {}
    assert verdict.unreadable == ["X-Total", "Content-Type"]
    assert header(verdict.sent[0], "Origin") is None
    verdict = play(Fetch(ORIGIN, mode="no-cors", method="POST", body="x"), Server(actual=()))
    assert header(verdict.sent[0], "Origin") == ORIGIN


@pytest.mark.parametrize("method", ["PUT", "DELETE", "patch"])
def test_no_cors_with_an_unsafe_method_rejects(method: str) -> None:
    """Fetch, Request constructor: in no-cors mode a method that is not CORS-safelisted
    throws a TypeError."""
    verdict = play(Fetch(ORIGIN, mode="no-cors", method=method), Server())
    assert (verdict.outcome, verdict.sent) == ("fails", [])
    assert "TypeError" in verdict.failures[0]


def test_no_cors_keeps_only_no_cors_safelisted_headers() -> None:
    """Fetch, Headers "append" with guard "request-no-cors": only a no-CORS-safelisted
    request-header (Accept, Accept-Language, Content-Language, safelisted Content-Type) is
    kept; others are dropped without an error."""
    headers = (
        ("X-Custom", "1"),
        ("Content-Type", "application/json"),
        ("Accept", "text/csv"),
        ("Range", "bytes=0-"),
    )
    verdict = play(
        Fetch(ORIGIN, mode="no-cors", method="POST", headers=headers, body="x"), Server(actual=())
    )
    assert verdict.sent[0].headers == (
        ("Origin", ORIGIN),
        ("Accept", "text/csv"),
        ("Content-Type", "text/plain;charset=UTF-8"),
    )


# Fetch, Request constructor: bodies.


@pytest.mark.parametrize("method", ["GET", "head", "get"])
def test_a_body_on_get_or_head_rejects(method: str) -> None:
    """Fetch, Request constructor: a body with method `GET` or `HEAD` throws a TypeError."""
    assert play(Fetch(ORIGIN, method=method, body="x"), Server()).outcome == "fails"


def test_a_string_body_adds_a_safelisted_content_type() -> None:
    """Fetch, BodyInit "extract": a string's type is `text/plain;charset=UTF-8`, appended when
    the script set no Content-Type; it is safelisted, so no preflight."""
    verdict = play(Fetch(ORIGIN, method="POST", body="x"), Server())
    assert verdict.preflights == 0
    assert header(verdict.sent[0], "Content-Type") == "text/plain;charset=UTF-8"


# Fetch, "serializing a request origin": opaque origins.


@pytest.mark.parametrize(
    ("acao", "outcome"),
    [("null", "resolves"), ("*", "resolves"), (ORIGIN, "fails"), ("Null", "fails")],
)
def test_an_opaque_origin_sends_null(acao: str, outcome: str) -> None:
    """Fetch, Origin header: an opaque origin serializes as `null`; the CORS check then needs
    ACAO `null` exactly (or `*` without credentials)."""
    verdict = play(Fetch("null"), Server(actual=(("Access-Control-Allow-Origin", acao),)))
    assert header(verdict.sent[0], "Origin") == "null"
    assert verdict.outcome == outcome


# The verdict's summary, as tests/browser/harness.py judges it.


def test_a_mix_of_outcomes_is_mixed() -> None:
    """The harness wants every repeat to resolve or every repeat to fail; a mix matches
    neither verdict, so it is "mixed", with the last resolving repeat's status."""
    calls: List[Request] = []

    def send(request: Request) -> Response:
        calls.append(request)
        return Response(
            200,
            (ACAO, ("Access-Control-Expose-Headers", "X-N"), ("X-N", str(len(calls))))
            if len(calls) < 3
            else (),
        )

    verdict = play(Fetch(ORIGIN, times=3, read=("X-N",)), send)
    assert verdict.outcome == "mixed"
    assert (verdict.status, verdict.readable) == (200, {"X-N": "2"})
    assert verdict.failures == ["fetch 3 of 3: CORS check: no Access-Control-Allow-Origin"]


def test_a_failing_fetch_reports_no_response() -> None:
    """The harness checks status/readable/unreadable only on fetches that resolve."""
    verdict = play(Fetch(ORIGIN, read=("X-Total",)), Server(actual=()))
    assert (verdict.outcome, verdict.status, verdict.readable, verdict.unreadable) == (
        "fails",
        None,
        {},
        [],
    )
    assert verdict.reaches_server


OTHER = "https://other.example"
NULL_ACAO = ("Access-Control-Allow-Origin", "null")


def leaving(location: str, final: Headers, status: int = 307) -> Server:
    """An API whose /a answers a redirect (passing the CORS check) to ``location``, and
    whose other paths answer with ``final``."""

    def answer(request: Request) -> Optional[Response]:
        if request.path == "/a" and request.preflight:
            grants = (("Access-Control-Allow-Headers", "Authorization"),)
            return Response(204, (ACAO, ACAC, *grants))
        if request.path == "/a":
            return Response(status, (ACAO, ACAC, ("Location", location)))
        return Response(200 if not request.preflight else 204, final)

    return Server(answer=answer)


def test_a_redirect_to_another_origin_sends_origin_null_and_drops_authorization() -> None:
    """Serializing a request origin: once the URL list leaves the API's origin, the
    redirect-taint is not "same-origin" and Origin is "null"; HTTP-redirect fetch deletes
    the CORS non-wildcard request-header names (Authorization) when the origin changes."""
    server = leaving(f"{OTHER}/b", (NULL_ACAO, ACAC))
    fetch = Fetch(ORIGIN, path="/a", credentials="include", headers=(("Authorization", "t"),))
    verdict = play(fetch, server)
    assert verdict.outcome == "resolves", verdict.failures
    assert [(r.method, r.path) for r in server.requests if r.preflight] == [("OPTIONS", "/a")]
    first, *rest = [r for r in server.requests if not r.preflight]
    assert (first.path, header(first, "Origin"), header(first, "Authorization")) == (
        "/a",
        ORIGIN,
        "t",
    )
    assert [(r.path, header(r, "Origin"), header(r, "Authorization")) for r in rest] == [
        ("/b", "null", None)
    ]


def test_after_a_cross_origin_redirect_the_cors_check_wants_null() -> None:
    """The CORS check compares ACAO with the serialized request origin, "null" by now: the
    page's own origin there fails, and with credentials '*' fails too."""
    for final, include in [((ACAO, ACAC), True), ((("Access-Control-Allow-Origin", "*"),), True)]:
        credentials = "include" if include else "same-origin"
        verdict = play(
            Fetch(ORIGIN, path="/a", credentials=credentials), leaving(f"{OTHER}/b", final)
        )
        assert verdict.outcome == "fails"
        assert "'null'" in verdict.failures[0]
    star = play(
        Fetch(ORIGIN, path="/a"), leaving(f"{OTHER}/b", (("Access-Control-Allow-Origin", "*"),))
    )
    assert star.outcome == "resolves"


def test_a_preflighted_request_redirected_to_another_origin_preflights_as_null() -> None:
    """A 307 keeps the method; at the new URL main fetch runs again, and the preflight
    carries Origin "null" (its key in the CORS-preflight cache too)."""
    final = (NULL_ACAO, ("Access-Control-Allow-Methods", "PUT"))
    server = leaving(f"{OTHER}/b", final)
    original = server.answer

    def answer(request: Request) -> Optional[Response]:
        if request.preflight and request.path == "/a":
            return Response(204, (ACAO, ("Access-Control-Allow-Methods", "PUT")))
        return original(request) if original else None

    server.answer = answer
    verdict = play(Fetch(ORIGIN, path="/a", method="PUT"), server)
    assert verdict.outcome == "resolves", verdict.failures
    assert [(r.method, r.path, header(r, "Origin")) for r in server.requests] == [
        ("OPTIONS", "/a", ORIGIN),
        ("PUT", "/a", ORIGIN),
        ("OPTIONS", "/b", "null"),
        ("PUT", "/b", "null"),
    ]


def test_a_redirect_on_the_api_origin_keeps_the_page_origin() -> None:
    """Same origin as before (a relative Location, or the API's URL written out with its
    default port): the redirect-taint stays "same-origin"."""
    for location in ("/b", "https://api.test:443/b"):
        server = leaving(location, (ACAO,))
        assert play(Fetch(ORIGIN, path="/a"), server).outcome == "resolves"
        assert [header(r, "Origin") for r in server.requests] == [ORIGIN, ORIGIN]


def test_a_redirect_to_the_pages_own_origin_is_refused_rather_than_misjudged() -> None:
    """Back at the page's origin the request would be same-origin again; not modelled."""
    with pytest.raises(ValueError, match="page's own origin"):
        play(Fetch(origin=ORIGIN, path="/a"), leaving(f"{ORIGIN}/b", (ACAO,)))
