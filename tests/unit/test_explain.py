"""flask_cors.explain on the answers only unusual apps give: responses whose CORS headers
come from elsewhere than this package, errors, and origins no browser sends."""

from __future__ import annotations

import logging
from typing import List

import pytest
from flask import Flask, Response

from flask_cors import CORS
from flask_cors.explain import explain, is_safelisted

ORIGIN = "https://app.example"


def make_app(**options: object) -> Flask:
    app = Flask(__name__)
    app.add_url_rule("/api/items", "items", lambda: "items", methods=["GET"])
    CORS(app, **options)
    return app


def reasons_text(reasons: List[str]) -> str:
    return "\n".join(reasons)


def test_an_after_request_hook_that_sets_acao_is_reported_and_left_alone() -> None:
    app = make_app(origins=[ORIGIN])

    @app.after_request
    def own_cors(response: Response) -> Response:
        response.headers["Access-Control-Allow-Origin"] = "https://other.example"
        return response

    result = explain(app, ORIGIN, "/api/items")
    assert not result.allowed
    text = reasons_text(result.reasons)
    assert "allows 'https://other.example', not 'https://app.example'" in text
    assert "the view set Access-Control-Allow-Origin itself" in text


def test_two_acao_headers_block_the_request() -> None:
    app = make_app(origins=[ORIGIN])

    @app.after_request
    def doubled(response: Response) -> Response:
        response.headers.add("Access-Control-Allow-Origin", ORIGIN)
        response.headers.add("Access-Control-Allow-Origin", ORIGIN)
        return response

    result = explain(app, ORIGIN, "/api/items")
    assert not result.allowed
    assert "has 2 Access-Control-Allow-Origin headers" in reasons_text(result.reasons)


def test_an_error_outside_intercept_exceptions_is_explained() -> None:
    app = make_app(origins=[ORIGIN], intercept_exceptions=False)

    @app.before_request
    def broken() -> None:  # views are stubbed while explaining; hooks still run
        raise RuntimeError("unhandled")

    result = explain(app, ORIGIN, "/api/items")
    assert not result.allowed
    assert result.exchanges[-1].status == 500
    assert "intercept_exceptions is off" in reasons_text(result.reasons)


def test_a_handled_error_gets_headers_with_intercept_exceptions_off() -> None:
    result = explain(make_app(origins=[ORIGIN], intercept_exceptions=False), ORIGIN, "/missing")
    assert result.allowed
    assert result.exchanges[-1].status == 404


def test_an_origin_that_cannot_be_echoed_is_explained() -> None:
    app = make_app()
    result = explain(app, "https://a.example, https://b.example", "/api/items")
    assert not result.allowed
    assert "origin-invalid" in reasons_text(result.reasons)


def test_an_empty_origin_is_answered_as_no_origin() -> None:
    """always_send answers '*' to a request without Origin; a page always has one, so
    the verdict compares '*' with the empty origin and allows it (no credentials)."""
    app = make_app()
    result = explain(app, "", "/api/items")
    assert result.exchanges[-1].headers.getlist("Access-Control-Allow-Origin") == ["*"]
    assert "no-origin-always-send" in result.reasons


def test_header_values_over_128_bytes_are_never_safelisted() -> None:
    assert is_safelisted("Accept", "text/html")
    assert not is_safelisted("Accept", "a" * 129)
    assert is_safelisted("Range", "bytes=0-99")
    assert not is_safelisted("Range", "bytes=0-99,200-300")


def test_no_origin_without_always_send_gives_no_reason_code_of_its_own() -> None:
    app = make_app(always_send=False)
    result = explain(app, "", "/api/items")
    assert not result.allowed
    assert result.reasons == ["the actual request's response has no Access-Control-Allow-Origin"]


def test_star_left_out_beside_the_apps_credentials_is_explained() -> None:
    app = make_app(origins="*", send_wildcard=True)

    @app.after_request
    def credentials(response: Response) -> Response:
        response.headers["Access-Control-Allow-Credentials"] = "true"
        return response

    result = explain(app, ORIGIN, "/api/items")
    assert not result.allowed
    text = reasons_text(result.reasons)
    assert "wildcard-beside-credentials: the response already allows credentials" in text
    assert "the actual request's response has no Access-Control-Allow-Origin" in text


def test_a_header_list_over_the_limit_is_explained() -> None:
    app = make_app(origins=[ORIGIN])
    headers = [f"X-H{i}: 1" for i in range(101)]
    result = explain(app, ORIGIN, "/api/items", headers=headers)
    assert not result.allowed
    text = reasons_text(result.reasons)
    assert "headers-over-limit: Access-Control-Request-Headers lists more than 100 names" in text


def test_explaining_while_debug_logging_is_on_keeps_the_records(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With the flask_cors logger already at DEBUG, explain leaves the level alone and
    the replayed request's records reach the handlers as any request's do."""
    caplog.set_level(logging.DEBUG, logger="flask_cors")
    result = explain(make_app(origins=[ORIGIN]), ORIGIN, "/api/items")
    assert result.allowed
    assert logging.getLogger("flask_cors").level == logging.DEBUG
    assert any("origin-allowed" in record.getMessage() for record in caplog.records)
