"""The app of the Troubleshooting page (docs/troubleshooting.md):
`FLASK_APP=examples/troubleshooting_app.py flask cors routes` (or `explain ...`) prints
what the page shows."""

from __future__ import annotations

from flask import Blueprint, Flask

from flask_cors import CORS, cross_origin

app = Flask(__name__)
app.config["CORS_SUPPORTS_CREDENTIALS"] = True


@app.route("/api/items", methods=["GET", "POST", "PUT"])
def items() -> str:
    return "items"


@app.route("/api/users/<int:user_id>")
def user(user_id: int) -> str:
    return f"user {user_id}"


@app.route("/public/info")
def info() -> str:
    return "info"


@app.route("/widget", methods=["GET", "POST"])
@cross_origin(origins=["https://widgets.example"], max_age=600)
def widget() -> str:
    return "widget"


@app.route("/health")
def health() -> str:
    return "ok"


partners = Blueprint("partners", __name__, url_prefix="/partners")


@partners.route("/feed")
def feed() -> str:
    return "feed"


CORS(partners, origins=["https://partner.example"], expose_headers=["X-Total"])
app.register_blueprint(partners)

CORS(
    app,
    resources={
        r"/api/*": {
            "origins": ["https://app.example", r"https://[a-z0-9-]+\.tenants\.example"],
            "allow_headers": ["Content-Type", "X-Request-Id"],
            "methods": ["GET", "POST", "PUT"],
        },
        r"/public/*": {"origins": "*", "supports_credentials": False, "send_wildcard": True},
    },
)
