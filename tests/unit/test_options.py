"""Option parsing and validation: CORS(), init_app(), resource dicts, decorator, app.config."""

from __future__ import annotations

import functools
import logging
import re
from datetime import timedelta
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
from flask import Blueprint, Flask, Response

from flask_cors import CORS, cross_origin
from flask_cors.layers import parse_options

ORIGIN = "https://a.example"
OTHER = "https://c.example"
ANY_PATH = r"/*"
RESOURCE_KEY = r"/api/*"

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACEH = "Access-Control-Expose-Headers"
ACMA = "Access-Control-Max-Age"
ACAPN = "Access-Control-Allow-Private-Network"

BOOL_OPTIONS = [
    "supports_credentials",
    "send_wildcard",
    "vary_header",
    "automatic_options",
    "always_send",
    "intercept_exceptions",
    "allow_private_network",
]

#: Every place a view's options can come from (the decorator ones configure the view).
LAYERS = ["constructor", "init_app", "resource", "config", "decorator", "decorator_config"]


def config_key(name: str) -> str:
    return "CORS_" + name.upper()


def build_app(layer: str, **options: Any) -> Flask:
    """An app with /r (200) and /boom (an unhandled exception), configured through
    ``layer``."""
    app = Flask(__name__)

    def ok() -> str:
        return "ok"

    def boom() -> str:
        raise RuntimeError("unhandled")

    if layer in ("config", "decorator_config"):
        app.config.update({config_key(name): value for name, value in options.items()})
    for path, view in (("/r", ok), ("/boom", boom)):
        if layer.startswith("decorator"):
            view = cross_origin(**(options if layer == "decorator" else {}))(view)
        app.add_url_rule(path, view.__name__, view, methods=["GET", "POST", "PUT", "DELETE"])
    if layer == "constructor":
        CORS(app, **options)
    elif layer == "init_app":
        CORS().init_app(app, **options)
    elif layer == "resource":
        CORS(app, resources={ANY_PATH: options})
    elif layer == "config":
        CORS(app)
    return app


def send(
    app: Flask,
    method: str = "GET",
    path: str = "/r",
    origin: Optional[str] = ORIGIN,
    headers: Optional[Dict[str, str]] = None,
) -> Response:
    all_headers = dict(headers or {})
    if origin is not None:
        all_headers["Origin"] = origin
    return app.test_client().open(path, method=method, headers=all_headers)


def preflight(app: Flask, method: str = "POST", **kw: Any) -> Response:
    headers = {"Access-Control-Request-Method": method, **kw.pop("headers", {})}
    return send(app, "OPTIONS", headers=headers, **kw)


def tokens(value: Optional[str], fold: bool = False) -> set:
    parts = [t.strip() for t in (value or "").split(",") if t.strip()]
    return {t.lower() for t in parts} if fold else set(parts)


def setup_with(layer: str, **options: Any) -> None:
    """Configure an app through ``layer`` only; errors must surface here."""
    app = Flask(__name__)
    if layer == "constructor":
        CORS(app, **options)
    elif layer == "factory":
        CORS(**options)
    elif layer == "init_app":
        CORS().init_app(app, **options)
    elif layer == "resource":
        CORS(app, resources={RESOURCE_KEY: options})
    elif layer == "decorator":
        cross_origin(**options)
    elif layer == "config":
        app.config.update({config_key(name): value for name, value in options.items()})
        CORS(app)
    else:  # pragma: no cover
        raise AssertionError(layer)


def cors_warnings(caplog: pytest.LogCaptureFixture) -> List[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "flask_cors" and r.levelno == logging.WARNING
    ]


def mentions(message: str, word: str) -> bool:
    return re.search(r"(?<![\w])" + re.escape(word) + r"(?![\w])", message) is not None


