"""The CORS extension end to end: resources, precedence, config, Vary, hostile input, logging."""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Tuple

import pytest
from flask import Flask, Response

from flask_cors import CORS, cross_origin

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACEH = "Access-Control-Expose-Headers"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACMA = "Access-Control-Max-Age"
CORS_HEADERS = (ACAO, ACAC, ACEH, ACAM, ACAH, ACMA)

ORIGIN = "https://a.example"
OTHER_ORIGIN = "https://b.example"
DEFAULT_METHODS = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"


# --------------------------------------------------------------------------- helpers


def make_app() -> Flask:
    """An app whose every path (and method) reaches a view answering 200 "ok"."""
    app = Flask(__name__)

    @app.route("/", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    @app.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def anything(rest: str = "") -> str:
        return "ok"

    return app


def send(
    app: Flask,
    path: str = "/",
    method: str = "GET",
    origin: Optional[str] = None,
    headers: Optional[Dict[str, str]] = None,
    environ: Optional[Dict[str, str]] = None,
) -> Response:
    """Send one request; every response in this file must carry at most one ACAO and no
    control character in any header."""
    all_headers = dict(headers or {})
    if origin is not None:
        all_headers["Origin"] = origin
    response = app.test_client().open(
        path, method=method, headers=all_headers, environ_overrides=environ or {}
    )
    assert len(response.headers.getlist(ACAO)) <= 1, response.headers.getlist(ACAO)
    for name, value in response.headers.items():
        for bad in ("\r", "\n", "\x00"):
            assert bad not in name and bad not in value, (name, value)
    return response


def preflight(
    app: Flask,
    path: str = "/",
    origin: str = ORIGIN,
    method: str = "GET",
    request_headers: Optional[str] = None,
) -> Response:
    headers = {"Access-Control-Request-Method": method}
    if request_headers is not None:
        headers["Access-Control-Request-Headers"] = request_headers
    return send(app, path, "OPTIONS", origin=origin, headers=headers)


def one(response: Response, name: str) -> Optional[str]:
    """The single value of ``name``, or None; fails if the header appears twice."""
    values = response.headers.getlist(name)
    assert len(values) <= 1, f"{name} sent {len(values)} times: {values}"
    return values[0] if values else None


def tokens(value: Optional[str]) -> set:
    return {t.strip().lower() for t in (value or "").split(",") if t.strip()}


def vary_tokens(response: Response) -> List[str]:
    """Every Vary token of the response (lower-cased), across all Vary headers."""
    return [
        t.strip().lower()
        for value in response.headers.getlist("Vary")
        for t in value.split(",")
        if t.strip()
    ]


def cors_headers(response: Response) -> Dict[str, Optional[str]]:
    found = {name: one(response, name) for name in CORS_HEADERS}
    found["Vary"] = ",".join(sorted(vary_tokens(response))) or None
    return found


def assert_no_cors(response: Response) -> None:
    assert response.status_code == 200
    for name in CORS_HEADERS:
        assert name not in response.headers, name
    assert "Vary" not in response.headers


def assert_cors(response: Response, origin: str = ORIGIN) -> None:
    assert response.status_code == 200
    assert one(response, ACAO) == origin
    assert vary_tokens(response) == ["origin"]


# --------------------------------------------------------------------------- resources


RESOURCE_MATCHING: List[Tuple[str, Any, str, bool]] = [
    ("dict-regex", {r"/api/*": {}}, "/api/x", True),
    ("dict-regex-prefix-without-slash", {r"/api/*": {}}, "/apix", True),
    ("dict-regex-bare", {r"/api/*": {}}, "/api", True),
    ("dict-regex-from-start-only", {r"/api/*": {}}, "/v1/api/x", False),
    ("dict-regex-other-path", {r"/api/*": {}}, "/public/x", False),
    ("dict-literal-itself", {"/exact": {}}, "/exact", True),
    ("dict-literal-trailing-slash", {"/exact": {}}, "/exact/", False),
    ("dict-literal-longer", {"/exact": {}}, "/exactly", False),
    ("dict-literal-child", {"/exact": {}}, "/exact/child", False),
    ("dict-digits-regex", {r"/users/\d+": {}}, "/users/12/posts", True),
    ("dict-digits-regex-no-digits", {r"/users/\d+": {}}, "/users/abc", False),
    ("list-first", [r"/api/*", "/exact"], "/api/items", True),
    ("list-second", [r"/api/*", "/exact"], "/exact", True),
    ("list-neither", [r"/api/*", "/exact"], "/elsewhere", False),
    ("list-with-compiled", [re.compile(r"/v\d/.*"), "/exact"], "/v2/x", True),
    ("string", r"/api/*", "/api/items", True),
    ("string-outside", r"/api/*", "/other", False),
    ("string-literal", "/exact", "/exact", True),
    ("compiled", re.compile(r"/api/v\d+/.*"), "/api/v12/items", True),
    ("compiled-no-digit", re.compile(r"/api/v\d+/.*"), "/api/vx/items", False),
    ("compiled-needs-slash", re.compile(r"/api/v\d+/.*"), "/api/v1", False),
    ("compiled-dict-key", {re.compile(r"/api/v\d+/.*"): {}}, "/api/v1/x", True),
    ("star", "*", "/", True),
    ("star-deep", "*", "/deep/a/b", True),
    ("star-in-list", ["*"], "/anything", True),
    ("star-dict-key", {"*": {}}, "/anything/else", True),
]


@pytest.mark.parametrize(
    ("resources", "path", "matched"),
    [case[1:] for case in RESOURCE_MATCHING],
    ids=[case[0] for case in RESOURCE_MATCHING],
)
def test_resource_forms_and_matching(resources: Any, path: str, matched: bool) -> None:
    """A matched path gets CORS; any other path gets no CORS header and no Vary at all."""
    app = make_app()
    CORS(app, resources=resources)
    response = send(app, path, origin=ORIGIN)
    if matched:
        assert_cors(response)
    else:
        assert_no_cors(response)


@pytest.mark.parametrize("path", ["/", "/x", "/deep/a/b", "/API/X"])
def test_default_resources_cover_every_path(path: str) -> None:
    app = make_app()
    CORS(app)
    assert_cors(send(app, path, origin=ORIGIN))
    no_origin = send(app, path)
    assert one(no_origin, ACAO) == "*"
    assert vary_tokens(no_origin) == ["origin"]


def test_resource_dict_gives_each_pattern_its_own_options() -> None:
    app = make_app()
    CORS(
        app,
        resources={
            r"/api/*": {"origins": [ORIGIN]},
            "/exact": {"origins": [OTHER_ORIGIN]},
        },
    )
    assert_cors(send(app, "/api/x", origin=ORIGIN))
    assert one(send(app, "/api/x", origin=OTHER_ORIGIN), ACAO) is None
    assert_cors(send(app, "/exact", origin=OTHER_ORIGIN), OTHER_ORIGIN)
    assert one(send(app, "/exact", origin=ORIGIN), ACAO) is None


# Each table: the resources dict (in one order), then path -> expected ACEH.
SPECIFICITY: List[Tuple[str, List[Tuple[Any, str]], Dict[str, Optional[str]]]] = [
    (
        "literal-before-regex",
        [(r"/api/.*", "X-Regex"), ("/api/users", "X-Literal")],
        {"/api/users": "X-Literal", "/api/other": "X-Regex", "/api/users/1": "X-Regex"},
    ),
    (
        "literal-before-regex-with-more-slashes",
        [(r"/a/*/*/*", "X-Regex"), ("/a", "X-Literal")],
        {"/a": "X-Literal", "/a/": "X-Regex"},
    ),
    (
        "more-slashes-before-fewer",
        [(r"/api/.*", "X-Shallow"), (r"/api/v1/.*", "X-Deep")],
        {"/api/v1/x": "X-Deep", "/api/v2/x": "X-Shallow"},
    ),
    (
        "more-slashes-beat-longer",
        [(r"/x.*long-pattern-text", "X-Long"), (r"/x/y/.*", "X-Slashes")],
        {"/x/y/long-pattern-text": "X-Slashes", "/xlong-pattern-text": "X-Long"},
    ),
    (
        "longer-before-shorter",
        [(r"/api.*", "X-Short"), (r"/api-v1.*", "X-Long")],
        {"/api-v1x": "X-Long", "/apix": "X-Short", "/outside": None},
    ),
]


@pytest.mark.parametrize(
    ("entries", "expected"),
    [case[1:] for case in SPECIFICITY],
    ids=[case[0] for case in SPECIFICITY],
)
def test_most_specific_resource_wins_whatever_the_dict_order(
    entries: List[Tuple[Any, str]], expected: Dict[str, Optional[str]]
) -> None:
    observed = []
    for ordered in (entries, list(reversed(entries))):
        app = make_app()
        CORS(app, resources={pattern: {"expose_headers": name} for pattern, name in ordered})
        answers = {}
        for path in expected:
            response = send(app, path, origin=ORIGIN)
            answers[path] = one(response, ACEH)
            assert one(response, ACAO) == (ORIGIN if expected[path] else None)
        observed.append(answers)
    assert observed[0] == expected
    assert observed[1] == expected


@pytest.mark.parametrize(
    ("resource", "path", "matched"),
    [
        (r"/api/*", "/API/x", False),
        (r"/api/*", "/api/x", True),
        ("/Exact", "/exact", False),
        ("/Exact", "/Exact", True),
        ("/a b", "/a+b", False),
        ("/a b", "/a%20b", True),
        ("/a+b", "/a+b", True),
        (r"/apiA.*", "/api%2541", False),
        ("/api%41", "/api%2541", True),
        (r"/apiA.*", "/api%41", True),
    ],
    ids=[
        "case-regex-miss",
        "case-regex-hit",
        "case-literal-miss",
        "case-literal-hit",
        "plus-is-not-space",
        "encoded-space-is-space",
        "plus-literal",
        "double-encoded-not-decoded-twice",
        "double-encoded-matches-once-decoded-literal",
        "single-encoded-decoded-once",
    ],
)
def test_path_matching_agrees_with_the_router(resource: str, path: str, matched: bool) -> None:
    """Resources see the path Flask routes on: case-sensitive, '+' kept, decoded once."""
    app = make_app()
    CORS(app, resources={resource: {}})
    response = send(app, path, origin=ORIGIN)
    assert response.get_data(as_text=True) == "ok"
    if matched:
        assert_cors(response)
    else:
        assert_no_cors(response)


# --------------------------------------------------------------------------- precedence

LAYERS = ("resource", "init_app", "constructor", "config", "default")
PAIRS = [(hi, lo) for i, hi in enumerate(LAYERS) for lo in LAYERS[i + 1 :]]

ORIGIN_OF = {
    "resource": "https://resource.example",
    "init_app": "https://init.example",
    "constructor": "https://ctor.example",
    "config": "https://config.example",
}
UNLISTED_ORIGIN = "https://unlisted.example"
MAX_AGE_OF = {"resource": 101, "init_app": 202, "constructor": 303, "config": 404}
EXPOSE_OF = {
    "resource": "X-Resource",
    "init_app": "X-Init",
    "constructor": "X-Ctor",
    "config": "X-Config",
}
METHOD_OF = {"resource": "PUT", "init_app": "PATCH", "constructor": "DELETE", "config": "POST"}


def layered_app(option: str, values: Dict[str, Any]) -> Flask:
    """An app where ``option`` is set to ``values[layer]`` in each listed layer."""
    app = make_app()
    constructor: Dict[str, Any] = {}
    init_app: Dict[str, Any] = {}
    if "resource" in values:
        constructor["resources"] = {r"/*": {option: values["resource"]}}
    if "constructor" in values:
        constructor[option] = values["constructor"]
    if "init_app" in values:
        init_app[option] = values["init_app"]
    if "config" in values:
        app.config["CORS_" + option.upper()] = values["config"]
    CORS(**constructor).init_app(app, **init_app)
    return app


def observe(option: str, app: Flask) -> Any:
    if option == "origins":
        candidates = [*ORIGIN_OF.values(), UNLISTED_ORIGIN]
        return {o for o in candidates if one(send(app, "/p", origin=o), ACAO) == o}
    if option == "max_age":
        return one(preflight(app, "/p"), ACMA)
    if option == "expose_headers":
        return one(send(app, "/p", origin=ORIGIN), ACEH)
    assert option == "methods"
    return {m: one(preflight(app, "/p", method=m), ACAM) for m in METHOD_OF.values()}


def expectation(option: str, winner: str) -> Any:
    """What the response shows when ``winner``'s value is the one in force."""
    if option == "origins":
        return {ORIGIN_OF[winner]}
    if option == "max_age":
        return {"resource": "101", "init_app": "202", "constructor": "303", "config": "404"}[winner]
    if option == "expose_headers":
        return EXPOSE_OF[winner]
    return {m: (m if m == METHOD_OF[winner] else None) for m in METHOD_OF.values()}


VALUES_OF = {
    "origins": ORIGIN_OF,
    "max_age": MAX_AGE_OF,
    "expose_headers": EXPOSE_OF,
    "methods": METHOD_OF,
}


@pytest.mark.parametrize("option", sorted(VALUES_OF))
@pytest.mark.parametrize(("higher", "lower"), PAIRS, ids=[f"{h}>{lo}" for h, lo in PAIRS])
def test_precedence_of_every_pair_of_layers(option: str, higher: str, lower: str) -> None:
    values = {layer: VALUES_OF[option][layer] for layer in (higher, lower) if layer != "default"}
    app = layered_app(option, values)
    assert observe(option, app) == expectation(option, higher)


# False over the default False could not show which layer won, so it is left out.
CREDENTIAL_CASES = [
    (hi, lo, value) for hi, lo in PAIRS for value in (True, False) if value or lo != "default"
]


@pytest.mark.parametrize(
    ("higher", "lower", "higher_value"),
    CREDENTIAL_CASES,
    ids=[f"{h}={v}>{lo}" for h, lo, v in CREDENTIAL_CASES],
)
def test_supports_credentials_precedence_of_every_pair_of_layers(
    higher: str, lower: str, higher_value: bool
) -> None:
    values = {higher: higher_value}
    if lower != "default":
        values[lower] = not higher_value
    app = layered_app("supports_credentials", values)
    response = send(app, "/p", origin=ORIGIN)
    assert one(response, ACAO) == ORIGIN
    assert one(response, ACAC) == ("true" if higher_value else None)


def test_all_layers_together_each_contributing_its_own_option() -> None:
    app = make_app()
    app.config.update(
        CORS_ORIGINS=ORIGIN_OF["config"],
        CORS_MAX_AGE=404,
        CORS_EXPOSE_HEADERS="X-Config",
        CORS_SUPPORTS_CREDENTIALS=True,
    )
    cors = CORS(
        resources={r"/api/*": {"origins": [ORIGIN_OF["resource"]]}},
        origins=[ORIGIN_OF["constructor"]],
        max_age=303,
        expose_headers="X-Ctor",
    )
    cors.init_app(app, origins=[ORIGIN_OF["init_app"]], max_age=202)
    response = preflight(app, "/api/x", origin=ORIGIN_OF["resource"])
    assert cors_headers(response) == {
        ACAO: ORIGIN_OF["resource"],
        ACAC: "true",
        ACEH: "X-Ctor",
        ACAM: DEFAULT_METHODS,
        ACAH: None,
        ACMA: "202",
        "Vary": "origin",
    }
    for loser in ("init_app", "constructor", "config"):
        assert one(preflight(app, "/api/x", origin=ORIGIN_OF[loser]), ACAO) is None


def test_resource_dict_given_through_app_config_still_beats_keywords() -> None:
    app = make_app()
    app.config["CORS_RESOURCES"] = {r"/api/*": {"max_age": 5}}
    app.config["CORS_MAX_AGE"] = 404
    CORS(max_age=303).init_app(app, max_age=202)
    assert one(preflight(app, "/api/x"), ACMA) == "5"
    assert_no_cors(send(app, "/outside", origin=ORIGIN))


RESOURCES_PATH_OF = {
    "init_app": "/from-init",
    "constructor": "/from-ctor",
    "config": "/from-config",
}
RESOURCE_LAYERS = ("init_app", "constructor", "config", "default")
RESOURCE_PAIRS = [
    (hi, lo) for i, hi in enumerate(RESOURCE_LAYERS) for lo in RESOURCE_LAYERS[i + 1 :]
]


@pytest.mark.parametrize(
    ("higher", "lower"), RESOURCE_PAIRS, ids=[f"{h}>{lo}" for h, lo in RESOURCE_PAIRS]
)
def test_resources_precedence_init_app_constructor_config_default(higher: str, lower: str) -> None:
    app = make_app()
    constructor: Dict[str, Any] = {}
    init_app: Dict[str, Any] = {}
    for layer in (higher, lower):
        if layer == "init_app":
            init_app["resources"] = RESOURCES_PATH_OF[layer]
        elif layer == "constructor":
            constructor["resources"] = RESOURCES_PATH_OF[layer]
        elif layer == "config":
            app.config["CORS_RESOURCES"] = RESOURCES_PATH_OF[layer]
    CORS(**constructor).init_app(app, **init_app)
    paths = [*RESOURCES_PATH_OF.values(), "/elsewhere"]
    served = {p for p in paths if one(send(app, p, origin=ORIGIN), ACAO) == ORIGIN}
    assert served == {RESOURCES_PATH_OF[higher]}


# ------------------------------------------------------------- app.config at request time


def test_cors_origins_set_after_cors_app_takes_effect() -> None:
    app = make_app()
    CORS(app)
    app.config["CORS_ORIGINS"] = ["https://late.example"]
    assert_cors(send(app, "/x", origin="https://late.example"), "https://late.example")
    assert one(send(app, "/x", origin=ORIGIN), ACAO) is None


def test_cors_max_age_set_after_cors_app_takes_effect() -> None:
    app = make_app()
    CORS(app)
    app.config["CORS_MAX_AGE"] = 60
    assert one(preflight(app, "/x"), ACMA) == "60"


def test_replacing_config_values_after_requests_takes_effect() -> None:
    app = make_app()
    app.config["CORS_MAX_AGE"] = 60
    app.config["CORS_ORIGINS"] = [ORIGIN]
    CORS(app)
    assert one(preflight(app, "/x"), ACMA) == "60"
    assert_cors(send(app, "/x", origin=ORIGIN))

    app.config["CORS_MAX_AGE"] = 120
    app.config["CORS_ORIGINS"] = [OTHER_ORIGIN]
    assert one(preflight(app, "/x", origin=OTHER_ORIGIN), ACMA) == "120"
    assert_cors(send(app, "/x", origin=OTHER_ORIGIN), OTHER_ORIGIN)
    assert one(send(app, "/x", origin=ORIGIN), ACAO) is None

    del app.config["CORS_MAX_AGE"]
    assert one(preflight(app, "/x", origin=OTHER_ORIGIN), ACMA) is None


def test_application_factory_gives_each_app_its_own_policy() -> None:
    cors = CORS(origins=[ORIGIN], expose_headers="X-Shared")

    def create_app(max_age: int, **config: Any) -> Flask:
        app = make_app()
        app.config.update(config)
        cors.init_app(app, max_age=max_age)
        return app

    first = create_app(100, CORS_SUPPORTS_CREDENTIALS=True)
    second = create_app(200, CORS_METHODS=["GET"])
    for _ in range(2):  # interleaved, so no per-app state leaks into the other
        one_ = preflight(first, "/x", method="PUT")
        two = preflight(second, "/x", method="GET")
        assert cors_headers(one_) == {
            ACAO: ORIGIN,
            ACAC: "true",
            ACEH: "X-Shared",
            ACAM: DEFAULT_METHODS,
            ACAH: None,
            ACMA: "100",
            "Vary": "origin",
        }
        assert cors_headers(two) == {
            ACAO: ORIGIN,
            ACAC: None,
            ACEH: "X-Shared",
            ACAM: "GET",
            ACAH: None,
            ACMA: "200",
            "Vary": "origin",
        }
        assert one(preflight(second, "/x", method="PUT"), ACAM) is None
        assert one(send(first, "/x", origin=OTHER_ORIGIN), ACAO) is None
        assert one(send(second, "/x", origin=OTHER_ORIGIN), ACAO) is None


# --------------------------------------------------------------------------- Vary


def vary_app(**options: Any) -> Flask:
    """Routes /vary/<kind> whose view sets its own Vary value (or none)."""
    app = Flask(__name__)
    own = {
        "none": None,
        "accept-encoding": "Accept-Encoding",
        "lower-origin": "origin",
        "upper-origin": "ORIGIN",
        "list-with-origin": "Accept, Origin",
        "star": "*",
    }

    @app.route("/vary/<kind>")
    def view(kind: str) -> Response:
        response = Response("ok")
        if own[kind] is not None:
            response.headers["Vary"] = own[kind]
        return response

    CORS(app, **options)
    return app


REQUEST_KINDS = {"allowed": ORIGIN, "rejected": OTHER_ORIGIN, "no-origin": None}


@pytest.mark.parametrize("kind", sorted(REQUEST_KINDS))
@pytest.mark.parametrize(
    ("route", "expected_tokens"),
    [
        ("none", ["origin"]),
        ("accept-encoding", ["accept-encoding", "origin"]),
        ("lower-origin", ["origin"]),
        ("upper-origin", ["origin"]),
        ("list-with-origin", ["accept", "origin"]),
        ("star", ["*"]),
    ],
)
def test_vary_origin_merged_into_one_value_never_duplicated(
    kind: str, route: str, expected_tokens: List[str]
) -> None:
    """Allowed, rejected and Origin-less requests alike carry Vary: Origin exactly once."""
    app = vary_app(origins=[ORIGIN])
    response = send(app, f"/vary/{route}", origin=REQUEST_KINDS[kind])
    assert len(response.headers.getlist("Vary")) == 1
    assert sorted(vary_tokens(response)) == expected_tokens
    expected_acao = {"allowed": ORIGIN, "rejected": None, "no-origin": ORIGIN}[kind]
    assert one(response, ACAO) == expected_acao


def test_vary_star_is_left_untouched() -> None:
    response = send(vary_app(), "/vary/star", origin=ORIGIN)
    assert response.headers.getlist("Vary") == ["*"]
    assert one(response, ACAO) == ORIGIN


@pytest.mark.parametrize("kind", sorted(REQUEST_KINDS))
@pytest.mark.parametrize(
    ("route", "own"),
    [("none", []), ("accept-encoding", ["Accept-Encoding"]), ("lower-origin", ["origin"])],
)
def test_vary_header_false_never_touches_vary(kind: str, route: str, own: List[str]) -> None:
    app = vary_app(origins=[ORIGIN], vary_header=False)
    response = send(app, f"/vary/{route}", origin=REQUEST_KINDS[kind])
    assert response.headers.getlist("Vary") == own
    assert one(response, ACAO) == {"allowed": ORIGIN, "rejected": None, "no-origin": ORIGIN}[kind]


def test_vary_origin_on_origin_less_request_with_default_config() -> None:
    response = send(vary_app(), "/vary/none")
    assert one(response, ACAO) == "*"
    assert vary_tokens(response) == ["origin"]


@pytest.mark.parametrize("origin", [ORIGIN, None])
def test_no_vary_when_every_request_gets_the_same_star(origin: Optional[str]) -> None:
    app = vary_app(origins="*", send_wildcard=True)
    response = send(app, "/vary/none", origin=origin)
    assert one(response, ACAO) == "*"
    assert "Vary" not in response.headers
    own = send(app, "/vary/accept-encoding", origin=origin)
    assert own.headers.getlist("Vary") == ["Accept-Encoding"]


def test_vary_origin_with_send_wildcard_but_without_always_send() -> None:
    """Without always_send, an Origin-less request gets nothing: the answer varies."""
    app = vary_app(origins="*", send_wildcard=True, always_send=False)
    with_origin = send(app, "/vary/none", origin=ORIGIN)
    without = send(app, "/vary/none")
    assert one(with_origin, ACAO) == "*"
    assert one(without, ACAO) is None
    assert vary_tokens(with_origin) == ["origin"]
    assert vary_tokens(without) == ["origin"]


# --------------------------------------------------------------------------- headers the view set


def own_headers_app(**options: Any) -> Flask:
    app = Flask(__name__)

    @app.route("/own-acao")
    def own_acao() -> Response:
        return Response("ok", headers={ACAO: "https://mine.example"})

    @app.route("/own-aceh")
    def own_aceh() -> Response:
        return Response("ok", headers={ACEH: "X-Mine"})

    CORS(app, **options)
    return app


@pytest.mark.parametrize("origin", [ORIGIN, OTHER_ORIGIN, None])
def test_view_set_acao_is_kept_alone(origin: Optional[str]) -> None:
    app = own_headers_app(origins=[ORIGIN], supports_credentials=True, expose_headers="X-Ext")
    response = send(app, "/own-acao", origin=origin)
    assert response.headers.getlist(ACAO) == ["https://mine.example"]
    assert ACAC not in response.headers
    assert ACEH not in response.headers
    assert "Vary" not in response.headers


def test_view_set_expose_headers_is_kept_and_not_duplicated() -> None:
    app = own_headers_app(expose_headers=["X-Ext"])
    response = send(app, "/own-aceh", origin=ORIGIN)
    assert one(response, ACAO) == ORIGIN
    assert response.headers.getlist(ACEH) == ["X-Mine"]


def test_decorator_and_extension_on_one_route_send_one_acao() -> None:
    app = Flask(__name__)

    @app.route("/both")
    @cross_origin(origins=[OTHER_ORIGIN])
    def both() -> str:
        return "ok"

    CORS(app, origins=[ORIGIN])
    assert_cors(send(app, "/both", origin=OTHER_ORIGIN), OTHER_ORIGIN)
    assert one(send(app, "/both", origin=ORIGIN), ACAO) is None


# --------------------------------------------------------------------------- hostile input

HOSTILE_ORIGINS = {
    "crlf": "https://a.example\r\nX-Injected: 1",
    "lf": "https://a.example\nX-Injected: 1",
    "cr": "https://a.example\r",
    "nul": "https://a.example\x00",
    "tab": "https://a.\texample",
    "10kb": "https://" + "a" * 10240 + ".example",
    "comma-space": "https://a.example, https://b.example",
    "comma": "https://a.example,https://b.example",
}
HOSTILE_CONFIGS = {
    "default": {},
    "literal-credentials": {"origins": [ORIGIN, OTHER_ORIGIN], "supports_credentials": True},
    "regex": {"origins": [r"https://.*\.example"]},
}


@pytest.mark.parametrize("config", sorted(HOSTILE_CONFIGS))
@pytest.mark.parametrize("name", sorted(HOSTILE_ORIGINS))
def test_hostile_origin_is_never_reflected(name: str, config: str) -> None:
    app = make_app()
    CORS(app, **HOSTILE_CONFIGS[config])
    response = send(app, "/x", environ={"HTTP_ORIGIN": HOSTILE_ORIGINS[name]})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"
    assert ACAO not in response.headers
    assert ACAC not in response.headers
    assert vary_tokens(response) == ["origin"]


def test_request_headers_with_crlf_answered_without_injection() -> None:
    app = make_app()
    CORS(app)
    response = send(
        app,
        "/x",
        "OPTIONS",
        origin=ORIGIN,
        headers={"Access-Control-Request-Method": "GET"},
        environ={"HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "x-a, x-b\r\nx-injected: 1"},
    )
    assert response.status_code == 200
    assert one(response, ACAO) == ORIGIN
    assert tokens(one(response, ACAH)) == {"x-a"}
    assert "x-injected" not in response.headers


def test_request_method_with_crlf_is_not_granted() -> None:
    app = make_app()
    CORS(app)
    response = send(
        app,
        "/x",
        "OPTIONS",
        origin=ORIGIN,
        environ={"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "GET\r\nX-Injected: 1"},
    )
    assert response.status_code == 200
    assert ACAM not in response.headers
    assert "X-Injected" not in response.headers


def test_a_hundred_requested_headers_are_answered_and_one_more_is_refused() -> None:
    app = make_app()
    CORS(app)
    names = [f"x-h{i}" for i in range(100)]
    response = preflight(app, "/x", request_headers=", ".join(names))
    assert response.status_code == 200
    assert one(response, ACAO) == ORIGIN
    assert tokens(one(response, ACAH)) == set(names)
    response = preflight(app, "/x", request_headers=", ".join([*names, "x-h100"]))
    assert response.status_code == 200
    assert one(response, ACAO) == ORIGIN
    assert one(response, ACAH) is None  # the browser fails the preflight


def test_requested_headers_over_8192_characters_are_refused() -> None:
    app = make_app()
    CORS(app)
    name = "x-" + "a" * 254  # the longest name allowed, 256 characters
    head = ", ".join([name] * 31)
    within = head + ", x-" + "b" * (8192 - len(head) - 4)
    assert len(within) == 8192
    assert tokens(one(preflight(app, "/x", request_headers=within), ACAH)) == {
        name,
        within.rsplit(", ", 1)[1],
    }
    response = preflight(app, "/x", request_headers=within + "b")
    assert one(response, ACAO) == ORIGIN
    assert one(response, ACAH) is None


# --------------------------------------------------------------------------- logging


def cors_messages(caplog: pytest.LogCaptureFixture) -> List[str]:
    return [r.getMessage() for r in caplog.records if r.name == "flask_cors"]


def test_rejected_origin_is_logged_with_reason_and_escaped_origin(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="flask_cors")
    app = make_app()
    CORS(app, origins=[ORIGIN])
    send(app, "/x", origin="https://evil.example")
    matching = [m for m in cors_messages(caplog) if "origin-not-allowed" in m]
    assert len(matching) == 1
    assert repr("https://evil.example") in matching[0]


def test_origin_with_crlf_is_logged_escaped_never_raw(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="flask_cors")
    app = make_app()
    CORS(app, origins=[ORIGIN])
    send(app, "/x", environ={"HTTP_ORIGIN": "https://evil.example\r\nX-Forged: log line"})
    messages = cors_messages(caplog)
    rejected = [m for m in messages if "origin-not-allowed" in m or "origin-invalid" in m]
    assert len(rejected) == 1
    assert "https://evil.example\\r\\nX-Forged: log line" in rejected[0]
    for message in messages:
        assert "\r" not in message and "\n" not in message


def test_huge_origin_and_path_are_logged_clipped(caplog: pytest.LogCaptureFixture) -> None:
    """A 100 KB Origin must not become a 100 KB log line: request values are clipped to
    200 characters, and the record says how long the value was."""
    caplog.set_level(logging.DEBUG, logger="flask_cors")
    app = make_app()
    CORS(app, origins=[ORIGIN])
    huge = "https://" + "a" * 100_000 + ".example"
    send(app, "/x", environ={"HTTP_ORIGIN": huge})
    send(app, "/" + "p" * 50_000, environ={"HTTP_ORIGIN": huge})
    messages = cors_messages(caplog)
    assert any("origin-invalid" in m for m in messages)
    assert any("resource-not-matched" in m or "origin-invalid" in m for m in messages)
    for message in messages:
        assert len(message) < 2_000, message[:300]
    assert any("(100016 characters)" in m for m in messages)
    assert any("(50001 characters)" in m for m in messages)


def test_refused_header_names_are_logged_ten_at_most(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="flask_cors")
    app = make_app()
    CORS(app, origins=[ORIGIN], allow_headers=["X-Ok"])
    names = ["X-Ok", *(f"X-Refused-{n}" for n in range(99))]
    preflight(app, "/x", request_headers=",".join(names))
    [message] = [m for m in cors_messages(caplog) if "header-not-allowed" in m]
    assert "'X-Refused-9'" in message and "'X-Refused-10'" not in message
    assert message.endswith(" and 89 more")
    assert len(message) < 2_000


def test_a_header_list_over_the_limit_is_logged_as_such(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="flask_cors")
    app = make_app()
    CORS(app, origins=[ORIGIN], allow_headers=["X-Ok"])
    preflight(app, "/x", request_headers=",".join(["X-Ok"] * 20_000))
    [message] = [m for m in cors_messages(caplog) if "headers-over-limit" in m]
    assert message.startswith("CORS origin-allowed,preflight-allowed,headers-over-limit:")
    assert "Access-Control-Allow-Headers" not in message
    assert len(message) < 2_000


def test_an_exception_left_alone_is_logged_with_its_resource(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app()
    app.testing = False  # Flask answers the exception with a 500 instead of raising it

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    CORS(app, intercept_exceptions=False)
    caplog.set_level(logging.DEBUG, logger="flask_cors")
    response = send(app, "/boom", origin=ORIGIN)
    assert response.status_code == 500 and ACAO not in response.headers
    assert [m for m in cors_messages(caplog) if m.startswith("CORS ")] == [
        "CORS exception-not-intercepted: 'GET' '/boom' (resource '/*')"
    ]


# --------------------------------------------------------------------------- isolation


def test_two_cors_objects_with_disjoint_resources_each_apply_to_their_paths() -> None:
    app = make_app()
    CORS(app, resources={r"/a/*": {"origins": [ORIGIN]}})
    CORS(app, resources={r"/b/*": {"origins": [OTHER_ORIGIN]}})
    assert_cors(send(app, "/a/x", origin=ORIGIN))
    assert one(send(app, "/a/x", origin=OTHER_ORIGIN), ACAO) is None
    assert_cors(send(app, "/b/x", origin=OTHER_ORIGIN), OTHER_ORIGIN)
    assert one(send(app, "/b/x", origin=ORIGIN), ACAO) is None
    assert_no_cors(send(app, "/c/x", origin=ORIGIN))


def test_two_cors_objects_matching_one_path_never_double_headers() -> None:
    app = make_app()
    CORS(app, resources=r"/*", expose_headers="X-One", supports_credentials=True)
    CORS(app, resources=r"/both/*", expose_headers="X-Two", supports_credentials=True)
    for response in (send(app, "/both/x", origin=ORIGIN), preflight(app, "/both/x")):
        assert one(response, ACAO) == ORIGIN
        assert response.headers.getlist(ACAC) == ["true"]
        # The later object answers, as with Flask-CORS, whose after_request functions
        # Flask runs last-registered first; the earlier one then adds nothing.
        assert response.headers.getlist(ACEH) == ["X-Two"]
        assert len(response.headers.getlist("Vary")) == 1
        assert vary_tokens(response) == ["origin"]
    assert send(app, "/one/x", origin=ORIGIN).headers.getlist(ACEH) == ["X-One"]
    preflight_response = preflight(app, "/both/x")
    assert preflight_response.headers.getlist(ACAM) == [DEFAULT_METHODS]


def test_several_apps_do_not_interfere() -> None:
    first, second = make_app(), make_app()
    CORS(first, origins=[ORIGIN], max_age=10)
    CORS(second, origins=[OTHER_ORIGIN], max_age=20)
    for _ in range(2):
        assert one(preflight(first, "/x"), ACMA) == "10"
        assert one(preflight(second, "/x", origin=OTHER_ORIGIN), ACMA) == "20"
        assert one(send(first, "/x", origin=OTHER_ORIGIN), ACAO) is None
        assert one(send(second, "/x", origin=ORIGIN), ACAO) is None


# --------------------------------------------------------------------------- HEAD


HEAD_CASES: List[Tuple[str, Dict[str, Any], Optional[str], Dict[str, Optional[str]]]] = [
    (
        "default-allowed",
        {},
        ORIGIN,
        {ACAO: ORIGIN, ACAC: None, ACEH: None, "Vary": "origin"},
    ),
    (
        "credentials-expose",
        {"origins": [ORIGIN], "supports_credentials": True, "expose_headers": ["X-Total"]},
        ORIGIN,
        {ACAO: ORIGIN, ACAC: "true", ACEH: "X-Total", "Vary": "origin"},
    ),
    (
        "rejected",
        {"origins": [ORIGIN]},
        OTHER_ORIGIN,
        {ACAO: None, ACAC: None, ACEH: None, "Vary": "origin"},
    ),
    ("no-origin", {}, None, {ACAO: "*", ACAC: None, ACEH: None, "Vary": "origin"}),
    (
        "send-wildcard",
        {"send_wildcard": True},
        ORIGIN,
        {ACAO: "*", ACAC: None, ACEH: None, "Vary": None},
    ),
]


@pytest.mark.parametrize(
    ("options", "origin", "expected"),
    [case[1:] for case in HEAD_CASES],
    ids=[case[0] for case in HEAD_CASES],
)
def test_head_gets_the_same_cors_headers_as_get(
    options: Dict[str, Any], origin: Optional[str], expected: Dict[str, Optional[str]]
) -> None:
    app = make_app()
    CORS(app, **options)

    def observed(method: str) -> Dict[str, Optional[str]]:
        response = send(app, "/x", method, origin=origin)
        assert response.status_code == 200
        found = cors_headers(response)
        return {name: found[name] for name in expected}

    assert observed("GET") == expected
    assert observed("HEAD") == expected


def test_an_after_request_function_setting_its_own_acao_is_respected() -> None:
    """The app-wide extension answers after every after_request function, whatever the
    order they were registered in, so a hook's own CORS answer is left alone."""
    app = Flask(__name__)
    CORS(app)

    @app.after_request
    def own_cors(response: Response) -> Response:
        response.headers["Access-Control-Allow-Origin"] = "https://hook.example"
        return response

    @app.route("/")
    def index() -> str:
        return "ok"

    response = app.test_client().get("/", headers={"Origin": "https://a.example"})
    assert response.headers.getlist("Access-Control-Allow-Origin") == ["https://hook.example"]
    assert "Vary" not in response.headers
