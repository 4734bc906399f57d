"""Tests for the @cross_origin decorator: options, OPTIONS handling, config, errors, extension."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask, Response, abort
from response_headers import vary_tokens

from flask_cors import CORS, cross_origin

A = "https://a.example"
B = "https://b.example"
DEFAULT_METHODS = {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}
LIST_HEADERS = {
    "allow",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-expose-headers",
    "vary",
}


# --- helpers -------------------------------------------------------------------------


def tokens(value):
    """A comma-separated header value as a set of tokens (case kept)."""
    if value is None:
        return None
    return {part.strip() for part in value.split(",") if part.strip()}


def preflight_headers(origin=A, method="GET", request_headers=None, **extra):
    headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if request_headers is not None:
        headers["Access-Control-Request-Headers"] = request_headers
    headers.update(extra)
    return headers


def assert_headers(response, present, absent=()):
    """Check exact values (list-valued headers as token sets) and absent header names."""
    for name, expected in present.items():
        actual = response.headers.get(name)
        if name.lower() in LIST_HEADERS:
            assert tokens(actual) == tokens(expected), (name, actual)
        else:
            assert actual == expected, (name, actual)
    for name in absent:
        assert name not in response.headers, (name, response.headers.get(name))


def assert_no_cors(response):
    names = [name for name, _ in response.headers if name.lower().startswith("access-control-")]
    assert names == [], names


def assert_not_doubled(response):
    """Every Access-Control-* header at most once, and Origin at most once in Vary."""
    seen = {name.lower() for name, _ in response.headers}
    for name in seen:
        if name.startswith("access-control-"):
            assert len(response.headers.getlist(name)) == 1, name
    assert vary_tokens(response).count("origin") <= 1, response.headers.getlist("Vary")


def decorated_app(**options):
    """An app with one decorated GET view at /x (no extension) and a call counter."""
    app = Flask(__name__)
    app.calls = 0

    @app.route("/x")
    @cross_origin(**options)
    def view():
        app.calls += 1
        return "body"

    return app


# --- defaults ------------------------------------------------------------------------


def test_default_get_echoes_origin_with_vary():
    response = decorated_app().test_client().get("/x", headers={"Origin": A})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "body"
    assert_headers(
        response,
        {"Access-Control-Allow-Origin": A, "Vary": "Origin"},
        absent=[
            "Access-Control-Allow-Methods",
            "Access-Control-Allow-Headers",
            "Access-Control-Max-Age",
            "Access-Control-Allow-Credentials",
            "Access-Control-Expose-Headers",
        ],
    )


def test_default_get_without_origin_gets_wildcard():
    response = decorated_app().test_client().get("/x")
    assert_headers(response, {"Access-Control-Allow-Origin": "*", "Vary": "Origin"})


def test_default_preflight_answered_by_decorator_with_allow_header():
    app = decorated_app()
    response = app.test_client().options(
        "/x", headers=preflight_headers(request_headers="X-Custom")
    )
    assert response.status_code == 200
    assert app.calls == 0
    assert_headers(
        response,
        {
            "Access-Control-Allow-Origin": A,
            "Access-Control-Allow-Methods": ", ".join(sorted(DEFAULT_METHODS)),
            "Access-Control-Allow-Headers": "X-Custom",
            "Vary": "Origin",
            "Allow": "GET, HEAD, OPTIONS",
        },
        absent=["Access-Control-Max-Age", "Access-Control-Allow-Credentials"],
    )


def test_preflight_allow_header_follows_route_methods():
    app = Flask(__name__)

    @app.route("/submit", methods=["POST", "PUT"])
    @cross_origin()
    def submit():
        return "done"

    response = app.test_client().options("/submit", headers=preflight_headers(method="PUT"))
    assert response.status_code == 200
    assert tokens(response.headers.get("Allow")) == {"POST", "PUT", "OPTIONS"}
    assert response.headers.get("Access-Control-Allow-Origin") == A


def test_default_allowed_methods_are_sent_sorted():
    response = decorated_app().test_client().options("/x", headers=preflight_headers())
    assert response.headers["Access-Control-Allow-Methods"] == (
        "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
    )


# --- every option through the decorator ---------------------------------------------

GET_A = ("GET", {"Origin": A})
GET_B = ("GET", {"Origin": B})
GET_NO_ORIGIN = ("GET", {})

OPTION_CASES = [
    pytest.param(
        {"origins": [A, B]},
        GET_B,
        {"Access-Control-Allow-Origin": B, "Vary": "Origin"},
        [],
        id="origins-list-allowed",
    ),
    pytest.param(
        {"origins": [A]},
        ("GET", {"Origin": "https://c.example"}),
        {"Vary": "Origin"},
        ["Access-Control-Allow-Origin"],
        id="origins-list-rejected-still-varies",
    ),
    pytest.param(
        {"origins": r"https://[a-z]+\.example\.com"},
        ("GET", {"Origin": "https://app.example.com"}),
        {"Access-Control-Allow-Origin": "https://app.example.com", "Vary": "Origin"},
        [],
        id="origins-regex-allowed",
    ),
    pytest.param(
        {"origins": [re.compile(r"https://[a-z]+\.example\.com")]},
        ("GET", {"Origin": "https://app.example.com.evil.net"}),
        {"Vary": "Origin"},
        ["Access-Control-Allow-Origin"],
        id="origins-regex-must-match-whole-origin",
    ),
    pytest.param(
        {"methods": ["GET", "POST"]},
        ("OPTIONS", preflight_headers(method="POST")),
        {"Access-Control-Allow-Origin": A, "Access-Control-Allow-Methods": "GET, POST"},
        [],
        id="methods-preflight-allowed",
    ),
    pytest.param(
        {"methods": "GET, POST", "max_age": 60},
        ("OPTIONS", preflight_headers(method="DELETE", request_headers="X-Custom")),
        {},
        ["Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age"],
        id="methods-preflight-refused",
    ),
    pytest.param(
        {"allow_headers": ["X-Custom"]},
        ("OPTIONS", preflight_headers(request_headers="x-custom, x-other")),
        {"Access-Control-Allow-Headers": "x-custom"},
        [],
        id="allow-headers-list",
    ),
    pytest.param(
        {"allow_headers": r"X-App-[A-Za-z]+"},
        ("OPTIONS", preflight_headers(request_headers="x-app-id, x-other")),
        {"Access-Control-Allow-Headers": "x-app-id"},
        [],
        id="allow-headers-regex",
    ),
    pytest.param(
        {"expose_headers": ["X-Total", "X-Page"]},
        GET_A,
        {"Access-Control-Expose-Headers": "X-Page, X-Total"},
        [],
        id="expose-headers",
    ),
    pytest.param(
        {"origins": [A], "supports_credentials": True},
        GET_A,
        {"Access-Control-Allow-Origin": A, "Access-Control-Allow-Credentials": "true"},
        [],
        id="credentials-get",
    ),
    pytest.param(
        {"origins": [A], "supports_credentials": True},
        ("OPTIONS", preflight_headers()),
        {"Access-Control-Allow-Origin": A, "Access-Control-Allow-Credentials": "true"},
        [],
        id="credentials-preflight",
    ),
    pytest.param(
        {"max_age": 600},
        ("OPTIONS", preflight_headers()),
        {"Access-Control-Max-Age": "600"},
        [],
        id="max-age-int",
    ),
    pytest.param(
        {"max_age": timedelta(minutes=10)},
        ("OPTIONS", preflight_headers()),
        {"Access-Control-Max-Age": "600"},
        [],
        id="max-age-timedelta",
    ),
    pytest.param({"max_age": 600}, GET_A, {}, ["Access-Control-Max-Age"], id="max-age-not-on-get"),
    pytest.param(
        {"send_wildcard": True},
        GET_A,
        {"Access-Control-Allow-Origin": "*"},
        ["Vary"],
        id="send-wildcard-no-vary",
    ),
    pytest.param(
        {"origins": [A], "vary_header": False},
        GET_A,
        {"Access-Control-Allow-Origin": A},
        ["Vary"],
        id="vary-header-off",
    ),
    pytest.param(
        {"always_send": False},
        GET_NO_ORIGIN,
        {"Vary": "Origin"},
        ["Access-Control-Allow-Origin"],
        id="always-send-off",
    ),
    pytest.param(
        {"origins": [A, B]},
        GET_NO_ORIGIN,
        {"Access-Control-Allow-Origin": A, "Vary": "Origin"},
        [],
        id="always-send-first-literal-origin",
    ),
    pytest.param(
        {"allow_private_network": True},
        ("OPTIONS", preflight_headers(**{"Access-Control-Request-Private-Network": "true"})),
        {"Access-Control-Allow-Private-Network": "true"},
        [],
        id="private-network-on",
    ),
    pytest.param(
        {},
        ("OPTIONS", preflight_headers(**{"Access-Control-Request-Private-Network": "true"})),
        {"Access-Control-Allow-Private-Network": "false"},
        [],
        id="private-network-default-off",
    ),
]


@pytest.mark.parametrize(("options", "request_", "present", "absent"), OPTION_CASES)
def test_option_in_decorator(options, request_, present, absent):
    method, headers = request_
    response = decorated_app(**options).test_client().open("/x", method=method, headers=headers)
    assert response.status_code == 200
    assert_headers(response, present, absent)


# --- automatic_options ---------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [preflight_headers(), {"Origin": A}],
    ids=["preflight", "plain-options"],
)
def test_automatic_options_does_not_call_view(headers):
    app = decorated_app(origins=[A], max_age=30)
    response = app.test_client().options("/x", headers=headers)
    assert response.status_code == 200
    assert app.calls == 0
    assert response.headers.get("Access-Control-Allow-Origin") == A


def test_automatic_options_false_leaves_options_to_flask():
    app = decorated_app(automatic_options=False, max_age=30)
    response = app.test_client().options("/x", headers=preflight_headers())
    assert response.status_code == 200
    assert app.calls == 0
    assert tokens(response.headers.get("Allow")) == {"GET", "HEAD", "OPTIONS"}
    assert_no_cors(response)
    # GET still gets the decorator's headers.
    get = app.test_client().get("/x", headers={"Origin": A})
    assert get.headers.get("Access-Control-Allow-Origin") == A


def test_view_handling_options_itself_still_gets_decorator_headers():
    app = Flask(__name__)
    calls = []

    @app.route("/own", methods=["GET", "OPTIONS"])
    @cross_origin(automatic_options=False, origins=[A], max_age=30)
    def own():
        calls.append(1)
        return "own options"

    response = app.test_client().options("/own", headers=preflight_headers())
    assert len(calls) == 1
    assert response.get_data(as_text=True) == "own options"
    assert_headers(
        response,
        {
            "Access-Control-Allow-Origin": A,
            "Access-Control-Allow-Methods": ", ".join(sorted(DEFAULT_METHODS)),
            "Access-Control-Max-Age": "30",
            "Vary": "Origin",
        },
    )


# --- app.config read at request time ---------------------------------------------------


def test_config_set_after_decorating_is_used():
    app = decorated_app()
    app.config["CORS_ORIGINS"] = [A]
    app.config["CORS_SUPPORTS_CREDENTIALS"] = True
    app.config["CORS_MAX_AGE"] = 300
    client = app.test_client()

    allowed = client.options("/x", headers=preflight_headers())
    assert_headers(
        allowed,
        {
            "Access-Control-Allow-Origin": A,
            "Access-Control-Allow-Credentials": "true",
            "Access-Control-Max-Age": "300",
        },
    )
    rejected = client.get("/x", headers={"Origin": B})
    assert_headers(rejected, {"Vary": "Origin"}, absent=["Access-Control-Allow-Origin"])


def test_config_change_between_requests_is_picked_up():
    app = decorated_app()
    client = app.test_client()
    assert client.get("/x", headers={"Origin": B}).headers.get("Access-Control-Allow-Origin") == B
    app.config["CORS_ORIGINS"] = [A]
    assert "Access-Control-Allow-Origin" not in client.get("/x", headers={"Origin": B}).headers


def test_decorator_keywords_override_config():
    app = decorated_app(origins=[A], max_age=5)
    app.config["CORS_ORIGINS"] = [B]
    app.config["CORS_MAX_AGE"] = 300
    client = app.test_client()
    response = client.options("/x", headers=preflight_headers(origin=A))
    assert_headers(response, {"Access-Control-Allow-Origin": A, "Access-Control-Max-Age": "5"})
    assert "Access-Control-Allow-Origin" not in client.get("/x", headers={"Origin": B}).headers


def test_config_overrides_defaults():
    app = decorated_app()
    app.config["CORS_METHODS"] = "GET, POST"
    app.config["CORS_EXPOSE_HEADERS"] = ["X-Total"]
    client = app.test_client()
    preflight = client.options("/x", headers=preflight_headers(method="POST"))
    assert_headers(preflight, {"Access-Control-Allow-Methods": "GET, POST"})
    get = client.get("/x", headers={"Origin": A})
    assert_headers(get, {"Access-Control-Expose-Headers": "X-Total"})


def test_config_automatic_options_false_drops_decorator_headers_on_options():
    app = decorated_app()
    app.config["CORS_AUTOMATIC_OPTIONS"] = False
    client = app.test_client()
    response = client.options("/x", headers=preflight_headers())
    assert response.status_code == 200
    assert app.calls == 0
    assert_no_cors(response)
    assert client.get("/x", headers={"Origin": A}).headers["Access-Control-Allow-Origin"] == A


def test_one_view_on_two_apps_uses_each_apps_config():
    @cross_origin()
    def shared():
        return "shared"

    first, second = Flask("first"), Flask("second")
    for app in (first, second):
        app.add_url_rule("/s", view_func=shared)
    first.config["CORS_ORIGINS"] = [A]
    first.config["CORS_MAX_AGE"] = 10
    second.config["CORS_ORIGINS"] = [B]
    second.config["CORS_MAX_AGE"] = 20

    for app, good, bad, age in ((first, A, B, "10"), (second, B, A, "20")):
        client = app.test_client()
        ok = client.options("/s", headers=preflight_headers(origin=good))
        assert_headers(ok, {"Access-Control-Allow-Origin": good, "Access-Control-Max-Age": age})
        refused = client.get("/s", headers={"Origin": bad})
        assert "Access-Control-Allow-Origin" not in refused.headers


# --- decorator and extension on the same app -------------------------------------------


def app_with_extension_and_decorator():
    app = Flask(__name__)
    CORS(app, origins="*", max_age=100)

    @app.route("/decorated")
    @cross_origin(origins=[A], max_age=5, expose_headers=["X-Total"])
    def decorated():
        return "decorated"

    @app.route("/plain")
    def plain():
        return "plain"

    return app


def test_decorator_policy_wins_over_extension():
    client = app_with_extension_and_decorator().test_client()
    preflight = client.options("/decorated", headers=preflight_headers(origin=A))
    assert_headers(preflight, {"Access-Control-Allow-Origin": A, "Access-Control-Max-Age": "5"})
    for response in (
        client.get("/decorated", headers={"Origin": B}),
        client.options("/decorated", headers=preflight_headers(origin=B)),
    ):
        assert_headers(
            response,
            {"Vary": "Origin"},
            absent=["Access-Control-Allow-Origin", "Access-Control-Max-Age"],
        )


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/decorated", {"Origin": A}),
        ("GET", "/decorated", {"Origin": B}),
        ("GET", "/decorated", {}),
        ("OPTIONS", "/decorated", preflight_headers(origin=A, request_headers="X-Custom")),
        ("OPTIONS", "/plain", preflight_headers(origin=B, request_headers="X-Custom")),
        ("GET", "/plain", {"Origin": B}),
    ],
)
def test_decorator_and_extension_never_double_headers(method, path, headers):
    client = app_with_extension_and_decorator().test_client()
    response = client.open(path, method=method, headers=headers)
    assert response.status_code == 200
    assert_not_doubled(response)


def test_undecorated_route_keeps_extension_policy():
    client = app_with_extension_and_decorator().test_client()
    preflight = client.options("/plain", headers=preflight_headers(origin=B))
    assert_headers(preflight, {"Access-Control-Allow-Origin": B, "Access-Control-Max-Age": "100"})
    get = client.get("/plain", headers={"Origin": B})
    assert_headers(
        get, {"Access-Control-Allow-Origin": B}, absent=["Access-Control-Expose-Headers"]
    )


# --- errors inside a decorated view -----------------------------------------------------


def error_app(status, with_extension=False, **options):
    app = Flask(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    if with_extension:
        CORS(app)

    @app.route("/fail")
    @cross_origin(origins=[A], supports_credentials=True, **options)
    def fail():
        abort(status)

    return app


@pytest.mark.parametrize("status", [404, 403])
def test_abort_in_view_gets_decorator_headers(status):
    response = error_app(status).test_client().get("/fail", headers={"Origin": A})
    assert response.status_code == status
    assert_headers(
        response,
        {
            "Access-Control-Allow-Origin": A,
            "Access-Control-Allow-Credentials": "true",
            "Vary": "Origin",
        },
    )
    assert_not_doubled(response)


@pytest.mark.parametrize("with_extension", [False, True], ids=["alone", "with-CORS(app)"])
@pytest.mark.parametrize("status", [404, 403])
def test_abort_in_view_without_intercept_gets_no_headers(status, with_extension):
    app = error_app(status, with_extension=with_extension, intercept_exceptions=False)
    response = app.test_client().get("/fail", headers={"Origin": A})
    assert response.status_code == status
    assert_no_cors(response)
    assert "origin" not in vary_tokens(response)


def test_intercept_exceptions_false_from_config_applies_to_decorator():
    app = error_app(404)
    app.config["CORS_INTERCEPT_EXCEPTIONS"] = False
    response = app.test_client().get("/fail", headers={"Origin": A})
    assert response.status_code == 404
    assert_no_cors(response)


def test_abort_in_decorated_view_uses_decorator_policy_not_extension():
    app = error_app(404, with_extension=True)
    response = app.test_client().get("/fail", headers={"Origin": B})
    assert response.status_code == 404
    assert "Access-Control-Allow-Origin" not in response.headers
    assert vary_tokens(response).count("origin") == 1


@pytest.mark.parametrize("with_handler", [True, False], ids=["errorhandler-500", "flask-default"])
def test_unhandled_exception_500_gets_decorator_headers(with_handler):
    app = Flask(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    if with_handler:

        @app.errorhandler(500)
        def server_error(error):
            return "handled", 500

    @app.route("/boom")
    @cross_origin(origins=[A], expose_headers="X-Trace")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom", headers={"Origin": A})
    assert response.status_code == 500
    if with_handler:
        assert response.get_data(as_text=True) == "handled"
    assert_headers(
        response,
        {
            "Access-Control-Allow-Origin": A,
            "Access-Control-Expose-Headers": "X-Trace",
            "Vary": "Origin",
        },
    )


# --- decorator forms, wrapping and return values ----------------------------------------


def test_decorator_without_parentheses():
    app = Flask(__name__)

    @app.route("/bare")
    @cross_origin
    def bare():
        """Bare docstring."""
        return "bare"

    client = app.test_client()
    get = client.get("/bare", headers={"Origin": A})
    assert get.get_data(as_text=True) == "bare"
    assert_headers(get, {"Access-Control-Allow-Origin": A, "Vary": "Origin"})
    preflight = client.options("/bare", headers=preflight_headers())
    assert_headers(
        preflight,
        {
            "Access-Control-Allow-Origin": A,
            "Access-Control-Allow-Methods": ", ".join(sorted(DEFAULT_METHODS)),
        },
    )


@pytest.mark.parametrize("args", [("x",), (A, B), (42,)])
def test_positional_arguments_are_refused(args):
    with pytest.raises(TypeError):
        cross_origin(*args)


@pytest.mark.parametrize("form", ["called", "bare"])
def test_wrapped_view_keeps_name_and_doc(form):
    def my_view():
        """Docstring of my view."""
        return "x"

    wrapped = cross_origin()(my_view) if form == "called" else cross_origin(my_view)
    assert wrapped.__name__ == "my_view"
    assert wrapped.__doc__ == "Docstring of my view."


def test_view_returning_tuple_with_headers_and_own_vary():
    app = Flask(__name__)

    @app.route("/tuple")
    @cross_origin(origins=[A])
    def as_tuple():
        return "created", 201, {"X-Own": "1", "Vary": "Accept-Encoding"}

    response = app.test_client().get("/tuple", headers={"Origin": A})
    assert response.status_code == 201
    assert response.get_data(as_text=True) == "created"
    assert response.headers["X-Own"] == "1"
    assert response.headers["Access-Control-Allow-Origin"] == A
    assert sorted(vary_tokens(response)) == ["accept-encoding", "origin"]


def test_view_returning_response_object():
    app = Flask(__name__)

    @app.route("/resp")
    @cross_origin(expose_headers="X-Own")
    def as_response():
        response = Response("made", status=202, mimetype="text/plain")
        response.headers["X-Own"] = "1"
        response.headers["Vary"] = "Cookie, Origin"
        return response

    response = app.test_client().get("/resp", headers={"Origin": A})
    assert response.status_code == 202
    assert response.get_data(as_text=True) == "made"
    assert_headers(
        response,
        {"Access-Control-Allow-Origin": A, "Access-Control-Expose-Headers": "X-Own"},
    )
    assert sorted(vary_tokens(response)) == ["cookie", "origin"]


def test_view_setting_its_own_allow_origin_is_left_alone():
    app = Flask(__name__)

    @app.route("/own")
    @cross_origin(supports_credentials=True, origins=[A])
    def own():
        return "own", 200, {"Access-Control-Allow-Origin": "https://own.example"}

    response = app.test_client().get("/own", headers={"Origin": A})
    assert response.headers.getlist("Access-Control-Allow-Origin") == ["https://own.example"]
    assert "Access-Control-Allow-Credentials" not in response.headers


# --- configuration mistakes fail when decorating -----------------------------------------


@pytest.mark.parametrize(
    ("options", "error", "names"),
    [
        ({"origin": A}, TypeError, "origins"),
        ({"max_age": -1}, ValueError, "max_age"),
        ({"resources": r"/api/*"}, TypeError, "resources"),
    ],
)
def test_bad_options_raise_at_decoration_time(options, error, names):
    with pytest.raises(error, match=names):
        cross_origin(**options)
