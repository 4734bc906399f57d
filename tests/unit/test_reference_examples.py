"""Every example of the Flask-CORS manual and API docs, replayed on flask_cors."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import pytest
from flask import Blueprint, Flask, abort, jsonify, session

from flask_cors import CORS, cross_origin
from flask_cors.core import ALL_METHODS

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACEH = "Access-Control-Expose-Headers"
ACMA = "Access-Control-Max-Age"
ACAPN = "Access-Control-Allow-Private-Network"

#: The Origin of the manuals' curl transcripts: no scheme, but visible ASCII.
CURL_ORIGIN = "www.examplesite.com"
#: The Access-Control-Allow-Methods value the manuals' preflight transcripts show.
DOCS_ALLOW_METHODS = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
SAFELISTED_METHODS = {"GET", "HEAD", "POST"}


# -- helpers ---------------------------------------------------------------------------


def tokens(value):
    """A comma-separated header value as a set of lower-cased tokens."""
    return {part.strip().lower() for part in (value or "").split(",") if part.strip()}


def vary(response):
    return {token for value in response.headers.getlist("Vary") for token in tokens(value)}


def cors_header_names(response):
    names = {name.lower() for name, _value in response.headers.items()}
    return {name for name in names if name.startswith("access-control-")}


def browser_reads(response, origin, credentials=False):
    """Fetch's CORS check on a response, as a browser that sent ``origin`` performs it."""
    values = response.headers.getlist(ACAO)
    if len(values) != 1:
        return False
    if credentials:
        return values[0] == origin and response.headers.get(ACAC) == "true"
    return values[0] in ("*", origin)


def browser_preflight_ok(response, origin, method, headers=(), credentials=False):
    """Whether a browser would go on to send the actual request after this preflight."""
    if not 200 <= response.status_code < 300 or not browser_reads(response, origin, credentials):
        return False
    methods = tokens(response.headers.get(ACAM))
    wildcard = not credentials
    method_listed = method.lower() in methods or (wildcard and "*" in methods)
    if method not in SAFELISTED_METHODS and not method_listed:
        return False
    allowed = tokens(response.headers.get(ACAH))
    for name in headers:
        name = name.lower()
        if name not in allowed and not (wildcard and "*" in allowed and name != "authorization"):
            return False
    return True


def get(client, path, origin=CURL_ORIGIN, **headers):
    if origin is not None:
        headers["Origin"] = origin
    return client.get(path, headers=headers)


def preflight(client, path, origin=CURL_ORIGIN, method="POST", request_headers=None, **extra):
    headers = {"Origin": origin, "Access-Control-Request-Method": method, **extra}
    if request_headers is not None:
        headers["Access-Control-Request-Headers"] = request_headers
    return client.options(path, headers=headers)


# -- 000/001 "Usage" -------------------------------------------------------------------


def test_simple_usage():
    """000 and 001, "Usage / Simple Usage": CORS(app) allows every origin on every route."""
    app = Flask(__name__)
    CORS(app)

    @app.route("/")
    def helloWorld():
        return "Hello, cross-origin-world!"

    client = app.test_client()
    response = get(client, "/", "https://any-site.example")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "Hello, cross-origin-world!"
    assert response.headers.getlist(ACAO) == ["https://any-site.example"]
    assert "origin" in vary(response)
    assert browser_reads(response, "https://any-site.example")
    answer = preflight(client, "/", "https://other.example", "PUT", "content-type")
    assert browser_preflight_ok(answer, "https://other.example", "PUT", ["content-type"])


def test_resource_specific_cors():
    """000 and 001, "Resource specific CORS": resources={r"/api/*": {"origins": "*"}}.

    Paths outside /api get nothing, here a 404 at "/" (the example defines no other route).
    """
    app = Flask(__name__)
    CORS(app, resources={r"/api/*": {"origins": "*"}})

    @app.route("/api/v1/users")
    def list_users():
        return "user example"

    client = app.test_client()
    response = get(client, "/api/v1/users", "https://any-site.example")
    assert response.get_data(as_text=True) == "user example"
    assert response.headers.get(ACAO) == "https://any-site.example"
    outside = get(client, "/", "https://any-site.example")
    assert outside.status_code == 404
    assert cors_header_names(outside) == set()


def test_route_specific_cors_via_decorator():
    """000 and 001, "Route specific CORS via decorator": @cross_origin() below @app.route,
    no extension; OPTIONS is answered by the decorator (automatic_options)."""
    app = Flask(__name__)

    @app.route("/")
    @cross_origin()
    def helloWorld():
        return "Hello, cross-origin-world!"

    client = app.test_client()
    response = get(client, "/", "https://any-site.example")
    assert response.get_data(as_text=True) == "Hello, cross-origin-world!"
    assert response.headers.get(ACAO) == "https://any-site.example"
    answer = preflight(client, "/", "https://any-site.example", "GET", "x-requested-with")
    assert answer.status_code == 200
    assert answer.headers.get(ACAM) == DOCS_ALLOW_METHODS
    assert browser_preflight_ok(answer, "https://any-site.example", "GET", ["x-requested-with"])


def test_troubleshooting_logging_snippet(caplog):
    """000 and 001, "Troubleshooting": ``logging.getLogger('flask_cors').level = DEBUG``
    makes flask_cors say why each request got, or did not get, headers (docs/logging.md
    reason codes), with request data only %r-escaped (README difference 7).

    Assigning ``.level`` does not reset the stdlib's per-logger level cache (Python 3.7+),
    so docs/logging.md's ``setLevel`` form is applied too; both are the same setting.
    """
    logger = logging.getLogger("flask_cors")
    saved = logger.level
    app = Flask(__name__)
    CORS(app, resources={r"/api/*": {"origins": ["https://app.example.com"]}})

    @app.route("/api/data")
    def data():
        return "data"

    @app.route("/")
    def index():
        return "index"

    client = app.test_client()
    try:
        logger.level = logging.DEBUG
        logger.setLevel(logging.DEBUG)
        get(client, "/api/data", "https://app.example.com")
        get(client, "/api/data", "https://evil.example")
        get(client, "/", "https://app.example.com")
        injected = client.get(
            "/api/data", environ_overrides={"HTTP_ORIGIN": "https://evil.example\r\nX-Injected: 1"}
        )
    finally:
        logger.setLevel(saved)
    messages = [r.getMessage() for r in caplog.records if r.name == "flask_cors"]
    text = "\n".join(messages)
    assert "origin-allowed" in text
    assert "origin-not-allowed" in text
    assert "resource-not-matched" in text
    assert ACAO not in injected.headers
    assert all("\r" not in m and "\n" not in m for m in messages)
    assert any("\\r\\n" in m for m in messages), "the injected Origin is logged escaped"


