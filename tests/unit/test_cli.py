"""Tests for `flask cors routes`, `flask cors explain` and the reasoned DEBUG logs (issue 8)."""

from __future__ import annotations

import ast
import functools
import json
import logging
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, Dict, List, Optional

import click
import pytest
from click.testing import CliRunner
from flask import Blueprint, Flask
from flask.cli import FlaskGroup

from flask_cors import CORS, cross_origin

APP_ORIGIN = "https://app.example"
TENANT_REGEX = r"https://[a-z0-9-]+\.tenants\.example"
TENANT_ORIGIN = "https://acme.tenants.example"
WIDGET_ORIGIN = "https://widgets.example"
PARTNER_ORIGIN = "https://partner.example"
EVIL_ORIGIN = "https://evil.example"
DEFAULT_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
OPTION_NAMES = [
    "origins", "supports_credentials", "methods", "allow_headers", "expose_headers",
    "max_age", "send_wildcard", "always_send", "vary_header", "automatic_options",
    "intercept_exceptions", "allow_private_network",
]  # fmt: skip
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


# --- the done-when app -----------------------------------------------------------------


def build_app(calls: Optional[List[str]] = None) -> Flask:
    """Resource dicts (a regex origin and a literal one), a decorated route, a blueprint
    with its own CORS(bp) and url_prefix, a route with no CORS, and app.config setting
    supports_credentials. Every view records that it ran in ``calls``."""
    calls = [] if calls is None else calls
    app = Flask("cli_done_when")
    app.config["CORS_SUPPORTS_CREDENTIALS"] = True

    @app.route("/api/items", methods=["GET", "POST", "PUT"])
    def items() -> str:
        calls.append("items")
        return "items"

    @app.route("/api/users/<int:user_id>")
    def user(user_id: int) -> str:
        calls.append("user")
        return "user"

    @app.route("/public/info")
    def info() -> str:
        calls.append("info")
        return "info"

    @app.route("/widget", methods=["GET", "POST"])
    @cross_origin(origins=[WIDGET_ORIGIN], max_age=600)
    def widget() -> str:
        calls.append("widget")
        return "widget"

    @app.route("/health")
    def health() -> str:
        calls.append("health")
        return "ok"

    partners = Blueprint("partners", __name__, url_prefix="/partners")

    @partners.route("/feed")
    def feed() -> str:
        calls.append("feed")
        return "feed"

    CORS(partners, origins=[PARTNER_ORIGIN], expose_headers=["X-Total"])
    app.register_blueprint(partners)
    CORS(
        app,
        resources={
            r"/api/*": {
                "origins": [APP_ORIGIN, TENANT_REGEX],
                "allow_headers": ["Content-Type", "X-Request-Id"],
                "methods": ["GET", "POST", "PUT"],
            },
            r"/public/*": {"origins": "*", "supports_credentials": False, "send_wildcard": True},
        },
    )
    return app


def invoke(app: Flask, *args: str) -> Any:
    return flask_command(app, *args)


def explain_output(app: Flask, *args: str) -> Any:
    return invoke(app, "cors", "explain", *args)


def flask_command(app: Flask, *args: str) -> Any:
    """Run ``flask ARGS`` as the `flask` script does, entry-point plugins included (an
    app that never called CORS() gets the group this way only)."""
    return CliRunner().invoke(FlaskGroup(create_app=lambda: app), list(args))


def table_rows(output: str) -> Dict[str, Dict[str, str]]:
    """The `cors routes` table as {rule: {column: cell}} (columns are 2+ spaces apart)."""
    lines = [line for line in output.splitlines() if line.strip()]
    header = re.split(r"\s{2,}", lines[0].strip())
    rows: Dict[str, Dict[str, str]] = {}
    for line in lines[1:]:
        cells = re.split(r"\s{2,}", line.strip())
        assert cells[0] not in rows, f"rule listed twice: {cells[0]}"
        rows[cells[0]] = dict(zip(header, cells))
    return rows


def response_lines(output: str) -> List[str]:
    """The response header lines (`< Name: value`) of an explanation."""
    return [line.strip()[2:] for line in output.splitlines() if line.strip().startswith("< ")]


def has_preflight(output: str) -> bool:
    return any(line.startswith("Preflight:") for line in output.splitlines())


# --- flask cors routes -----------------------------------------------------------------