# --- accepted types -----------------------------------------------------------------


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize(
    "value",
    [
        pytest.param(ORIGIN, id="str"),
        pytest.param([ORIGIN], id="list"),
        pytest.param((ORIGIN,), id="tuple"),
        pytest.param({ORIGIN, "https://b.example"}, id="set"),
        pytest.param(re.compile(r"https://a\.example"), id="regex"),
        pytest.param([re.compile(r"https://a\.example")], id="list-regex"),
        pytest.param(["https://b.example", re.compile(r"https://a\.example")], id="list-mixed"),
        pytest.param(r"https://a\.example", id="regex-str"),
        pytest.param("https://b.example, https://a.example", id="comma-separated"),
    ],
)
def test_origins_accepted_types(layer: str, value: Any) -> None:
    app = build_app(layer, origins=value)
    assert send(app).headers.get(ACAO) == ORIGIN
    assert ACAO not in send(app, origin=OTHER).headers


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize(
    "value",
    [
        pytest.param("GET, POST", id="comma-separated"),
        pytest.param("get, post", id="lower-case"),
        pytest.param(["GET", "POST"], id="list"),
        pytest.param(("get", "Post"), id="tuple-mixed-case"),
        pytest.param({"GET", "POST"}, id="set"),
    ],
)
def test_methods_accepted_types_are_upper_cased(layer: str, value: Any) -> None:
    app = build_app(layer, methods=value)
    allowed = preflight(app, "POST")
    assert tokens(allowed.headers.get(ACAM)) == {"GET", "POST"}
    assert ACAM not in preflight(app, "PUT").headers


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param("X-One", {"x-one"}, id="str"),
        pytest.param("X-One, X-Two", {"x-one", "x-two"}, id="comma-separated"),
        pytest.param(["X-One", "X-Two"], {"x-one", "x-two"}, id="list"),
        pytest.param(("X-One",), {"x-one"}, id="tuple"),
        pytest.param({"X-One", "X-Two"}, {"x-one", "x-two"}, id="set"),
    ],
)
def test_expose_headers_accepted_types(layer: str, value: Any, expected: set) -> None:
    app = build_app(layer, expose_headers=value)
    assert tokens(send(app).headers.get(ACEH), fold=True) == expected


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize(
    "value",
    [
        pytest.param("X-One", id="str"),
        pytest.param("X-One, X-Two", id="comma-separated"),
        pytest.param(["X-One"], id="list"),
        pytest.param(("X-Two", "x-one"), id="tuple"),
        pytest.param({"X-One"}, id="set"),
        pytest.param(re.compile(r"X-O.e"), id="regex"),
        pytest.param([re.compile(r"x-on[e]", re.IGNORECASE)], id="list-regex"),
        pytest.param(r"X-On[e]", id="regex-str"),
    ],
)
def test_allow_headers_accepted_types(layer: str, value: Any) -> None:
    app = build_app(layer, allow_headers=value)
    response = preflight(app, headers={"Access-Control-Request-Headers": "X-One, X-Other"})
    assert tokens(response.headers.get(ACAH), fold=True) == {"x-one"}


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param(600, "600", id="int"),
        pytest.param("600", "600", id="str"),
        pytest.param(timedelta(minutes=10), "600", id="timedelta"),
        pytest.param(timedelta(seconds=600, milliseconds=900), "600", id="timedelta-fraction"),
        pytest.param(0, "0", id="zero"),
        pytest.param("0", "0", id="zero-str"),
        pytest.param(2**31, str(2**31), id="largest"),
    ],
)
def test_max_age_accepted_types(layer: str, value: Any, expected: str) -> None:
    assert preflight(build_app(layer, max_age=value)).headers.get(ACMA) == expected


@pytest.mark.parametrize("layer", ["constructor", "init_app", "config"])
@pytest.mark.parametrize(
    "value, covers_other",
    [
        pytest.param({RESOURCE_KEY: {}}, False, id="dict"),
        pytest.param([RESOURCE_KEY], False, id="list"),
        pytest.param((RESOURCE_KEY,), False, id="tuple"),
        pytest.param(RESOURCE_KEY, False, id="str"),
        pytest.param(re.compile(r"/api/.*"), False, id="regex"),
        pytest.param("/api/items", False, id="literal"),
        pytest.param("*", True, id="star"),
    ],
)
def test_resources_accepted_types(layer: str, value: Any, covers_other: bool) -> None:
    app = Flask(__name__)
    app.add_url_rule("/api/items", "items", lambda: "items")
    app.add_url_rule("/other", "other", lambda: "other")
    if layer == "config":
        app.config["CORS_RESOURCES"] = value
        CORS(app)
    elif layer == "init_app":
        CORS().init_app(app, resources=value)
    else:
        CORS(app, resources=value)
    assert send(app, path="/api/items").headers.get(ACAO) == ORIGIN
    assert (ACAO in send(app, path="/other").headers) is covers_other


@pytest.mark.parametrize("option", BOOL_OPTIONS)
@pytest.mark.parametrize(
    "spelling, expected",
    [
        pytest.param(True, True, id="bool-true"),
        pytest.param(False, False, id="bool-false"),
        pytest.param("true", True, id="true"),
        pytest.param("false", False, id="false"),
        pytest.param("1", True, id="one"),
        pytest.param("0", False, id="zero"),
        pytest.param("TRUE", True, id="upper-true"),
        pytest.param("False", False, id="title-false"),
        pytest.param("tRuE", True, id="mixed-true"),
        pytest.param(" true ", True, id="spaced-true"),
        pytest.param("\tFALSE ", False, id="tab-false"),
        pytest.param(" 1", True, id="leading-space-one"),
        pytest.param("0 ", False, id="trailing-space-zero"),
    ],
)
def test_boolean_spellings(option: str, spelling: Any, expected: bool) -> None:
    assert parse_options({option: spelling}, "test")[option] is expected


def _check_credentials(app: Flask, on: bool) -> None:
    assert send(app).headers.get(ACAC) == ("true" if on else None)


def _check_send_wildcard(app: Flask, on: bool) -> None:
    assert send(app).headers.get(ACAO) == ("*" if on else ORIGIN)


def _check_vary(app: Flask, on: bool) -> None:
    assert ("origin" in tokens(send(app).headers.get("Vary"), fold=True)) is on


def _check_automatic_options(app: Flask, on: bool) -> None:
    assert (ACAO in preflight(app).headers) is on


