"""Request fuzzing through real Flask apps: hostile bytes in the CORS request headers.

A WSGI server hands header bytes to the app decoded as latin-1 (PEP 3333), and joins
repeated headers into one value; nothing stops CR, LF, NUL, other controls, non-ASCII
bytes, 100 KB values or 20,000-name lists from reaching the extension. The values of
Origin, Access-Control-Request-Method, Access-Control-Request-Headers and
Access-Control-Request-Private-Network are generated as such raw environ values and sent
(through ``environ_overrides``, which bypasses the test client's own header checks) to
apps configured in every way the property tests use: CORS(app), CORS().init_app(app),
app.config, a resources dict, @cross_origin and CORS(blueprint), with views that answer,
abort or raise. Every response must keep the status the routing and the view give (never
a 5xx of the extension's making), carry no CR/LF/NUL or other control character in any
header, one Access-Control-Allow-Origin at most ('*', the exact Origin when safe to echo,
or a configured literal for Origin-less requests), token-only method and header lists,
and every flask_cors log line must be escaped and clipped (README differences 3, 4, 9,
14; SECURITY.md T7, CVE-2024-1681).
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from itertools import cycle, islice
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

import pytest
from flask import Blueprint, Flask, abort
from hypothesis import given, note
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from flask_cors import CORS, cross_origin
from flask_cors.policy import MAX_REQUESTED_HEADERS
from strategies import (
    METHOD_NAMES,
    header_names,
    invariant,
    near_misses,
    option_sets,
    origins,
    tokens,
)

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACEH = "Access-Control-Expose-Headers"
ACMA = "Access-Control-Max-Age"
ACAPN = "Access-Control-Allow-Private-Network"
PREFLIGHT_ONLY = (ACAM, ACAH, ACMA)

ENVIRON_KEYS = {
    "origin": "HTTP_ORIGIN",
    "acrm": "HTTP_ACCESS_CONTROL_REQUEST_METHOD",
    "acrh": "HTTP_ACCESS_CONTROL_REQUEST_HEADERS",
    "acpn": "HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK",
}

#: RFC 9110 token: what a method or a header name is.
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: README difference 4: an Origin is echoed only if visible ASCII, no ',', <= 1024 chars.
ECHOABLE_ORIGIN = re.compile(r"[\x21-\x2b\x2d-\x7e]{1,1024}")
#: INV-09: C0 controls (CR, LF, NUL included), DEL and C1 controls.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Longest flask_cors log message allowed: request values are escaped and clipped.
MAX_LOG_MESSAGE = 4096
#: README: a string is a regex when it contains any of these characters.
REGEX_CHARACTERS = frozenset("*\\]?$^[()")
WILDCARDS = ("*", ".*")

APP_NAME = "request_fuzz_app"
ROUTED = "/api/r"
UNROUTED = "/api/missing"
ROUTE_METHODS = ["GET", "POST", "PUT", "DELETE"]
SENT_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "OPTIONS", "OPTIONS"]
MODES = ["constructor", "init_app", "config", "resource", "decorator", "blueprint"]
#: View kind -> the status the view itself produces.
VIEW_STATUS = {"ok": 200, "abort-404": 404, "abort-500": 500, "raise": 500}

# ---------------------------------------------------------------------------------------
# Raw header values, as a WSGI server puts them in the environ


def latin1(data: bytes) -> str:
    """PEP 3333: header bytes become an environ str decoded as latin-1."""
    return data.decode("latin-1")


def as_wsgi(text: str) -> str:
    """The environ value for ``text`` sent as UTF-8 bytes."""
    return latin1(text.encode("utf-8"))


def clip(value: Optional[str], limit: int = 60) -> str:
    """A short repr for reports: 100 KB values would drown hypothesis's output."""
    if value is None or len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}+<{len(value) - limit} more chars>"


INJECTIONS = [
    "\r", "\n", "\r\n", "\r\nX-Injected: 1", "\r\n\r\n<script>", "\nSet-Cookie: a=b",
    "\x00", "\x7f", "\t", "\x0b", "\x0c", "\x1b[31m", " ", ",", ", https://evil.example",
]  # fmt: skip
#: Code points whose UTF-8 bytes decode (latin-1) to C1 controls or odd characters.
TRICKY_UNICODE = ["\u2028", "\u0085", "\ufeff", "\u00e9", "\u0430", "\u212a", "\U0001f600"]

