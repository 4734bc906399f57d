"""Property tests end to end through real Flask apps (test client): INV-01..04, 06, 09..15.

Every expectation comes from the invariant statements, the README (option table,
precedence, "Differences from Flask-CORS 6") and docs/usage.md (resources), computed here
from the generated options and requests with an independent model (README's regex rule,
literal origins compared ignoring case, paths decoded once with urllib.parse.unquote),
never by asking flask_cors what it would answer.
"""

from __future__ import annotations

import logging
import re
import warnings
from datetime import timedelta
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Pattern, Set, Tuple
from urllib.parse import unquote

from flask import Blueprint, Flask, abort, request
from hypothesis import given, note
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from flask_cors import CORS, cross_origin
from strategies import (
    METHOD_NAMES,
    invariant,
    option_sets,
    private_network_headers,
    request_header_lists,
    request_method_headers,
    request_origins,
)

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACEH = "Access-Control-Expose-Headers"
ACMA = "Access-Control-Max-Age"
ACAPN = "Access-Control-Allow-Private-Network"
GRANTING = (ACAO, ACAC, ACAM, ACAH, ACEH, ACMA, ACAPN)

#: README option table defaults, written out here (not imported from flask_cors).
DEFAULT_METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"})
DEFAULTS: Dict[str, Any] = {
    "origins": "*",
    "methods": DEFAULT_METHODS,
    "expose_headers": None,
    "allow_headers": "*",
    "supports_credentials": False,
    "max_age": None,
    "send_wildcard": False,
    "vary_header": True,
    "automatic_options": True,
    "always_send": True,
    "intercept_exceptions": True,
    "allow_private_network": False,
}
OPTION_NAMES = ("resources", *DEFAULTS)

#: README: a string is a regex when it contains any of these characters.
REGEX_CHARACTERS = frozenset("*\\]?$^[()")
WILDCARDS = ("*", ".*")
#: C0 controls, DEL and C1 controls: never allowed in a header value (INV-09).
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: README difference 4: an Origin is echoed only if visible ASCII without ',' (<= 1024).
ECHOABLE = re.compile(r"[\x21-\x2b\x2d-\x7e]{1,1024}")

ROUTE_METHODS = ["GET", "POST", "PUT", "DELETE", "OPTIONS"]
SENT_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "OPTIONS"]
VIEW_STATUSES = [200, 201, 202, 400, 403, 404, 409, 418, 422, 451]
VIEW_VARY = [None, None, "Accept-Encoding", "accept-encoding, Cookie", "*", "Cookie, Origin"]


# ---------------------------------------------------------------------------------------
# Independent model of the options and helpers


def looks_like_regex(value: str) -> bool:
    return any(character in REGEX_CHARACTERS for character in value)


class OriginModel:
    """What an origins value allows, read with the README's rules."""

    def __init__(self, value: Any) -> None:
        self.wildcard = False
        self.literals: List[str] = []
        self.regexes: List[Pattern[str]] = []
        items = [value] if isinstance(value, (str, re.Pattern)) else list(value)
        for item in items:
            if isinstance(item, re.Pattern):
                self.regexes.append(item)
                # A superset: the same regex ignoring case as well.
                self.regexes.append(re.compile(item.pattern, item.flags | re.IGNORECASE))
            elif item in WILDCARDS:
                self.wildcard = True
            elif looks_like_regex(item):
                self.regexes.append(re.compile(item, re.IGNORECASE))
            else:
                self.literals.extend(part.strip() for part in item.split(","))

    def may_allow(self, origin: str) -> bool:
        """Whether the policy could allow ``origin`` (regexes read generously): False
        means certainly rejected."""
        if self.wildcard:
            return True
        if origin.lower() in {literal.lower() for literal in self.literals}:
            return True
        return any(regex.fullmatch(origin) for regex in self.regexes)


def effective(options: Dict[str, Any], name: str) -> Any:
    return options[name] if name in options else DEFAULTS[name]


def wsgi(value: str) -> str:
    """The str a WSGI server puts in the environ for these header bytes (UTF-8 on the wire)."""
    return value.encode("utf-8").decode("latin-1")


class Req(NamedTuple):
    method: str
    origin: Optional[str]
    acrm: Optional[str] = None
    acrh: Optional[str] = None
    acpn: Optional[str] = None


def send(app: Flask, path: str, req: Req, query: str = "") -> TestResponse:
    """Send one request with its CORS headers as raw environ values (CR/LF included)."""
    environ: Dict[str, str] = {}
    for key, value in (
        ("HTTP_ORIGIN", req.origin),
        ("HTTP_ACCESS_CONTROL_REQUEST_METHOD", req.acrm),
        ("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", req.acrh),
        ("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK", req.acpn),
    ):
        if value is not None:
            environ[key] = wsgi(value)
    return app.test_client().open(
        path, method=req.method, query_string=query, environ_overrides=environ
    )


def vary_tokens(response: TestResponse) -> List[str]:
    return [
        token.strip()
        for value in response.headers.getlist("Vary")
        for token in value.split(",")
        if token.strip()
    ]


def list_tokens(response: TestResponse, name: str) -> Set[str]:
    return {
        token.strip().lower()
        for value in response.headers.getlist(name)
        for token in value.split(",")
        if token.strip()
    }


def cors_headers(response: TestResponse) -> List[Tuple[str, str]]:
    """Access-Control-* and Vary headers, names lower-cased, in a comparable form."""
    return sorted(
        (name.lower(), value)
        for name, value in response.headers.items()
        if name.lower().startswith("access-control-") or name.lower() == "vary"
    )


