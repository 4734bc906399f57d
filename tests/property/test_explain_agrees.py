"""Property: `flask cors explain` agrees with the real responses and with Fetch's CORS checks.

For random configurations (extension, init_app, resource dicts, decorator, blueprint) and
random browser requests, ``flask_cors.explain.explain`` (stubbed views) and the same
requests sent through ``app.test_client()`` to the real views must give the same statuses
and the same Access-Control-* and Vary headers, and ``allowed`` must be what the Fetch
Standard's CORS checks, written out here, conclude from the real responses.
"""

from __future__ import annotations

from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

from flask import Blueprint, Flask
from hypothesis import given, note
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from flask_cors import CORS, cross_origin
from flask_cors.explain import explain
from strategies import is_rejected_combination, near_misses, option_sets, origins

# ---------------------------------------------------------------------------------------
# Fetch, written out (https://fetch.spec.whatwg.org/#cors-protocol)

#: CORS-safelisted methods: no preflight needed for them.
SAFELISTED_METHODS = ("GET", "HEAD", "POST")
#: Methods fetch() upper-cases ("normalize a method"); others are sent as written.
NORMALIZED = ("DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT")
#: Content-Type essences that keep a request simple.
SIMPLE_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")

#: Request headers a page script may set (name, value). Each value is within Fetch's
#: limits for its name, so safelisting depends on the name (and Content-Type's essence).
HEADER_POOL = [
    ("Accept", "application/json"),
    ("Accept-Language", "en-US"),
    ("Content-Language", "de"),
    ("Content-Type", "text/plain"),
    ("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"),
    ("Content-Type", "application/json"),
    ("X-Token", "abc"),
    ("X-Requested-With", "XMLHttpRequest"),
    ("Authorization", "Bearer t0ken"),
    ("x-custom", "1"),
    ("If-Match", '"etag"'),
]
#: Methods a script passes to fetch(), in the spelling it wrote.
SCRIPT_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "patch", "delete", "OPTIONS"]
PATHS = ["/api/item", "/api/special", "/other", "/deco", "/bp/item", "/missing"]


def normalize_method(method: str) -> str:
    return method.upper() if method.upper() in NORMALIZED else method


def is_safelisted_header(name: str, value: str) -> bool:
    lowered = name.lower()
    if lowered in ("accept", "accept-language", "content-language"):
        return True
    if lowered == "content-type":
        return value.split(";")[0].strip().lower() in SIMPLE_CONTENT_TYPES
    return False


def header_values(response: TestResponse, name: str) -> List[str]:
    return response.headers.getlist(name)


def list_tokens(response: TestResponse, name: str) -> List[str]:
    return [
        token.strip()
        for value in header_values(response, name)
        for token in value.split(",")
        if token.strip()
    ]


def cors_check(response: TestResponse, origin: str, credentials: bool) -> bool:
    """Fetch's CORS check: one ACAO, '*' (without credentials) or the Origin byte for
    byte; with credentials, ACAC exactly 'true'."""
    values = header_values(response, "Access-Control-Allow-Origin")
    if len(values) != 1:
        return False
    if values[0] == "*" and not credentials:
        return True
    if values[0] != origin:
        return False
    if not credentials:
        return True
    return header_values(response, "Access-Control-Allow-Credentials") == ["true"]


def preflight_passes(
    response: TestResponse, origin: str, method: str, unsafe: Sequence[str], credentials: bool
) -> bool:
    """Fetch's CORS-preflight fetch: ok status, CORS check, then the method and every
    CORS-unsafe header name allowed ('*' is a wildcard only without credentials and never
    covers Authorization)."""
    if not 200 <= response.status_code <= 299 or not cors_check(response, origin, credentials):
        return False
    methods = list_tokens(response, "Access-Control-Allow-Methods")
    method_listed = method in methods or (not credentials and "*" in methods)
    if method not in SAFELISTED_METHODS and not method_listed:
        return False
    names = {token.lower() for token in list_tokens(response, "Access-Control-Allow-Headers")}
    for name in unsafe:
        if name in names:
            continue
        if credentials or "*" not in names or name == "authorization":
            return False
    return True