# -- 000 "Configuration" ---------------------------------------------------------------


def test_configuration_precedence_list():
    """000 "Configuration" and the CORS class docs (000, 001): resource settings, then
    keyword arguments, then app config (CORS_*), then defaults. One option decided by each
    layer: origins by the resource dict (or the keyword where the resource sets none),
    max_age by the keyword over app config, expose_headers by app config over the
    default, methods by the default."""
    app = Flask(__name__)
    app.config.update(
        CORS_ORIGINS=["https://config.example"],
        CORS_MAX_AGE=100,
        CORS_EXPOSE_HEADERS=["X-Config"],
    )
    CORS(
        app,
        resources={r"/resource/*": {"origins": ["https://resource.example"]}, r"/keyword/*": {}},
        origins=["https://keyword.example"],
        max_age=200,
    )

    @app.route("/resource/x")
    @app.route("/keyword/x")
    def view():
        return "ok"

    client = app.test_client()
    answer = preflight(client, "/resource/x", "https://resource.example", "PUT")
    assert answer.headers.get(ACAO) == "https://resource.example"
    assert answer.headers.get(ACMA) == "200"
    assert answer.headers.get(ACEH) == "X-Config"
    assert answer.headers.get(ACAM) == DOCS_ALLOW_METHODS
    for origin, path, allowed in [
        ("https://keyword.example", "/resource/x", False),
        ("https://config.example", "/resource/x", False),
        ("https://keyword.example", "/keyword/x", True),
        ("https://resource.example", "/keyword/x", False),
        ("https://config.example", "/keyword/x", False),
    ]:
        response = get(client, path, origin)
        assert (response.headers.get(ACAO) == origin) is allowed, (origin, path)
        assert "origin" in vary(response)


@pytest.mark.parametrize("location", ["resource", "keyword", "init_app", "app_config", "decorator"])
def test_configuration_options_named_alike_in_every_location(location):
    """000 "Configuration options": an option ``example`` is the resource key ``example``,
    the keyword ``example`` and the config key ``CORS_EXAMPLE`` (and the decorator's)."""
    app = Flask(__name__)
    if location == "resource":
        CORS(app, resources={r"/*": {"max_age": 600}})
    elif location == "keyword":
        CORS(app, max_age=600)
    elif location == "init_app":
        CORS().init_app(app, max_age=600)
    elif location == "app_config":
        app.config["CORS_MAX_AGE"] = 600
        CORS(app)

    @app.route("/")
    @(cross_origin(max_age=600) if location == "decorator" else (lambda view: view))
    def index():
        return "ok"

    answer = preflight(app.test_client(), "/", "https://a.example", "PUT")
    assert answer.headers.get(ACMA) == "600"


def answer_with_config(config, kind):
    """CORS(app) on an app configured with ``config``, asked one kind of request."""
    app = Flask(__name__)
    app.config.update(config)
    CORS(app)

    @app.route("/", methods=["GET", "PUT"])
    @app.route("/some/deep/path")
    def index():
        return "ok"

    @app.route("/boom")
    def boom():
        raise RuntimeError("unhandled")

    client = app.test_client()
    origin = "https://app.example.com"
    if kind == "preflight":
        private_network = {"Access-Control-Request-Private-Network": "true"}
        return preflight(client, "/", origin, "PUT", "X-Token", **private_network)
    if kind == "no-origin":
        return get(client, "/", None)
    if kind == "unhandled":
        response = get(client, "/boom", origin)
        assert response.status_code == 500
        return response
    return get(client, "/some/deep/path" if kind == "deep" else "/", origin)


DEFAULT_ROWS = [
    # (key, request kind, header, expected value or None for absent)
    ("CORS_ALLOW_HEADERS", "preflight", ACAH, "X-Token"),
    ("CORS_ALWAYS_SEND", "no-origin", ACAO, "*"),
    ("CORS_EXPOSE_HEADERS", "get", ACEH, None),
    ("CORS_INTERCEPT_EXCEPTIONS", "unhandled", ACAO, "https://app.example.com"),
    ("CORS_MAX_AGE", "preflight", ACMA, None),
    ("CORS_METHODS", "preflight", ACAM, DOCS_ALLOW_METHODS),
    ("CORS_ORIGINS", "get", ACAO, "https://app.example.com"),
    ("CORS_RESOURCES", "deep", ACAO, "https://app.example.com"),
    ("CORS_SEND_WILDCARD", "get", ACAO, "https://app.example.com"),
    ("CORS_SUPPORTS_CREDENTIALS", "get", ACAC, None),
    ("CORS_VARY_HEADER", "get", "Vary", "Origin"),
    ("CORS_ALLOW_PRIVATE_NETWORK", "preflight", ACAPN, "false"),
]


@pytest.mark.parametrize(("key", "kind", "header", "expected"), DEFAULT_ROWS)
def test_default_values_list(key, kind, header, expected):
    """000 "Default values" (CORS_ALLOW_PRIVATE_NETWORK from 001's parameter list, with
    the False default of Flask-CORS 5+, see 002): each default as CORS(app) behaves. The
    preflight asks for PUT with X-Token and private network access. CORS_AUTOMATIC_OPTIONS
    is covered by test_configuration_options_automatic_options."""
    assert answer_with_config({}, kind).headers.get(header) == expected


