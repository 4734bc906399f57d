"""Resources are chosen for the path the router serves, whatever Werkzeug folds first
(SECURITY.md T15): a trailing slash under strict_slashes=False, merged slashes, redirects."""

from __future__ import annotations

from importlib.metadata import version
from typing import Dict, Optional

import pytest
from flask import Blueprint, Flask, Response
from werkzeug.routing import BaseConverter

from flask_cors import CORS

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ADMIN = "https://admin.example"
PARTNER = "https://partner.example"
CREDENTIALED = {"supports_credentials": True}

#: The configuration of the report: two literal admin resources and a wider catch-all.
RESOURCES = {
    "/admin/users": {"origins": [ADMIN], **CREDENTIALED},
    "/admin/panel/": {"origins": [ADMIN], **CREDENTIALED},
    r"/*": {"origins": ["https://app.example", PARTNER], **CREDENTIALED},
}


def admin_app(strict_slashes: bool = False, merge_slashes: bool = True) -> Flask:
    app = Flask(__name__)
    app.url_map.strict_slashes = strict_slashes
    app.url_map.merge_slashes = merge_slashes

    @app.route("/admin/users")
    def users() -> str:
        return "admin users"

    @app.route("/admin/panel/")
    def panel() -> str:
        return "admin panel"

    @app.route("/files/<path:name>")
    def files(name: str) -> str:
        return f"file {name}"

    @app.route("/public")
    def public() -> str:
        return "public"

    CORS(app, resources=RESOURCES)
    return app


def get(app: Flask, path: str, origin: str, method: str = "GET") -> Response:
    headers: Dict[str, str] = {"Origin": origin}
    if method == "OPTIONS":
        headers["Access-Control-Request-Method"] = "DELETE"
    response = app.test_client().open(path, method=method, headers=headers)
    assert len(response.headers.getlist(ACAO)) <= 1
    return response


def grant(response: Response) -> Optional[str]:
    return response.headers.get(ACAO)


@pytest.mark.parametrize(
    ("path", "body"), [("/admin/users/", "admin users"), ("/admin/panel", "admin panel")]
)
def test_a_folded_trailing_slash_keeps_the_routed_views_policy(path: str, body: str) -> None:
    app = admin_app()
    refused = get(app, path, PARTNER)
    assert refused.status_code == 200 and refused.get_data(as_text=True) == body
    assert grant(refused) is None and ACAC not in refused.headers
    allowed = get(app, path, ADMIN)
    assert grant(allowed) == ADMIN and allowed.headers[ACAC] == "true"


@pytest.mark.parametrize("path", ["/admin/users/", "/admin/panel"])
def test_a_preflight_on_a_folded_path_gets_the_routed_views_policy(path: str) -> None:
    app = admin_app()
    assert grant(get(app, path, PARTNER, "OPTIONS")) is None
    assert grant(get(app, path, ADMIN, "OPTIONS")) == ADMIN


@pytest.mark.parametrize("path", ["/admin//users", "/admin//panel/", "/admin/panel"])
def test_a_redirect_issued_by_the_router_gets_its_targets_policy(path: str) -> None:
    """Merged slashes and, under strict slashes, a missing trailing slash: the router
    answers with a redirect to the served path, whose policy applies to the redirect."""
    app = admin_app(strict_slashes=True)
    response = get(app, path, PARTNER)
    assert response.status_code in (301, 308), response.status_code
    assert grant(response) is None and ACAC not in response.headers
    assert grant(get(app, path, ADMIN)) == ADMIN


#: Werkzeug 3 honours url_map.merge_slashes = False; before it, the router still merged
#: slashes and redirected.
MERGES_ANYWAY = int(version("werkzeug").split(".")[0]) < 3