class BrowserRun(NamedTuple):
    """What a browser sent and got back for one fetch()."""

    requests: List[Tuple[str, List[Tuple[str, str]]]]
    responses: List[TestResponse]
    allowed: bool


def browser_fetch(
    app: Flask,
    origin: str,
    path: str,
    method: str,
    headers: List[Tuple[str, str]],
    preflight: Optional[bool],
    credentials: bool,
) -> BrowserRun:
    """The requests a browser sends for fetch(path, {method, headers, credentials}) from
    a page at ``origin``, sent to the real app, and Fetch's verdict on the answers."""
    client = app.test_client()
    method = normalize_method(method)
    unsafe = sorted(
        {name.lower() for name, value in headers if not is_safelisted_header(name, value)}
    )
    if preflight is None:
        preflight = method not in SAFELISTED_METHODS or bool(unsafe)
    requests: List[Tuple[str, List[Tuple[str, str]]]] = []
    responses: List[TestResponse] = []
    if preflight:
        sent = [("Origin", origin), ("Access-Control-Request-Method", method)]
        if unsafe:
            sent.append(("Access-Control-Request-Headers", ",".join(unsafe)))
        requests.append(("OPTIONS", sent))
        responses.append(client.open(path, method="OPTIONS", headers=sent))
        if not preflight_passes(responses[-1], origin, method, unsafe, credentials):
            return BrowserRun(requests, responses, False)
    sent = [("Origin", origin), *headers]
    requests.append((method, sent))
    responses.append(client.open(path, method=method, headers=sent))
    return BrowserRun(requests, responses, cors_check(responses[-1], origin, credentials))


# ---------------------------------------------------------------------------------------
# Apps: side-effect-free views that set no CORS headers