def new_app() -> Flask:
    app = Flask(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def check_clean_headers(response: TestResponse) -> None:
    """INV-09: no control character in any header value."""
    for name, value in response.headers.items():
        assert not CONTROL.search(value), (name, value)


def check_origin_headers(response: TestResponse, req: Req, options: Dict[str, Any]) -> None:
    """INV-01, INV-02, INV-03, INV-04 for one response of a resource with ``options``."""
    model = OriginModel(effective(options, "origins"))
    acao = response.headers.getlist(ACAO)
    acac = response.headers.getlist(ACAC)
    origin = wsgi(req.origin) if req.origin is not None else None
    # INV-01
    assert len(acao) <= 1, acao
    if acao:
        allowed_values = {"*"}
        if origin:
            allowed_values.add(origin)
        else:
            allowed_values.update(model.literals)
        assert acao[0] in allowed_values, (acao, origin)
        # README differences 3 and 4: only visible ASCII without ',' is ever echoed.
        assert acao[0] == "*" or ECHOABLE.fullmatch(acao[0]), acao
    # INV-02 and INV-03
    assert not (acac and acao == ["*"]), (acao, acac)
    assert len(acac) <= 1, acac
    if acac:
        assert acac == ["true"] and acao, (acac, acao)
    credentials = effective(options, "supports_credentials")
    assert bool(acac) == bool(acao and credentials), (acao, acac, credentials)
    # INV-04
    wildcard_answer = model.wildcard and effective(options, "send_wildcard")
    if origin and not wildcard_answer and not model.may_allow(origin):
        present = [name for name in GRANTING if name in response.headers]
        assert not present, (origin, present)


def check_vary(response: TestResponse, options: Dict[str, Any], view_vary: Optional[str]) -> None:
    """INV-06 for a response of a CORS-enabled resource whose view set ``view_vary``."""
    tokens = vary_tokens(response)
    lowered = [token.lower() for token in tokens]
    assert lowered.count("origin") <= 1, tokens
    view_tokens = [t.strip() for t in (view_vary or "").split(",") if t.strip()]
    for token in view_tokens:
        assert token in tokens, (view_vary, tokens)
    if view_vary == "*":
        assert response.headers.getlist("Vary") == ["*"]
        return
    if not effective(options, "vary_header"):
        assert response.headers.getlist("Vary") == ([view_vary] if view_vary else [])
        return
    model = OriginModel(effective(options, "origins"))
    same_for_all = (
        model.wildcard and effective(options, "send_wildcard") and effective(options, "always_send")
    )
    if not same_for_all:
        assert "origin" in lowered, tokens


# ---------------------------------------------------------------------------------------
# Strategies of this file


INJECTED = ["\r\n", "\r\nX-Injected: 1", "\n", "\x00", "\t", "\x7f", "\x85", ",", " ", "\u00e9"]


@st.composite
def hostile_origins(draw: st.DrawFn, allowed: List[str]) -> str:
    """An allowed (or any) origin with a control character, comma, space or non-ASCII
    character inserted somewhere."""
    base = draw(st.sampled_from(allowed or ["https://a.example"]))
    where = draw(st.integers(min_value=0, max_value=len(base)))
    return base[:where] + draw(st.sampled_from(INJECTED)) + base[where:]


@st.composite
def cors_requests(draw: st.DrawFn, allowed: List[str]) -> Req:
    """A request with raw (possibly hostile) CORS headers, aimed at ``allowed`` origins."""
    method = draw(st.sampled_from(SENT_METHODS))
    acrm = draw(request_method_headers) if method == "OPTIONS" else draw(st.none())
    return Req(
        method,
        draw(st.one_of(request_origins(allowed), hostile_origins(allowed))),
        acrm,
        draw(request_header_lists),
        draw(private_network_headers),
    )


class View(NamedTuple):
    status: int
    body: str
    vary: Optional[str]


views = st.builds(
    View,
    st.sampled_from(VIEW_STATUSES),
    st.text(max_size=20),
    st.sampled_from(VIEW_VARY),
)


def view_function(view: View) -> Callable[..., Any]:
    def answer(**_: Any) -> Any:
        headers = {"X-View": "1"}
        if view.vary is not None:
            headers["Vary"] = view.vary
        return view.body, view.status, headers

    return answer


# ---------------------------------------------------------------------------------------
# INV-01, 02, 03, 04, 06, 09, 13, 14: any options, any request


@invariant("INV-01", "INV-02", "INV-03", "INV-04", "INV-06", "INV-09", "INV-13", "INV-14")
@given(
    option_sets(),
    st.sampled_from(["extension", "decorator"]),
    views,
    st.data(),
)
def test_any_options_any_request_keeps_the_view_answer_and_valid_cors_headers(
    option_set: Tuple[Dict[str, Any], List[str]], mode: str, view: View, data: st.DataObject
) -> None:
    """For any accepted options (extension or decorator) and any raw request, the status and
    body are the view's (or the decorator's automatic OPTIONS answer), never a 5xx, with one
    valid ACAO, ACAC only 'true' beside it, nothing granted to a rejected origin, no control
    characters, and Vary keeping the view's tokens plus Origin once when the answer varies."""
    options, allowed = option_set
    app = new_app()
    if mode == "extension":
        CORS(app, **options)
        app.add_url_rule("/r", "r", view_function(view), methods=ROUTE_METHODS)
    else:
        decorated = cross_origin(**options)(view_function(view))
        app.add_url_rule("/r", "r", decorated, methods=ROUTE_METHODS)
    for req in data.draw(st.lists(cors_requests(allowed), min_size=1, max_size=3), "requests"):
        response = send(app, "/r", req)
        note(f"{req} -> {response.status_code} {list(response.headers.items())}")
        automatic = mode == "decorator" and req.method == "OPTIONS"
        expected_status = 200 if automatic else view.status
        expected_body = b"" if automatic or req.method == "HEAD" else view.body.encode()
        assert response.status_code == expected_status
        assert response.get_data() == expected_body
        check_clean_headers(response)
        check_origin_headers(response, req, options)
        check_vary(response, options, None if automatic else view.vary)


# ---------------------------------------------------------------------------------------
# INV-10: precedence


class Value(NamedTuple):
    raw: Any
    meaning: Any


UNSET = object()
ORIGIN_POOL = ["https://a.example", "https://b.example", "http://c.example:8080"]
HEADER_POOL = ["X-One", "X-Two", "X-Three", "Content-Language"]
PROBE_ORIGIN = "https://a.example"


def _lists(pool: List[str], meaning: Callable[[List[str]], Any]) -> st.SearchStrategy[Value]:
    chosen = st.lists(st.sampled_from(pool), min_size=1, max_size=len(pool), unique=True)
    return st.one_of(
        chosen.map(lambda items: Value(items, meaning(items))),
        chosen.map(lambda items: Value(", ".join(items), meaning(items))),
    )


_seconds = st.integers(min_value=0, max_value=100_000)
_max_age = st.one_of(
    _seconds.map(lambda s: Value(s, s)),
    _seconds.map(lambda s: Value(str(s), s)),
    _seconds.map(lambda s: Value(timedelta(seconds=s), s)),
)
_bools = st.booleans().map(lambda b: Value(b, b))
_config_bools = st.one_of(
    _bools,
    st.sampled_from([("true", True), ("FALSE", False), ("1", True), ("0", False)]).map(
        lambda pair: Value(*pair)
    ),
)
_methods = st.one_of(
    _lists(METHOD_NAMES, lambda items: frozenset(items)),
    st.just(Value(None, UNSET)),  # README difference 19: None means "not set here"
)

#: option -> (values for keyword layers, values for app.config)
LAYER_VALUES: Dict[str, Tuple[st.SearchStrategy[Value], st.SearchStrategy[Value]]] = {
    "origins": (_lists(ORIGIN_POOL, frozenset),) * 2,
    "methods": (_methods, _methods),
    "expose_headers": (_lists(HEADER_POOL, lambda i: frozenset(h.lower() for h in i)),) * 2,
    "allow_headers": (_lists(HEADER_POOL, lambda i: frozenset(h.lower() for h in i)),) * 2,
    "supports_credentials": (_bools, _config_bools),
    "max_age": (_max_age, _max_age),
    "send_wildcard": (_bools, _config_bools),
    "vary_header": (_bools, _config_bools),
    "always_send": (_bools, _config_bools),
    "intercept_exceptions": (_bools, _config_bools),
    "allow_private_network": (_bools, _config_bools),
    "automatic_options": (_bools, _config_bools),
}
EXTENSION_OPTIONS = sorted(set(LAYER_VALUES) - {"automatic_options"})


def expected_value(name: str, layers: List[str], values: Dict[str, Value]) -> Any:
    """The value of the first layer that sets the option, else the README default."""
    for layer in layers:
        if layer in values and values[layer].meaning is not UNSET:
            return values[layer].meaning
    return DEFAULTS[name]


def observe(app: Flask, name: str, expected: Any) -> None:
    """Assert that /api/x answers as a policy whose option ``name`` is ``expected`` (all
    other options at their defaults) would, per the README option table."""
    get = Req("GET", PROBE_ORIGIN)
    preflight = Req("OPTIONS", PROBE_ORIGIN, "GET")
    if name == "origins":
        for origin in [*ORIGIN_POOL, "https://evil.example"]:
            response = send(app, "/api/x", Req("GET", origin))
            granted = expected == "*" or origin in expected
            assert response.headers.getlist(ACAO) == ([origin] if granted else []), origin
    elif name == "methods":
        allowed = sorted(expected)
        refused = sorted(set(METHOD_NAMES) - set(expected))
        response = send(app, "/api/x", Req("OPTIONS", PROBE_ORIGIN, allowed[0]))
        assert list_tokens(response, ACAM) == {m.lower() for m in expected}
        if refused:
            response = send(app, "/api/x", Req("OPTIONS", PROBE_ORIGIN, refused[0]))
            assert ACAM not in response.headers
    elif name == "expose_headers":
        response = send(app, "/api/x", get)
        assert list_tokens(response, ACEH) == (expected or set())
    elif name == "allow_headers":
        asked = Req("OPTIONS", PROBE_ORIGIN, "GET", ", ".join(HEADER_POOL))
        response = send(app, "/api/x", asked)
        everything = {h.lower() for h in HEADER_POOL}
        assert list_tokens(response, ACAH) == (everything if expected == "*" else expected)
    elif name == "supports_credentials":
        response = send(app, "/api/x", get)
        assert response.headers.getlist(ACAC) == (["true"] if expected else [])
    elif name == "max_age":
        response = send(app, "/api/x", preflight)
        assert response.headers.getlist(ACMA) == ([] if expected is None else [str(expected)])
    elif name == "send_wildcard":
        response = send(app, "/api/x", get)
        assert response.headers.getlist(ACAO) == ["*" if expected else PROBE_ORIGIN]
    elif name == "vary_header":
        response = send(app, "/api/x", get)
        assert ("origin" in [t.lower() for t in vary_tokens(response)]) == expected
    elif name == "always_send":
        response = send(app, "/api/x", Req("GET", None))
        assert response.headers.getlist(ACAO) == (["*"] if expected else [])
    elif name == "intercept_exceptions":
        response = send(app, "/api/x", get, query="raise=1")
        assert response.status_code == 500
        assert response.headers.getlist(ACAO) == ([PROBE_ORIGIN] if expected else [])
    elif name == "allow_private_network":
        response = send(app, "/api/x", preflight._replace(acpn="true"))
        assert response.headers.getlist(ACAPN) == ["true" if expected else "false"]
    elif name == "automatic_options":
        response = send(app, "/api/x", preflight)
        assert response.status_code == 200
        assert response.headers.getlist(ACAO) == ([PROBE_ORIGIN] if expected else [])
    else:  # pragma: no cover
        raise AssertionError(name)


def api_view() -> Any:
    if request.args.get("fail"):
        abort(404)
    if request.args.get("raise"):  # unhandled: what intercept_exceptions=False leaves alone
        raise RuntimeError("unhandled")
    return "api"


@st.composite
def layered_option(
    draw: st.DrawFn, names: List[str], layers: List[str]
) -> Tuple[str, Dict[str, Value]]:
    """One option and the values it is given in a random subset of ``layers``: the top
    layer that sets it is drawn uniformly (or none), lower layers set it at random, and
    higher ones at most to None for methods (which means "not set here")."""
    name = draw(st.sampled_from(names))
    keywords, config = LAYER_VALUES[name]
    top = draw(st.integers(min_value=0, max_value=len(layers)))
    values: Dict[str, Value] = {}
    for index, layer in enumerate(layers):
        strategy = config if layer == "config" else keywords
        if index < top:
            if name == "methods" and draw(st.booleans()):
                values[layer] = Value(None, UNSET)
        elif index == top or draw(st.booleans()):
            values[layer] = draw(strategy)
    return name, values


EXTENSION_LAYERS = ["resource", "init_app", "constructor", "config"]


@invariant("INV-10")
@given(
    layered_option(EXTENSION_OPTIONS, EXTENSION_LAYERS),
    st.sampled_from(["init_app", "constructor", "config"]),
    st.booleans(),
    st.booleans(),
)
def test_extension_option_comes_from_the_first_layer_that_sets_it(
    option: Tuple[str, Dict[str, Value]],
    resources_layer: str,
    decoy_resources: bool,
    config_after_setup: bool,
) -> None:
    """An option set in any subset of resource dict, init_app, constructor and app.config
    (before or after setup) takes the value of the first of those layers, else the default;
    `resources` itself follows the same order."""
    name, values = option
    expected = expected_value(name, EXTENSION_LAYERS, values)
    note(f"expected {name} = {expected!r}")
    keywords: Dict[str, Dict[str, Any]] = {"init_app": {}, "constructor": {}, "config": {}}
    for layer in ("init_app", "constructor", "config"):
        if layer in values:
            keywords[layer][name] = values[layer].raw
    resource_options = {name: values["resource"].raw} if "resource" in values else {}
    keywords[resources_layer]["resources"] = {r"/api/*": resource_options}
    lower = ["init_app", "constructor", "config"]
    if decoy_resources and lower.index(resources_layer) < 2:
        keywords[lower[lower.index(resources_layer) + 1]]["resources"] = {r"/decoy/*": {}}
    config = {"CORS_" + key.upper(): value for key, value in keywords["config"].items()}

    app = new_app()
    app.add_url_rule("/api/x", "api", api_view, methods=["GET", "POST"])
    if not config_after_setup:
        app.config.update(config)
    cors = CORS(**keywords["constructor"])
    cors.init_app(app, **keywords["init_app"])
    if config_after_setup:
        app.config.update(config)
    observe(app, name, expected)


DECORATOR_LAYERS = ["decorator", "config"]


@invariant("INV-10")
@given(layered_option(sorted(LAYER_VALUES), DECORATOR_LAYERS), st.booleans())
def test_decorator_option_comes_from_its_keywords_then_app_config(
    option: Tuple[str, Dict[str, Value]], config_after_setup: bool
) -> None:
    """An option given to @cross_origin and/or app.config (before or after decorating) takes
    the decorator's value, else app.config's, else the default."""
    name, values = option
    expected = expected_value(name, DECORATOR_LAYERS, values)
    note(f"expected {name} = {expected!r}")
    keywords = {name: values["decorator"].raw} if "decorator" in values else {}
    config = {"CORS_" + name.upper(): values["config"].raw} if "config" in values else {}
    app = new_app()
    if not config_after_setup:
        app.config.update(config)
    app.add_url_rule("/api/x", "api", cross_origin(**keywords)(api_view), methods=["GET", "POST"])
    if config_after_setup:
        app.config.update(config)
    observe(app, name, expected)


# ---------------------------------------------------------------------------------------
# INV-11: decorator and extension agree


@invariant("INV-01", "INV-11")
@given(option_sets(), views, st.data())
def test_decorator_and_extension_give_the_same_cors_headers(
    option_set: Tuple[Dict[str, Any], List[str]], view: View, data: st.DataObject
) -> None:
    """The same options on a @cross_origin route and on a CORS(app) route give identical
    Access-Control-* and Vary headers for every request, preflights included (only the
    automatic OPTIONS answer itself may differ)."""
    options, allowed = option_set
    methods = ["GET", "POST", "PUT", "DELETE"]
    extension_app = new_app()
    CORS(extension_app, **options)
    extension_app.add_url_rule("/r", "r", view_function(view), methods=methods)
    decorator_app = new_app()
    decorated = cross_origin(**options)(view_function(view))
    decorator_app.add_url_rule("/r", "r", decorated, methods=methods)
    for req in data.draw(st.lists(cors_requests(allowed), min_size=1, max_size=3), "requests"):
        by_extension = send(extension_app, "/r", req)
        by_decorator = send(decorator_app, "/r", req)
        note(f"{req}: {cors_headers(by_extension)} / {cors_headers(by_decorator)}")
        assert by_extension.status_code == by_decorator.status_code
        assert cors_headers(by_extension) == cors_headers(by_decorator)
        if req.method != "OPTIONS":
            assert by_extension.get_data() == by_decorator.get_data()
        check_origin_headers(by_extension, req, options)


# ---------------------------------------------------------------------------------------
# INV-12: resource order


RESOURCE_POOL: List[Any] = [
    "/api",
    "/api/v1",
    "/api/v1/users",
    "/api/x+y",
    r"/api/*",
    r"/api/v1/.*",
    r"/api/v\d+/users",
    r"/api/v1/users/\d+$",
    r"/.*",
    "*",
    re.compile(r"/api/(v1|v2)/"),
]
PATH_POOL = [
    "/",
    "/api",
    "/api/",
    "/api/v1",
    "/api/v1/",
    "/api/v1/users",
    "/api/v1/users/42",
    "/api/v2/users",
    "/api/v22/users/x",
    "/api/x+y",
    "/api/x%2By",
    "/api/x%20y",
    "/apix",
    "/API/v1",
    "/public/v1",
]
path_pieces = st.sampled_from(["api", "v1", "v2", "users", "42", "x+y", "API", "%41", "x"])
paths = st.one_of(
    st.sampled_from(PATH_POOL),
    st.lists(path_pieces, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts)),
)