def test_merged_slashes_follow_the_router_whether_it_merges_or_not() -> None:
    """With merge_slashes off, /admin//users is no view's path in Werkzeug 3: the
    catch-all answers the 404. Earlier Werkzeug redirects to /admin/users anyway, and the
    admin policy answers the redirect."""
    app = admin_app(merge_slashes=False)
    response = get(app, "/admin//users", PARTNER)
    if MERGES_ANYWAY:
        assert response.status_code == 308
        assert grant(response) is None
    else:
        assert response.status_code == 404
        assert grant(response) == PARTNER


def test_a_path_converter_that_keeps_the_slash_is_a_different_resource() -> None:
    """/files/<path:name> serves /files/a/ with name 'a/': no folding happened, so a
    literal resource for /files/a does not govern it."""
    app = Flask(__name__)
    app.url_map.strict_slashes = False

    @app.route("/files/<path:name>")
    def files(name: str) -> str:
        return f"file {name}"

    CORS(app, resources={"/files/a": {"origins": [ADMIN]}, r"/*": {"origins": [PARTNER]}})
    response = get(app, "/files/a/", PARTNER)
    assert response.get_data(as_text=True) == "file a/"
    assert grant(response) == PARTNER
    assert grant(get(app, "/files/a", ADMIN)) == ADMIN


def test_a_folded_path_with_escapes_is_rebuilt_as_the_router_sees_it() -> None:
    app = Flask(__name__)
    app.url_map.strict_slashes = False

    @app.route("/docs/<name>")
    def docs(name: str) -> str:
        return name

    CORS(app, resources={"/docs/a b": {"origins": [ADMIN]}, r"/*": {"origins": [PARTNER]}})
    response = get(app, "/docs/a%20b/", PARTNER)
    assert response.get_data(as_text=True) == "a b"
    assert grant(response) is None
    assert grant(get(app, "/docs/a%20b/", ADMIN)) == ADMIN


def test_a_blueprints_resources_follow_the_router_too() -> None:
    app = Flask(__name__)
    app.url_map.strict_slashes = False
    blueprint = Blueprint("admin", __name__, url_prefix="/admin")

    @blueprint.route("/users")
    def users() -> str:
        return "admin users"

    CORS(blueprint, resources={"/admin/users": {"origins": [ADMIN]}, r"/*": {"origins": [PARTNER]}})
    app.register_blueprint(blueprint)
    assert grant(get(app, "/admin/users/", PARTNER)) is None
    assert grant(get(app, "/admin/users/", ADMIN)) == ADMIN


def test_unfolded_requests_are_matched_on_their_own_path() -> None:
    app = admin_app()
    assert grant(get(app, "/public", PARTNER)) == PARTNER
    assert grant(get(app, "/admin/users", ADMIN)) == ADMIN
    assert grant(get(app, "/admin/users", PARTNER)) is None
    missing = get(app, "/nowhere/", PARTNER)
    assert missing.status_code == 404 and grant(missing) == PARTNER


@pytest.mark.parametrize(
    ("rule", "path", "served"),
    [
        ("/admin/<oneway:name>", "/admin/x/", "/admin/x"),
        ("/admin/<oneway:name>/", "/admin/x", "/admin/x/"),
    ],
)
def test_a_converter_that_cannot_build_still_folds_the_trailing_slash(
    rule: str, path: str, served: str
) -> None:
    class OneWay(BaseConverter):
        def to_url(self, value: object) -> str:
            raise ValueError("this converter only parses")

    app = Flask(__name__)
    app.url_map.strict_slashes = False
    app.url_map.converters["oneway"] = OneWay
    app.add_url_rule(rule, "admin", lambda name: name)
    CORS(app, resources={served: {"origins": [ADMIN]}, r"/*": {"origins": [PARTNER]}})
    response = get(app, path, PARTNER)
    assert response.get_data(as_text=True) == "x"
    assert grant(response) is None
    assert grant(get(app, path, ADMIN)) == ADMIN


