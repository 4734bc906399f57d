"""The public surface existing Flask-CORS code imports: names, constants, version, typing."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import re

import pytest
from flask import Flask

import flask_cors
from flask_cors import core


def test_top_level_exports_cors_cross_origin_error_and_version() -> None:
    assert set(flask_cors.__all__) == {"CORS", "ConfigError", "cross_origin", "__version__"}
    assert callable(flask_cors.CORS)
    assert callable(flask_cors.cross_origin)


@pytest.mark.parametrize("caught", [ValueError, TypeError])
@pytest.mark.parametrize(
    "options",
    [{"resources": 5}, {"resources": {"/api/*": "https://a.example"}}, {"max_age": -1}],
    ids=["resources-type", "resource-options-type", "max-age-value"],
)
def test_setup_errors_are_caught_as_value_error_and_type_error(caught, options) -> None:
    """Flask-CORS raises ValueError for a bad resources value, and callers catch it;
    earlier releases of this package raised TypeError for wrong types."""
    with pytest.raises(caught) as raised:
        flask_cors.CORS(Flask(__name__), **options)
    assert type(raised.value) is flask_cors.ConfigError


def test_version_is_pep440_and_matches_the_installed_distribution() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+([abc]|rc)?\d*", flask_cors.__version__)
    assert importlib.metadata.version("flask-cors-reference") == flask_cors.__version__


def test_flask_cors_modules_of_the_same_names_exist() -> None:
    """Flask-CORS code sometimes imports from the submodules directly."""
    from flask_cors.decorator import cross_origin
    from flask_cors.extension import CORS

    assert CORS is flask_cors.CORS
    assert cross_origin is flask_cors.cross_origin


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("ACL_ORIGIN", "Access-Control-Allow-Origin"),
        ("ACL_METHODS", "Access-Control-Allow-Methods"),
        ("ACL_ALLOW_HEADERS", "Access-Control-Allow-Headers"),
        ("ACL_EXPOSE_HEADERS", "Access-Control-Expose-Headers"),
        ("ACL_CREDENTIALS", "Access-Control-Allow-Credentials"),
        ("ACL_MAX_AGE", "Access-Control-Max-Age"),
        ("ACL_REQUEST_METHOD", "Access-Control-Request-Method"),
        ("ACL_REQUEST_HEADERS", "Access-Control-Request-Headers"),
        ("ACL_RESPONSE_PRIVATE_NETWORK", "Access-Control-Allow-Private-Network"),
        ("ACL_REQUEST_HEADER_PRIVATE_NETWORK", "Access-Control-Request-Private-Network"),
    ],
)
def test_core_header_name_constants(name: str, header: str) -> None:
    assert getattr(core, name) == header


def test_all_methods_is_the_documented_default_list() -> None:
    assert core.ALL_METHODS == ["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"]


def test_default_options_match_the_manual_and_cannot_be_changed_in_place() -> None:
    assert dict(core.DEFAULT_OPTIONS) == {
        "resources": r"/*",
        "origins": "*",
        "methods": ("GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"),
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
    with pytest.raises(TypeError):
        core.DEFAULT_OPTIONS["origins"] = "https://a.example"  # type: ignore[index]


def test_config_keys_are_the_thirteen_documented_cors_keys() -> None:
    assert core.CONFIG_OPTIONS == (
        "CORS_RESOURCES",
        "CORS_ORIGINS",
        "CORS_METHODS",
        "CORS_EXPOSE_HEADERS",
        "CORS_ALLOW_HEADERS",
        "CORS_SUPPORTS_CREDENTIALS",
        "CORS_MAX_AGE",
        "CORS_SEND_WILDCARD",
        "CORS_VARY_HEADER",
        "CORS_AUTOMATIC_OPTIONS",
        "CORS_ALWAYS_SEND",
        "CORS_INTERCEPT_EXCEPTIONS",
        "CORS_ALLOW_PRIVATE_NETWORK",
    )


def test_package_ships_py_typed() -> None:
    assert importlib.resources.files("flask_cors").joinpath("py.typed").is_file()