def test_default_values_list_methods_constant():
    """000 "Default values": CORS_METHODS is ["GET", "HEAD", "POST", "OPTIONS", "PUT",
    "PATCH", "DELETE"], also importable as flask_cors.core.ALL_METHODS."""
    assert ALL_METHODS == ["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"]


OPTION_ROWS = [
    # (config, request kind, header, expected value or None for absent)
    ({"CORS_ALLOW_HEADERS": ["X-Token"]}, "preflight", ACAH, "X-Token"),
    ({"CORS_ALLOW_HEADERS": ["X-Other"]}, "preflight", ACAH, None),
    ({"CORS_ALWAYS_SEND": False}, "no-origin", ACAO, None),
    ({"CORS_EXPOSE_HEADERS": ["X-Total-Count"]}, "get", ACEH, "X-Total-Count"),
    ({"CORS_INTERCEPT_EXCEPTIONS": False}, "unhandled", ACAO, None),
    ({"CORS_MAX_AGE": 600}, "preflight", ACMA, "600"),
    ({"CORS_MAX_AGE": "600"}, "preflight", ACMA, "600"),
    ({"CORS_MAX_AGE": timedelta(minutes=10)}, "preflight", ACMA, "600"),
    ({"CORS_METHODS": ["PUT", "GET"]}, "preflight", ACAM, "GET, PUT"),
    ({"CORS_METHODS": "GET, POST"}, "preflight", ACAM, None),
    ({"CORS_ORIGINS": ["https://app.example.com"]}, "get", ACAO, "https://app.example.com"),
    ({"CORS_ORIGINS": ["https://other.example.com"]}, "get", ACAO, None),
    (
        {"CORS_ORIGINS": re.compile(r"https://app\.example\.com")},
        "get",
        ACAO,
        "https://app.example.com",
    ),
    ({"CORS_RESOURCES": r"/api/*"}, "get", ACAO, None),
    ({"CORS_SEND_WILDCARD": True}, "get", ACAO, "*"),
    ({"CORS_SUPPORTS_CREDENTIALS": True}, "get", ACAC, "true"),
    ({"CORS_VARY_HEADER": False}, "get", "Vary", None),
    ({"CORS_ALLOW_PRIVATE_NETWORK": True}, "preflight", ACAPN, "true"),
]


@pytest.mark.parametrize(("config", "kind", "header", "expected"), OPTION_ROWS)
def test_configuration_options_cors_keys(config, kind, header, expected):
    """000 "Configuration options": each CORS_* key of app.config does what its entry says
    (CORS_MAX_AGE as int, str or timedelta; CORS_ORIGINS as list or re.Pattern)."""
    assert answer_with_config(config, kind).headers.get(header) == expected


def test_configuration_options_send_wildcard_answer_does_not_vary():
    """000 "CORS_SEND_WILDCARD" with CORS_ORIGINS "*": the answer is "*" for everyone, so
    no Vary: Origin is needed (README difference 2)."""
    app = Flask(__name__)
    CORS(app, send_wildcard=True)

    @app.route("/")
    def index():
        return "ok"

    client = app.test_client()
    for origin in ("https://a.example", "https://b.example", None):
        response = get(client, "/", origin)
        assert response.headers.get(ACAO) == "*"
        assert "origin" not in vary(response)


@pytest.mark.parametrize("automatic_options", [None, True, False])
def test_configuration_options_automatic_options(automatic_options):
    """000 "CORS_AUTOMATIC_OPTIONS" (decorator only, default True): the decorator answers
    OPTIONS with the view's CORS headers; with it off, Flask answers OPTIONS itself and
    the decorator adds nothing to that answer (the view's other responses still get CORS)."""
    app = Flask(__name__)
    options = {} if automatic_options is None else {"automatic_options": automatic_options}

    @app.route("/", methods=["GET", "PUT"])
    @cross_origin(**options)
    def index():
        return "ok"

    client = app.test_client()
    answer = preflight(client, "/", "https://a.example", "PUT")
    assert answer.status_code == 200
    expected = automatic_options is not False
    assert (answer.headers.get(ACAM) == DOCS_ALLOW_METHODS) is expected
    assert browser_preflight_ok(answer, "https://a.example", "PUT") is expected
    assert get(client, "/", "https://a.example").headers.get(ACAO) == "https://a.example"


# -- 000/001 "API Docs" ----------------------------------------------------------------


def test_api_docs_origins_include_scheme_and_port():
    """000 and 001, CORS ``origins`` parameter: CORS(app, origins=["http://localhost:8000",
    "https://example.com"]). The docs call literal origins case-sensitive; this project
    (docs/usage.md, option table) compares them case-insensitively and echoes the Origin
    as the browser sent it."""
    app = Flask(__name__)
    CORS(app, origins=["http://localhost:8000", "https://example.com"])

    @app.route("/")
    def index():
        return "ok"

    client = app.test_client()
    for origin, allowed in [
        ("http://localhost:8000", True),
        ("https://example.com", True),
        ("https://EXAMPLE.com", True),
        ("http://localhost", False),
        ("http://localhost:3000", False),
        ("http://example.com", False),
        ("https://example.com:8443", False),
    ]:
        response = get(client, "/", origin)
        assert browser_reads(response, origin) is allowed, origin
        assert response.headers.get(ACAO) == (origin if allowed else None)
        assert "origin" in vary(response)


def test_api_docs_specific_resources_with_wildcard_fallback():
    """000 and 001, CORS class note: the most specific resource pattern wins, which
    "allows the definition of a number of specific resource options, with a wildcard
    fallback for all other resources". Written least specific first on purpose."""
    app = Flask(__name__)
    CORS(
        app,
        resources={
            r"/*": {"origins": "*"},
            r"/api/*": {"origins": ["https://app.example.com"]},
            r"/api/v1/admin/*": {"origins": ["https://admin.example.com"]},
        },
    )

    @app.route("/home")
    @app.route("/api/items")
    @app.route("/api/v1/admin/stats")
    def view():
        return "ok"

    client = app.test_client()
    for path, origin, allowed in [
        ("/api/v1/admin/stats", "https://admin.example.com", True),
        ("/api/v1/admin/stats", "https://app.example.com", False),
        ("/api/items", "https://app.example.com", True),
        ("/api/items", "https://admin.example.com", False),
        ("/home", "https://anyone.example", True),
    ]:
        assert browser_reads(get(client, path, origin), origin) is allowed, (path, origin)


