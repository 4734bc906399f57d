"""Tests for callables in ``origins``: an allow-list decided at request time, safely."""

from __future__ import annotations

import functools
import logging
import re

import pytest
from flask import Blueprint, Flask
from response_headers import cors_header_names, vary_tokens

from flask_cors import CORS, cross_origin
from flask_cors.cli import format_explanation
from flask_cors.explain import explain
from flask_cors.routes import describe_names

A = "https://a.example"
B = "https://b.example"
ACAO = "Access-Control-Allow-Origin"


# --- one app per place an option can be set ------------------------------------------


def via_keywords(origins, **options):
    app = Flask(__name__)
    CORS(app, origins=origins, **options)
    app.add_url_rule("/x", "x", lambda: "body", methods=["GET", "PUT"])
    return app


def via_resource_dict(origins, **options):
    app = Flask(__name__)
    CORS(app, resources={"/x": {"origins": origins, **options}, "/other": {}})
    app.add_url_rule("/x", "x", lambda: "body", methods=["GET", "PUT"])
    return app


def via_decorator(origins, **options):
    app = Flask(__name__)

    @app.route("/x", methods=["GET", "PUT"])
    @cross_origin(origins=origins, **options)
    def view():
        return "body"

    return app


def via_extension_config(origins, **options):
    app = Flask(__name__)
    app.config["CORS_ORIGINS"] = origins
    app.config.update({f"CORS_{name.upper()}": value for name, value in options.items()})
    CORS(app)
    app.add_url_rule("/x", "x", lambda: "body", methods=["GET", "PUT"])
    return app


def via_decorator_config(origins, **options):
    app = Flask(__name__)

    @app.route("/x", methods=["GET", "PUT"])
    @cross_origin()
    def view():
        return "body"

    app.config["CORS_ORIGINS"] = origins
    app.config.update({f"CORS_{name.upper()}": value for name, value in options.items()})
    return app


def via_blueprint(origins, **options):
    app = Flask(__name__)
    blueprint = Blueprint("bp", __name__)
    blueprint.add_url_rule("/x", "x", lambda: "body", methods=["GET", "PUT"])
    CORS(blueprint, origins=origins, **options)
    app.register_blueprint(blueprint)
    return app


def via_init_app(origins, **options):
    app = Flask(__name__)
    CORS().init_app(app, origins=origins, **options)
    app.add_url_rule("/x", "x", lambda: "body", methods=["GET", "PUT"])
    return app


PLACES = [
    via_keywords,
    via_resource_dict,
    via_decorator,
    via_extension_config,
    via_decorator_config,
    via_blueprint,
    via_init_app,
]


@pytest.fixture(params=PLACES, ids=lambda place: place.__name__)
def make_app(request):
    return request.param


# --- the allow-list changes at run time ----------------------------------------------


def test_set_changed_at_run_time_admits_added_and_rejects_removed(make_app):
    allowed = {A}
    app = make_app(lambda origin: origin in allowed)
    client = app.test_client()

    before_a = client.get("/x", headers={"Origin": A})
    before_b = client.get("/x", headers={"Origin": B})
    assert before_a.headers.get(ACAO) == A
    assert ACAO not in before_b.headers

    allowed.add(B)  # a tenant added after startup
    allowed.discard(A)  # and one removed

    after_a = client.get("/x", headers={"Origin": A})
    after_b = client.get("/x", headers={"Origin": B})
    assert after_b.headers.get(ACAO) == B
    assert ACAO not in after_a.headers
    assert cors_header_names(after_a) == []
    for response in (before_a, before_b, after_a, after_b):
        assert response.status_code == 200
        assert response.get_data(as_text=True) == "body"
        assert vary_tokens(response) == ["origin"]


def test_preflights_follow_the_changed_set_too(make_app):
    allowed = {A}
    app = make_app(allowed.__contains__, methods=["GET", "PUT"])
    client = app.test_client()
    preflight = {"Access-Control-Request-Method": "PUT"}

    granted = client.options("/x", headers={"Origin": A, **preflight})
    assert granted.headers.get(ACAO) == A
    assert granted.headers.get("Access-Control-Allow-Methods") == "GET, PUT"
    allowed.clear()
    refused = client.options("/x", headers={"Origin": A, **preflight})
    assert cors_header_names(refused) == []
    assert vary_tokens(granted) == vary_tokens(refused) == ["origin"]