EXPECTED_POLICY = {
    "/api/items": "CORS(app) resource '/api/*'",
    "/api/users/<int:user_id>": "CORS(app) resource '/api/*'",
    "/public/info": "CORS(app) resource '/public/*'",
    "/widget": "@cross_origin on the view",
    "/health": "none",
    "/partners/feed": "CORS(blueprint 'partners') resource '/*'",
    "/static/<path:filename>": "none",
}


def test_routes_table_has_one_line_per_rule_with_its_policy_and_origins() -> None:
    app = build_app()
    result = invoke(app, "cors", "routes")
    assert result.exit_code == 0, result.output
    rows = table_rows(result.output)
    assert set(rows) == {rule.rule for rule in app.url_map.iter_rules()}
    for rule, label in EXPECTED_POLICY.items():
        assert rows[rule]["policy"] == label, rule
    api_origins = rows["/api/items"]["origins"]
    assert APP_ORIGIN in api_origins and TENANT_REGEX in api_origins
    assert rows["/public/info"]["origins"] == "*"
    assert rows["/widget"]["origins"] == WIDGET_ORIGIN
    assert rows["/partners/feed"]["origins"] == PARTNER_ORIGIN
    assert rows["/health"]["origins"] == "-"
    assert rows["/api/items"]["credentials"] == "yes"  # app.config
    assert rows["/public/info"]["credentials"] == "no"  # the resource's own dict
    assert rows["/widget"]["max age"] == "600"
    assert rows["/partners/feed"]["expose headers"] == "X-Total"


def test_routes_json_is_one_entry_per_url_map_rule() -> None:
    app = build_app()
    result = invoke(app, "cors", "routes", "--json")
    assert result.exit_code == 0, result.output
    entries = json.loads(result.stdout)
    assert isinstance(entries, list)
    rules = sorted(rule.rule for rule in app.url_map.iter_rules())
    assert sorted(entry["rule"] for entry in entries) == rules
    by_rule = {entry["rule"]: entry for entry in entries}
    for rule, label in EXPECTED_POLICY.items():
        assert by_rule[rule]["policy"] == label, rule
    assert by_rule["/health"]["options"] is None
    assert by_rule["/static/<path:filename>"]["options"] is None
    assert by_rule["/api/items"]["endpoint"] == "items"
    assert {"GET", "POST", "PUT"} <= set(by_rule["/api/items"]["methods"])


def test_routes_json_options_and_set_by_layers() -> None:
    entries = json.loads(invoke(build_app(), "cors", "routes", "--json").stdout)
    by_rule = {entry["rule"]: entry["options"] for entry in entries}

    api = by_rule["/api/items"]
    assert APP_ORIGIN in api["origins"]
    assert any(TENANT_REGEX in str(origin) for origin in api["origins"])
    assert api["supports_credentials"] is True
    assert sorted(api["methods"]) == ["GET", "POST", "PUT"]
    assert {name.lower() for name in api["allow_headers"]} == {"content-type", "x-request-id"}
    assert api["max_age"] is None
    assert set(api["set_by"]) == set(OPTION_NAMES)
    assert api["set_by"]["origins"] == "resource"
    assert api["set_by"]["methods"] == "resource"
    assert api["set_by"]["allow_headers"] == "resource"
    assert api["set_by"]["supports_credentials"] == "app.config"
    assert api["set_by"]["max_age"] == "default"

    public = by_rule["/public/info"]
    assert public["origins"] == ["*"]
    assert public["supports_credentials"] is False
    assert public["send_wildcard"] is True
    assert public["set_by"]["supports_credentials"] == "resource"
    assert sorted(public["methods"]) == DEFAULT_METHODS

    widget = by_rule["/widget"]
    assert widget["origins"] == [WIDGET_ORIGIN]
    assert widget["max_age"] == 600
    assert widget["supports_credentials"] is True
    assert widget["set_by"]["origins"] == "decorator"
    assert widget["set_by"]["max_age"] == "decorator"
    assert widget["set_by"]["supports_credentials"] == "app.config"

    feed = by_rule["/partners/feed"]
    assert feed["origins"] == [PARTNER_ORIGIN]
    assert feed["expose_headers"] == ["X-Total"]
    assert feed["set_by"]["origins"] == "constructor"
    assert feed["set_by"]["expose_headers"] == "constructor"
    assert feed["set_by"]["supports_credentials"] == "app.config"