def test_api_docs_allow_private_network():
    """001, ``allow_private_network``: 'true' answers a request header of 'true' with
    'true', False answers it with 'false', any other value or none gets no header. 001
    says the default is True; since Flask-CORS 5 it is False (002), tested as such."""
    app = Flask(__name__)
    CORS(app, resources={r"/on/*": {"allow_private_network": True}, r"/default/*": {}})

    @app.route("/on/x")
    @app.route("/default/x")
    def view():
        return "ok"

    client = app.test_client()

    def answer(path, value):
        extra = {} if value is None else {"Access-Control-Request-Private-Network": value}
        return preflight(client, path, "https://a.example", "GET", **extra).headers.get(ACAPN)

    assert answer("/on/x", "true") == "true"
    assert answer("/default/x", "true") == "false"
    assert answer("/on/x", None) is None
    assert answer("/on/x", "yes") is None
    assert answer("/default/x", None) is None


# -- 000/001/004 "Using CORS with cookies" ---------------------------------------------


def test_using_cors_with_cookies(caplog):
    """000, 001 and 004, "Using CORS with cookies": CORS(app, supports_credentials=True).
    The docs' note "cannot be used with a '*' origin" is, per README difference 6, a
    warning logged once at setup; the Origin is echoed (never '*') with credentials."""
    app = Flask(__name__)
    app.secret_key = "test-secret"
    CORS(app, supports_credentials=True)

    @app.route("/")
    def helloWorld():
        return "Hello, %s" % session["username"]  # noqa: UP031 (as in the manual)

    client = app.test_client()
    with client.session_transaction() as stored:
        stored["username"] = "joe"
    origin = "https://frontend.example"
    response = get(client, "/", origin)
    assert response.get_data(as_text=True) == "Hello, joe"
    assert response.headers.getlist(ACAO) == [origin]
    assert response.headers.get(ACAC) == "true"
    vary_values = [
        t.strip().lower() for v in response.headers.getlist("Vary") for t in v.split(",")
    ]
    assert vary_values.count("origin") == 1 and "cookie" in vary_values
    assert browser_reads(response, origin, credentials=True)
    answer = preflight(client, "/", origin, "GET", "x-csrf-token")
    assert browser_preflight_ok(answer, origin, "GET", ["x-csrf-token"], credentials=True)
    assert ACAO not in get(client, "/", None).headers, "never '*' with credentials"
    warnings = [
        r
        for r in caplog.records
        if r.name == "flask_cors"
        and r.levelno == logging.WARNING
        and "supports_credentials" in r.getMessage()
    ]
    assert len(warnings) == 1


def test_using_cors_with_cookies_send_wildcard_is_refused():
    """000 ``supports_credentials`` note "cannot be used in conjunction with a '*' origin":
    with send_wildcard, '*' would be sent with credentials, so setup fails (README 5)."""
    app = Flask(__name__)
    with pytest.raises(ValueError, match=r"send_wildcard|supports_credentials"):
        CORS(app, supports_credentials=True, send_wildcard=True)


# -- 000/001/004 "Using CORS with Blueprints" ------------------------------------------


def make_blueprint_example():
    api_v1 = Blueprint("API_v1", __name__)
    CORS(api_v1)

    @api_v1.route("/api/v1/users/")
    def list_users():
        return jsonify(user="joe")

    @api_v1.route("/api/v1/users/create", methods=["POST"])
    def create_user():
        return jsonify(success=True)

    public_routes = Blueprint("public", __name__)

    @public_routes.route("/")
    def helloWorld():
        return "<h1>Hello CORS!</h1>"

    app = Flask("FlaskCorsBlueprintBasedExample")
    app.register_blueprint(api_v1)
    app.register_blueprint(public_routes)
    return app.test_client()


def test_using_cors_with_blueprints_list_users():
    """000/001/004 "Using CORS with Blueprints", first curl transcript (GET with
    Origin: www.examplesite.com). The transcript's ``Access-Control-Allow-Origin: *`` is
    now an echo of the Origin (send_wildcard off), which a browser accepts the same; its
    Access-Control-Allow-Headers on a plain GET is only sent on preflights now. (Its body
    shows {"success": true}, but the view returns jsonify(user="joe").)"""
    response = get(make_blueprint_example(), "/api/v1/users/")
    assert response.status_code == 200
    assert json.loads(response.data) == {"user": "joe"}
    assert response.headers.getlist(ACAO) == [CURL_ORIGIN]
    assert browser_reads(response, CURL_ORIGIN)
    assert ACAH not in response.headers
    assert "origin" in vary(response)


def test_using_cors_with_blueprints_create_user_preflight():
    """000/001/004 "Using CORS with Blueprints", preflight transcript for create_user."""
    answer = preflight(
        make_blueprint_example(), "/api/v1/users/create", CURL_ORIGIN, "POST", "Content-Type"
    )
    assert answer.status_code == 200
    assert {"post", "options"} <= tokens(answer.headers.get("Allow"))
    assert answer.headers.get(ACAO) == CURL_ORIGIN
    assert answer.headers.get(ACAH) == "Content-Type"
    assert answer.headers.get(ACAM) == DOCS_ALLOW_METHODS
    assert browser_preflight_ok(answer, CURL_ORIGIN, "POST", ["Content-Type"])


def test_using_cors_with_blueprints_create_user_post():
    """000/001/004 "Using CORS with Blueprints", POST transcript for create_user."""
    client = make_blueprint_example()
    response = client.post(
        "/api/v1/users/create", headers={"Origin": CURL_ORIGIN, "Content-Type": "application/json"}
    )
    assert response.status_code == 200
    assert json.loads(response.data) == {"success": True}
    assert response.headers.get(ACAO) == CURL_ORIGIN
    assert ACAM not in response.headers and ACAH not in response.headers