def test_answers_are_not_cached_across_a_change():
    """The same request shape repeated must ask the callable each time."""
    calls = []

    def allowed(origin):
        calls.append(origin)
        return len(calls) % 2 == 1

    client = via_keywords(allowed).test_client()
    answers = [client.get("/x", headers={"Origin": A}).headers.get(ACAO) for _ in range(4)]
    assert answers == [A, None, A, None]
    assert calls == [A] * 4


# --- what the callable is asked, and when --------------------------------------------


@pytest.mark.parametrize(
    "origin",
    [
        "null",
        "https://a.example/",
        "https://a.example/path",
        "a.example",
        "https://a.example, https://b.example",
        "https://user@a.example",
        "https://" + "a" * 1100 + ".example",
        "https://a.example\x7f",
    ],
)
def test_callable_never_sees_an_origin_that_is_not_serialized(origin):
    seen = []
    client = via_keywords(lambda value: seen.append(value) or True).test_client()
    response = client.get("/x", headers={"Origin": origin})
    assert seen == []
    assert ACAO not in response.headers
    assert vary_tokens(response) == ["origin"]


def test_callable_gets_the_origin_as_sent():
    seen = []
    client = via_keywords(lambda value: seen.append(value) or True).test_client()
    response = client.get("/x", headers={"Origin": "HTTPS://A.Example:8443"})
    assert seen == ["HTTPS://A.Example:8443"]
    assert response.headers[ACAO] == "HTTPS://A.Example:8443"


def test_literals_and_regexes_are_tried_before_the_callable():
    seen = []
    origins = [A, r"https://.*\.b\.example", lambda value: seen.append(value) or False]
    client = via_keywords(origins).test_client()
    assert client.get("/x", headers={"Origin": A}).headers[ACAO] == A
    assert client.get("/x", headers={"Origin": "https://x.b.example"}).headers[ACAO]
    assert seen == []
    assert ACAO not in client.get("/x", headers={"Origin": "https://c.example"}).headers
    assert seen == ["https://c.example"]


def test_any_callable_in_a_list_may_allow():
    origins = [lambda value: value == A, lambda value: value == B]
    client = via_keywords(origins).test_client()
    assert client.get("/x", headers={"Origin": A}).headers[ACAO] == A
    assert client.get("/x", headers={"Origin": B}).headers[ACAO] == B
    assert ACAO not in client.get("/x", headers={"Origin": "https://c.example"}).headers


def test_request_without_origin_does_not_call_and_gets_no_acao_even_with_always_send(
    make_app,
):
    seen = []
    app = make_app(lambda value: seen.append(value) or True, always_send=True)
    response = app.test_client().get("/x")
    assert seen == []
    assert ACAO not in response.headers
    assert vary_tokens(response) == ["origin"]


def test_always_send_without_origin_gives_nothing_even_next_to_a_literal():
    """Without a callable, always_send answers a literal origin; with one, it cannot know
    which origin the callable would allow, so it answers none."""
    client = via_keywords([A, lambda value: False], always_send=True).test_client()
    assert ACAO not in client.get("/x").headers
    assert via_keywords([A], always_send=True).test_client().get("/x").headers[ACAO] == A


def test_credentials_and_expose_headers_follow_the_callable():
    client = via_keywords(
        lambda value: value == A, supports_credentials=True, expose_headers=["X-Total"]
    ).test_client()
    allowed = client.get("/x", headers={"Origin": A})
    assert allowed.headers[ACAO] == A
    assert allowed.headers["Access-Control-Allow-Credentials"] == "true"
    assert allowed.headers["Access-Control-Expose-Headers"] == "X-Total"
    assert cors_header_names(client.get("/x", headers={"Origin": B})) == []


def test_send_wildcard_with_a_callable_still_echoes_the_allowed_origin():
    client = via_keywords(lambda value: value == A, send_wildcard=True).test_client()
    assert client.get("/x", headers={"Origin": A}).headers[ACAO] == A


def test_wildcard_next_to_a_callable_wins_and_is_warned_about(caplog):
    seen = []
    with caplog.at_level(logging.WARNING, logger="flask_cors"):
        client = via_keywords(["*", lambda value: seen.append(value) or False]).test_client()
        response = client.get("/x", headers={"Origin": A})
    assert response.headers[ACAO] == A
    assert seen == []
    assert any("never called" in record.getMessage() for record in caplog.records)