def test_routes_reports_init_app_layer_and_most_specific_resource() -> None:
    """init_app keywords are their own layer, and the most specific resource pattern is
    the one reported, whatever the order of the dict (docs/usage.md, "Resources")."""
    app = Flask("layers")

    @app.route("/api/special")
    def special() -> str:
        return "s"

    @app.route("/api/other")
    def other() -> str:
        return "o"

    cors = CORS(origins=[APP_ORIGIN])
    cors.init_app(app, max_age=5, resources={r"/api/*": {}, "/api/special": {"max_age": 1}})
    entries = json.loads(invoke(app, "cors", "routes", "--json").stdout)
    by_rule = {entry["rule"]: entry for entry in entries}
    assert by_rule["/api/special"]["policy"] == "CORS(app) resource '/api/special'"
    assert by_rule["/api/special"]["options"]["max_age"] == 1
    assert by_rule["/api/special"]["options"]["set_by"]["max_age"] == "resource"
    assert by_rule["/api/other"]["policy"] == "CORS(app) resource '/api/*'"
    assert by_rule["/api/other"]["options"]["max_age"] == 5
    assert by_rule["/api/other"]["options"]["set_by"]["max_age"] == "init_app"
    assert by_rule["/api/other"]["options"]["set_by"]["origins"] == "constructor"


def test_routes_blueprint_policy_wins_and_falls_back_to_the_app_where_it_does_not_match() -> None:
    """CORS(bp) applies on its routes over CORS(app); where the blueprint's resources do
    not match, the app's policy answers, and the real responses agree."""
    app = Flask("bp_and_app")
    wide = Blueprint("wide", __name__, url_prefix="/wide")
    narrow = Blueprint("narrow", __name__, url_prefix="/narrow")

    @wide.route("/x")
    def wide_x() -> str:
        return "x"

    @narrow.route("/x")
    def narrow_x() -> str:
        return "x"

    CORS(wide, origins=[PARTNER_ORIGIN])
    CORS(narrow, origins=[PARTNER_ORIGIN], resources={"/narrow/only/*": {}})
    app.register_blueprint(wide)
    app.register_blueprint(narrow)
    CORS(app, origins=[APP_ORIGIN])

    by_rule = {e["rule"]: e for e in json.loads(invoke(app, "cors", "routes", "--json").stdout)}
    assert by_rule["/wide/x"]["policy"] == "CORS(blueprint 'wide') resource '/*'"
    assert by_rule["/wide/x"]["options"]["origins"] == [PARTNER_ORIGIN]
    assert by_rule["/narrow/x"]["policy"] == "CORS(app) resource '/*'"
    assert by_rule["/narrow/x"]["options"]["origins"] == [APP_ORIGIN]

    client = app.test_client()
    wide_answer = client.get("/wide/x", headers={"Origin": PARTNER_ORIGIN})
    assert wide_answer.headers.get("Access-Control-Allow-Origin") == PARTNER_ORIGIN
    narrow_answer = client.get("/narrow/x", headers={"Origin": APP_ORIGIN})
    assert narrow_answer.headers.get("Access-Control-Allow-Origin") == APP_ORIGIN


def test_routes_an_app_endpoint_named_under_a_blueprint_gets_the_blueprints_policy() -> None:
    """Flask runs a blueprint's hooks for any endpoint named under it, also one the app
    adds itself; a dotted prefix that names no blueprint is skipped."""
    app = Flask("dotted")
    partners = Blueprint("partners", __name__)
    CORS(partners, origins=[PARTNER_ORIGIN])
    app.register_blueprint(partners)
    app.add_url_rule("/extra", "partners.extra.x", lambda: "x")
    CORS(app, origins=[APP_ORIGIN])
    rows = table_rows(invoke(app, "cors", "routes").output)
    assert rows["/extra"]["policy"] == "CORS(blueprint 'partners') resource '/*'"
    answer = app.test_client().get("/extra", headers={"Origin": PARTNER_ORIGIN})
    assert answer.headers.get("Access-Control-Allow-Origin") == PARTNER_ORIGIN


# --- flask cors explain: verdicts --------------------------------------------------------


