"""Tests for CORS on blueprints, intercept_exceptions on errors, and private network access."""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask, abort, request
from response_headers import cors_header_names, vary_tokens

from flask_cors import CORS

A = "https://a.example"
B = "https://b.example"
ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACMA = "Access-Control-Max-Age"
ACAM = "Access-Control-Allow-Methods"
ACAPN = "Access-Control-Allow-Private-Network"
ACRPN = "Access-Control-Request-Private-Network"


# --- helpers -------------------------------------------------------------------------


def assert_no_cors(response):
    assert cors_header_names(response) == []
    assert "origin" not in vary_tokens(response)


def assert_not_doubled(response):
    for name in {name.lower() for name, _ in response.headers}:
        if name.startswith("access-control-"):
            assert len(response.headers.getlist(name)) == 1, name
    assert vary_tokens(response).count("origin") <= 1


def preflight(origin=A, method="GET", **extra):
    headers = {"Origin": origin, "Access-Control-Request-Method": method}
    headers.update(extra)
    return headers


# --- blueprints ----------------------------------------------------------------------


def make_blueprint(name, url_prefix=None, **cors_options):
    """A blueprint with /items and /fail (abort 401), with CORS(bp) unless enable=False."""
    bp = Blueprint(name, __name__, url_prefix=url_prefix)
    if cors_options.pop("enable", True):
        CORS(bp, **cors_options)

    @bp.route("/items")
    def items():
        return f"{name} items"

    @bp.route("/fail")
    def fail():
        abort(401)

    return bp


def test_blueprint_cors_applies_only_to_its_routes():
    app = Flask(__name__)
    app.register_blueprint(make_blueprint("with_cors", url_prefix="/a"))
    app.register_blueprint(make_blueprint("without_cors", url_prefix="/b", enable=False))

    @app.route("/plain")
    def plain():
        return "plain"

    client = app.test_client()
    covered = client.get("/a/items", headers={"Origin": A})
    assert covered.headers.get(ACAO) == A
    assert "origin" in vary_tokens(covered)
    assert client.options("/a/items", headers=preflight()).headers.get(ACAM) is not None
    for path in ("/b/items", "/plain"):
        assert_no_cors(client.get(path, headers={"Origin": A}))
        assert_no_cors(client.options(path, headers=preflight()))


def test_blueprint_resources_match_the_full_path_with_url_prefix():
    app = Flask(__name__)
    bp = Blueprint("api", __name__, url_prefix="/api")
    CORS(bp, resources=r"/api/v1/*")

    @bp.route("/v1/items")
    def v1():
        return "v1"

    @bp.route("/v2/items")
    def v2():
        return "v2"

    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/api/v1/items", headers={"Origin": A}).headers.get(ACAO) == A
    assert_no_cors(client.get("/api/v2/items", headers={"Origin": A}))


def test_blueprint_pattern_without_prefix_does_not_match_prefixed_paths():
    """Resource patterns see the full path, so "/v1/*" does not cover "/api/v1/items"."""
    app = Flask(__name__)
    bp = Blueprint("api", __name__, url_prefix="/api")
    CORS(bp, resources=r"/v1/*")

    @bp.route("/v1/items")
    def v1():
        return "v1"

    app.register_blueprint(bp)
    assert_no_cors(app.test_client().get("/api/v1/items", headers={"Origin": A}))


def test_blueprint_resources_dict_limits_within_blueprint():
    app = Flask(__name__)
    bp = Blueprint("api", __name__)
    CORS(bp, resources={r"/api/public/*": {"origins": [A], "max_age": 42}})

    @bp.route("/api/public/x")
    def public():
        return "public"

    @bp.route("/api/private/x")
    def private():
        return "private"

    app.register_blueprint(bp)
    client = app.test_client()
    response = client.options("/api/public/x", headers=preflight())
    assert response.headers.get(ACAO) == A
    assert response.headers.get(ACMA) == "42"
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/api/public/x", headers={"Origin": B}).headers
    )
    assert_no_cors(client.get("/api/private/x", headers={"Origin": A}))
    assert_no_cors(client.options("/api/private/x", headers=preflight()))


def test_same_blueprint_on_two_apps_follows_each_apps_config():
    bp = make_blueprint("shared", url_prefix="/s")
    first, second = Flask("first"), Flask("second")
    first.config["CORS_ORIGINS"] = [A]
    second.config["CORS_ORIGINS"] = [B]
    for app in (first, second):
        app.register_blueprint(bp)

    for app, good, bad in ((first, A, B), (second, B, A)):
        client = app.test_client()
        assert client.get("/s/items", headers={"Origin": good}).headers.get(ACAO) == good
        refused = client.get("/s/items", headers={"Origin": bad})
        assert ACAO not in refused.headers
        assert "origin" in vary_tokens(refused)


def test_blueprint_honours_app_config_set_after_registration():
    app = Flask(__name__)
    app.register_blueprint(make_blueprint("api", url_prefix="/api"))
    app.config["CORS_ORIGINS"] = [A]
    app.config["CORS_SUPPORTS_CREDENTIALS"] = True
    client = app.test_client()
    allowed = client.get("/api/items", headers={"Origin": A})
    assert allowed.headers.get(ACAO) == A
    assert allowed.headers.get(ACAC) == "true"
    assert ACAO not in client.get("/api/items", headers={"Origin": B}).headers