def test_set_of_callables_and_strings_is_accepted():
    def b_only(value):
        return value == B

    client = via_keywords({A, b_only}).test_client()
    assert client.get("/x", headers={"Origin": A}).headers[ACAO] == A
    assert client.get("/x", headers={"Origin": B}).headers[ACAO] == B


def test_lru_cached_check_is_accepted_and_cache_clear_takes_effect():
    allowed = {A}
    calls = []

    @functools.lru_cache(maxsize=1024)
    def is_allowed(origin: str) -> bool:
        calls.append(origin)
        return origin in allowed

    client = via_keywords(is_allowed).test_client()
    for _ in range(3):
        assert client.get("/x", headers={"Origin": A}).headers[ACAO] == A
    assert calls == [A]
    allowed.clear()
    assert client.get("/x", headers={"Origin": A}).headers[ACAO] == A  # still cached
    is_allowed.cache_clear()
    assert ACAO not in client.get("/x", headers={"Origin": A}).headers


# --- failures ------------------------------------------------------------------------


def test_raising_callable_gives_normal_response_without_acao_and_a_log_record(make_app, caplog):
    def lookup(origin):
        raise ConnectionError("database unreachable")

    app = make_app(lookup)
    with caplog.at_level(logging.ERROR, logger="flask_cors"):
        response = app.test_client().get("/x", headers={"Origin": A})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "body"
    assert cors_header_names(response) == []
    assert vary_tokens(response) == ["origin"]
    records = [r for r in caplog.records if r.name == "flask_cors" and r.levelno == logging.ERROR]
    assert len(records) == 1
    message = records[0].getMessage()
    assert "lookup" in message
    assert "ConnectionError: database unreachable" in message
    assert repr(A) in message
    assert "origins" in message


def test_raising_callable_on_a_preflight_refuses_it(make_app, caplog):
    app = make_app(lambda origin: 1 / 0, methods=["GET", "PUT"])
    with caplog.at_level(logging.ERROR, logger="flask_cors"):
        response = app.test_client().options(
            "/x", headers={"Origin": A, "Access-Control-Request-Method": "PUT"}
        )
    assert response.status_code == 200
    assert cors_header_names(response) == []
    assert any("ZeroDivisionError" in r.getMessage() for r in caplog.records)


def test_log_record_escapes_what_the_callable_raised_and_the_origin(caplog):
    def lookup(origin):
        raise ValueError("no\r\nX-Injected: 1\x1b[31m" + "y" * 500)

    client = via_keywords(lookup).test_client()
    with caplog.at_level(logging.ERROR, logger="flask_cors"):
        client.get("/x", headers={"Origin": A})
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    message = record.getMessage()
    assert "\r" not in message and "\n" not in message and "\x1b" not in message
    assert "\\r\\n" in message
    assert "characters)" in message  # clipped, with the full length given
    assert len(message) < 800
    assert record.exc_info is None  # a traceback would carry the raw text


def test_error_whose_str_raises_is_still_logged(caplog):
    class Unprintable(Exception):
        def __str__(self):
            raise RuntimeError("no str")

    def lookup(origin):
        raise Unprintable()

    client = via_keywords(lookup).test_client()
    with caplog.at_level(logging.ERROR, logger="flask_cors"):
        response = client.get("/x", headers={"Origin": A})
    assert response.status_code == 200
    assert any("Unprintable" in r.getMessage() for r in caplog.records)


def test_one_raising_callable_does_not_stop_another_from_allowing(caplog):
    def broken(origin):
        raise KeyError(origin)

    client = via_keywords([broken, lambda value: value == A]).test_client()
    with caplog.at_level(logging.ERROR, logger="flask_cors"):
        assert client.get("/x", headers={"Origin": A}).headers[ACAO] == A


def test_base_exceptions_are_not_swallowed():
    def interrupted(origin):
        raise KeyboardInterrupt

    client = via_keywords(interrupted).test_client()
    with pytest.raises(KeyboardInterrupt):
        client.get("/x", headers={"Origin": A})