def _check_always_send(app: Flask, on: bool) -> None:
    assert send(app, origin=None).headers.get(ACAO) == ("*" if on else None)


def _check_intercept(app: Flask, on: bool) -> None:
    response = send(app, path="/boom")
    assert response.status_code == 500
    assert response.headers.get(ACAO) == (ORIGIN if on else None)


def _check_private_network(app: Flask, on: bool) -> None:
    response = preflight(app, headers={"Access-Control-Request-Private-Network": "true"})
    assert response.headers.get(ACAPN) == ("true" if on else "false")


BOOL_CHECKS: Dict[str, Callable[[Flask, bool], None]] = {
    "supports_credentials": _check_credentials,
    "send_wildcard": _check_send_wildcard,
    "vary_header": _check_vary,
    "automatic_options": _check_automatic_options,
    "always_send": _check_always_send,
    "intercept_exceptions": _check_intercept,
    "allow_private_network": _check_private_network,
}
#: (test id, spelling, meaning)
BOOL_SPELLINGS = [
    ("bool-true", True, True),
    ("bool-false", False, False),
    ("upper-true", "TRUE", True),
    ("spaced-zero", " 0 ", False),
]
BOOL_CASES = [
    pytest.param(option, layer, spelling, expected, id=f"{option}-{layer}-{label}")
    for option in BOOL_OPTIONS
    for layer in LAYERS
    if option != "automatic_options" or layer.startswith("decorator")
    for label, spelling, expected in BOOL_SPELLINGS
]


@pytest.mark.parametrize("option, layer, spelling, expected", BOOL_CASES)
def test_boolean_options_take_effect(
    option: str, layer: str, spelling: Any, expected: bool
) -> None:
    BOOL_CHECKS[option](build_app(layer, **{option: spelling}), expected)


# --- rejected values ----------------------------------------------------------------

#: (test id, option, value)
BAD_VALUES: List[Tuple[str, str, Any]] = [
    ("int", "resources", 5),
    ("bytes", "resources", b"/api/*"),
    ("no-slash", "resources", "api/items"),
    ("list-no-slash", "resources", ["/ok", "api/items"]),
    ("dict-no-slash", "resources", {"api/items": {}}),
    ("bad-regex", "resources", r"/api/(v1"),
    ("nested", "resources", {RESOURCE_KEY: {"resources": "/x"}}),
    ("str-options", "resources", {RESOURCE_KEY: "not options"}),
    ("int", "origins", 5),
    ("bytes", "origins", b"https://a.example"),
    ("list-int", "origins", [ORIGIN, 5]),
    ("no-scheme", "origins", "localhost:3000"),
    ("trailing-slash", "origins", "https://a.example/"),
    ("path", "origins", "https://a.example/path"),
    ("non-ascii", "origins", "https://bücher.example"),
    ("default-port", "origins", "https://a.example:443"),
    ("list-default-port", "origins", ["http://a.example:80"]),
    ("empty", "origins", ""),
    ("bad-regex", "origins", r"https://(a\.example"),
    ("list-bad-regex", "origins", [r"https://[a-"]),
    ("int", "methods", 5),
    ("space-separated", "methods", "GET POST"),
    ("empty", "methods", ""),
    ("inner-space", "methods", "GE T"),
    ("list-empty", "methods", ["GET", ""]),
    ("list-int", "methods", ["GET", 5]),
    ("regex", "methods", re.compile("GET")),
    ("nul", "methods", "G\x00ET"),
    ("crlf", "methods", "GET\r\nX-Evil: 1"),
    ("int", "expose_headers", 5),
    ("space", "expose_headers", "X One"),
    ("list-int", "expose_headers", ["X-A", 3]),
    ("regex", "expose_headers", re.compile(r"X-.*")),
    ("int", "allow_headers", 5),
    ("list-int", "allow_headers", [3]),
    ("space", "allow_headers", "X One"),
    ("bad-regex", "allow_headers", r"X-[a"),
    ("negative", "max_age", -1),
    ("float", "max_age", 1.5),
    ("whole-float", "max_age", 600.0),
    ("float-str", "max_age", "1.5"),
    ("negative-str", "max_age", "-1"),
    ("word", "max_age", "ten"),
    ("bool", "max_age", True),
    ("too-big", "max_age", 2**31 + 1),
    ("negative-timedelta", "max_age", timedelta(seconds=-1)),
    ("list", "max_age", [600]),
] + [
    (label, option, bad)
    for option in BOOL_OPTIONS
    for label, bad in [
        ("yes", "yes"),
        ("none", None),
        ("two", 2),
        ("empty", ""),
        ("on", "on"),
        ("minus-one", -1),
    ]
]

REJECTION_CASES = [
    pytest.param(layer, name, value, id=f"{layer}-{name}-{label}")
    for label, name, value in BAD_VALUES
    for layer in ["constructor", "factory", "init_app", "resource", "decorator", "config"]
    if name != "resources" or layer in ("constructor", "factory", "init_app", "config")
]