def test_using_cors_with_blueprints_public_route_has_no_cors():
    """000/001/004 "Using CORS with Blueprints": the public blueprint's "/" is not under
    CORS(api_v1), so it "does not have CORS headers set"."""
    client = make_blueprint_example()
    response = get(client, "/")
    assert response.status_code == 200
    assert cors_header_names(response) == set()
    assert "origin" not in vary(response)
    assert cors_header_names(preflight(client, "/", CURL_ORIGIN, "GET")) == set()


# -- 000/001/004 "Examples: Using the CORS extension" (app_based_example) -------------


def make_app_based_example():
    app = Flask(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    CORS(app, resources=r"/api/*")

    @app.route("/")
    def helloWorld():
        return "<html><h1>Hello CORS!</h1></html>"

    @app.route("/api/v1/users/")
    def list_users():
        return jsonify(user="joe")

    @app.route("/api/v1/users/create", methods=["POST"])
    def create_user():
        return jsonify(success=True)

    @app.route("/api/exception")
    def get_exception():
        raise Exception("example")

    @app.errorhandler(500)
    def server_error(e):
        logging.exception("An error occurred during a request. %s", e)
        return "An internal error occurred", 500

    return app.test_client()


def test_app_based_example_root_has_no_cors():
    """000/001/004 "Using the CORS extension": "/" does not match r'/api/*'."""
    response = get(make_app_based_example(), "/")
    assert response.status_code == 200
    assert cors_header_names(response) == set()


def test_app_based_example_list_users():
    """000/001/004 "Using the CORS extension", GET transcript: the Origin is echoed where
    the 2014 transcript shows '*', and no Access-Control-Allow-Headers on a GET."""
    response = get(make_app_based_example(), "/api/v1/users/")
    assert json.loads(response.data) == {"user": "joe"}
    assert response.headers.getlist(ACAO) == [CURL_ORIGIN]
    assert browser_reads(response, CURL_ORIGIN)
    assert ACAH not in response.headers
    assert "origin" in vary(response)


def test_app_based_example_create_user_preflight():
    """000/001/004 "Using the CORS extension", preflight transcript for create_user:
    the docs' ``Access-Control-Allow-Methods: DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT``."""
    answer = preflight(
        make_app_based_example(), "/api/v1/users/create", CURL_ORIGIN, "POST", "Content-Type"
    )
    assert answer.status_code == 200
    assert answer.headers.get(ACAO) == CURL_ORIGIN
    assert answer.headers.get(ACAH) == "Content-Type"
    assert answer.headers.get(ACAM) == DOCS_ALLOW_METHODS
    assert browser_preflight_ok(answer, CURL_ORIGIN, "POST", ["Content-Type"])


def test_app_based_example_create_user_post():
    """000/001/004 "Using the CORS extension", POST transcript for create_user."""
    response = make_app_based_example().post(
        "/api/v1/users/create", headers={"Origin": CURL_ORIGIN, "Content-Type": "application/json"}
    )
    assert json.loads(response.data) == {"success": True}
    assert response.headers.get(ACAO) == CURL_ORIGIN
    assert ACAM not in response.headers


def test_app_based_example_exception_preflight():
    """000/001/004 "Using the CORS extension", get_exception's preflight transcript."""
    answer = preflight(
        make_app_based_example(), "/api/exception", CURL_ORIGIN, "POST", "Content-Type"
    )
    assert answer.status_code == 200
    assert answer.headers.get(ACAO) == CURL_ORIGIN
    assert answer.headers.get(ACAH) == "Content-Type"
    assert answer.headers.get(ACAM) == DOCS_ALLOW_METHODS


def test_app_based_example_exception_500_keeps_cors_headers():
    """000/001/004 "Using the CORS extension": /api/exception raises, @app.errorhandler(500)
    answers; with intercept_exceptions on (default) the 500 still carries CORS headers,
    so the browser can read the error instead of reporting a CORS failure."""
    response = get(make_app_based_example(), "/api/exception")
    assert response.status_code == 500
    assert response.get_data(as_text=True) == "An internal error occurred"
    assert response.headers.getlist(ACAO) == [CURL_ORIGIN]
    assert browser_reads(response, CURL_ORIGIN)
    assert "origin" in vary(response)


# -- 000/001/004 "Examples: Using the cross_origin decorator" (view_based_example) ----


def make_view_based_example():
    app = Flask(__name__)

    @app.route("/", methods=["GET"])
    @cross_origin()
    def helloWorld():
        return "<h1>Hello CORS!</h1>"

    @app.route("/api/v1/users/create", methods=["GET", "POST"])
    @cross_origin(allow_headers=["Content-Type"])
    def cross_origin_json_post():
        return jsonify(success=True)

    return app.test_client()


def test_view_based_example_hello_world():
    """000/001/004 "Using the cross_origin decorator", GET / transcript: echo, not '*'."""
    response = get(make_view_based_example(), "/")
    assert response.get_data(as_text=True) == "<h1>Hello CORS!</h1>"
    assert response.headers.getlist(ACAO) == [CURL_ORIGIN]
    assert browser_reads(response, CURL_ORIGIN)


def test_view_based_example_json_post_preflight():
    """000/001/004 "Using the cross_origin decorator", preflight transcript."""
    answer = preflight(
        make_view_based_example(), "/api/v1/users/create", CURL_ORIGIN, "POST", "Content-Type"
    )
    assert answer.status_code == 200
    assert {"post", "options"} <= tokens(answer.headers.get("Allow"))
    assert answer.headers.get(ACAO) == CURL_ORIGIN
    assert answer.headers.get(ACAH) == "Content-Type"
    assert answer.headers.get(ACAM) == DOCS_ALLOW_METHODS
    assert browser_preflight_ok(answer, CURL_ORIGIN, "POST", ["Content-Type"])


def test_view_based_example_json_post_refuses_unlisted_headers():
    """000/001/004 "Using the cross_origin decorator": allow_headers=['Content-Type'] lets
    only that header through; a preflight also asking for X-Other fails in the browser."""
    answer = preflight(
        make_view_based_example(),
        "/api/v1/users/create",
        CURL_ORIGIN,
        "POST",
        "Content-Type, X-Other",
    )
    assert tokens(answer.headers.get(ACAH)) == {"content-type"}
    assert not browser_preflight_ok(answer, CURL_ORIGIN, "POST", ["Content-Type", "X-Other"])


def test_view_based_example_json_post():
    """000/001/004 "Using the cross_origin decorator", POST transcript."""
    response = make_view_based_example().post(
        "/api/v1/users/create", headers={"Origin": CURL_ORIGIN, "Content-Type": "application/json"}
    )
    assert json.loads(response.data) == {"success": True}
    assert response.headers.get(ACAO) == CURL_ORIGIN


# -- 002 notes on 6.0.x ----------------------------------------------------------------


def make_quickstart():
    app = Flask(__name__)
    CORS(app)

    @app.route("/")
    def hello_world():
        return "Hello, cross-origin-world!"

    @app.route("/api/data")
    @cross_origin(
        origins="http://localhost:3000", methods=["GET", "POST"], supports_credentials=True
    )
    def get_data():
        return {"message": "Data from API!"}

    return app.test_client()


def test_quickstart_hello_world():
    """002 "Quickstart": CORS(app) enables every route for every origin."""
    response = get(make_quickstart(), "/", "https://any-site.example")
    assert response.get_data(as_text=True) == "Hello, cross-origin-world!"
    assert response.headers.get(ACAO) == "https://any-site.example"


def test_quickstart_api_data_with_credentials():
    """002 "Quickstart": the decorated /api/data allows http://localhost:3000 with credentials."""
    origin = "http://localhost:3000"
    response = get(make_quickstart(), "/api/data", origin)
    assert json.loads(response.data) == {"message": "Data from API!"}
    assert response.headers.getlist(ACAO) == [origin]
    assert response.headers.get(ACAC) == "true"
    assert browser_reads(response, origin, credentials=True)
    assert "origin" in vary(response)


def test_quickstart_api_data_rejects_other_origins():
    """002 "Quickstart": on /api/data the decorator's policy wins over CORS(app)'s '*'
    (docs/usage.md, "The decorator and the extension together"); a rejection varies on Origin."""
    response = get(make_quickstart(), "/api/data", "https://evil.example")
    assert response.status_code == 200
    assert ACAO not in response.headers and ACAC not in response.headers
    assert "origin" in vary(response)


def test_quickstart_api_data_preflight_methods():
    """002 "Quickstart": methods=["GET", "POST"]: a preflight for POST is granted with
    exactly those methods, one for PUT or DELETE gets no Access-Control-Allow-Methods."""
    client = make_quickstart()
    origin = "http://localhost:3000"
    answer = preflight(client, "/api/data", origin, "POST", "content-type")
    assert answer.headers.get(ACAM) == "GET, POST"
    assert browser_preflight_ok(answer, origin, "POST", ["content-type"], credentials=True)
    for method in ("PUT", "DELETE"):
        refused = preflight(client, "/api/data", origin, method)
        assert ACAM not in refused.headers
        assert not browser_preflight_ok(refused, origin, method, credentials=True)


def test_notes_imports():
    """002 "Imports": ``from flask_cors import CORS``, ``from flask_cors import cross_origin``."""
    import flask_cors

    assert flask_cors.CORS is CORS and flask_cors.cross_origin is cross_origin


@pytest.mark.parametrize(
    ("path", "origin", "allowed"),
    [
        ("/api/data", "https://general.example", True),
        ("/API/data", "https://general.example", False),
        ("/files/a%20b", "https://a.example", True),
        ("/files/a+b", "https://a.example", False),
        ("/api/private/x", "https://private.example", True),
        ("/api/private/x", "https://general.example", False),
    ],
)
def test_notes_6_breaking_changes(path, origin, allowed):
    """002 "Warnings", 6.0.0: path matching is case-sensitive (/API is not /api),
    unquote replaced unquote_plus ('+' is not a space), and the most specific resource
    wins whatever order the dict is written in."""
    app = Flask(__name__)
    CORS(
        app,
        resources={
            r"/api/*": {"origins": ["https://general.example"]},
            r"/api/private/*": {"origins": ["https://private.example"]},
            "/files/a b": {"origins": "*"},
        },
    )

    @app.route("/<path:anything>")
    def catch_all(anything):
        return anything

    response = get(app.test_client(), path, origin)
    assert response.status_code == 200
    assert (response.headers.get(ACAO) == origin) is allowed


def test_notes_origins_need_scheme_and_port():
    """002 "Warnings" (gotcha): origins need the scheme and a non-default port.
    ``localhost:8000`` can never match, so setup fails naming the option (README 5);
    ``http://localhost`` does not allow the page at http://localhost:8000."""
    with pytest.raises(ValueError, match="origins"):
        CORS(Flask(__name__), origins="localhost:8000")
    app = Flask(__name__)
    CORS(app, origins="http://localhost")

    @app.route("/")
    def index():
        return "ok"

    client = app.test_client()
    assert ACAO not in get(client, "/", "http://localhost:8000").headers
    assert get(client, "/", "http://localhost").headers.get(ACAO) == "http://localhost"


# -- 003 API summary -------------------------------------------------------------------


def test_api_summary_constructor_keywords():
    """003 CORS.__init__ signature: passing every keyword with its listed default behaves
    as CORS(app). (``methods=None`` is left out: docs/usage.md types methods as str or list.)"""
    app = Flask(__name__)
    CORS(
        app,
        resources=r"/*",
        origins="*",
        expose_headers=None,
        allow_headers="*",
        supports_credentials=False,
        max_age=None,
        send_wildcard=False,
        vary_header=True,
        allow_private_network=False,
        intercept_exceptions=True,
        always_send=True,
    )

    @app.route("/")
    def index():
        return "ok"

    client = app.test_client()
    response = get(client, "/", "https://a.example")
    assert response.headers.get(ACAO) == "https://a.example"
    assert "origin" in vary(response) and ACAC not in response.headers
    answer = preflight(client, "/", "https://a.example", "PATCH", "x-a")
    assert answer.headers.get(ACAM) == DOCS_ALLOW_METHODS
    assert answer.headers.get(ACAH) == "x-a" and ACMA not in answer.headers
    assert get(client, "/", None).headers.get(ACAO) == "*"


def test_api_summary_basic_usage():
    """003 basic usage: CORS(app) and a dict-returning /api/data."""
    app = Flask(__name__)
    CORS(app)

    @app.route("/api/data")
    def get_data():
        return {"message": "Hello from CORS-enabled endpoint"}

    response = get(app.test_client(), "/api/data", "https://a.example")
    assert json.loads(response.data) == {"message": "Hello from CORS-enabled endpoint"}
    assert response.headers.get(ACAO) == "https://a.example"


def test_api_summary_resource_specific():
    """003 "different CORS settings for different URL patterns": /api, /public, /admin."""
    app = Flask(__name__)
    CORS(
        app,
        resources={
            r"/api/*": {"origins": ["https://frontend.example.com"]},
            r"/public/*": {"origins": "*"},
            r"/admin/*": {"origins": ["https://admin.example.com"], "supports_credentials": True},
        },
    )

    @app.route("/api/users")
    def api_users():
        return {"users": []}

    @app.route("/public/info")
    def public_info():
        return {"info": "public data"}

    @app.route("/admin/stats")
    def admin_stats():
        return {"stats": "sensitive data"}

    client = app.test_client()
    front, admin = "https://frontend.example.com", "https://admin.example.com"
    assert browser_reads(get(client, "/api/users", front), front)
    assert ACAO not in get(client, "/api/users", admin).headers
    assert browser_reads(get(client, "/public/info", "https://x.example"), "https://x.example")
    stats = get(client, "/admin/stats", admin)
    assert browser_reads(stats, admin, credentials=True)
    rejected = get(client, "/admin/stats", front)
    assert ACAO not in rejected.headers and ACAC not in rejected.headers
    assert ACAC not in get(client, "/api/users", front).headers


def test_api_summary_application_factory():
    """003 application factory: cors = CORS() at module level, cors.init_app(app,
    resources=...) inside create_app(); one object serves every app it creates. The
    example defines no route; /api/data is added to have something to request."""
    cors = CORS()

    def create_app():
        app = Flask(__name__)
        cors.init_app(app, resources={r"/api/*": {"origins": ["https://trusted-domain.com"]}})

        @app.route("/api/data")
        def data():
            return "data"

        return app

    for app in (create_app(), create_app()):
        client = app.test_client()
        ok = get(client, "/api/data", "https://trusted-domain.com")
        assert browser_reads(ok, "https://trusted-domain.com")
        assert ACAO not in get(client, "/api/data", "https://untrusted.example").headers
        assert cors_header_names(get(client, "/elsewhere", "https://trusted-domain.com")) == set()


MIXED_ORIGINS = [
    ("https://example.com", True),
    ("http://localhost:3000", True),
    ("https://x.example.com", True),
    ("https://deep.sub.example.com", True),
    ("https://app12.example.com", True),
    ("https://x.example.com.evil.net", False),
    ("https://app1.example.com.evil.net", False),
    ("https://example.com.evil.net", False),
    ("https://evilexample.com", False),
    ("http://x.example.com", False),
    ("https://x.example.com:8443", False),
    ("http://localhost:3001", False),
    ("null", False),
]


@pytest.mark.parametrize(("origin", "allowed"), MIXED_ORIGINS)
def test_api_summary_mixed_origins(origin, allowed):
    """003 "Mixed origins configuration with strings and regex patterns": literals, a regex
    string and a compiled regex. Regexes must match the whole Origin (README difference 1),
    so suffix attacks such as https://x.example.com.evil.net are rejected."""
    app = Flask(__name__)
    CORS(
        app,
        resources={
            r"/api/*": {
                "origins": [
                    "https://example.com",
                    "http://localhost:3000",
                    r"https://.*\.example\.com",
                    re.compile(r"https://app\d+\.example\.com"),
                ]
            }
        },
    )

    @app.route("/api/data")
    def data():
        return "data"

    response = get(app.test_client(), "/api/data", origin)
    assert response.headers.get(ACAO) == (origin if allowed else None)
    assert browser_reads(response, origin) is allowed
    assert "origin" in vary(response)


def make_credentials_example():
    app = Flask(__name__)
    CORS(
        app,
        resources={
            r"/api/auth/*": {
                "origins": ["https://trusted-frontend.com"],
                "supports_credentials": True,
                "allow_headers": ["Content-Type", "Authorization"],
            }
        },
    )

    @app.route("/api/auth/login", methods=["POST"])
    def login():
        return {"token": "auth-token"}

    return app.test_client()


def test_api_summary_credentials_for_trusted_origins():
    """003 "Enable credentials for trusted origins only": the browser's preflight (names
    lower-cased) is granted for Content-Type and Authorization, listed by name; the POST
    is readable with credentials; other origins get nothing."""
    client = make_credentials_example()
    trusted = "https://trusted-frontend.com"
    answer = preflight(client, "/api/auth/login", trusted, "POST", "authorization,content-type")
    assert answer.headers.get(ACAH) == "authorization, content-type"
    assert answer.headers.get(ACAC) == "true"
    assert browser_preflight_ok(answer, trusted, "POST", ["authorization", "content-type"], True)
    extra = preflight(client, "/api/auth/login", trusted, "POST", "content-type,x-custom")
    assert not browser_preflight_ok(extra, trusted, "POST", ["content-type", "x-custom"], True)
    response = client.post("/api/auth/login", headers={"Origin": trusted, "Cookie": "s=1"})
    assert json.loads(response.data) == {"token": "auth-token"}
    assert browser_reads(response, trusted, credentials=True)
    other = client.post("/api/auth/login", headers={"Origin": "https://evil.example"})
    assert ACAO not in other.headers and ACAC not in other.headers
    assert "origin" in vary(other)


def test_api_summary_app_config_precedence():
    """003 app config precedence example, as written: app.config CORS_ORIGINS, constructor
    origins, init_app resources with their own origins. 003 says "last wins" but its list
    is missing; the README order applies: the resource's origins win on /specific/*, and
    the resources argument limits CORS to /specific/*, so no layer applies elsewhere."""
    app = Flask(__name__)
    app.config["CORS_ORIGINS"] = ["https://default.com"]
    cors = CORS(origins=["https://constructor.com"])
    cors.init_app(app, resources={r"/specific/*": {"origins": ["https://specific.com"]}})

    @app.route("/specific/items")
    @app.route("/other")
    def view():
        return "ok"

    client = app.test_client()
    for origin, allowed in [
        ("https://specific.com", True),
        ("https://constructor.com", False),
        ("https://default.com", False),
    ]:
        response = get(client, "/specific/items", origin)
        assert (response.headers.get(ACAO) == origin) is allowed, origin
        assert "origin" in vary(response)
        assert cors_header_names(get(client, "/other", origin)) == set()


@pytest.mark.parametrize(
    ("constructor_origins", "path", "winner"),
    [
        (["https://constructor.com"], "/specific/items", "https://specific.com"),
        (["https://constructor.com"], "/general/items", "https://constructor.com"),
        (None, "/general/items", "https://default.com"),
        (None, "/specific/items", "https://specific.com"),
    ],
)
def test_api_summary_app_config_precedence_each_layer(constructor_origins, path, winner):
    """003 app config precedence, each layer winning somewhere: a second resource without
    its own origins takes the constructor's, and app.config's when the constructor sets
    none. Exactly the winning layer's origin is allowed; the other two are rejected."""
    app = Flask(__name__)
    app.config["CORS_ORIGINS"] = ["https://default.com"]
    cors = CORS() if constructor_origins is None else CORS(origins=constructor_origins)
    cors.init_app(
        app,
        resources={r"/specific/*": {"origins": ["https://specific.com"]}, r"/general/*": {}},
    )

    @app.route("/specific/items")
    @app.route("/general/items")
    def view():
        return "ok"

    client = app.test_client()
    for origin in ("https://specific.com", "https://constructor.com", "https://default.com"):
        response = get(client, path, origin)
        assert (response.headers.get(ACAO) == origin) is (origin == winner), origin


RESOURCE_FORMAT_PATHS = [
    ("/exact/path", True),
    ("/exact/path/more", False),
    ("/exact", False),
    ("/api/anything", True),
    ("/api", True),
    ("/users/42", True),
    ("/users/42/friends", True),
    ("/users/abc", False),
    ("/elsewhere", False),
]


@pytest.mark.parametrize(("path", "has_cors"), RESOURCE_FORMAT_PATHS)
def test_api_summary_resource_pattern_formats(path, has_cors):
    """003 "Resource patterns support multiple formats": an exact path (matches only
    itself), r"/api/*" and r"/users/\\d+" (regexes matched from the start of the path)."""
    app = Flask(__name__)
    CORS(
        app,
        resources={
            "/exact/path": {"origins": "*"},
            r"/api/*": {"origins": "*"},
            r"/users/\d+": {"origins": "*"},
        },
    )

    @app.route("/<path:anything>")
    def catch_all(anything):
        return anything

    response = get(app.test_client(), path, "https://a.example")
    assert response.status_code == 200
    assert (response.headers.get(ACAO) == "https://a.example") is has_cors


@pytest.mark.parametrize(
    ("path", "has_cors"),
    [("/api/v1/users", True), ("/api/v22/x", True), ("/api/vX/users", False), ("/api/v1", False)],
)
def test_api_summary_compiled_regex_resource(path, has_cors):
    """003: resources={re.compile(r"/api/v\\d+/.*"): {"origins": "*"}}."""
    app = Flask(__name__)
    CORS(app, resources={re.compile(r"/api/v\d+/.*"): {"origins": "*"}})

    @app.route("/<path:anything>")
    def catch_all(anything):
        return anything

    response = get(app.test_client(), path, "https://a.example")
    assert (ACAO in response.headers) is has_cors


@pytest.mark.parametrize("app_wide", [False, True])
def test_api_summary_resource_list(app_wide):
    """003: resources=[r"/api/*", r"/public/*"] "Uses app-wide configuration for all
    patterns": as written, and with app.config CORS_ORIGINS and a constructor max_age."""
    app = Flask(__name__)
    if app_wide:
        app.config["CORS_ORIGINS"] = ["https://app.example.com"]
        CORS(app, resources=[r"/api/*", r"/public/*"], max_age=300)
    else:
        CORS(app, resources=[r"/api/*", r"/public/*"])

    @app.route("/<path:anything>", methods=["GET", "PUT"])
    def catch_all(anything):
        return anything

    client = app.test_client()
    for path in ("/api/items", "/public/info"):
        answer = preflight(client, path, "https://app.example.com", "PUT")
        assert answer.headers.get(ACAO) == "https://app.example.com"
        assert answer.headers.get(ACMA) == ("300" if app_wide else None)
        other = get(client, path, "https://other.example").headers.get(ACAO)
        assert other == (None if app_wide else "https://other.example")
    assert cors_header_names(get(client, "/private/x", "https://app.example.com")) == set()


@pytest.mark.parametrize("intercept", [True, False])
def test_api_summary_error_handling(intercept):
    """003 error handling: responses made from handled exceptions (404, abort()) carry
    CORS headers whatever intercept_exceptions says; the 500 of an unhandled exception
    carries them only with intercept_exceptions=True."""
    app = Flask(__name__)
    CORS(app, intercept_exceptions=intercept)

    @app.route("/forbidden")
    def forbidden():
        abort(403)

    @app.route("/boom")
    def boom():
        raise RuntimeError("unhandled")

    client = app.test_client()
    for path, status in (("/missing", 404), ("/forbidden", 403), ("/boom", 500)):
        response = get(client, path, "https://a.example")
        assert response.status_code == status
        expected = "https://a.example" if intercept or status != 500 else None
        assert response.headers.get(ACAO) == expected