@pytest.mark.parametrize("result", ["yes", 1, None, re.match("a", "a"), [A]])
def test_non_bool_return_is_an_error_naming_the_option(make_app, result):
    app = make_app(lambda origin: result)
    app.testing = True  # the error propagates instead of becoming a logged 500
    with pytest.raises(TypeError, match=r"(?i)origins.*must return True or False"):
        app.test_client().get("/x", headers={"Origin": A})


def test_non_bool_return_message_names_where_the_option_was_set():
    app = via_resource_dict(lambda origin: "yes")
    app.testing = True
    with pytest.raises(TypeError, match=r"CORS\(\) resources\['/x'\] origins: the callable"):
        app.test_client().get("/x", headers={"Origin": A})
    app = via_extension_config(lambda origin: "yes")
    app.testing = True
    with pytest.raises(TypeError, match=r"app.config\['CORS_ORIGINS'\]: the callable"):
        app.test_client().get("/x", headers={"Origin": A})


def test_non_bool_return_without_testing_is_a_500_not_a_grant():
    app = via_keywords(lambda origin: "yes")
    response = app.test_client().get("/x", headers={"Origin": A})
    assert response.status_code == 500
    assert ACAO not in response.headers


# --- refused at setup ----------------------------------------------------------------


def test_callable_with_wrong_arity_is_refused_at_setup():
    with pytest.raises(TypeError, match=r"CORS\(\) origins: .*must accept one argument"):
        via_keywords(lambda: True)
    with pytest.raises(TypeError, match=r"cross_origin\(\) origins: .*must accept one"):
        cross_origin(origins=lambda a, b: True)


def test_async_callable_is_refused_at_setup():
    async def allowed(origin):
        return True

    with pytest.raises(TypeError, match=r"origins: .*allowed is an async function"):
        via_keywords(allowed)


def test_bound_builtin_membership_test_is_accepted():
    # A frozenset's __contains__ has no inspectable signature before Python 3.13 (the
    # check is skipped) and one from 3.13 on (the check passes); either way it is accepted.
    client = via_keywords(frozenset({A}).__contains__).test_client()
    assert client.get("/x", headers={"Origin": A}).headers[ACAO] == A
    refused = client.get("/x", headers={"Origin": B})
    assert refused.status_code == 200  # a bool answer, not a non-bool error
    assert ACAO not in refused.headers


def test_builtin_returning_none_is_a_non_bool_answer():
    """dict.get answers None for a missing key: an error naming the option, not a refusal."""
    app = via_keywords({A: True}.get)
    app.testing = True
    assert app.test_client().get("/x", headers={"Origin": A}).headers[ACAO] == A
    with pytest.raises(TypeError, match=r"CORS\(\) origins: the callable dict\.get returned None"):
        app.test_client().get("/x", headers={"Origin": B})


def test_vary_header_false_with_a_callable_is_refused():
    with pytest.raises(ValueError, match=r"vary_header cannot be False with a callable"):
        via_keywords(lambda origin: True, vary_header=False)
    with pytest.raises(ValueError, match=r"vary_header cannot be False with a callable"):
        cross_origin(origins=lambda origin: True, vary_header=False)


def test_vary_header_false_from_config_is_refused_at_first_request():
    app = via_decorator(lambda origin: True)
    app.config["CORS_VARY_HEADER"] = False
    app.testing = True
    with pytest.raises(ValueError, match=r"vary_header cannot be False with a callable"):
        app.test_client().get("/x", headers={"Origin": A})


@pytest.mark.parametrize("option", ["methods", "allow_headers", "expose_headers"])
def test_callables_are_refused_in_other_options(option):
    with pytest.raises(TypeError, match=rf"CORS\(\) {option} must be"):
        via_keywords([A], **{option: lambda value: True})
    with pytest.raises(TypeError, match=rf"CORS\(\) {option} must be .*got the item"):
        via_keywords([A], **{option: ["X-A", lambda value: True]})


# --- explanations --------------------------------------------------------------------


def named_check(origin: str) -> bool:
    return origin == A


def test_routes_and_explain_name_the_callable(caplog):
    app = via_keywords([B, named_check])
    policy = app.extensions["cors"]["sources"][0].table(app).rules[0][1]
    assert describe_names(policy.origins) == [B, "callable:named_check"]
    allowed = format_explanation(explain(app, A, "/x"))
    assert "ALLOWED" in allowed
    assert "is allowed by a callable in origins" in allowed
    refused = format_explanation(explain(app, "https://c.example", "/x"))
    assert "origin-not-allowed" in refused
    assert "callable:named_check" in refused