@pytest.mark.parametrize("layer, name, value", REJECTION_CASES)
def test_invalid_value_is_refused_at_setup_naming_the_option(
    layer: str, name: str, value: Any
) -> None:
    with pytest.raises((TypeError, ValueError)) as caught:
        setup_with(layer, **{name: value})
    message = str(caught.value)
    if layer == "config":
        assert config_key(name) in message
    else:
        assert mentions(message, name)
    if layer == "resource":
        assert RESOURCE_KEY in message


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("GET\n", id="lf"),
        pytest.param("GET\r", id="cr"),
        pytest.param("GET\x1f", id="unit-separator"),
        pytest.param(["POST", "GET\x0b"], id="list-vertical-tab"),
    ],
)
def test_methods_with_trailing_control_characters_are_refused(value: Any) -> None:
    """Control characters make a method a non-token (RFC 9110, 5.6.2: a token has no
    control characters); only spaces around list items are optional whitespace."""
    with pytest.raises(ValueError, match="methods"):
        CORS(Flask(__name__), methods=value)


@pytest.mark.parametrize(
    "value, hint",
    [
        pytest.param("localhost:3000", "scheme", id="no-scheme"),
        pytest.param("https://a.example/", "'https://a.example'", id="trailing-slash"),
        pytest.param("https://a.example/path", "path", id="path"),
        pytest.param("https://bücher.example", "ascii", id="non-ascii"),
        pytest.param("https://a.example:443", "'https://a.example'", id="default-port"),
        pytest.param("HTTP://[::1]:0080", "default port", id="ipv6-default-port"),
        pytest.param("", "empty", id="empty"),
    ],
)
def test_impossible_literal_origin_message_gives_a_hint(value: str, hint: str) -> None:
    with pytest.raises(ValueError) as caught:
        CORS(Flask(__name__), origins=value)
    assert hint.lower() in str(caught.value).lower()


@pytest.mark.parametrize(
    "origin",
    [
        pytest.param("https://a.example:8443", id="https-8443"),
        pytest.param("https://a.example:80", id="https-80"),
        pytest.param("http://a.example:443", id="http-443"),
        pytest.param("http://[::80]", id="ipv6-host-80"),
    ],
)
def test_a_port_other_than_the_schemes_default_is_kept(origin: str) -> None:
    """Only the scheme's own default port is left out of a serialized origin (Fetch,
    Origin header), so any other port is one a browser sends and is allowed as written."""
    app = Flask(__name__)
    app.add_url_rule("/", view_func=lambda: "ok")
    CORS(app, origins=[origin])
    answer = app.test_client().get("/", headers={"Origin": origin})
    assert answer.headers["Access-Control-Allow-Origin"] == origin


@pytest.mark.parametrize("layer", ["constructor", "factory", "init_app", "resource", "decorator"])
@pytest.mark.parametrize(
    "typo, meant",
    [
        ("origin", "origins"),
        ("supports_credential", "supports_credentials"),
        ("ORIGINS", "origins"),
        ("Max_Age", "max_age"),
    ],
)
def test_unknown_option_is_refused_with_a_suggestion(layer: str, typo: str, meant: str) -> None:
    with pytest.raises((TypeError, ValueError)) as caught:
        setup_with(layer, **{typo: "x"})
    assert mentions(str(caught.value), typo)
    assert mentions(str(caught.value), meant)


@pytest.mark.parametrize(
    "key, value, suggestion",
    [
        pytest.param("CORS_ORIGIN", "https://b.example", "CORS_ORIGINS", id="CORS_ORIGIN"),
        pytest.param("CORS_HEADERS", "Content-Type", "CORS_ALLOW_HEADERS", id="CORS_HEADERS"),
        pytest.param(
            "CORS_SUPPORT_CREDENTIALS",
            True,
            "CORS_SUPPORTS_CREDENTIALS",
            id="CORS_SUPPORT_CREDENTIALS",
        ),
    ],
)
def test_unknown_config_key_is_warned_about_not_refused(
    caplog: pytest.LogCaptureFixture, key: str, value: Any, suggestion: str
) -> None:
    caplog.set_level(logging.WARNING, logger="flask_cors")
    app = build_app("config", **{key[len("CORS_") :].lower(): value})
    relevant = [m for m in cors_warnings(caplog) if key in m]
    assert relevant
    assert any(mentions(m, suggestion) for m in relevant)
    response = send(app)
    assert response.headers.get(ACAO) == ORIGIN
    assert ACAC not in response.headers


def test_nested_resources_in_a_resource_dict_is_refused() -> None:
    with pytest.raises((TypeError, ValueError), match="resources"):
        CORS(Flask(__name__), resources={RESOURCE_KEY: {"resources": {"/x": {}}}})


def test_cross_origin_refuses_resources() -> None:
    with pytest.raises(ValueError) as caught:
        cross_origin(resources={RESOURCE_KEY: {}})
    assert str(caught.value) == (
        "cross_origin: 'resources' only applies to CORS(); the decorator covers its own view"
    )
    # Nor is it suggested for a misspelling: the decorator has no resources to set.
    with pytest.raises(ValueError) as caught:
        cross_origin(resource={RESOURCE_KEY: {}})
    assert str(caught.value) == "cross_origin(): unknown option 'resource'"