def test_view_args_a_preprocessor_adds_stay_out_of_the_folded_path() -> None:
    """The path is rebuilt from the view's arguments; one that a url_value_preprocessor
    added is no part of the rule and must not become a query string on it."""
    app = Flask(__name__)
    app.url_map.strict_slashes = False

    @app.url_value_preprocessor
    def add_tenant(endpoint: Optional[str], values: Optional[Dict[str, str]]) -> None:
        if values is not None:
            values["tenant"] = "t1"

    app.add_url_rule("/panel/<name>/", "panel", lambda name, tenant: f"{tenant} {name}")
    CORS(app, resources={"/panel/x/": {"origins": [ADMIN]}, r"/*": {"origins": [PARTNER]}})
    response = get(app, "/panel/x", PARTNER)
    assert response.get_data(as_text=True) == "t1 x"
    assert grant(response) is None
    assert grant(get(app, "/panel/x", ADMIN)) == ADMIN


def test_a_redirect_whose_target_is_folded_gets_the_served_views_policy() -> None:
    """/admin//panel redirects to /admin/panel, which strict_slashes=False serves with the
    /admin/panel/ view: that view's policy answers the redirect."""
    app = admin_app()
    response = get(app, "/admin//panel", PARTNER)
    assert response.status_code == 308
    assert grant(response) is None and ACAC not in response.headers
    assert grant(get(app, "/admin//panel", ADMIN)) == ADMIN


def test_a_redirect_under_a_script_root_is_matched_without_it() -> None:
    """Behind a mount point (SCRIPT_NAME), the redirect's target carries the prefix and
    request paths do not: the prefix is taken off before matching."""
    app = admin_app()
    client = app.test_client()
    headers = {"Origin": PARTNER}
    response = client.get(
        "/admin//users", headers=headers, environ_overrides={"SCRIPT_NAME": "/mnt"}
    )
    assert response.status_code == 308 and response.location.endswith("/mnt/admin/users")
    assert grant(response) is None
    headers = {"Origin": ADMIN}
    response = client.get(
        "/admin//users", headers=headers, environ_overrides={"SCRIPT_NAME": "/mnt"}
    )
    assert grant(response) == ADMIN


def test_a_redirect_to_a_path_no_view_serves_gets_that_paths_policy() -> None:
    """A redirect_to rule whose target no rule serves: the target's path is matched as
    it stands."""
    app = Flask(__name__)
    app.add_url_rule("/old", "old", redirect_to="/gone")
    CORS(app, resources={"/gone": {"origins": [ADMIN]}, r"/*": {"origins": [PARTNER]}})
    response = get(app, "/old", PARTNER)
    assert response.status_code in (301, 308) and response.location.endswith("/gone")
    assert grant(response) is None
    assert grant(get(app, "/old", ADMIN)) == ADMIN


@pytest.mark.parametrize("target", ["/gone", "gone"])
def test_a_redirect_out_of_the_script_root_is_matched_as_it_stands(target: str) -> None:
    """Under a mount point, redirect_to="/gone" leaves it (the Location is /gone) and
    "gone" stays inside it (/mnt/gone): only a target inside the root loses the prefix,
    so both are matched as /gone, and nothing is cut from a path outside it."""
    app = Flask(__name__)
    app.add_url_rule("/old", "old", redirect_to=target)
    CORS(app, resources={"/gone": {"origins": [ADMIN]}, r"/*": {"origins": [PARTNER]}})
    client = app.test_client()
    mounted = {"SCRIPT_NAME": "/mnt"}
    response = client.get("/old", headers={"Origin": PARTNER}, environ_overrides=mounted)
    expected = "/gone" if target.startswith("/") else "/mnt/gone"
    assert response.status_code in (301, 308) and response.location.endswith(expected)
    assert not response.location.endswith("/mnt" + expected)
    assert grant(response) is None
    response = client.get("/old", headers={"Origin": ADMIN}, environ_overrides=mounted)
    assert grant(response) == ADMIN