def test_explain_unlisted_origin_is_blocked_with_the_closest_candidate() -> None:
    typo = "https://app.exampel"
    result = explain_output(build_app(), "--origin", typo, "--path", "/api/items")
    assert result.exit_code == 1, result.output
    assert "BLOCKED" in result.output and "ALLOWED" not in result.output
    assert "origin-not-allowed" in result.output
    why = result.output.split("Why:", 1)[1]
    closest = why.split("closest", 1)[1].splitlines()[0]  # "closest" must be there
    assert APP_ORIGIN in closest  # the configured origin nearest the typo
    assert not any(
        line.startswith("Access-Control-Allow-Origin") for line in response_lines(result.output)
    )


def test_explain_regex_matched_origin_is_allowed_with_the_exact_acao() -> None:
    result = explain_output(build_app(), "--origin", TENANT_ORIGIN, "--path", "/api/items")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ALLOWED")
    lines = response_lines(result.output)
    assert f"Access-Control-Allow-Origin: {TENANT_ORIGIN}" in lines
    assert "Access-Control-Allow-Credentials: true" in lines  # CORS_SUPPORTS_CREDENTIALS
    assert "Vary: Origin" in lines
    why = result.output.split("Why:", 1)[1]
    assert "origin-allowed" in why and TENANT_REGEX in why
    assert not has_preflight(result.output)  # GET without headers is a simple request


def test_explain_header_not_allowed_is_blocked_and_named() -> None:
    result = explain_output(
        build_app(), "--origin", APP_ORIGIN, "--path", "/api/items", "--header", "X-Secret: 1"
    )
    assert result.exit_code == 1, result.output
    assert result.output.startswith("BLOCKED")
    assert has_preflight(result.output)
    assert "> Access-Control-Request-Headers: x-secret" in result.output
    assert "header-not-allowed" in result.output
    assert "x-secret" in result.output.split("Why:", 1)[1].lower()
    assert not re.search(r"^\s*Actual request:", result.output, re.M)  # never sent


def test_explain_method_not_allowed_is_blocked() -> None:
    result = explain_output(
        build_app(), "--origin", APP_ORIGIN, "--path", "/api/items", "--method", "DELETE"
    )
    assert result.exit_code == 1, result.output
    assert result.output.startswith("BLOCKED")
    assert "> Access-Control-Request-Method: DELETE" in result.output
    assert "method-not-allowed" in result.output
    assert not any(
        line.startswith("Access-Control-Allow-Methods") for line in response_lines(result.output)
    )


def test_explain_credentials_against_wildcard_acao_is_blocked() -> None:
    """origins '*' with send_wildcard answers '*', which Fetch refuses with credentials."""
    app = build_app()
    plain = explain_output(app, "--origin", EVIL_ORIGIN, "--path", "/public/info")
    assert plain.exit_code == 0, plain.output
    assert "Access-Control-Allow-Origin: *" in response_lines(plain.output)

    result = explain_output(app, "--origin", EVIL_ORIGIN, "--path", "/public/info", "--credentials")
    assert result.exit_code == 1, result.output
    assert result.output.startswith("BLOCKED")
    assert "with credentials" in result.output.splitlines()[0]
    assert "Access-Control-Allow-Origin: *" in response_lines(result.output)
    why = result.output.split("Why:", 1)[1]
    assert "'*'" in why and "credentials" in why


