"""Property tests for callables in ``origins`` (INV-16): what the callable is asked, and
what the response says, for any allow-list, any Origin value and any failure mode.

Expectations come from the invariant's statement and the "Dynamic origins" section of
docs/usage.md, not from the implementation."""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional

from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from flask_cors import CORS, cross_origin
from strategies import invariant, origins, request_origins

SERIALIZED = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[\x21-\x2b\x2d-\x7e]+")
ACAO = "Access-Control-Allow-Origin"


class Lookup:
    """An allow-list kept outside the app, as a database would be, and a record of every
    value the callable was asked about."""

    def __init__(self, allowed: List[str], mode: str):
        self.allowed = set(allowed)
        self.mode = mode
        self.asked: List[str] = []

    def __call__(self, origin: str) -> bool:
        self.asked.append(origin)
        if self.mode == "raise":
            raise LookupError(f"lookup failed for {origin}")
        return origin in self.allowed


def build(place: str, lookup: Lookup, literals: List[str], options: Dict[str, Any]) -> Flask:
    """An app whose origins are ``literals`` then ``lookup``, set in ``place``."""
    app = Flask(__name__)
    setting: Any = [*literals, lookup] if literals else lookup
    if place == "decorator":

        @app.route("/r", methods=["GET", "POST", "PUT"])
        @cross_origin(origins=setting, **options)
        def view() -> str:
            return "body"

    else:
        app.add_url_rule("/r", "r", lambda: "body", methods=["GET", "POST", "PUT"])
        if place == "resource":
            CORS(app, resources={"/r": {"origins": setting, **options}})
        elif place == "config":
            app.config["CORS_ORIGINS"] = setting
            app.config.update({f"CORS_{k.upper()}": v for k, v in options.items()})
            CORS(app)
        else:
            CORS(app, origins=setting, **options)
    return app


allowed_lists = st.lists(origins, min_size=0, max_size=4, unique=True)


@st.composite
def scenarios(draw: st.DrawFn) -> Dict[str, Any]:
    allowed = draw(allowed_lists)
    literals = draw(st.lists(origins, max_size=2, unique=True))
    return {
        "allowed": allowed,
        "literals": literals,
        "origin": draw(request_origins(allowed + literals)),
        "place": draw(st.sampled_from(["keywords", "resource", "decorator", "config"])),
        "mode": draw(st.sampled_from(["answer", "answer", "raise"])),
        "preflight": draw(st.booleans()),
        "options": draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "always_send": st.booleans(),
                    "supports_credentials": st.booleans(),
                    "send_wildcard": st.booleans(),
                },
            )
        ),
    }


def cors_headers(response: Any) -> Dict[str, str]:
    return {k: v for k, v in response.headers if k.lower().startswith("access-control-")}


@invariant("INV-16")
@given(scenarios())
def test_callable_is_asked_only_about_serialized_origins_and_decides(
    scenario: Dict[str, Any],
) -> None:
    origin: Optional[str] = scenario["origin"]
    lookup = Lookup(scenario["allowed"], scenario["mode"])
    literals = {literal.lower() for literal in scenario["literals"]}
    app = build(scenario["place"], lookup, scenario["literals"], scenario["options"])
    environ = {} if origin is None else {"HTTP_ORIGIN": origin}
    if scenario["preflight"]:
        environ["HTTP_ACCESS_CONTROL_REQUEST_METHOD"] = "PUT"
        method = "OPTIONS"
    else:
        method = "GET"
    logging.getLogger("flask_cors").disabled = True  # the error log has its own unit tests
    try:
        response = app.test_client().open("/r", method=method, environ_overrides=environ)
    finally:
        logging.getLogger("flask_cors").disabled = False

    # Never a failure of the request because of the callable.
    assert response.status_code == 200
    # Asked only about a serialized origin, exactly as sent, at most once.
    for asked in lookup.asked:
        assert asked == origin
        assert SERIALIZED.fullmatch(asked), asked
        assert len(asked) <= 1024
    assert len(lookup.asked) <= 1
    if origin is None or not origin or origin == "null":
        assert lookup.asked == []

    listed = origin is not None and origin.lower() in literals
    if listed:  # literals are tried first: the callable is not asked
        assert lookup.asked == []
    elif origin in lookup.allowed:  # a serialized origin only the callable decides
        assert lookup.asked == [origin]
    # The grant: exactly the Origin, when a literal lists it or the callable said True.
    granted = listed or (lookup.mode == "answer" and origin in lookup.allowed)
    headers = cors_headers(response)
    if granted:
        assert headers.get(ACAO) == origin
    else:
        assert ACAO not in headers, headers
        assert "Access-Control-Allow-Credentials" not in headers
    # Every answer under a callable varies on Origin.
    vary = [t.strip().lower() for v in response.headers.getlist("Vary") for t in v.split(",")]
    assert vary.count("origin") == 1, vary