@pytest.mark.parametrize(
    "args, kwargs",
    [
        pytest.param((ORIGIN,), {}, id="origin"),
        pytest.param(([ORIGIN],), {}, id="origin-list"),
        pytest.param((ORIGIN, "GET"), {}, id="origin-and-method"),
        pytest.param((print,), {"origins": ORIGIN}, id="function-and-keyword"),
    ],
)
def test_cross_origin_refuses_positional_arguments(args: tuple, kwargs: dict) -> None:
    with pytest.raises(TypeError):
        cross_origin(*args, **kwargs)


# --- origins details ----------------------------------------------------------------


def test_bracketed_ipv6_origin_is_a_literal() -> None:
    app = build_app("constructor", origins="https://[::1]:8080")
    assert send(app, origin="https://[::1]:8080").headers.get(ACAO) == "https://[::1]:8080"
    assert ACAO not in send(app, origin="https://1:8080").headers
    assert ACAO not in send(app, origin="https://::1]:8080").headers


@pytest.mark.parametrize(
    "wildcard",
    [
        pytest.param("*", id="star"),
        pytest.param(".*", id="dot-star"),
        pytest.param(["*"], id="star-list"),
        pytest.param([".*"], id="dot-star-list"),
        pytest.param([ORIGIN, "*"], id="origin-and-star"),
    ],
)
def test_star_and_dot_star_are_both_wildcards(wildcard: Any) -> None:
    echoing = build_app("constructor", origins=wildcard)
    assert send(echoing, origin=OTHER).headers.get(ACAO) == OTHER
    assert send(echoing, origin=None).headers.get(ACAO) == "*"
    star = build_app("constructor", origins=wildcard, send_wildcard=True)
    assert send(star, origin=OTHER).headers.get(ACAO) == "*"


@pytest.mark.parametrize("layer", ["constructor", "config", "decorator", "resource"])
def test_comma_separated_literal_origins_are_split(layer: str) -> None:
    app = build_app(layer, origins="https://a.example, https://b.example")
    assert send(app, origin="https://a.example").headers.get(ACAO) == "https://a.example"
    assert send(app, origin="https://b.example").headers.get(ACAO) == "https://b.example"
    assert ACAO not in send(app, origin=OTHER).headers


# --- send_wildcard + '*' + credentials ------------------------------------------------


def _bp_setup(**kw: Any) -> None:
    """A blueprint's setup ends when it is registered: only then is app.config known."""
    blueprint = Blueprint("bp", __name__)
    CORS(blueprint, **kw)
    Flask(__name__).register_blueprint(blueprint)


def _config_then(config: Dict[str, Any], **kw: Any) -> None:
    app = Flask(__name__)
    app.config.update(config)
    CORS(app, **kw)


def _factory_then(ctor: Dict[str, Any], init: Dict[str, Any]) -> None:
    app = Flask(__name__)
    CORS(**ctor).init_app(app, **init)


CONFLICTS: Dict[str, Callable[[], None]] = {
    "all-keywords": lambda: CORS(
        Flask(__name__), origins="*", send_wildcard=True, supports_credentials=True
    ),
    "dot-star": lambda: CORS(
        Flask(__name__), origins=[".*"], send_wildcard=True, supports_credentials=True
    ),
    "config-credentials-kw-wildcard": lambda: _config_then(
        {"CORS_SUPPORTS_CREDENTIALS": True}, send_wildcard=True
    ),
    "config-wildcard-kw-credentials": lambda: _config_then(
        {"CORS_SEND_WILDCARD": "true"}, supports_credentials=True
    ),
    "all-config": lambda: _config_then(
        {"CORS_ORIGINS": "*", "CORS_SEND_WILDCARD": "1", "CORS_SUPPORTS_CREDENTIALS": "True"}
    ),
    "config-resources": lambda: _config_then(
        {"CORS_RESOURCES": {RESOURCE_KEY: {"send_wildcard": True, "supports_credentials": True}}}
    ),
    "resource-kw": lambda: CORS(
        Flask(__name__),
        supports_credentials=True,
        resources={RESOURCE_KEY: {"send_wildcard": True}},
    ),
    "init_app-constructor": lambda: _factory_then(
        {"send_wildcard": True}, {"supports_credentials": True}
    ),
    "decorator": lambda: cross_origin(origins="*", send_wildcard=True, supports_credentials=True),
    "blueprint": lambda: _bp_setup(send_wildcard=True, supports_credentials=True),
    "blueprint-all-keywords": lambda: CORS(
        Blueprint("bp", __name__), origins="*", send_wildcard=True, supports_credentials=True
    ),
}


@pytest.mark.parametrize("setup", list(CONFLICTS.values()), ids=list(CONFLICTS))
def test_send_wildcard_with_star_and_credentials_is_refused_at_setup(
    setup: Callable[[], None],
) -> None:
    with pytest.raises((TypeError, ValueError)) as caught:
        setup()
    assert "send_wildcard" in str(caught.value).lower()
    assert "credentials" in str(caught.value).lower()