def test_blueprint_abort_gets_blueprint_headers_whatever_intercept_says():
    app = Flask(__name__)
    app.register_blueprint(make_blueprint("on", url_prefix="/on", origins=[A]))
    app.register_blueprint(
        make_blueprint("off", url_prefix="/off", origins=[A], intercept_exceptions=False)
    )
    client = app.test_client()
    on = client.get("/on/fail", headers={"Origin": A})
    assert on.status_code == 401
    assert on.headers.get(ACAO) == A
    off = client.get("/off/fail", headers={"Origin": A})
    assert off.status_code == 401
    assert off.headers.get(ACAO) == A


def app_with_blueprint_and_app_cors():
    app = Flask(__name__)
    CORS(app, origins="*", max_age=100)
    app.register_blueprint(
        make_blueprint("api", url_prefix="/api", origins=[A], max_age=5, expose_headers="X-Bp")
    )

    @app.route("/plain")
    def plain():
        return "plain"

    return app


def test_blueprint_policy_wins_over_app_policy():
    client = app_with_blueprint_and_app_cors().test_client()
    allowed = client.options("/api/items", headers=preflight(origin=A))
    assert allowed.headers.get(ACAO) == A
    assert allowed.headers.get(ACMA) == "5"
    refused = client.get("/api/items", headers={"Origin": B})
    assert ACAO not in refused.headers
    assert "Access-Control-Expose-Headers" not in refused.headers
    # The app's own routes keep the app's policy.
    app_route = client.options("/plain", headers=preflight(origin=B))
    assert app_route.headers.get(ACAO) == B
    assert app_route.headers.get(ACMA) == "100"


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/api/items", {"Origin": A}),
        ("GET", "/api/items", {"Origin": B}),
        ("GET", "/api/items", {}),
        ("OPTIONS", "/api/items", preflight(origin=A, **{"Access-Control-Request-Headers": "X-A"})),
        ("GET", "/api/fail", {"Origin": A}),
        ("GET", "/plain", {"Origin": B}),
    ],
)
def test_blueprint_and_app_cors_never_double_headers(method, path, headers):
    response = (
        app_with_blueprint_and_app_cors().test_client().open(path, method=method, headers=headers)
    )
    assert_not_doubled(response)
    if path == "/api/items" and headers.get("Origin") == A:
        assert response.headers.get("Access-Control-Expose-Headers") == "X-Bp"


# --- exceptions and intercept_exceptions for the extension ---------------------------

LAYERS = ["kwarg", "resource", "config"]