def pattern_text(pattern: Any) -> str:
    return pattern.pattern if isinstance(pattern, re.Pattern) else pattern


def pattern_matches(pattern: Any, path: str) -> bool:
    """docs/usage.md, Resources: '*' is every path, a literal matches itself, a regex
    matches from the start of the path, case-sensitively."""
    if isinstance(pattern, re.Pattern):
        return pattern.match(path) is not None
    if pattern in WILDCARDS:
        return True
    if looks_like_regex(pattern):
        return re.match(pattern, path) is not None
    return path == pattern


def specificity(pattern: Any) -> Tuple[bool, int, int]:
    """docs/usage.md: literal paths before regexes, then more '/', then longer (smaller first)."""
    text = pattern_text(pattern)
    is_regex = isinstance(pattern, re.Pattern) or looks_like_regex(text)
    return (is_regex, -text.count("/"), -len(text))


@invariant("INV-12")
@given(
    st.lists(
        st.integers(min_value=0, max_value=len(RESOURCE_POOL) - 1),
        min_size=2,
        max_size=5,
        unique=True,
    ).flatmap(lambda chosen: st.tuples(st.just(chosen), st.permutations(chosen))),
    st.lists(paths, min_size=1, max_size=6),
)
def test_resource_insertion_order_does_not_change_any_response(
    orders: Tuple[List[int], List[int]], request_paths: List[str]
) -> None:
    """A resources dict built in two insertion orders gives identical responses on every
    path, and the one applied is the most specific matching pattern (when there is one)."""
    first, second = orders

    def build(order: List[int]) -> Flask:
        app = new_app()
        resources = {RESOURCE_POOL[i]: {"expose_headers": f"X-P{i}", "max_age": i} for i in order}
        CORS(app, resources=resources)
        app.add_url_rule("/", "root", lambda: "root")
        app.add_url_rule("/<path:rest>", "any", lambda rest: "any")
        return app

    apps = (build(first), build(second))
    for path in request_paths:
        for req in (Req("GET", PROBE_ORIGIN), Req("OPTIONS", PROBE_ORIGIN, "GET")):
            one, two = (send(app, path, req) for app in apps)
            assert one.status_code == two.status_code
            assert cors_headers(one) == cors_headers(two), path
            decoded = unquote(path)
            matching = [i for i in first if pattern_matches(RESOURCE_POOL[i], decoded)]
            note(f"{req.method} {path}: matching {[RESOURCE_POOL[i] for i in matching]}")
            if not matching:
                assert ACAO not in one.headers, path
                continue
            ranks = sorted(specificity(RESOURCE_POOL[i]) for i in matching)
            if len(ranks) > 1 and ranks[0] == ranks[1]:
                continue  # docs/usage.md leaves ties to the implementation
            winner = min(matching, key=lambda i: specificity(RESOURCE_POOL[i]))
            assert one.headers.getlist(ACEH) == [f"X-P{winner}"], path
            if req.method == "OPTIONS":
                assert one.headers.getlist(ACMA) == [str(winner)], path