injections = st.one_of(
    st.sampled_from(INJECTIONS),
    st.integers(min_value=0, max_value=0x1F).map(chr),
    st.sampled_from(TRICKY_UNICODE).map(as_wsgi),
    st.text(st.characters(min_codepoint=0x80, max_codepoint=0xD7FF), min_size=1, max_size=3).map(
        as_wsgi
    ),
    st.binary(min_size=1, max_size=6).map(latin1),
)

FILLER = "a" * 100_000


@st.composite
def with_injection(draw: st.DrawFn, bases: st.SearchStrategy[str]) -> str:
    """A well-formed value with a control, CRLF + header, non-ASCII byte... inserted."""
    base = draw(bases)
    at = draw(st.integers(min_value=0, max_value=len(base)))
    return base[:at] + draw(injections) + base[at:]


@st.composite
def huge(draw: st.DrawFn, bases: st.SearchStrategy[str]) -> str:
    """A value of 100 KB or more, built by repetition around a drawn piece."""
    piece = draw(st.one_of(bases, injections)) or "a"
    shape = draw(st.sampled_from(["after", "before", "around", "repeat"]))
    if shape == "after":
        return piece + FILLER
    if shape == "before":
        return FILLER + piece
    if shape == "around":
        return FILLER[:50_000] + piece + FILLER[:50_000]
    return piece * (100_000 // len(piece) + 1)


@st.composite
def duplicated(draw: st.DrawFn, values: st.SearchStrategy[str]) -> str:
    """A header sent two or three times: werkzeug's server and gunicorn join repeated
    headers with ',', werkzeug's test client with ', ' (PEP 3333 allows combining)."""
    parts = draw(st.lists(values, min_size=2, max_size=3))
    return draw(st.sampled_from([",", ", "])).join(parts)


def raw_values(bases: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Every family of raw value built on well-formed ``bases``."""
    return st.one_of(
        bases,  # twice: well-formed values reach the deeper paths (granted preflights)
        bases,
        st.binary(max_size=48).map(latin1),
        with_injection(bases),
        huge(bases),
        duplicated(st.one_of(bases, with_injection(bases))),
    )


def origin_bases(allowed: List[str]) -> st.SearchStrategy[str]:
    """Origins aimed at the configuration: allowed ones and their near misses, other
    serialized origins, 'null', empty, any text (sent as UTF-8)."""
    choices = [st.just(""), st.just("null"), origins, st.text(max_size=40)]
    if allowed:
        chosen = st.sampled_from(allowed)
        choices += [chosen, chosen, chosen.flatmap(near_misses)]
    return st.one_of(choices).map(as_wsgi)


method_bases = st.one_of(
    st.sampled_from(METHOD_NAMES), st.sampled_from(METHOD_NAMES).map(str.lower), tokens
)
header_list_bases = st.one_of(
    st.lists(header_names, min_size=1, max_size=5).map(", ".join),
    st.lists(header_names, min_size=1, max_size=5).map(",".join),
    st.sampled_from(["", ",,", " , ", "a,,b"]),
)
private_network_bases = st.sampled_from(["true", "TRUE", "false", "1", " true"])


@st.composite
def many_names(draw: st.DrawFn) -> str:
    """Access-Control-Request-Headers with 20,000 names (or 400 names of 300+ chars),
    cycling through a few drawn, possibly hostile ones."""
    names = draw(
        st.lists(
            st.one_of(header_names, with_injection(header_names), st.just("")),
            min_size=1,
            max_size=5,
        )
    )
    count = 20_000
    if draw(st.booleans()):
        names, count = [name + "x" * 300 for name in names], 400
    separator = draw(st.sampled_from([",", ", ", " ,\t"]))
    return separator.join(islice(cycle(names), count))


class Req:
    """One fuzzed request; its repr clips the values so reports stay readable."""

    __slots__ = ("method", "path", "origin", "acrm", "acrh", "acpn")

    def __init__(
        self,
        method: str,
        path: str = ROUTED,
        origin: Optional[str] = None,
        acrm: Optional[str] = None,
        acrh: Optional[str] = None,
        acpn: Optional[str] = None,
    ) -> None:
        self.method = method
        self.path = path
        self.origin = origin
        self.acrm = acrm
        self.acrh = acrh
        self.acpn = acpn

    def environ(self) -> Dict[str, str]:
        return {
            key: getattr(self, field)
            for field, key in ENVIRON_KEYS.items()
            if getattr(self, field) is not None
        }

    def __repr__(self) -> str:
        values = ", ".join(f"{field}={clip(getattr(self, field))}" for field in ENVIRON_KEYS)
        return f"Req({self.method} {self.path}, {values})"


@st.composite
def fuzzed_requests(draw: st.DrawFn, allowed: List[str]) -> Req:
    """A request whose four CORS headers are each absent or a raw value of any family."""
    return Req(
        draw(st.sampled_from(SENT_METHODS)),
        draw(st.sampled_from([ROUTED, ROUTED, ROUTED, UNROUTED])),
        draw(st.one_of(st.none(), raw_values(origin_bases(allowed)))),
        draw(st.one_of(st.none(), raw_values(method_bases))),
        draw(st.one_of(st.none(), raw_values(header_list_bases), many_names())),
        draw(st.one_of(st.none(), raw_values(private_network_bases))),
    )


# ---------------------------------------------------------------------------------------
# Apps, sending, capturing


def make_view(kind: str) -> Callable[[], Any]:
    def view() -> Any:
        if kind == "abort-404":
            abort(404)
        if kind == "abort-500":
            abort(500)
        if kind == "raise":
            raise RuntimeError("view failed")
        return "ok"

    return view


def build_app(mode: str, options: Dict[str, Any], view_kind: str) -> Flask:
    """An app whose route ROUTED has ``options`` as its only CORS configuration layer."""
    app = Flask(APP_NAME)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    view = make_view(view_kind)
    if mode == "blueprint":
        bp = Blueprint("bp", __name__, url_prefix="/api")
        bp.add_url_rule("/r", "r", view, methods=ROUTE_METHODS)
        CORS(bp, **options)
        app.register_blueprint(bp)
        return app
    if mode == "decorator":
        view = cross_origin(**options)(view)
    app.add_url_rule(ROUTED, "r", view, methods=ROUTE_METHODS)
    if mode == "constructor":
        CORS(app, **options)
    elif mode == "init_app":
        CORS().init_app(app, **options)
    elif mode == "config":
        app.config.update({"CORS_" + name.upper(): value for name, value in options.items()})
        CORS(app)
    elif mode == "resource":
        CORS(app, resources={r"/api/*": options})
    return app


def record_start_response(app: Flask) -> List[List[Tuple[str, str]]]:
    """Wrap the WSGI app so the header lists it passes to start_response are kept."""
    seen: List[List[Tuple[str, str]]] = []
    inner = app.wsgi_app

    def wsgi_app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def recording(status: str, headers: List[Tuple[str, str]], *exc_info: Any) -> Any:
            seen.append(list(headers))
            return start_response(status, headers, *exc_info)

        return inner(environ, recording)

    app.wsgi_app = wsgi_app  # type: ignore[method-assign]
    return seen


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: List[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def cors_log() -> Iterator[List[logging.LogRecord]]:
    """The flask_cors records emitted meanwhile, at DEBUG; the app's own error log (a
    traceback per raising view) is silenced. Levels and handlers are restored."""
    logger = logging.getLogger("flask_cors")
    app_logger = logging.getLogger(APP_NAME)
    handler = Collect()
    level, disabled = logger.level, app_logger.disabled
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    app_logger.disabled = True
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        app_logger.disabled = disabled


def send(app: Flask, req: Req) -> Tuple[TestResponse, List[logging.LogRecord]]:
    with cors_log() as records:
        response = app.test_client().open(
            req.path, method=req.method, environ_overrides=req.environ()
        )
    return response, records


# ---------------------------------------------------------------------------------------
# The model of the configuration (README option table) and the checks


def looks_like_regex(value: str) -> bool:
    return any(character in REGEX_CHARACTERS for character in value)


def origin_items(options: Dict[str, Any]) -> List[Any]:
    value = options.get("origins", "*")
    return [value] if isinstance(value, (str, re.Pattern)) else list(value)


def allows_every_origin(options: Dict[str, Any]) -> bool:
    return any(isinstance(item, str) and item in WILDCARDS for item in origin_items(options))


def configured_literals(options: Dict[str, Any]) -> Set[str]:
    """Literal origins, comma-separated strings split (README difference 7)."""
    found: Set[str] = set()
    for item in origin_items(options):
        if isinstance(item, str) and item not in WILDCARDS and not looks_like_regex(item):
            found.update(part.strip() for part in item.split(","))
    return found


def expected_status(mode: str, view_kind: str, req: Req) -> int:
    """What the routing and the view give; CORS must not change it."""
    if req.path != ROUTED:
        return 404
    if req.method == "OPTIONS":
        return 200  # Flask's automatic answer, or the decorator's
    if req.method not in (*ROUTE_METHODS, "HEAD"):
        return 405
    return VIEW_STATUS[view_kind]


def list_items(value: str) -> List[str]:
    return [item.strip(" \t") for item in value.split(",")]


def check_answer(
    req: Req,
    response: TestResponse,
    raw_headers: List[Tuple[str, str]],
    records: List[logging.LogRecord],
    options: Dict[str, Any],
    status: int,
) -> None:
    """Every check of the brief on one response."""
    note(f"{req} -> {response.status_code} {[(n, clip(v)) for n, v in raw_headers]}")
    # No 5xx (or any other status) that the routing and the view did not produce.
    assert response.status_code == status
    if status == 200 and req.method not in ("HEAD", "OPTIONS"):
        assert response.get_data() == b"ok"
    # INV-09: nothing from the request reaches a header name or value as a control.
    for name, value in raw_headers:
        assert not CONTROL.search(name), clip(name)
        assert not CONTROL.search(value), (name, clip(value))
    headers = response.headers
    # INV-01: one ACAO, '*' or the exact Origin (safe to echo) or, without an Origin
    # (an empty value carries none), a configured literal origin.
    acao = headers.getlist(ACAO)
    assert len(acao) <= 1, acao
    if acao:
        value = acao[0]
        credentials = bool(options.get("supports_credentials", False))
        if value == "*":
            assert allows_every_origin(options) and not credentials
            assert options.get("send_wildcard") or not req.origin
        elif req.origin:
            assert value == req.origin, (clip(value), clip(req.origin))
            assert ECHOABLE_ORIGIN.fullmatch(value), clip(value)
        else:
            assert value in configured_literals(options), value
    # INV-02, INV-03: ACAC only 'true', only beside a non-'*' ACAO.
    acac = headers.getlist(ACAC)
    if acac:
        assert acac == ["true"] and acao and acao != ["*"], (acac, acao)
    # INV-07: preflight headers only on OPTIONS with a requested method.
    present = [name for name in PREFLIGHT_ONLY if name in headers]
    if present:
        assert req.method == "OPTIONS" and req.acrm is not None, present
    # ACAM / ACAH: comma-separated HTTP tokens only; INV-08: ACAH names were requested.
    for name in (ACAM, ACAH):
        for value in headers.getlist(name):
            items = list_items(value)
            assert all(TOKEN.fullmatch(item) for item in items), (name, clip(value))
    requested = set(list_items(req.acrh or ""))
    for value in headers.getlist(ACAH):
        assert set(list_items(value)) <= requested, clip(value)
    for value in headers.getlist(ACAPN):
        assert value in ("true", "false") and req.acpn is not None, value
    vary = [t.strip().lower() for v in headers.getlist("Vary") for t in v.split(",")]
    assert vary.count("origin") <= 1, vary
    # README difference 9 and the brief: log lines escaped and clipped.
    for record in records:
        message = record.getMessage()
        assert not re.search(r"[\r\n\x00]", message), clip(message, 300)
        assert len(message) <= MAX_LOG_MESSAGE, (len(message), clip(message, 300))


# ---------------------------------------------------------------------------------------
# Property tests


@invariant("INV-01", "INV-02", "INV-03", "INV-07", "INV-08", "INV-09", "INV-13", "INV-14")
@given(
    option_sets(),
    st.sampled_from(MODES),
    st.sampled_from(sorted(VIEW_STATUS)),
    st.data(),
)
def test_fuzzed_requests_get_a_safe_answer_in_every_configuration(
    option_set: Tuple[Dict[str, Any], List[str]], mode: str, view_kind: str, data: st.DataObject
) -> None:
    """Raw bytes in any of the four CORS request headers, against any accepted options set
    in any place, on a view that answers, aborts or raises: the status is the view's or
    the routing's, headers are clean, ACAO is safe, lists are tokens, logs are clipped."""
    options, allowed = option_set
    app = build_app(mode, options, view_kind)
    raw = record_start_response(app)
    for req in data.draw(st.lists(fuzzed_requests(allowed), min_size=1, max_size=4), "requests"):
        response, records = send(app, req)
        status = expected_status(mode, view_kind, req)
        check_answer(req, response, raw[-1], records, options, status)
        if req.path == ROUTED and status != 405:
            # docs/logging.md: the logger says why each request got, or did not get, CORS
            # headers (405s never reach the decorator or the blueprint).
            assert records, "no flask_cors log record"


@invariant("INV-01", "INV-04", "INV-08", "INV-09")
@given(option_sets(), st.sampled_from(MODES), st.data())
def test_duplicated_headers_are_combined_and_never_echoed_as_a_list(
    option_set: Tuple[Dict[str, Any], List[str]], mode: str, data: st.DataObject
) -> None:
    """Two or three Origin headers (joined by the server) are never echoed: the joined
    value holds a comma (README difference 3), so ACAO is absent or '*'. Repeated
    Access-Control-Request-Method headers never make a grantable method; repeated
    Access-Control-Request-Headers are one list, and only its names may be allowed."""
    options, allowed = option_set
    app = build_app(mode, options, "ok")
    raw = record_start_response(app)
    origin = data.draw(duplicated(origin_bases(allowed)), "origins")
    acrm = data.draw(st.one_of(st.none(), duplicated(method_bases)), "methods")
    acrh = data.draw(st.one_of(st.none(), duplicated(header_list_bases)), "header lists")
    req = Req(data.draw(st.sampled_from(["GET", "POST", "OPTIONS"])), ROUTED, origin, acrm, acrh)
    response, records = send(app, req)
    check_answer(req, response, raw[-1], records, options, 200)
    assert response.headers.getlist(ACAO) in ([], ["*"])
    if acrm is not None:
        assert ACAM not in response.headers  # "GET,PUT" is not a method


@st.composite
def huge_preflights(draw: st.DrawFn) -> Req:
    """A preflight whose four CORS headers are all 100 KB (ACRH maybe 20,000 names)."""
    return Req(
        "OPTIONS",
        ROUTED,
        draw(huge(origin_bases(["https://a.example"]))),
        draw(huge(method_bases)),
        draw(st.one_of(many_names(), huge(header_list_bases))),
        draw(huge(private_network_bases)),
    )


@invariant("INV-01", "INV-07", "INV-09", "INV-14")
@given(option_sets(), st.sampled_from(MODES), huge_preflights())
def test_every_header_huge_at_once_is_answered_without_echo(
    option_set: Tuple[Dict[str, Any], List[str]], mode: str, req: Req
) -> None:
    """A preflight whose four CORS headers are all 100 KB (or 20,000 names): answered
    with the view's status, no Origin echoed (over 1024 characters), clipped logs."""
    options, _ = option_set
    app = build_app(mode, options, "ok")
    raw = record_start_response(app)
    response, records = send(app, req)
    check_answer(req, response, raw[-1], records, options, 200)
    assert response.headers.getlist(ACAO) in ([], ["*"])
    assert ACAPN not in response.headers  # a 100 KB value is not 'true'


# ---------------------------------------------------------------------------------------
# Deterministic tests, one per big-value family

ALLOWED = "https://a.example.com"
ORIGIN_REGEX = r"https://[a-z0-9]+\.example\.com"


def assert_clean_log(records: List[logging.LogRecord]) -> None:
    assert records
    for record in records:
        message = record.getMessage()
        assert "\r" not in message and "\n" not in message and "\x00" not in message
        assert len(message) <= MAX_LOG_MESSAGE, len(message)


def simple_app(**options: Any) -> Flask:
    return build_app("constructor", options, "ok")


def vary_tokens(response: TestResponse) -> List[str]:
    return [t.strip().lower() for v in response.headers.getlist("Vary") for t in v.split(",")]


def granting(response: TestResponse) -> List[str]:
    names = (ACAO, ACAC, ACAM, ACAH, ACEH, ACMA, ACAPN)
    return [name for name in names if name in response.headers]


def regex_matched_origin(length: int) -> str:
    """An Origin of exactly ``length`` characters that ORIGIN_REGEX matches in full."""
    return "https://" + "a" * (length - len("https://.example.com")) + ".example.com"


@invariant("INV-01", "INV-04", "INV-06")
@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
@pytest.mark.parametrize(
    "options",
    [
        {"origins": ORIGIN_REGEX},
        {"origins": [ALLOWED, ORIGIN_REGEX], "supports_credentials": True},
        {},
    ],
    ids=["regex", "regex-credentials", "default-star"],
)
def test_a_100kb_origin_is_never_matched_or_echoed(method: str, options: Dict[str, Any]) -> None:
    """README difference 4: an Origin over 1024 characters is never echoed, even when a
    configured regex (or '*') would match it; the rejection still varies on Origin
    (difference 2) and grants nothing, preflight headers included."""
    origin = regex_matched_origin(100_000)
    assert re.fullmatch(ORIGIN_REGEX, origin)
    req = Req(method, ROUTED, origin, "GET" if method == "OPTIONS" else None)
    response, records = send(simple_app(**options, expose_headers="X-Total"), req)
    assert response.status_code == 200
    assert granting(response) == []
    assert vary_tokens(response).count("origin") == 1
    assert_clean_log(records)


@invariant("INV-01", "INV-09")
def test_a_100kb_origin_gets_star_with_send_wildcard() -> None:
    """origins '*' with send_wildcard answers '*' whatever the Origin: nothing echoed."""
    req = Req("GET", ROUTED, "https://" + "\r\n" * 50_000 + "a.example")
    response, records = send(simple_app(send_wildcard=True), req)
    assert response.status_code == 200
    assert response.headers.getlist(ACAO) == ["*"]
    assert_clean_log(records)


@invariant("INV-01")
@pytest.mark.parametrize(("length", "echoed"), [(1024, True), (1025, False)])
def test_the_origin_length_bound_is_1024_characters(length: int, echoed: bool) -> None:
    """README difference 4: at most 1024 characters is echoed, one more is not."""
    origin = regex_matched_origin(length)
    assert len(origin) == length
    response, _ = send(simple_app(origins=ORIGIN_REGEX), Req("GET", ROUTED, origin))
    assert response.headers.getlist(ACAO) == ([origin] if echoed else [])


BAD_NAMES = ["", "bad name", "x\x00y", "X-Other", "X-H12x", "x-h1\r\nX-Injected: 1"]


def repeated_names(count: int) -> List[str]:
    """``count`` requested names: X-H<k> for k = i % 30 (so each repeats), every fifth
    one replaced by an empty, invalid or other name."""
    return [f"X-H{i % 30}" if i % 5 else BAD_NAMES[(i // 5) % len(BAD_NAMES)] for i in range(count)]


@invariant("INV-07", "INV-08", "INV-09")
@pytest.mark.parametrize("allow_headers", [r"X-H\d+", "*"])
def test_a_full_list_of_requested_names_is_answered_deduplicated(allow_headers: str) -> None:
    """ACAH lists each allowed requested name once, as spelled (docs/usage.md, allow_headers);
    empty and non-token names are dropped (difference 14), names a regex matches only in
    part are refused (difference 1), and the preflight is otherwise granted: for the
    most names a preflight may ask for (MAX_REQUESTED_HEADERS)."""
    names = repeated_names(MAX_REQUESTED_HEADERS)
    req = Req("OPTIONS", ROUTED, ALLOWED, "PUT", ", ".join(names))
    response, records = send(simple_app(allow_headers=allow_headers), req)
    hx = {f"X-H{k}" for k in range(30) if k % 5}  # i % 5 != 0  <=>  k % 5 != 0
    expected = hx if allow_headers != "*" else hx | {"X-Other", "X-H12x"}
    assert response.status_code == 200
    assert response.headers.getlist(ACAO) == [ALLOWED]
    assert {t.lower() for t in list_items(response.headers[ACAM])} == {
        "get", "head", "post", "options", "put", "patch", "delete",
    }  # fmt: skip
    listed = list_items(response.headers[ACAH])
    assert len(listed) == len({name.lower() for name in listed})
    assert set(listed) == expected
    assert_clean_log(records)


@invariant("INV-07", "INV-09")
@pytest.mark.parametrize("allow_headers", [r"X-H\d+", "*"])
def test_20000_requested_header_names_are_refused_as_over_the_limit(allow_headers: str) -> None:
    """Past MAX_REQUESTED_HEADERS names no requested header is allowed (SECURITY.md T16):
    the origin is still answered, the preflight fails in the browser, nothing is echoed."""
    req = Req("OPTIONS", ROUTED, ALLOWED, "PUT", ", ".join(repeated_names(20_000)))
    response, records = send(simple_app(allow_headers=allow_headers), req)
    assert response.status_code == 200
    assert response.headers.getlist(ACAO) == [ALLOWED]
    assert ACAH not in response.headers
    assert_clean_log(records)


@invariant("INV-07", "INV-09")
@pytest.mark.parametrize(
    ("methods", "acrm"),
    [
        (None, "GET" + "T" * 100_000),
        (None, "\r\n" * 50_000),
        (None, "PUT\r\nX-Injected: 1" + FILLER),
        ("*", "GET\x00" * 25_000),
        ("*", "GET " + FILLER),
    ],
    ids=["long-token", "crlf", "injection", "star-nul", "star-space"],
)
def test_a_100kb_request_method_is_refused(methods: Optional[str], acrm: str) -> None:
    """A 100 KB Access-Control-Request-Method is not one of the configured methods
    (difference 11: exact match) and, with methods '*', not a token (difference 4): no
    preflight header is sent, and nothing of it is reflected."""
    req = Req("OPTIONS", ROUTED, ALLOWED, acrm, "X-Token")
    response, records = send(simple_app(methods=methods, max_age=600), req)
    assert response.status_code == 200
    assert [name for name in PREFLIGHT_ONLY if name in response.headers] == []
    assert response.headers.getlist(ACAO) in ([], [ALLOWED])
    assert all(len(value) < 1000 for _, value in response.headers.items())
    assert_clean_log(records)


@invariant("INV-07")
def test_a_method_padded_with_100kb_of_whitespace_is_that_method() -> None:
    """RFC 9110 (5.5): surrounding whitespace is not part of a field value, so 'GET'
    followed by 100 KB of spaces asks for GET, which the default methods allow."""
    req = Req("OPTIONS", ROUTED, ALLOWED, "GET" + " " * 100_000)
    response, records = send(simple_app(), req)
    assert response.headers.getlist(ACAO) == [ALLOWED]
    assert "GET" in list_items(response.headers[ACAM])
    assert_clean_log(records)


@invariant("INV-01", "INV-08")
@pytest.mark.parametrize("separator", [",", ", "])
@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"origins": [ALLOWED, "https://b.example.com"]}, []),
        ({}, []),
        ({"send_wildcard": True}, ["*"]),
    ],
    ids=["both-allowed", "default-star", "send-wildcard"],
)
def test_duplicated_headers_as_a_server_joins_them(
    separator: str, options: Dict[str, Any], expected: List[str]
) -> None:
    """Two allowed Origins folded into one value are not echoed (difference 3); two
    Access-Control-Request-Headers are one list (both names allowed); two
    Access-Control-Request-Method headers ask for no single method."""
    origin = separator.join([ALLOWED, "https://b.example.com"])
    response, _ = send(simple_app(**options), Req("GET", ROUTED, origin))
    assert response.headers.getlist(ACAO) == expected
    assert "origin" in vary_tokens(response) or expected == ["*"]
    acrh = separator.join(["X-One", "X-Two"])
    response, _ = send(simple_app(), Req("OPTIONS", ROUTED, ALLOWED, "GET", acrh))
    assert set(list_items(response.headers[ACAH])) == {"X-One", "X-Two"}
    acrm = separator.join(["GET", "PUT"])
    response, _ = send(simple_app(), Req("OPTIONS", ROUTED, ALLOWED, acrm))
    assert ACAM not in response.headers
