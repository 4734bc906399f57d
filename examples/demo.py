"""Show what a small CORS-enabled app answers to typical browser requests."""

from __future__ import annotations

from typing import Dict, List, Tuple

from flask import Flask, abort

from flask_cors import CORS, cross_origin

TRUSTED = "https://app.example.com"


def create_app() -> Flask:
    """An app using resource dicts, a regex origin, credentials and the decorator."""
    app = Flask("demo")
    CORS(
        app,
        resources={
            r"/api/*": {
                "origins": [TRUSTED, r"https://.*\.partner\.example"],
                "supports_credentials": True,
                "expose_headers": ["X-Total-Count"],
                "max_age": 600,
            },
            "/public": {"origins": "*", "send_wildcard": True},
        },
    )

    @app.route("/api/items", methods=["GET", "PUT"])
    def items() -> Tuple[str, int, Dict[str, str]]:
        return "[]", 200, {"X-Total-Count": "0"}

    @app.route("/api/missing")
    def missing() -> str:
        abort(404)

    @app.route("/public")
    def public() -> str:
        return "hello"

    @app.route("/widget")
    @cross_origin(origins=["https://cms.example.org"], methods=["GET"])
    def widget() -> str:
        return "<div>widget</div>"

    @app.route("/private")
    def private() -> str:
        return "no CORS here"

    return app


SCENARIOS: List[Tuple[str, str, str, Dict[str, str]]] = [
    ("Allowed origin, simple GET", "GET", "/api/items", {"Origin": TRUSTED}),
    ("Origin matched by a regex", "GET", "/api/items", {"Origin": "https://eu.partner.example"}),
    (
        "Suffix attack on the regex (rejected)",
        "GET",
        "/api/items",
        {"Origin": "https://eu.partner.example.evil.net"},
    ),
    (
        "Unlisted origin (rejected, still Vary)",
        "GET",
        "/api/items",
        {"Origin": "https://evil.example"},
    ),
    (
        "Preflight for PUT with custom headers",
        "OPTIONS",
        "/api/items",
        {
            "Origin": TRUSTED,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type,x-request-id",
        },
    ),
    ("Error response keeps CORS headers", "GET", "/api/missing", {"Origin": TRUSTED}),
    ("Public resource with send_wildcard", "GET", "/public", {"Origin": "https://anyone.example"}),
    (
        "Decorated view, preflight",
        "OPTIONS",
        "/widget",
        {"Origin": "https://cms.example.org", "Access-Control-Request-Method": "GET"},
    ),
    ("Route outside every resource", "GET", "/private", {"Origin": TRUSTED}),
    (
        "Header injection attempt (not reflected)",
        "GET",
        "/api/items",
        {"Origin": TRUSTED + "\r\nX-Evil: 1"},
    ),
]


def main() -> None:
    """Send each scenario through Flask's test client and print the CORS-related headers."""
    client = create_app().test_client()
    for title, method, path, headers in SCENARIOS:
        # Headers go straight into the WSGI environ, as a server would put them, so that
        # values the test client itself would refuse (CR, LF) reach the app.
        environ = {
            "HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()
        }
        response = client.open(path, method=method, environ_overrides=environ)
        print(f"== {title}")
        for name, value in headers.items():
            print(f"   > {name}: {value!r}")
        print(f"   < {response.status}")
        shown = [
            (name, value)
            for name, value in response.headers.items()
            if name.startswith("Access-Control-") or name == "Vary"
        ]
        for name, value in shown:
            print(f"   < {name}: {value}")
        if not shown:
            print("   < (no CORS headers)")
        print()


if __name__ == "__main__":
    main()