# ---------------------------------------------------------------------------------------
# INV-14: setup fails loudly or requests never fail

UNKNOWN_NAMES = ["origin", "max-age", "credentials", "Origins", "expose", "allow_methods"]
ODD_STRINGS = [
    "", "*", ".*", "yes", "no", "true", "False", "0", "1", "-1", "3.5", "10", " 7 ",
    "GET POST", "GET, POST", "get", "[", "(", "a(b", "x\r\ny", "\u00fcn\u00ef",
    "https://a.example", "https://a.example/", "localhost:3000", "http://[::1]:8080",
    "null", "/api/*", "api", "/api", r"^https://a\.example$", "Content-Type",
]  # fmt: skip
SAFE_ALPHABET = "abcAZ09:/.,-_[(\\?$^ \r\n\x00\u00fc"
scalar_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=2**33),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(ODD_STRINGS),
    st.text(alphabet=SAFE_ALPHABET, max_size=8),
    st.sampled_from([re.compile("x"), re.compile(b"x"), re.compile("[a-z]+", re.I)]),
    st.sampled_from([timedelta(seconds=-1), timedelta(seconds=1.5), timedelta(days=2)]),
    st.sampled_from([object(), 1 + 2j, b"GET"]),
)
raw_values = st.one_of(
    scalar_values,
    st.lists(scalar_values, max_size=3),
    st.lists(scalar_values, max_size=3).map(tuple),
    st.sets(st.sampled_from(["GET", "https://a.example", "X-One", "*", "[", 3])),
    st.dictionaries(
        st.one_of(st.sampled_from(["/api/*", "/api", "api", "[", "*"]), scalar_values),
        st.one_of(
            st.none(),
            scalar_values,
            st.dictionaries(
                st.sampled_from([*DEFAULTS, *UNKNOWN_NAMES, "resources"]), scalar_values
            ),
        ),
        max_size=2,
    ),
)