def error_app(layer, intercept, with_500_handler=False):
    """CORS on /api/* with origins, credentials and intercept_exceptions all set at ``layer``."""
    options = {"origins": [A], "supports_credentials": True, "intercept_exceptions": intercept}
    app = Flask(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    if layer == "kwarg":
        CORS(app, resources=r"/api/*", **options)
    elif layer == "resource":
        CORS(app, resources={r"/api/*": options})
    else:
        app.config.update({"CORS_" + name.upper(): value for name, value in options.items()})
        CORS(app, resources=r"/api/*")

    @app.before_request
    def guard():
        if request.path.endswith("/guarded"):
            abort(403)

    if with_500_handler:

        @app.errorhandler(500)
        def server_error(error):
            return "custom 500", 500

    @app.errorhandler(ValueError)
    def bad_value(error):
        return "bad value", 400

    for prefix in ("/api", "/other"):

        @app.route(f"{prefix}/ok", endpoint=f"{prefix}-ok")
        def ok():
            return "ok"

        @app.route(f"{prefix}/unauthorized", endpoint=f"{prefix}-unauthorized")
        def unauthorized():
            abort(401)

        @app.route(f"{prefix}/guarded", endpoint=f"{prefix}-guarded")
        def guarded():
            return "never reached"

        @app.route(f"{prefix}/boom", endpoint=f"{prefix}-boom")
        def boom():
            raise RuntimeError("boom")

        @app.route(f"{prefix}/value", endpoint=f"{prefix}-value")
        def value():
            raise ValueError("bad")

    return app


# (id, method, path under the prefix, handler for 500, expected status); the two 500s
# answer unhandled exceptions, the only errors intercept_exceptions=False leaves alone.
ERROR_SCENARIOS = [
    ("unknown-path-404", "GET", "/missing", False, 404),
    ("wrong-method-405", "DELETE", "/ok", False, 405),
    ("abort-401-in-view", "GET", "/unauthorized", False, 401),
    ("abort-in-before-request", "GET", "/guarded", False, 403),
    ("unhandled-500", "GET", "/boom", False, 500),
    ("unhandled-500-errorhandler", "GET", "/boom", True, 500),
    ("errorhandler-valueerror-400", "GET", "/value", False, 400),
]
SCENARIO_PARAMS = [pytest.param(*case[1:], id=case[0]) for case in ERROR_SCENARIOS]


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize(("method", "path", "handler", "status"), SCENARIO_PARAMS)
def test_error_responses_get_cors_when_intercepting(layer, method, path, handler, status):
    app = error_app(layer, intercept=True, with_500_handler=handler)
    response = app.test_client().open("/api" + path, method=method, headers={"Origin": A})
    assert response.status_code == status
    assert response.headers.get(ACAO) == A
    assert response.headers.get(ACAC) == "true"
    assert vary_tokens(response).count("origin") == 1
    if handler:
        assert response.get_data(as_text=True) == "custom 500"


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize(("method", "path", "handler", "status"), SCENARIO_PARAMS)
def test_only_unhandled_errors_lose_cors_without_intercepting(layer, method, path, handler, status):
    app = error_app(layer, intercept=False, with_500_handler=handler)
    client = app.test_client()
    response = client.open("/api" + path, method=method, headers={"Origin": A})
    assert response.status_code == status
    if status == 500:
        assert_no_cors(response)
    else:
        assert response.headers.get(ACAO) == A
        assert response.headers.get(ACAC) == "true"
        assert vary_tokens(response).count("origin") == 1
    # A normal answer from the same resource is still covered.
    normal = client.get("/api/ok", headers={"Origin": A})
    assert normal.status_code == 200
    assert normal.headers.get(ACAO) == A
    assert normal.headers.get(ACAC) == "true"
    assert "origin" in vary_tokens(normal)


@pytest.mark.parametrize("intercept", [True, False])
@pytest.mark.parametrize(("method", "path", "handler", "status"), SCENARIO_PARAMS)
def test_errors_outside_every_resource_get_no_cors(intercept, method, path, handler, status):
    app = error_app("kwarg", intercept=intercept, with_500_handler=handler)
    response = app.test_client().open("/other" + path, method=method, headers={"Origin": A})
    assert response.status_code == status
    assert_no_cors(response)


def test_intercept_exceptions_false_as_config_string():
    """Environment-fed config spells booleans as strings."""
    app = Flask(__name__)
    app.config["CORS_INTERCEPT_EXCEPTIONS"] = "false"
    CORS(app)

    @app.route("/boom")
    def boom():
        raise RuntimeError("unhandled")

    client = app.test_client()
    assert_no_cors(client.get("/boom", headers={"Origin": A}))
    app.config["CORS_INTERCEPT_EXCEPTIONS"] = "true"
    assert client.get("/boom", headers={"Origin": A}).headers.get(ACAO) == A


@pytest.mark.parametrize("layer", LAYERS)
def test_preflight_still_answered_without_intercepting(layer):
    app = error_app(layer, intercept=False)
    response = app.test_client().options("/api/ok", headers=preflight(method="GET"))
    assert response.status_code == 200
    assert response.headers.get(ACAO) == A
    assert response.headers.get(ACAC) == "true"
    methods = {part.strip() for part in response.headers[ACAM].split(",")}
    assert methods == {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}


# --- private network access ------------------------------------------------------------


def pna_app(where=None, value=True, **options):
    """An app with CORS on every route and allow_private_network set at ``where``."""
    app = Flask(__name__)
    if where == "kwarg":
        options["allow_private_network"] = value
        CORS(app, **options)
    elif where == "resource":
        CORS(app, resources={r"/api/*": {"allow_private_network": value, **options}})
    elif where == "config":
        app.config["CORS_ALLOW_PRIVATE_NETWORK"] = value
        CORS(app, **options)
    else:
        CORS(app, **options)

    @app.route("/api/device")
    def device():
        return "device"

    return app


def test_private_network_refused_by_default():
    response = pna_app().test_client().options("/api/device", headers=preflight(**{ACRPN: "true"}))
    assert response.status_code == 200
    assert response.headers.get(ACAO) == A
    assert response.headers.getlist(ACAPN) == ["false"]


@pytest.mark.parametrize(
    ("where", "value"),
    [("kwarg", True), ("resource", True), ("config", "true"), ("config", True)],
)
def test_private_network_allowed_when_enabled(where, value):
    response = (
        pna_app(where, value)
        .test_client()
        .options("/api/device", headers=preflight(**{ACRPN: "true"}))
    )
    assert response.status_code == 200
    assert response.headers.get(ACAO) == A
    assert response.headers.getlist(ACAPN) == ["true"]


@pytest.mark.parametrize("where", [None, "kwarg"])
@pytest.mark.parametrize("requested", [None, "false", "yes", "1"])
def test_no_private_network_answer_unless_requested_with_true(where, requested):
    extra = {} if requested is None else {ACRPN: requested}
    response = pna_app(where).test_client().options("/api/device", headers=preflight(**extra))
    assert response.headers.get(ACAO) == A
    assert ACAPN not in response.headers


@pytest.mark.parametrize("where", [None, "kwarg"])
def test_no_private_network_answer_for_rejected_origin(where):
    response = (
        pna_app(where, origins=[A])
        .test_client()
        .options("/api/device", headers=preflight(origin=B, **{ACRPN: "true"}))
    )
    assert ACAO not in response.headers
    assert ACAPN not in response.headers