def test_explain_no_preflight_forces_the_actual_request_only() -> None:
    result = explain_output(
        build_app(), "--origin", APP_ORIGIN, "--path", "/api/items", "--method", "PUT",
        "--no-preflight",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert not has_preflight(result.output)
    assert "Actual request: PUT /api/items" in result.output
    assert f"Access-Control-Allow-Origin: {APP_ORIGIN}" in response_lines(result.output)


def test_explain_preflight_forces_a_preflight_for_a_simple_request() -> None:
    result = explain_output(
        build_app(), "--origin", PARTNER_ORIGIN, "--path", "/partners/feed", "--preflight"
    )
    assert result.exit_code == 0, result.output
    assert "Preflight: OPTIONS /partners/feed" in result.output
    assert "> Access-Control-Request-Method: GET" in result.output
    assert "Actual request: GET /partners/feed" in result.output
    lines = response_lines(result.output)
    assert any(line.startswith("Access-Control-Allow-Methods:") for line in lines)
    assert lines.count(f"Access-Control-Allow-Origin: {PARTNER_ORIGIN}") == 2


@pytest.mark.parametrize(
    ("header", "preflight"),
    [
        ("Accept: application/json", False),
        ("Accept-Language: en", False),
        ("Content-Language: de", False),
        ("Content-Type: text/plain;charset=UTF-8", False),
        ("Content-Type: multipart/form-data", False),
        ("Range: bytes=0-99", False),
        ("Content-Type: application/json", True),
        ("X-Request-Id: 7", True),
    ],
)
def test_explain_decides_on_a_preflight_as_fetch_does(header: str, preflight: bool) -> None:
    """Fetch's CORS-safelisted request headers (Fetch, CORS-safelisted request-header:
    Accept, Accept-Language, Content-Language, Content-Type with a form/text value, Range)
    need no preflight."""
    result = explain_output(
        build_app(), "--origin", APP_ORIGIN, "--path", "/api/items", "--header", header
    )
    assert has_preflight(result.output) is preflight, result.output
    assert result.exit_code == 0, result.output  # every one is allowed on /api/*


def test_explain_path_without_cors_is_blocked() -> None:
    result = explain_output(build_app(), "--origin", APP_ORIGIN, "--path", "/health")
    assert result.exit_code == 1, result.output
    assert result.output.startswith("BLOCKED")
    assert "Policy: none" in result.output
    assert "no resource pattern matches" in result.output
    assert not any(line.startswith("Access-Control-") for line in response_lines(result.output))


def test_explain_says_no_cors_policy_when_the_app_has_no_extension() -> None:
    app = Flask("decorator_only")

    @app.route("/plain")
    def plain() -> str:
        return "p"

    @app.route("/deco")
    @cross_origin(origins=[APP_ORIGIN])
    def deco() -> str:
        return "d"

    result = flask_command(app, "cors", "explain", "--origin", APP_ORIGIN, "--path", "/plain")
    assert result.exit_code == 1, result.output
    assert result.output.startswith("BLOCKED")
    assert "no CORS policy covers this path" in result.output
    allowed = flask_command(app, "cors", "explain", "--origin", APP_ORIGIN, "--path", "/deco")
    assert allowed.exit_code == 0, allowed.output


def test_explain_decorated_route_names_the_decorator_and_its_layers() -> None:
    result = explain_output(build_app(), "--origin", WIDGET_ORIGIN, "--path", "/widget")
    assert result.exit_code == 0, result.output
    assert "Policy: @cross_origin" in result.output
    assert re.search(r"max_age = 600\s+\(decorator\)", result.output)
    assert re.search(r"origins = https://widgets\.example\s+\(decorator\)", result.output)
    assert f"Access-Control-Allow-Origin: {WIDGET_ORIGIN}" in response_lines(result.output)


def test_explain_blueprint_route_uses_the_blueprint_policy() -> None:
    app = build_app()
    result = explain_output(app, "--origin", PARTNER_ORIGIN, "--path", "/partners/feed")
    assert result.exit_code == 0, result.output
    assert "Policy: CORS(blueprint 'partners')" in result.output
    lines = response_lines(result.output)
    assert f"Access-Control-Allow-Origin: {PARTNER_ORIGIN}" in lines
    assert "Access-Control-Expose-Headers: X-Total" in lines
    assert re.search(r"expose_headers = X-Total\s+\(constructor\)", result.output)
    refused = explain_output(app, "--origin", APP_ORIGIN, "--path", "/partners/feed")
    assert refused.exit_code == 1, refused.output
    assert "origin-not-allowed" in refused.output


def test_explain_shows_the_layer_that_set_each_option() -> None:
    result = explain_output(build_app(), "--origin", APP_ORIGIN, "--path", "/api/items")
    output = result.output
    assert re.search(r"supports_credentials = True\s+\(app\.config\)", output)
    assert re.search(r"methods = GET, POST, PUT\s+\(resource\)", output)
    assert re.search(r"max_age = None\s+\(default\)", output)
    assert re.search(r"allow_private_network = False\s+\(default\)", output)
    for name in OPTION_NAMES:
        assert re.search(rf"^\s+{name} = .*\((resource|app\.config|default)\)$", output, re.M), name


def test_explain_never_runs_the_views() -> None:
    calls: List[str] = []
    app = build_app(calls)
    for args in [
        ("--origin", APP_ORIGIN, "--path", "/api/items"),
        ("--origin", APP_ORIGIN, "--path", "/api/items", "--method", "PUT"),
        ("--origin", APP_ORIGIN, "--path", "/api/users/3", "--preflight"),
        ("--origin", EVIL_ORIGIN, "--path", "/public/info", "--method", "POST"),
        ("--origin", WIDGET_ORIGIN, "--path", "/widget"),
        ("--origin", WIDGET_ORIGIN, "--path", "/widget", "--method", "POST", "--preflight"),
        ("--origin", PARTNER_ORIGIN, "--path", "/partners/feed"),
        ("--origin", APP_ORIGIN, "--path", "/health"),
    ]:
        explain_output(app, *args)
    assert calls == []
    # The side effect is observable: real requests do run the views.
    client = app.test_client()
    client.get("/api/items")
    client.get("/widget", headers={"Origin": WIDGET_ORIGIN})
    assert calls == ["items", "widget"]
    assert app.view_functions["items"].__name__ == "items"  # the real views are back


def test_explain_does_not_run_a_view_wrapped_around_cross_origin() -> None:
    """docs/troubleshooting.md: explain replays "with every view replaced by an empty
    answer (nothing your views do happens)", also when another decorator sits above
    @cross_origin."""
    calls: List[str] = []

    def audited(view: Any) -> Any:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls.append("audit")
            return view(*args, **kwargs)

        return wrapper

    app = Flask("wrapped")

    @app.route("/report")
    @audited
    @cross_origin(origins=[APP_ORIGIN])
    def report() -> str:
        calls.append("report")
        return "r"

    result = flask_command(app, "cors", "explain", "--origin", APP_ORIGIN, "--path", "/report")
    assert result.exit_code == 0, result.output
    assert calls == []


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("--origin", "https://a.example\r\nX-Injected: 1", "--path", "/api/items"), "--origin"),
        (("--origin", "https://a.example\n", "--path", "/api/items"), "--origin"),
        (("--origin", APP_ORIGIN, "--path", "/api/items\r\nX: 1"), "--path"),
        (("--origin", APP_ORIGIN, "--path", "/api/items", "--header", ""), "--header"),
        (("--origin", APP_ORIGIN, "--path", "/api/items", "--header", ": v"), "--header"),
        (("--origin", APP_ORIGIN, "--path", "/api/items", "--header", "X-A: 1\r\nB"), "--header"),
    ],
)
def test_explain_invalid_input_is_a_usage_error_naming_the_option(args: Any, option: str) -> None:
    result = explain_output(build_app(), *args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Error" in result.output
    assert option in result.output
    assert "Traceback" not in result.output


# --- the command group ---------------------------------------------------------------------


def test_group_comes_from_the_entry_point_not_from_cors() -> None:
    """CORS(app) adds nothing to app.cli: the flask.commands entry point gives every
    app the group, so troubleshooting is never imported by the extension."""
    app = Flask("with_cors")
    CORS(app)
    assert "cors" not in app.cli.commands
    result = invoke(app, "cors", "routes")
    assert result.exit_code == 0, result.output
    assert "/static/<path:filename>" in result.output


def test_group_lists_a_blueprint_with_cors() -> None:
    app = Flask("bp_only")
    bp = Blueprint("only", __name__, url_prefix="/only")

    @bp.route("/x")
    def x() -> str:
        return "x"

    CORS(bp)
    app.register_blueprint(bp)
    rows = table_rows(invoke(app, "cors", "routes").output)
    assert rows["/only/x"]["policy"] == "CORS(blueprint 'only') resource '/*'"


def test_importing_the_package_leaves_troubleshooting_out() -> None:
    code = (
        "import sys, flask, flask_cors; app = flask.Flask('a'); flask_cors.CORS(app); "
        "app.test_client().get('/', headers={'Origin': 'https://a.example'}); "
        "print(sorted(m for m in sys.modules if m.startswith('flask_cors.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(ast.literal_eval(out.stdout))
    assert not loaded & {"flask_cors.cli", "flask_cors.explain", "flask_cors.trace"}, loaded


def entry_point_target() -> str:
    """The flask.commands 'cors' target: from the installed metadata when it declares
    one, else from pyproject.toml."""
    try:
        points = metadata.distribution("flask-cors-reference").entry_points
    except metadata.PackageNotFoundError:
        points = []
    for point in points:
        if point.group == "flask.commands" and point.name == "cors":
            return point.value
    text = PYPROJECT.read_text(encoding="utf-8")
    section = text.split('[project.entry-points."flask.commands"]', 1)[1].split("\n[", 1)[0]
    found = re.search(r'^cors\s*=\s*"([^"]+)"', section, re.M)
    assert found, "no cors entry point in pyproject.toml"
    return found.group(1)


def test_pyproject_declares_the_flask_commands_entry_point() -> None:
    text = PYPROJECT.read_text(encoding="utf-8")
    assert '[project.entry-points."flask.commands"]' in text
    target = entry_point_target()
    module_name, _, attribute = target.partition(":")
    module = __import__(module_name, fromlist=[attribute])
    group = getattr(module, attribute)
    assert isinstance(group, click.Group)
    assert group.name == "cors"
    assert {"routes", "explain"} <= set(group.commands)


def test_flask_cli_loads_the_group_for_a_decorator_only_app() -> None:
    """Through the entry point, `flask cors` exists for an app that never called CORS()."""
    app = Flask("deco_only")

    @app.route("/w")
    @cross_origin(origins=[WIDGET_ORIGIN])
    def w() -> str:
        return "w"

    assert "cors" not in app.cli.commands
    result = flask_command(app, "cors", "routes")
    assert result.exit_code == 0, result.output
    rows = table_rows(result.output)
    assert rows["/w"]["policy"] == "@cross_origin on the view"
    assert rows["/w"]["origins"] == WIDGET_ORIGIN


# --- reasoned DEBUG logs ---------------------------------------------------------------------


def records_with(caplog: pytest.LogCaptureFixture, code: str) -> List[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.name == "flask_cors" and code in record.getMessage()
    ]


REJECTIONS = [
    pytest.param(
        "origin-not-allowed", "GET", "/api/items", {"HTTP_ORIGIN": EVIL_ORIGIN}, id="origin"
    ),
    pytest.param(
        "origin-invalid",
        "GET",
        "/api/items",
        {"HTTP_ORIGIN": "https://app.example\r\nX-Injected: 1"},
        id="origin-invalid",
    ),
    pytest.param(
        "method-not-allowed",
        "OPTIONS",
        "/api/items",
        {"HTTP_ORIGIN": APP_ORIGIN, "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "DELETE"},
        id="method",
    ),
    pytest.param(
        "header-not-allowed",
        "OPTIONS",
        "/api/items",
        {
            "HTTP_ORIGIN": APP_ORIGIN,
            "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "GET",
            "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "X-Secret",
        },
        id="header",
    ),
    pytest.param(
        "origin-not-allowed", "GET", "/partners/feed", {"HTTP_ORIGIN": APP_ORIGIN}, id="blueprint"
    ),
    pytest.param("origin-not-allowed", "GET", "/widget", {"HTTP_ORIGIN": EVIL_ORIGIN}, id="deco"),
]


@pytest.mark.parametrize(("code", "method", "path", "environ"), REJECTIONS)
def test_each_rejection_is_logged_once_at_debug_with_its_code(
    caplog: pytest.LogCaptureFixture, code: str, method: str, path: str, environ: Dict[str, str]
) -> None:
    caplog.set_level(logging.DEBUG, logger="flask_cors")
    response = build_app().test_client().open(path, method=method, environ_overrides=environ)
    assert response.status_code < 500
    found = records_with(caplog, code)
    assert len(found) == 1, [r.getMessage() for r in caplog.records]
    assert found[0].levelno == logging.DEBUG
    message = found[0].getMessage()
    assert "\r" not in message and "\n" not in message


def test_logged_request_values_are_escaped(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="flask_cors")
    client = build_app().test_client()
    client.get("/api/items", environ_overrides={"HTTP_ORIGIN": "https://a.example\r\nX-I: 1"})
    client.options(
        "/api/items",
        environ_overrides={
            "HTTP_ORIGIN": APP_ORIGIN,
            "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "GET",
            "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "x-a,\r\nx-b",
        },
    )
    (invalid,) = records_with(caplog, "origin-invalid")
    assert "https://a.example\\r\\nX-I: 1" in invalid.getMessage()
    (refused,) = records_with(caplog, "header-not-allowed")
    assert "\\r\\nx-b" in refused.getMessage()
    for record in caplog.records:
        message = record.getMessage()
        assert "\r" not in message and "\n" not in message, message


def test_an_allowed_request_logs_no_rejection(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="flask_cors")
    build_app().test_client().get("/api/items", headers={"Origin": TENANT_ORIGIN})
    assert len(records_with(caplog, "origin-allowed")) == 1
    for code in ("origin-not-allowed", "origin-invalid", "method-not-allowed"):
        assert records_with(caplog, code) == []