def test_explain_says_when_the_callable_raised(caplog):
    app = via_keywords(lambda origin: {}[origin])
    with caplog.at_level(logging.ERROR, logger="flask_cors"):
        text = format_explanation(explain(app, A, "/x"))
    assert "BLOCKED" in text
    assert "origin-check-failed: an origins callable raised" in text


def test_set_mixing_strings_regexes_and_callables_is_ordered_and_accepted():
    origins = {A, re.compile(r"https://.*\.b\.example"), named_check}
    client = via_keywords(origins).test_client()
    assert client.get("/x", headers={"Origin": "https://x.b.example"}).headers[ACAO]
    app = via_keywords(origins)
    policy = app.extensions["cors"]["sources"][0].table(app).rules[0][1]
    assert describe_names(policy.origins) == [
        A,
        r"regex:https://.*\.b\.example",
        "callable:named_check",
    ]


def test_debug_log_gives_the_reason_code_of_a_raising_callable(caplog):
    client = via_keywords(lambda origin: {}[origin]).test_client()
    with caplog.at_level(logging.DEBUG, logger="flask_cors"):
        client.get("/x", headers={"Origin": A})
    messages = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "flask_cors"]
    debug = [m for level, m in messages if level == logging.DEBUG]
    errors = [m for level, m in messages if level == logging.ERROR]
    assert [m.split(":")[0] for m in debug] == ["CORS origin-check-failed"]
    assert len(errors) == 1


def test_callable_whose_wrapped_chain_loops_is_still_accepted():
    def allowed(origin):
        return origin == A

    allowed.__wrapped__ = allowed  # inspect.unwrap and inspect.signature refuse a loop
    client = via_keywords(allowed).test_client()
    assert client.get("/x", headers={"Origin": A}).headers[ACAO] == A


def test_unnamed_callable_is_named_by_its_repr():
    class Checker:
        def __call__(self, origin):
            return "yes"

    app = via_keywords(Checker())
    app.testing = True
    with pytest.raises(
        TypeError, match=r"the callable <test_dynamic_origins\.test_unnamed.*\.\.\. returned 'yes'"
    ):
        app.test_client().get("/x", headers={"Origin": A})


# --- exact texts: what users grep their logs and tracebacks for --------------------------


def test_raising_callable_log_line_in_full(caplog):
    def lookup(origin):
        raise ConnectionError("database unreachable")

    client = via_keywords(lookup).test_client()
    with caplog.at_level(logging.ERROR, logger="flask_cors"):
        client.get("/x", headers={"Origin": A})
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.getMessage() == (
        "CORS origins callable test_raising_callable_log_line_in_full.<locals>.lookup "
        "(CORS() origins) raised 'ConnectionError: database unreachable' for Origin "
        f"{A!r}; the origin is not allowed"
    )


def test_non_bool_return_message_in_full():
    def lookup(origin):
        return "yes"

    app = via_keywords(lookup)
    app.testing = True
    with pytest.raises(TypeError) as raised:
        app.test_client().get("/x", headers={"Origin": A})
    assert str(raised.value) == (
        "CORS() origins: the callable test_non_bool_return_message_in_full.<locals>.lookup "
        f"returned 'yes' for the Origin {A!r}; it must return True or False"
    )


def test_async_callable_message_in_full():
    async def allowed(origin):
        return True

    with pytest.raises(TypeError) as raised:
        via_keywords(allowed)
    assert str(raised.value) == (
        "CORS() origins: test_async_callable_message_in_full.<locals>.allowed is an async "
        "function; a callable in origins is called for each request and must return True "
        "or False"
    )


def test_logged_values_are_clipped_only_past_200_characters(caplog):
    text = "ValueError: " + "y" * (200 - len("ValueError: "))

    def lookup(origin):
        raise ValueError(text[len("ValueError: ") :])

    client = via_keywords(lookup).test_client()
    with caplog.at_level(logging.ERROR, logger="flask_cors"):
        client.get("/x", headers={"Origin": A})
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert f"raised {text!r} for Origin" in record.getMessage()