def add_routes(app: Flask, decorated: Optional[Dict[str, Any]] = None) -> None:
    @app.route("/api/item", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def api_item() -> str:
        return "item"

    @app.route("/api/special", methods=["GET", "POST"])
    def api_special() -> str:
        return "special"

    @app.route("/other")
    def other() -> str:
        return "other"

    if decorated is not None:

        @app.route("/deco", methods=["GET", "POST", "PUT"])
        @cross_origin(**decorated)
        def deco() -> str:
            return "deco"


def merged(*layers: Dict[str, Any]) -> Dict[str, Any]:
    """Options as resolved, first layer winning."""
    result: Dict[str, Any] = {}
    for layer in layers:
        for name, value in layer.items():
            result.setdefault(name, value)
    return result


def make_valid(top: Dict[str, Any], *below: Dict[str, Any]) -> None:
    """Turn send_wildcard off in the top layer when the layers together would combine
    '*', send_wildcard and credentials (setup refuses that)."""
    if is_rejected_combination(merged(top, *below)):
        top["send_wildcard"] = False


def as_config(options: Dict[str, Any]) -> Dict[str, Any]:
    return {f"CORS_{name.upper()}": value for name, value in options.items()}


option_layers = option_sets().map(lambda pair: pair[0])


@st.composite
def scenarios(draw: st.DrawFn, form: str) -> Tuple[Flask, List[str]]:
    """An app configured in ``form`` and origins its configuration allows."""
    main, examples = draw(option_sets())
    other, more = draw(option_sets())
    config = draw(st.one_of(st.just({}), option_layers))
    for layer in (main, other):
        if draw(st.booleans()):
            layer["intercept_exceptions"] = draw(st.booleans())
    app = Flask(f"explain_{form}")
    make_valid(config)
    app.config.update(as_config(config))
    if form == "extension":
        make_valid(main, config)
        add_routes(app)
        CORS(app, **main)
    elif form == "init_app":
        make_valid(main, other, config)
        add_routes(app)
        CORS(**other).init_app(app, **main)
    elif form == "resources":
        shared = draw(option_layers)
        make_valid(shared, config)
        make_valid(main, shared, config)
        make_valid(other, shared, config)
        add_routes(app)
        CORS(app, resources={r"/api/*": main, "/api/special": other}, **shared)
    elif form == "decorator":
        if draw(st.booleans()):
            main["automatic_options"] = draw(st.booleans())
        make_valid(main, config)
        add_routes(app, decorated=main)
        if draw(st.booleans()):
            make_valid(other, config)
            CORS(app, resources=r"/api/*", **other)
    else:  # blueprint
        make_valid(main, config)
        add_routes(app)
        bp = Blueprint("bp", __name__)

        @bp.route("/item", methods=["GET", "POST", "PUT"])
        def bp_item() -> str:
            return "bp item"

        CORS(bp, **main)
        app.register_blueprint(bp, url_prefix="/bp")
        if draw(st.booleans()):
            make_valid(other, config)
            CORS(app, **other)
    note(f"form={form} main={main!r} other={other!r} config={config!r}")
    return app, examples + more


def sendable(value: str) -> bool:
    """Printable ASCII: what a browser puts in an Origin header."""
    return all(" " <= character <= "~" for character in value)


def request_origins(allowed: List[str]) -> st.SearchStrategy[str]:
    choices: List[st.SearchStrategy[str]] = [origins, st.just("null")]
    if allowed:
        chosen = st.sampled_from(allowed)
        choices += [chosen, chosen, chosen.flatmap(near_misses).filter(sendable)]
    return st.one_of(choices)


# ---------------------------------------------------------------------------------------
# The property


def cors_headers(pairs: Any) -> List[Tuple[str, str]]:
    """The Access-Control-* and Vary headers, in the order sent."""
    return [
        (name, value)
        for name, value in pairs
        if name.lower().startswith("access-control-") or name.lower() == "vary"
    ]


def check_agreement(data: st.DataObject, form: str) -> None:
    app, allowed = data.draw(scenarios(form), label="app")
    origin = data.draw(request_origins(allowed), label="origin")
    path = data.draw(st.sampled_from(PATHS), label="path")
    method = data.draw(st.sampled_from(SCRIPT_METHODS), label="method")
    headers = data.draw(
        st.lists(st.sampled_from(HEADER_POOL), max_size=3, unique_by=lambda h: h[0].lower()),
        label="headers",
    )
    preflight = data.draw(st.sampled_from([None, None, None, True, False]), label="preflight")
    credentials = data.draw(st.booleans(), label="credentials")

    explanation = explain(
        app, origin, path, method, [f"{name}: {value}" for name, value in headers],
        preflight, credentials,
    )  # fmt: skip
    browser = browser_fetch(app, origin, path, method, headers, preflight, credentials)

    assert len(explanation.exchanges) == len(browser.responses)
    for exchange, (sent_method, sent), response in zip(
        explanation.exchanges, browser.requests, browser.responses
    ):
        note(f"{exchange.kind}: explain {exchange.headers!r} / real {list(response.headers)!r}")
        assert exchange.method == sent_method
        assert exchange.path == path
        assert sorted(exchange.request_headers) == sorted(sent)
        assert exchange.status == response.status_code
        assert exchange.cors_headers() == cors_headers(response.headers)
    assert explanation.allowed is browser.allowed


@given(st.data(), st.sampled_from(["extension", "init_app", "resources"]))
def test_explain_agrees_with_the_extension(data: st.DataObject, form: str) -> None:
    check_agreement(data, form)


@given(st.data())
def test_explain_agrees_with_the_decorator(data: st.DataObject) -> None:
    check_agreement(data, "decorator")


@given(st.data())
def test_explain_agrees_with_blueprints(data: st.DataObject) -> None:
    check_agreement(data, "blueprint")
