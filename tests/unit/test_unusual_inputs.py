"""Unusual but possible inputs: each must give a clear error or a sensible answer."""

from __future__ import annotations

import gc
import re
import weakref

import pytest
from flask import Flask

from flask_cors import CORS
from flask_cors.build import PolicySource
from flask_cors.layers import CONSTRUCTOR_LAYER, parse_options

PREFLIGHT = {"Origin": "https://a.example", "Access-Control-Request-Method": "PUT"}


def app_with(**options: object) -> Flask:
    app = Flask(__name__)
    CORS(app, **options)

    @app.route("/", methods=["GET", "PUT"])
    def index() -> str:
        return "ok"

    return app


def test_cors_refuses_something_that_is_neither_an_app_nor_a_blueprint() -> None:
    with pytest.raises(TypeError, match="Flask application or a Blueprint"):
        CORS(object())  # type: ignore[arg-type]


@pytest.mark.parametrize("option", ["origins", "allow_headers"])
def test_bytes_regexes_are_refused_naming_the_option(option: str) -> None:
    with pytest.raises(TypeError, match=f"{option}.*str pattern"):
        CORS(Flask(__name__), **{option: re.compile(rb"https://a\.example")})


def test_bytes_regex_resource_is_refused() -> None:
    with pytest.raises(TypeError, match=r"resources.*str pattern"):
        CORS(Flask(__name__), resources=re.compile(rb"/api/.*"))


def test_non_string_resource_pattern_is_refused() -> None:
    with pytest.raises(TypeError, match=r"resources.*string or a compiled regex"):
        CORS(Flask(__name__), resources=[42])


@pytest.mark.parametrize(("value", "expected"), [(1, "true"), (0, None)])
def test_integers_zero_and_one_are_booleans(value: int, expected: object) -> None:
    app = app_with(supports_credentials=value, origins=["https://a.example"])
    response = app.test_client().get("/", headers={"Origin": "https://a.example"})
    assert response.headers.get("Access-Control-Allow-Credentials") == expected


def test_other_integers_are_not_booleans() -> None:
    with pytest.raises(TypeError, match="supports_credentials"):
        app_with(supports_credentials=2)


def test_an_origin_with_a_bad_port_gets_the_general_hint() -> None:
    with pytest.raises(ValueError, match=r"origins.*scheme://host\[:port\]"):
        app_with(origins="https://a.example:http")


def test_repeated_methods_are_listed_once() -> None:
    response = app_with(methods="PUT, put, GET").test_client().options("/", headers=PREFLIGHT)
    assert response.headers["Access-Control-Allow-Methods"] == "GET, PUT"


def test_an_empty_method_list_refuses_every_preflight() -> None:
    response = app_with(methods=[]).test_client().options("/", headers=PREFLIGHT)
    assert response.headers["Access-Control-Allow-Origin"] == "https://a.example"
    assert "Access-Control-Allow-Methods" not in response.headers


def test_a_resource_without_options_uses_the_others() -> None:
    app = app_with(resources={"/": None}, max_age=30)
    response = app.test_client().options("/", headers=PREFLIGHT)
    assert response.headers["Access-Control-Max-Age"] == "30"


def test_cors_methods_none_in_app_config_means_not_set() -> None:
    app = Flask(__name__)
    app.config["CORS_METHODS"] = None
    CORS(app)

    @app.route("/", methods=["GET", "PUT"])
    def index() -> str:
        return "ok"

    response = app.test_client().options("/", headers=PREFLIGHT)
    assert "PUT" in response.headers["Access-Control-Allow-Methods"].split(", ")


def test_a_cors_object_does_not_keep_the_apps_it_served_alive() -> None:
    """One CORS object may outlive many apps (test suites create them by the hundred);
    compiled tables live in each app, so a finished app can be collected."""
    source = PolicySource([(CONSTRUCTOR_LAYER, parse_options({}, "CORS()"))], "CORS", True)
    app = Flask(__name__)
    table = source.table(app)
    assert source.table(app) is table  # compiled once per app and configuration
    gone = weakref.ref(app)
    del app
    gc.collect()
    assert gone() is None