@invariant("INV-14", "INV-09", "INV-01")
@given(
    option_sets(),
    st.sampled_from([*OPTION_NAMES, *UNKNOWN_NAMES]),
    raw_values,
    st.sampled_from(["constructor", "init_app", "config", "resource", "decorator"]),
    st.lists(
        st.tuples(
            st.sampled_from(["/api/x", "/nope"]),
            st.sampled_from(["GET", "HEAD", "POST", "PUT", "OPTIONS"]),
            request_origins(["https://a.example"]),
            request_method_headers,
            request_header_lists,
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_any_raw_option_fails_at_setup_naming_it_or_never_breaks_a_request(
    option_set: Tuple[Dict[str, Any], List[str]],
    name: str,
    value: Any,
    where: str,
    requests: List[Tuple[str, str, Optional[str], Optional[str], Optional[str]]],
) -> None:
    """Any value for any option name (known or not) in any place either makes setup raise
    TypeError/ValueError naming that option, or gives an app whose requests all get the
    status the routing and view give (no raise, no 5xx) with clean headers."""
    options, _ = option_set
    app = new_app()
    keywords = dict(options)
    try:
        with warnings.catch_warnings():
            # re may warn about odd patterns (FutureWarning); a warning is not a failure.
            warnings.simplefilter("ignore")
            if where == "config":
                app.config["CORS_" + name.upper()] = value
                CORS(app, **keywords)
                app.add_url_rule("/api/x", "api", api_view, methods=["GET", "POST"])
            elif where == "decorator":
                keywords[name] = value
                view = cross_origin(**keywords)(api_view)
                app.add_url_rule("/api/x", "api", view, methods=["GET", "POST"])
            else:
                if where == "resource":
                    keywords["resources"] = {r"/api/*": {name: value}}
                else:
                    keywords[name] = value
                cors = CORS(**(keywords if where == "constructor" else {}))
                cors.init_app(app, **({} if where == "constructor" else keywords))
                app.add_url_rule("/api/x", "api", api_view, methods=["GET", "POST"])
    except (TypeError, ValueError) as error:
        note(f"setup refused: {error}")
        # app.config keys are upper-case; a conflict (send_wildcard, '*', credentials)
        # names all three options, so the one generated here is among them.
        assert name.lower() in str(error).lower(), (name, str(error))
        return
    for path, method, origin, acrm, acrh in requests:
        expected = 404 if path == "/nope" else 405 if method == "PUT" else 200
        req = Req(method, origin, acrm if method == "OPTIONS" else None, acrh)
        response = send(app, path, req)
        note(f"{path} {req} -> {response.status_code} {list(response.headers.items())}")
        assert response.status_code == expected
        check_clean_headers(response)
        assert len(response.headers.getlist(ACAO)) <= 1


# ---------------------------------------------------------------------------------------
# INV-15: the request path as the router sees it

#: Resource patterns, each with a decoded path it is about (to aim requests near it).
PATH_PATTERNS: List[Tuple[Any, str]] = [
    ("/api/a+b", "/api/a+b"),
    ("/api/a b", "/api/a b"),
    ("/api/A", "/api/A"),
    ("/api/%41", "/api/%41"),
    ("/api/a/b", "/api/a/b"),
    ("/api/\u00fc", "/api/\u00fc"),
    (r"/api/a\+b$", "/api/a+b"),
    (r"/api/[a-z]+$", "/api/ab"),
    (r"/api/A(/.*)?$", "/api/A/x"),
    (r"/Api/*", "/Api/x"),
    (r"/api/%41.*", "/api/%41x"),
    (r"/api/a b.*", "/api/a b c"),
    (re.compile(r"/api/a.b$"), "/api/a+b"),
]
PIECES = ["a", "b", "A", "B", "+", "%2B", "%2b", "%20", "%41", "%61", "%2541", "%2F", "%C3%BC"]


def confusables(path: str) -> List[str]:
    """``path`` and what a router-unlike matcher would confuse it with: '+' vs ' ', an
    escape vs its decoded character, case changes."""
    return [
        path,
        path.replace("+", " "),
        path.replace(" ", "+"),
        path.replace("%41", "A"),
        path.replace("A", "%41"),
        path.swapcase(),
        path.lower(),
        path.upper(),
    ]


def percent_encode(text: str, choices: List[int]) -> str:
    """Request ``text``: each character kept (0) or sent as %XX in upper (1) or lower (2)
    hex; '%' and ' ' are always escaped, '/' never."""
    out = []
    for index, character in enumerate(text):
        choice = choices[index % len(choices)]
        if character == "/" or (choice == 0 and character not in "% "):
            out.append(character)
        else:
            encoded = "".join(f"%{byte:02X}" for byte in character.encode("utf-8"))
            out.append(encoded.lower() if choice == 2 else encoded)
    return "".join(out)


def router_paths(example: str) -> st.SearchStrategy[str]:
    """Raw request paths: the example path and its confusables with random escapes, or
    random pieces (raw '+', escapes, doubly escaped '%2541') under /api/."""
    near = st.tuples(
        st.sampled_from(confusables(example) + confusables(PATH_PATTERNS[0][1])),
        st.lists(st.integers(min_value=0, max_value=2), min_size=1, max_size=6),
    ).map(lambda t: percent_encode(*t))
    pieces = st.tuples(
        st.sampled_from(["/api/", "/Api/", "/API/"]),
        st.lists(st.sampled_from(PIECES), min_size=1, max_size=4),
    ).map(lambda t: t[0] + "".join(t[1]))
    return st.one_of(near, near, pieces)


@invariant("INV-15")
@given(
    st.sampled_from(PATH_PATTERNS).flatmap(
        lambda pair: st.tuples(
            st.just(pair[0]), st.lists(router_paths(pair[1]), min_size=1, max_size=5)
        )
    )
)
def test_resource_applies_exactly_when_it_matches_the_routed_path(
    case: Tuple[Any, List[str]],
) -> None:
    """A resource applies to a request exactly when its pattern matches the path Flask
    routes on (percent-escapes decoded once, '+' kept, case kept): literals by equality,
    regexes from the start of the path."""
    pattern, raw_paths = case
    app = new_app()
    CORS(app, resources={pattern: {"expose_headers": "X-Hit"}})
    app.add_url_rule("/<path:rest>", "any", lambda rest: request.path)
    for raw in raw_paths:
        decoded = unquote(raw)
        response = send(app, raw, Req("GET", PROBE_ORIGIN))
        note(f"{raw!r} (router: {decoded!r}) -> {list(response.headers.items())}")
        assert response.status_code == 200
        assert response.get_data(as_text=True) == decoded  # the path Flask routed on
        if pattern_matches(pattern, decoded):
            assert response.headers.getlist(ACAO) == [PROBE_ORIGIN], raw
            assert response.headers.getlist(ACEH) == ["X-Hit"], raw
        else:
            assert [name for name in GRANTING if name in response.headers] == [], raw
            assert "origin" not in [t.lower() for t in vary_tokens(response)], raw


ADMIN_ORIGIN = "https://admin.example"
PARTNER_ORIGIN = "https://partner.example"
#: Literal resources for two views, one spelled without and one with a trailing slash,
#: and a catch-all for everything else (SECURITY.md T15).
FOLDING_RESOURCES = {
    "/a/users": {"origins": [ADMIN_ORIGIN]},
    "/a/panel/": {"origins": [ADMIN_ORIGIN]},
    r"/*": {"origins": [PARTNER_ORIGIN]},
}
FOLDED_PATHS = [
    "/a/users", "/a/users/", "/a//users", "//a/users", "/a/users//",
    "/a/panel", "/a/panel/", "/a//panel", "/a//panel/", "/a/%2Fpanel/",
    "/files/x", "/files/x/", "/files//x", "/a/other", "/a/other/",
]  # fmt: skip


@invariant("INV-15")
@given(
    strict=st.booleans(),
    merge=st.booleans(),
    path=st.sampled_from(FOLDED_PATHS),
    origin=st.sampled_from([ADMIN_ORIGIN, PARTNER_ORIGIN]),
    method=st.sampled_from(["GET", "OPTIONS"]),
)
def test_a_path_the_router_folds_gets_the_policy_of_the_view_it_serves(
    strict: bool, merge: bool, path: str, origin: str, method: str
) -> None:
    """Whatever Werkzeug folds (a trailing slash under strict_slashes=False, merged
    slashes, the redirects it issues), the answer, redirects included, is the policy of
    the resource of the view finally served, as Flask's own router says by following
    the request: the literal resource for the two admin views, the catch-all otherwise."""
    app = new_app()
    app.url_map.strict_slashes = strict
    app.url_map.merge_slashes = merge
    for rule in ("/a/users", "/a/panel/", "/files/<path:name>"):
        app.add_url_rule(rule, rule, lambda **_: request.url_rule.rule)  # type: ignore[union-attr]
    CORS(app, resources=FOLDING_RESOURCES)
    client = app.test_client()
    served = client.get(path, follow_redirects=True)
    served_rule = served.get_data(as_text=True) if served.status_code == 200 else None
    admin_view = served_rule in ("/a/users", "/a/panel/")
    allowed = ADMIN_ORIGIN if admin_view else PARTNER_ORIGIN
    headers = {"Origin": origin}
    if method == "OPTIONS":
        headers["Access-Control-Request-Method"] = "GET"
    response = client.open(path, method=method, headers=headers)
    note(f"{path!r}: served {served_rule!r}; {response.status_code} {list(response.headers)}")
    if origin == allowed:
        assert response.headers.getlist(ACAO) == [origin]
    else:
        assert [name for name in GRANTING if name in response.headers] == []


# ---------------------------------------------------------------------------------------
# INV-01 / INV-04 through CORS(blueprint), beside an app-wide CORS(app)


@invariant("INV-01", "INV-02", "INV-03", "INV-04", "INV-06", "INV-09")
@given(option_sets(), st.booleans(), st.data())
def test_blueprint_policy_is_final_on_its_routes_and_absent_elsewhere(
    option_set: Tuple[Dict[str, Any], List[str]], app_cors_first: bool, data: st.DataObject
) -> None:
    """With CORS(bp, **options) and an app-wide default CORS(app), the blueprint's routes
    answer by the blueprint's options alone (a rejected origin gets nothing, even though
    the app would allow it), and the app's routes by the app's default policy."""
    options, allowed = option_set
    app = new_app()
    if app_cors_first:
        CORS(app)
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    bp.add_url_rule("/r", "r", lambda: "bp", methods=ROUTE_METHODS)
    CORS(bp, **options)
    app.register_blueprint(bp)
    if not app_cors_first:
        CORS(app)
    app.add_url_rule("/other", "other", lambda: "other", methods=ROUTE_METHODS)
    for req in data.draw(st.lists(cors_requests(allowed), min_size=1, max_size=3), "requests"):
        response = send(app, "/bp/r", req)
        note(f"/bp/r {req} -> {list(response.headers.items())}")
        assert response.status_code == 200
        check_clean_headers(response)
        check_origin_headers(response, req, options)
        check_vary(response, options, None)
        response = send(app, "/other", req)
        note(f"/other {req} -> {list(response.headers.items())}")
        check_clean_headers(response)
        check_origin_headers(response, req, {})
        origin = wsgi(req.origin) if req.origin is not None else None
        if not origin:
            assert response.headers.getlist(ACAO) == ["*"]
        elif ECHOABLE.fullmatch(origin):
            assert response.headers.getlist(ACAO) == [origin]
        else:
            assert ACAO not in response.headers
        check_vary(response, {}, None)


# ---------------------------------------------------------------------------------------
# INV-13 / INV-14 on error responses


@invariant("INV-13", "INV-14", "INV-01", "INV-09")
@given(
    option_sets(),
    st.booleans(),
    st.sampled_from(["extension", "decorator"]),
    st.sampled_from(["abort", "raise", "unrouted", "wrong-method"]),
    st.sampled_from([400, 401, 403, 404, 409, 418, 429, 500, 502, 503]),
    st.data(),
)
def test_error_responses_keep_their_status_and_body(
    option_set: Tuple[Dict[str, Any], List[str]],
    intercept: bool,
    mode: str,
    kind: str,
    code: int,
    data: st.DataObject,
) -> None:
    """Responses made from exceptions (abort, unhandled errors, 404/405 from routing) keep
    exactly the status and body the same app gives without CORS. The extension covers them
    all, except that intercept_exceptions off leaves an unhandled exception's 500 without
    any Access-Control-* header; the decorator covers its own view's errors while
    intercept_exceptions is on. Where covered, an allowed origin gets ACAO."""
    options, allowed = option_set
    options = {**options, "intercept_exceptions": intercept}
    req = Req(
        "PATCH" if kind == "wrong-method" else data.draw(st.sampled_from(["GET", "POST"])),
        data.draw(st.one_of(st.none(), st.sampled_from(allowed or ["https://a.example"]))),
    )

    def failing() -> Any:
        if kind == "raise":
            raise RuntimeError("boom")
        abort(code)

    def build(with_cors: Optional[str]) -> Flask:
        app = new_app()
        view = failing
        if with_cors == "extension":
            CORS(app, **options)
        elif with_cors == "decorator":
            view = cross_origin(**options)(failing)
        app.add_url_rule("/r", "r", view, methods=["GET", "POST"])
        return app

    path = "/missing" if kind == "unrouted" else "/r"
    flask_log = logging.getLogger(__name__)  # Flask logs unhandled errors on app.logger
    flask_log.disabled = True
    try:
        plain = send(build(None), path, req)
        response = send(build(mode), path, req)
    finally:
        flask_log.disabled = False
    note(f"{path} {req} -> {response.status_code} {list(response.headers.items())}")
    assert response.status_code == plain.status_code
    assert response.get_data() == plain.get_data()
    check_clean_headers(response)
    check_origin_headers(response, req, options)
    if mode == "extension":
        covered = intercept or kind != "raise"
    else:
        covered = intercept and kind in ("abort", "raise")
    if not covered:
        present = [
            n for n, _ in response.headers.items() if n.lower().startswith("access-control-")
        ]
        assert present == []
    elif req.origin is not None:
        assert response.headers.getlist(ACAO) in ([req.origin], ["*"])