def test_decorator_conflict_left_to_app_config_fails_the_request_naming_the_options() -> None:
    """INV-14: the decorator's origins may still come from app.config, so a conflict
    involving the default origins is judged at the first request, loudly."""
    decorated = cross_origin(send_wildcard=True, supports_credentials=True)(lambda: "ok")
    app = Flask(__name__)
    app.testing = True  # the error propagates instead of becoming a logged 500
    app.add_url_rule("/r", "r", decorated)
    with pytest.raises(ValueError, match="send_wildcard") as caught:
        app.test_client().get("/r", headers={"Origin": ORIGIN})
    assert "supports_credentials" in str(caught.value)
    assert str(caught.value).startswith("cross_origin(): ")  # where the conflict lies


@pytest.mark.parametrize("kind", ["decorator", "blueprint"])
def test_origins_from_app_config_settle_a_combination_given_in_code(
    caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    """send_wildcard and credentials in code, the origins list in app.config: no conflict
    and nothing risky, so neither an error nor a warning, and the listed origin only."""
    caplog.set_level(logging.WARNING, logger="flask_cors")
    app = Flask(__name__)
    app.config["CORS_ORIGINS"] = [ORIGIN]
    options = {"send_wildcard": True, "supports_credentials": True}
    if kind == "decorator":
        app.add_url_rule("/r", "r", cross_origin(**options)(lambda: "ok"))
    else:
        blueprint = Blueprint("bp", __name__)
        blueprint.add_url_rule("/r", "r", lambda: "ok")
        CORS(blueprint, **options)
        app.register_blueprint(blueprint)
    allowed = send(app, path="/r")
    assert allowed.headers.get(ACAO) == ORIGIN
    assert allowed.headers.get(ACAC) == "true"
    assert ACAO not in send(app, path="/r", origin="https://evil.example").headers
    assert [r for r in caplog.records if r.name == "flask_cors"] == []


def test_send_wildcard_and_credentials_with_listed_origins_is_accepted() -> None:
    app = Flask(__name__)
    app.add_url_rule("/api/x", "x", lambda: "x")
    CORS(
        app,
        send_wildcard=True,
        supports_credentials=True,
        resources={RESOURCE_KEY: {"origins": [ORIGIN]}},
    )
    response = send(app, path="/api/x")
    assert response.headers.get(ACAO) == ORIGIN
    assert response.headers.get(ACAC) == "true"


def test_decorator_wildcard_with_config_credentials_never_sends_star_with_credentials() -> None:
    """The decorator reads app.config per request; the forbidden pair must never go out."""
    app = Flask(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.config["CORS_SUPPORTS_CREDENTIALS"] = True
    app.add_url_rule("/r", "r", cross_origin(send_wildcard=True)(lambda: "ok"))
    response = send(app)
    assert not (response.headers.get(ACAO) == "*" and response.headers.get(ACAC) == "true")


# --- setup warnings -----------------------------------------------------------------


@pytest.mark.parametrize("where", ["keywords", "config"])
def test_star_with_credentials_warns_once_at_setup(
    caplog: pytest.LogCaptureFixture, where: str
) -> None:
    caplog.set_level(logging.WARNING, logger="flask_cors")
    app = Flask(__name__)
    app.add_url_rule("/r", "r", lambda: "ok", methods=["GET", "POST"])
    if where == "config":
        app.config["CORS_SUPPORTS_CREDENTIALS"] = "true"
        CORS(app)
    else:
        CORS(app, supports_credentials=True)
    assert len(cors_warnings(caplog)) == 1
    response = send(app)
    assert response.headers.get(ACAO) == ORIGIN
    assert response.headers.get(ACAC) == "true"
    preflight(app)
    send(app, origin=None)
    send(app, origin=OTHER)
    assert len(cors_warnings(caplog)) == 1


def test_star_with_credentials_in_decorator_warns_once_at_setup(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="flask_cors")
    decorate = cross_origin(origins="*", supports_credentials=True)
    assert len(cors_warnings(caplog)) == 1, "expected the warning when the decorator is built"
    app = Flask(__name__)
    app.add_url_rule("/r", "r", decorate(lambda: "ok"))
    send(app)
    preflight(app)
    assert len(cors_warnings(caplog)) == 1


@pytest.mark.parametrize(
    "options, warns",
    [
        pytest.param({"origins": ["null"]}, True, id="null"),
        pytest.param({"origins": [ORIGIN, "null"]}, True, id="origin-and-null"),
        pytest.param({"origins": r"https://api.example.com$"}, True, id="unescaped-dots"),
        pytest.param({"origins": [r"https://.*\.example.com"]}, True, id="any-subdomain"),
        pytest.param({"origins": r"https://api\.example\.com$"}, False, id="escaped-dots"),
        pytest.param(
            {"origins": [ORIGIN], "expose_headers": "*", "supports_credentials": True},
            True,
            id="expose-star-with-credentials",
        ),
        pytest.param({"origins": [ORIGIN], "expose_headers": "*"}, False, id="expose-star"),
        pytest.param({"origins": [ORIGIN], "supports_credentials": True}, False, id="credentials"),
    ],
)
def test_risky_configurations_warn_at_setup(
    caplog: pytest.LogCaptureFixture, options: Dict[str, Any], warns: bool
) -> None:
    caplog.set_level(logging.WARNING, logger="flask_cors")
    CORS(Flask(__name__), **options)
    assert bool(cors_warnings(caplog)) is warns


def test_unescaped_dot_regex_is_still_accepted() -> None:
    app = build_app("constructor", origins=r"https://api.example.com$")
    assert (
        send(app, origin="https://api.example.com").headers.get(ACAO) == "https://api.example.com"
    )


# --- copying and timing ---------------------------------------------------------------


def test_mutating_passed_lists_after_setup_changes_nothing() -> None:
    origins = [ORIGIN]
    methods = ["GET", "POST"]
    resources = {RESOURCE_KEY: {"origins": origins, "methods": methods}}
    app = Flask(__name__)
    app.add_url_rule("/api/x", "x", lambda: "x", methods=["GET", "POST"])
    app.add_url_rule("/r", "r", cross_origin(origins=origins, methods=methods)(lambda: "ok"))
    CORS(app, resources=resources)
    origins[0] = OTHER
    origins.append("https://b.example")
    methods.append("DELETE")
    resources[RESOURCE_KEY]["max_age"] = 5
    resources[r"/r*"] = {"origins": "*"}
    for path in ("/api/x", "/r"):
        assert send(app, path=path).headers.get(ACAO) == ORIGIN
        assert ACAO not in send(app, path=path, origin=OTHER).headers
        assert ACAO not in send(app, path=path, origin="https://b.example").headers
        allowed = preflight(app, "POST", path=path)
        assert tokens(allowed.headers.get(ACAM)) == {"GET", "POST"}
        assert ACMA not in allowed.headers
        assert ACAM not in preflight(app, "DELETE", path=path).headers


def test_blueprint_options_are_validated_before_registration() -> None:
    with pytest.raises((TypeError, ValueError), match="max_age"):
        CORS(Blueprint("bp", __name__), max_age=-5)


def test_decorator_errors_need_no_app_or_request() -> None:
    """Decorating a module-level function fails immediately, before any app exists."""
    with pytest.raises((TypeError, ValueError), match="origins"):

        @cross_origin(origins="localhost:3000")
        def view() -> str:  # pragma: no cover
            return "never"


def test_methods_none_means_not_set_at_that_layer() -> None:
    """Flask-CORS's documented signature shows ``methods=None`` as the default, so an
    explicit None falls through to the next layer instead of being an error."""
    app = Flask(__name__)
    app.config["CORS_METHODS"] = ["GET", "PUT"]
    CORS(app, methods=None)

    @app.route("/")
    def index() -> str:
        return "ok"

    preflight = {"Origin": "https://a.example", "Access-Control-Request-Method": "PUT"}
    response = app.test_client().options("/", headers=preflight)
    assert response.headers["Access-Control-Allow-Methods"] == "GET, PUT"

    bare = Flask(__name__)
    CORS(bare, methods=None)

    @bare.route("/")
    def bare_index() -> str:
        return "ok"

    response = bare.test_client().options("/", headers=preflight)
    assert set(response.headers["Access-Control-Allow-Methods"].split(", ")) == {
        "GET",
        "HEAD",
        "POST",
        "OPTIONS",
        "PUT",
        "PATCH",
        "DELETE",
    }


@pytest.mark.parametrize(
    "option, value, named",
    [
        pytest.param("methods", ["GET", "trace"], "TRACE", id="methods-trace"),
        pytest.param("methods", "CONNECT, GET", "CONNECT", id="methods-connect"),
        pytest.param("methods", ["TRACK"], "TRACK", id="methods-track"),
        pytest.param("allow_headers", ["X-Token", "Cookie"], "Cookie", id="allow_headers-cookie"),
        pytest.param("allow_headers", "sec-fetch-mode", "sec-fetch-mode", id="allow_headers-sec"),
        pytest.param(
            "allow_headers",
            ["Proxy-Authorization"],
            "Proxy-Authorization",
            id="allow_headers-proxy",
        ),
        pytest.param("allow_headers", ["HOST"], "HOST", id="allow_headers-host"),
        pytest.param(
            "expose_headers", "Set-Cookie, X-Total", "Set-Cookie", id="expose_headers-set-cookie"
        ),
        pytest.param(
            "expose_headers", ["set-cookie2"], "set-cookie2", id="expose_headers-set-cookie2"
        ),
    ],
)
def test_names_browsers_never_let_a_page_use_are_warned_about(
    caplog: pytest.LogCaptureFixture, option: str, value: Any, named: str
) -> None:
    """Fetch's forbidden methods and header names: a page can never send (or read) them,
    so listing them allows (or exposes) nothing, and the warning names option and name."""
    caplog.set_level(logging.WARNING, logger="flask_cors")
    CORS(Flask(__name__), **{option: value})
    (warning,) = cors_warnings(caplog)
    assert mentions(warning, option) and repr(named) in warning


def test_forbidden_request_header_warnings_in_full(caplog: pytest.LogCaptureFixture) -> None:
    """Only a cookie header gets the hint about credentials."""
    caplog.set_level(logging.WARNING, logger="flask_cors")
    CORS(Flask(__name__), allow_headers=["Cookie", "Host"])
    assert cors_warnings(caplog) == [
        "CORS resource '/*': allow_headers lists 'Cookie', which only the browser sets "
        "(cookies need supports_credentials)",
        "CORS resource '/*': allow_headers lists 'Host', which only the browser sets",
    ]


@pytest.mark.parametrize(
    "option, value",
    [
        pytest.param("methods", ["GET", "PATCH", "OPTIONS"], id="methods"),
        pytest.param(
            "allow_headers",
            ["X-Cookie-Consent", "Cookies", "X-Sec-Token", "Origin-Trial", "Dates"],
            id="allow_headers",
        ),
        # A pattern lists no name; it is left alone.
        pytest.param("allow_headers", [r"sec-.*"], id="allow_headers-regex"),
        pytest.param("expose_headers", ["Set-Cookies", "X-Set-Cookie"], id="expose_headers"),
    ],
)
def test_names_that_only_resemble_forbidden_ones_are_not_warned_about(
    caplog: pytest.LogCaptureFixture, option: str, value: Any
) -> None:
    caplog.set_level(logging.WARNING, logger="flask_cors")
    CORS(Flask(__name__), **{option: value})
    assert cors_warnings(caplog) == []


def test_unknown_option_messages_in_full(caplog: pytest.LogCaptureFixture) -> None:
    """With a close name the message suggests it; with none it ends at the name. An
    unknown CORS_ config key is logged as written, once, however often the config is
    read again."""
    with pytest.raises(ValueError) as caught:
        CORS(Flask(__name__), origin="x")
    assert str(caught.value) == "CORS(): unknown option 'origin'; did you mean 'origins'?"
    with pytest.raises(ValueError) as caught:
        CORS(Flask(__name__), zzzzzz="x")
    assert str(caught.value) == "CORS(): unknown option 'zzzzzz'"
    with pytest.raises(ValueError) as caught:
        CORS().init_app(Flask(__name__), origin="x")
    assert str(caught.value) == "init_app(): unknown option 'origin'; did you mean 'origins'?"
    caplog.set_level(logging.WARNING, logger="flask_cors")
    app = build_app("config", support_credentials=True)
    send(app)
    send(app)
    assert cors_warnings(caplog) == [
        "app.config['CORS_SUPPORT_CREDENTIALS'] is not a Flask-CORS option and is ignored; "
        "did you mean 'CORS_SUPPORTS_CREDENTIALS'?"
    ]


def test_values_in_errors_are_clipped_past_80_characters() -> None:
    at_limit = "x" * 78  # its repr, quotes included, is 80 characters: shown whole
    with pytest.raises(ValueError) as caught:
        CORS(Flask(__name__), max_age=at_limit)
    assert str(caught.value).endswith(f"got {at_limit!r}")
    over = "x" * 79
    with pytest.raises(ValueError) as caught:
        CORS(Flask(__name__), max_age=over)
    assert str(caught.value).endswith(f"got {repr(over)[:77]}...")


def Allow(origin: str) -> bool:  # a qualified name that sorts before "None" and "XXXX"
    return False


def test_callables_without_a_qualified_name_come_first_in_a_set() -> None:
    """A partial has no ``__qualname__``: it sorts as the empty name, before any other."""
    unnamed = functools.partial(Allow)
    origins = parse_options({"origins": {Allow, unnamed}}, "CORS()")["origins"]
    assert [check.function for check in origins.checks] == [unnamed, Allow]


def test_a_set_of_entries_is_read_in_one_order_whatever_the_hash_seed() -> None:
    """A set's iteration order changes from one process to the next: its entries are
    sorted, strings and regexes by text, callables by qualified name, so the order routes
    lists them in and the order callables are asked in never change."""

    def delta(origin: str) -> bool:
        return False

    def alpha(origin: str) -> bool:
        return False

    def charlie(origin: str) -> bool:
        return False

    def bravo(origin: str) -> bool:
        return False

    literals = [f"https://{name}.example" for name in ("e", "b", "d", "a", "c")]
    # By their text, not their repr: that of "zz'" quotes it with ", which sorts first.
    regexes = [re.compile(rf"https://{name}\.test") for name in ("z", "zz'", "x", "y")]
    given = {*literals, *regexes, delta, alpha, charlie, bravo}
    origins = parse_options({"origins": given}, "CORS()")["origins"]
    assert origins.configured_literals == tuple(sorted(literals))
    assert [regex.pattern for regex in origins.patterns] == sorted(r.pattern for r in regexes)
    assert [check.name.rsplit(".", 1)[1] for check in origins.checks] == [
        "alpha",
        "bravo",
        "charlie",
        "delta",
    ]
