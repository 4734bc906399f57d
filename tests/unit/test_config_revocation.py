"""``app.config`` is compared by value on every request: a change made in place, such as
revoking an origin, takes effect on the next request (SECURITY.md T18)."""

from __future__ import annotations

import re
from typing import Any, List

import pytest
from flask import Flask, Response

import flask_cors.binding
from flask_cors import CORS, cross_origin
from flask_cors.layers import snapshot

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
APP = "https://app.example"
PARTNER = "https://partner.example"


def configured_app(**config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(config)

    @app.route("/<path:path>")
    def view(path: str) -> str:
        return "ok"

    @app.route("/decorated")
    @cross_origin()
    def decorated() -> str:
        return "decorated"

    return app


def get(app: Flask, path: str, origin: str) -> Response:
    return app.test_client().get(path, headers={"Origin": origin})


def count_compiles(monkeypatch: pytest.MonkeyPatch) -> List[int]:
    calls = [0]
    original = flask_cors.binding.PolicySource.compile

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(flask_cors.binding.PolicySource, "compile", counting)
    return calls


@pytest.mark.parametrize("path", ["/api/me", "/decorated"])
def test_an_origin_removed_in_place_is_revoked_on_the_next_request(path: str) -> None:
    app = configured_app(CORS_ORIGINS=[APP, PARTNER], CORS_SUPPORTS_CREDENTIALS=True)
    CORS(app, resources={r"/api/*": {}})
    granted = get(app, path, PARTNER)
    assert granted.headers[ACAO] == PARTNER and granted.headers[ACAC] == "true"
    app.config["CORS_ORIGINS"].remove(PARTNER)
    revoked = get(app, path, PARTNER)
    assert ACAO not in revoked.headers and ACAC not in revoked.headers
    assert get(app, path, APP).headers[ACAO] == APP
    # Assigning a new list equal to the changed one changes nothing further.
    app.config["CORS_ORIGINS"] = [APP]
    assert ACAO not in get(app, path, PARTNER).headers


def test_an_origin_added_in_place_is_granted_on_the_next_request() -> None:
    app = configured_app(CORS_ORIGINS=[APP])
    CORS(app)
    assert ACAO not in get(app, "/x", PARTNER).headers
    app.config["CORS_ORIGINS"].append(PARTNER)
    assert get(app, "/x", PARTNER).headers[ACAO] == PARTNER


def test_a_nested_resources_dict_edited_in_place_is_seen() -> None:
    resources = {r"/api/*": {"origins": [APP, PARTNER]}}
    app = configured_app(CORS_RESOURCES=resources)
    CORS(app)
    assert get(app, "/api/x", PARTNER).headers[ACAO] == PARTNER
    resources[r"/api/*"]["origins"].remove(PARTNER)  # type: ignore[attr-defined]
    assert ACAO not in get(app, "/api/x", PARTNER).headers
    resources[r"/public/*"] = {"origins": "*"}
    assert get(app, "/public/x", PARTNER).headers[ACAO] == PARTNER


def test_a_set_of_origins_changed_in_place_is_seen() -> None:
    app = configured_app(CORS_ORIGINS={APP, PARTNER})
    CORS(app)
    assert get(app, "/x", PARTNER).headers[ACAO] == PARTNER
    app.config["CORS_ORIGINS"].discard(PARTNER)
    assert ACAO not in get(app, "/x", PARTNER).headers


def test_keys_added_and_deleted_after_setup_are_seen() -> None:
    app = configured_app()
    CORS(app)
    assert get(app, "/x", PARTNER).headers[ACAO] == PARTNER
    app.config["CORS_ORIGINS"] = [APP]
    assert ACAO not in get(app, "/x", PARTNER).headers
    del app.config["CORS_ORIGINS"]
    assert get(app, "/x", PARTNER).headers[ACAO] == PARTNER


def test_an_unchanged_config_is_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    app = configured_app(CORS_ORIGINS=[APP, PARTNER], CORS_MAX_AGE=60)
    CORS(app)
    calls = count_compiles(monkeypatch)
    for _ in range(5):
        assert get(app, "/x", APP).headers[ACAO] == APP
    assert calls[0] == 0
    app.config["CORS_ORIGINS"].append("https://third.example")
    for _ in range(5):
        get(app, "/x", APP)
    assert calls[0] == 1


def test_an_invalid_value_put_in_place_fails_the_request_naming_the_key() -> None:
    app = configured_app(CORS_ORIGINS=[APP])
    app.testing = True
    CORS(app)
    app.config["CORS_ORIGINS"].append("app.example")  # no scheme: can never match
    with pytest.raises(ValueError, match=r"CORS_ORIGINS"):
        get(app, "/x", APP)


def test_a_snapshot_is_a_copy_that_compares_equal_until_the_original_changes() -> None:
    pattern = re.compile("x")
    value = {"a": [1, {"b": {2, 3}}], "c": ("d", [4]), "e": ("f", pattern)}
    copied = snapshot(value)
    assert copied == value
    assert copied["e"] is value["e"]  # nothing in it can change: kept as is
    assert copied["c"] is not value["c"] and copied["a"][1]["b"] is not value["a"][1]["b"]
    value["a"][1]["b"].add(5)
    value["c"][1].append(6)
    assert copied != value
    assert copied == {"a": [1, {"b": {2, 3}}], "c": ("d", [4]), "e": ("f", pattern)}
