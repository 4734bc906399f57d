"""Origins entries that allow every origin are treated as '*' is (SECURITY.md T19):
warned about with credentials, refused with send_wildcard and credentials, never
granting ``null``; glob-looking strings are warned about; and '*' never goes out beside
an ACAC 'true' (T20)."""

from __future__ import annotations

import logging
import re
from typing import Any, List

import pytest
from flask import Flask, Response

from flask_cors import CORS, cross_origin

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
MATCH_ALL = [re.compile(".*"), "^.*$", r"https?://.*", re.compile(r"https://.+", re.I)]
MATCH_ALL_IDS = ["compiled-dot-star", "anchored-dot-star", "any-http", "any-https"]


def app_with(**options: Any) -> Flask:
    app = Flask(__name__)

    @app.route("/")
    def index() -> str:
        return "ok"

    CORS(app, **options)
    return app


def get(app: Flask, origin: str) -> Response:
    response = app.test_client().get("/", headers={"Origin": origin})
    assert len(response.headers.getlist(ACAO)) <= 1
    return response


def warnings(caplog: pytest.LogCaptureFixture) -> List[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


@pytest.mark.parametrize("entry", MATCH_ALL, ids=MATCH_ALL_IDS)
def test_a_match_all_regex_with_credentials_is_warned_about(
    entry: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="flask_cors")
    app_with(origins=[entry], supports_credentials=True)
    [message] = [m for m in warnings(caplog) if "echoes every Origin" in m]
    assert "supports_credentials" in message and "origins regex" in message
    caplog.clear()
    app_with(origins=[entry])
    assert not [m for m in warnings(caplog) if "echoes every Origin" in m]


def test_a_regex_for_chosen_hosts_is_not_called_match_all(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="flask_cors")
    app_with(origins=[r"https://[a-z]+\.example\.com"], supports_credentials=True)
    assert warnings(caplog) == []


@pytest.mark.parametrize("entry", MATCH_ALL, ids=MATCH_ALL_IDS)
def test_a_match_all_regex_with_send_wildcard_and_credentials_is_refused(entry: Any) -> None:
    with pytest.raises(ValueError, match=r"supports_credentials.*send_wildcard.*origins regex"):
        app_with(origins=[entry], supports_credentials=True, send_wildcard=True)
    with pytest.raises(ValueError, match=r"send_wildcard"):
        cross_origin(origins=[entry], supports_credentials=True, send_wildcard=True)


def test_the_refusal_also_comes_from_app_config_at_the_first_request() -> None:
    app = app_with(origins=[re.compile(".*")], send_wildcard=True)
    app.testing = True
    app.config["CORS_SUPPORTS_CREDENTIALS"] = True
    with pytest.raises(ValueError, match=r"send_wildcard"):
        get(app, "https://x.example")


@pytest.mark.parametrize("credentials", [True, False], ids=["credentials", "no-credentials"])
@pytest.mark.parametrize("entry", MATCH_ALL[:3], ids=MATCH_ALL_IDS[:3])
def test_null_is_never_granted_by_a_regex(entry: Any, credentials: bool) -> None:
    app = app_with(origins=[entry], supports_credentials=credentials)
    refused = get(app, "null")
    assert ACAO not in refused.headers and ACAC not in refused.headers
    assert refused.headers["Vary"] == "Origin"
    granted = get(app, "https://x.example")
    assert granted.headers[ACAO] == "https://x.example"
    assert (ACAC in granted.headers) is credentials


def test_null_is_granted_by_the_literal_or_by_star() -> None:
    assert get(app_with(origins=["null"]), "null").headers[ACAO] == "null"
    assert get(app_with(origins=[".*", "null"]), "null").headers[ACAO] == "null"
    assert get(app_with(), "null").headers[ACAO] == "null"


@pytest.mark.parametrize("entry", ["https://*.example.com", "http://*example.com"])
def test_a_glob_looking_string_is_warned_about(
    entry: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="flask_cors")
    app = app_with(origins=[entry])
    [message] = [m for m in warnings(caplog) if "looks like a glob" in m]
    assert "origins" in message and repr(entry) in message
    # What it really allows: not the subdomains it seems to name.
    assert ACAO not in get(app, "https://api.example.com").headers


def test_star_is_not_sent_beside_credentials_the_app_set() -> None:
    app = app_with(origins="*", send_wildcard=True)

    @app.after_request
    def credentials(response: Response) -> Response:
        response.headers[ACAC] = "true"
        return response

    response = get(app, "https://x.example")
    assert response.headers.getlist(ACAC) == ["true"]
    assert ACAO not in response.headers
    preflight = app.test_client().options(
        "/", headers={"Origin": "https://x.example", "Access-Control-Request-Method": "PUT"}
    )
    assert ACAO not in preflight.headers


@pytest.mark.parametrize("value", ["false", "yes"])
def test_star_is_sent_beside_an_acac_that_does_not_allow_credentials(value: str) -> None:
    app = app_with(origins="*", send_wildcard=True)

    @app.after_request
    def credentials(response: Response) -> Response:
        response.headers[ACAC] = value
        return response

    response = get(app, "https://x.example")
    assert response.headers[ACAO] == "*"
    assert response.headers.getlist(ACAC) == [value]


def test_an_echoed_origin_beside_the_apps_acac_is_left_as_configured() -> None:
    """Echoing a listed origin beside the app's own ACAC is a valid credentialed grant
    of the origins the operator listed; only '*' is never sent beside it."""
    app = app_with(origins=["https://x.example"])

    @app.after_request
    def credentials(response: Response) -> Response:
        response.headers[ACAC] = "true"
        return response

    assert get(app, "https://x.example").headers[ACAO] == "https://x.example"
    assert ACAO not in get(app, "https://y.example").headers
