"""Tests for @cross_origin on async def views and on class-based views (View, MethodView),
and for the extension covering them: preflights and actual requests both answered."""

from __future__ import annotations

import asyncio
import functools

from flask import Flask, abort, request
from flask.views import MethodView, View
from response_headers import cors_header_names, vary_tokens

from flask_cors import CORS, cross_origin
from flask_cors.cli import format_explanation
from flask_cors.explain import explain
from flask_cors.routes import route_policies

A = "https://a.example"
B = "https://b.example"
ACAO = "Access-Control-Allow-Origin"


def preflight(client, path, method, origin=A, **headers):
    return client.options(
        path,
        headers={"Origin": origin, "Access-Control-Request-Method": method, **headers},
    )


def allow_set(response):
    return {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}


# --- async def views -----------------------------------------------------------------


def async_app(**options):
    app = Flask(__name__)
    app.calls = 0

    @app.route("/x", methods=["GET", "PUT"])
    @cross_origin(**options)
    async def view():
        app.calls += 1
        await asyncio.sleep(0)
        return "async body"

    return app


def test_async_view_actual_request_gets_headers_and_runs_once():
    app = async_app(origins=[A], supports_credentials=True)
    response = app.test_client().put("/x", headers={"Origin": A})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "async body"
    assert response.headers[ACAO] == A
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert vary_tokens(response) == ["origin"]
    assert app.calls == 1


def test_async_view_preflight_is_answered_without_running_it():
    app = async_app(origins=[A], methods=["PUT"], allow_headers=["X-Token"], max_age=60)
    response = preflight(
        app.test_client(), "/x", "PUT", **{"Access-Control-Request-Headers": "x-token"}
    )
    assert response.status_code == 200
    assert response.headers[ACAO] == A
    assert response.headers["Access-Control-Allow-Methods"] == "PUT"
    assert response.headers["Access-Control-Allow-Headers"] == "x-token"
    assert response.headers["Access-Control-Max-Age"] == "60"
    assert allow_set(response) == {"GET", "HEAD", "OPTIONS", "PUT"}
    assert app.calls == 0


def test_async_view_refuses_other_origins():
    app = async_app(origins=[A])
    client = app.test_client()
    assert cors_header_names(client.get("/x", headers={"Origin": B})) == []
    assert cors_header_names(preflight(client, "/x", "PUT", origin=B)) == []


def test_async_view_error_gets_headers_when_intercepted():
    app = Flask(__name__)

    @app.route("/x")
    @cross_origin(origins=[A])
    async def view():
        abort(409)

    response = app.test_client().get("/x", headers={"Origin": A})
    assert response.status_code == 409
    assert response.headers[ACAO] == A


def test_async_view_with_callable_origins():
    allowed = {A}
    app = async_app(origins=allowed.__contains__)
    client = app.test_client()
    assert client.get("/x", headers={"Origin": A}).headers[ACAO] == A
    allowed.discard(A)
    assert ACAO not in client.get("/x", headers={"Origin": A}).headers


def test_extension_covers_async_views():
    app = Flask(__name__)
    CORS(app, origins=[A], methods=["GET", "PUT"])

    @app.route("/x", methods=["PUT"])
    async def view():
        return "async"

    client = app.test_client()
    assert client.put("/x", headers={"Origin": A}).headers[ACAO] == A
    answered = preflight(client, "/x", "PUT")
    assert answered.headers[ACAO] == A
    assert answered.headers["Access-Control-Allow-Methods"] == "GET, PUT"


# --- MethodView with decorators = [...] ----------------------------------------------


def method_view_app(decorators, extension=None):
    app = Flask(__name__)
    calls = []

    class Items(MethodView):
        def get(self, item_id):
            calls.append(("get", item_id))
            return f"item {item_id}"

        def put(self, item_id):
            calls.append(("put", item_id))
            return f"put {item_id}"

    Items.decorators = decorators
    app.add_url_rule("/items/<int:item_id>", view_func=Items.as_view("items"))
    if extension is not None:
        CORS(app, **extension)
    app.calls = calls
    return app


def test_method_view_decorators_answer_actual_requests_and_preflights():
    app = method_view_app([cross_origin(origins=[A], methods=["GET", "PUT"])])
    client = app.test_client()
    actual = client.put("/items/7", headers={"Origin": A})
    assert actual.get_data(as_text=True) == "put 7"
    assert actual.headers[ACAO] == A
    answered = preflight(client, "/items/7", "PUT")
    assert answered.status_code == 200
    assert answered.headers[ACAO] == A
    assert answered.headers["Access-Control-Allow-Methods"] == "GET, PUT"
    assert allow_set(answered) == {"GET", "HEAD", "OPTIONS", "PUT"}
    assert vary_tokens(answered) == ["origin"]
    assert app.calls == [("put", 7)]


def test_method_view_decorators_refuse_other_origins_and_methods():
    app = method_view_app([cross_origin(origins=[A], methods=["GET"])])
    client = app.test_client()
    assert cors_header_names(preflight(client, "/items/1", "PUT", origin=B)) == []
    refused = preflight(client, "/items/1", "PUT")
    assert refused.headers[ACAO] == A
    assert "Access-Control-Allow-Methods" not in refused.headers


def test_method_view_decorators_cross_origin_last_answers_before_others_run():
    """Listed last, cross_origin wraps the other decorators, so a preflight (which
    carries no credentials) is answered before an authentication check refuses it."""

    def login_required(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            if "Authorization" not in request.headers:
                abort(401)
            return view(*args, **kwargs)

        return checked

    app = method_view_app([login_required, cross_origin(origins=[A])])
    client = app.test_client()
    answered = preflight(
        client, "/items/1", "PUT", **{"Access-Control-Request-Headers": "authorization"}
    )
    assert answered.status_code == 200
    assert answered.headers[ACAO] == A
    assert answered.headers["Access-Control-Allow-Headers"] == "authorization"
    denied = client.get("/items/1", headers={"Origin": A})
    assert denied.status_code == 401
    assert denied.headers[ACAO] == A  # the browser can read why
    allowed = client.get("/items/1", headers={"Origin": A, "Authorization": "Bearer t"})
    assert allowed.get_data(as_text=True) == "item 1"


def test_method_view_automatic_options_off_leaves_preflight_to_flask_and_extension():
    app = method_view_app(
        [cross_origin(origins=[A], automatic_options=False)], extension={"origins": [B]}
    )
    client = app.test_client()
    from_extension = preflight(client, "/items/1", "PUT", origin=B)
    assert from_extension.headers[ACAO] == B
    assert cors_header_names(preflight(client, "/items/1", "PUT", origin=A)) == []
    assert client.get("/items/1", headers={"Origin": A}).headers[ACAO] == A


# --- MethodView with decorated methods -----------------------------------------------


def per_method_app(**extension):
    app = Flask(__name__)
    calls = []

    class Items(MethodView):
        @cross_origin(origins=[A], methods=["GET"])
        def get(self, item_id):
            calls.append("get")
            return f"item {item_id}"

        @cross_origin(origins=[B], methods=["PUT"], allow_headers=["Content-Type"])
        def put(self, item_id):
            calls.append("put")
            return f"put {item_id}"

        def delete(self, item_id):
            calls.append("delete")
            return "deleted"

    app.add_url_rule("/items/<int:item_id>", view_func=Items.as_view("items"))
    if extension:
        CORS(app, **extension)
    app.calls = calls
    app.view_class = Items
    return app


def test_decorated_methods_make_the_class_route_options():
    app = per_method_app()
    assert set(app.view_class.methods) == {"GET", "PUT", "DELETE", "OPTIONS"}


def test_each_method_answers_with_its_own_policy():
    client = per_method_app().test_client()
    get = client.get("/items/3", headers={"Origin": A})
    assert get.get_data(as_text=True) == "item 3"
    assert get.headers[ACAO] == A
    put = client.put("/items/3", headers={"Origin": B})
    assert put.headers[ACAO] == B
    assert cors_header_names(client.put("/items/3", headers={"Origin": A})) == []


def test_preflight_gets_the_policy_of_the_method_it_asks_about():
    app = per_method_app()
    client = app.test_client()
    put = preflight(
        client, "/items/3", "PUT", origin=B, **{"Access-Control-Request-Headers": "content-type"}
    )
    assert put.status_code == 200
    assert put.headers[ACAO] == B
    assert put.headers["Access-Control-Allow-Methods"] == "PUT"
    assert put.headers["Access-Control-Allow-Headers"] == "content-type"
    assert allow_set(put) == {"DELETE", "GET", "HEAD", "OPTIONS", "PUT"}
    get = preflight(
        client, "/items/3", "GET", origin=A, **{"Access-Control-Request-Headers": "x-a"}
    )
    assert get.headers[ACAO] == A
    assert get.headers["Access-Control-Allow-Methods"] == "GET"
    assert cors_header_names(preflight(client, "/items/3", "PUT", origin=A)) == []
    assert app.calls == []


def test_preflight_for_head_uses_get_and_for_undecorated_method_gets_nothing():
    client = per_method_app().test_client()
    assert preflight(client, "/items/1", "HEAD").headers[ACAO] == A
    undecorated = preflight(client, "/items/1", "DELETE")
    assert undecorated.status_code == 200
    assert cors_header_names(undecorated) == []
    assert cors_header_names(preflight(client, "/items/1", "NOT A METHOD")) == []


def test_preflight_naming_a_decorated_helper_method_gets_nothing():
    # Only the methods MethodView dispatches to can answer: a decorated helper whose name
    # a preflight asks for (any token is a method to Fetch) must not lend its policy.
    app = Flask(__name__)

    class Items(MethodView):
        @cross_origin(origins=[A], methods=["GET"])
        def get(self):
            return "items"

        @cross_origin(origins=[A], methods=["*"])
        def helper(self):
            return "helper"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    response = preflight(app.test_client(), "/items", "helper")
    assert response.status_code == 200
    assert cors_header_names(response) == []


def test_plain_options_without_a_requested_method_gets_flasks_answer():
    response = per_method_app().test_client().options("/items/1", headers={"Origin": A})
    assert response.status_code == 200
    assert allow_set(response) == {"DELETE", "GET", "HEAD", "OPTIONS", "PUT"}
    assert cors_header_names(response) == []


def test_extension_answers_what_the_methods_leave_alone():
    app = per_method_app(origins=["https://c.example"])
    client = app.test_client()
    deleted = client.delete("/items/1", headers={"Origin": "https://c.example"})
    assert deleted.headers[ACAO] == "https://c.example"
    pre = preflight(client, "/items/1", "DELETE", origin="https://c.example")
    assert pre.headers[ACAO] == "https://c.example"
    # The decorated method's own policy wins over the extension's.
    assert cors_header_names(client.get("/items/1", headers={"Origin": "https://c.example"})) == []
    assert client.get("/items/1", headers={"Origin": A}).headers[ACAO] == A


def test_async_methods_of_a_method_view():
    app = Flask(__name__)

    class Items(MethodView):
        @cross_origin(origins=[A], methods=["GET", "POST"])
        async def post(self):
            await asyncio.sleep(0)
            return "posted"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    client = app.test_client()
    posted = client.post("/items", headers={"Origin": A})
    assert posted.get_data(as_text=True) == "posted"
    assert posted.headers[ACAO] == A
    answered = preflight(
        client, "/items", "POST", **{"Access-Control-Request-Headers": "content-type"}
    )
    assert answered.headers[ACAO] == A
    assert answered.headers["Access-Control-Allow-Methods"] == "GET, POST"


def test_explicit_methods_list_gets_options_added():
    app = Flask(__name__)

    class Items(MethodView):
        methods = ("GET",)

        @cross_origin(origins=[A])
        def get(self):
            return "got"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    assert set(Items.methods) == {"GET", "OPTIONS"}
    assert preflight(app.test_client(), "/items", "GET").headers[ACAO] == A


def test_subclass_inherits_decorated_methods_and_preflights():
    app = Flask(__name__)

    class Base(MethodView):
        @cross_origin(origins=[A])
        def get(self):
            return "base"

    class Child(Base):
        def post(self):
            return "child post"

    app.add_url_rule("/child", view_func=Child.as_view("child"))
    assert set(Child.methods) == {"GET", "POST", "OPTIONS"}
    client = app.test_client()
    assert preflight(client, "/child", "GET").headers[ACAO] == A
    assert client.get("/child", headers={"Origin": A}).headers[ACAO] == A


def test_own_options_method_is_kept():
    app = Flask(__name__)

    class Items(MethodView):
        @cross_origin(origins=[A])
        def get(self):
            return "got"

        def options(self):
            return "mine"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    assert app.test_client().options("/items").get_data(as_text=True) == "mine"


def test_decorated_method_with_automatic_options_off_leaves_the_class_alone():
    class Items(MethodView):
        @cross_origin(origins=[A], automatic_options=False)
        def get(self):
            return "got"

    assert "options" not in Items.__dict__
    assert set(Items.methods) == {"GET"}


def test_decorated_function_outside_a_view_class_is_an_ordinary_method():
    class Helper:
        @cross_origin(origins=[A])
        def get(self, value):
            return value

    assert Helper.get is Helper.__dict__["get"]
    assert not hasattr(Helper, "methods")


# --- plain View ----------------------------------------------------------------------


def test_view_dispatch_request_decorated():
    app = Flask(__name__)

    class Report(View):
        methods = ("GET", "POST")

        @cross_origin(origins=[A])
        def dispatch_request(self):
            return "report"

    app.add_url_rule("/report", view_func=Report.as_view("report"))
    assert set(Report.methods) == {"GET", "POST", "OPTIONS"}
    client = app.test_client()
    assert client.post("/report", headers={"Origin": A}).headers[ACAO] == A
    answered = preflight(
        client, "/report", "POST", **{"Access-Control-Request-Headers": "content-type"}
    )
    assert answered.headers[ACAO] == A
    assert answered.get_data(as_text=True) == ""


def test_view_without_methods_defaults_to_get():
    class Report(View):
        @cross_origin(origins=[A])
        def dispatch_request(self):
            return "report"

    assert set(Report.methods) == {"GET", "OPTIONS"}


def test_view_decorators_list():
    app = Flask(__name__)

    class Report(View):
        decorators = (cross_origin(origins=[A], max_age=30),)

        def dispatch_request(self):
            return "report"

    app.add_url_rule("/report", view_func=Report.as_view("report"))
    client = app.test_client()
    assert client.get("/report", headers={"Origin": A}).headers[ACAO] == A
    answered = preflight(client, "/report", "GET", **{"Access-Control-Request-Headers": "x-a"})
    assert answered.headers[ACAO] == A
    assert answered.headers["Access-Control-Max-Age"] == "30"


def test_method_view_dispatch_request_decorated_keeps_computed_methods():
    app = Flask(__name__)

    class Items(MethodView):
        @cross_origin(origins=[A])
        def dispatch_request(self, **kwargs):
            return super().dispatch_request(**kwargs)

        def put(self):
            return "put"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    assert set(Items.methods) == {"PUT", "OPTIONS"}
    client = app.test_client()
    assert client.put("/items", headers={"Origin": A}).headers[ACAO] == A
    assert preflight(client, "/items", "PUT").headers[ACAO] == A


# --- the extension alone -------------------------------------------------------------


def test_extension_covers_method_views_without_decorator():
    app = Flask(__name__)

    class Items(MethodView):
        def put(self):
            return "put"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    CORS(app, resources={"/items": {"origins": [A], "methods": ["PUT"]}})
    client = app.test_client()
    assert client.put("/items", headers={"Origin": A}).headers[ACAO] == A
    answered = preflight(client, "/items", "PUT")
    assert answered.headers[ACAO] == A
    assert answered.headers["Access-Control-Allow-Methods"] == "PUT"


# --- what the decorated object looks like --------------------------------------------


def test_decorated_view_keeps_metadata_and_flask_attributes():
    def view():
        """Docs."""
        return "x"

    view.custom = 1
    decorated = cross_origin()(view)
    assert decorated.__name__ == "view"
    assert decorated.__doc__ == "Docs."
    assert decorated.__wrapped__ is view
    assert decorated.custom == 1
    assert decorated.required_methods == {"OPTIONS"}
    assert decorated.provide_automatic_options is False
    decorated.provide_automatic_options = None  # what View.as_view() does
    assert decorated.provide_automatic_options is False
    off = cross_origin(automatic_options=False)(view)
    off.provide_automatic_options = None
    assert off.provide_automatic_options is None
    assert not hasattr(off, "required_methods")


def test_functools_wraps_above_copies_only_public_attributes():
    decorated = cross_origin()(lambda: "x")

    @functools.wraps(decorated)
    def outer():
        return decorated()

    assert outer.cors_wrapper is decorated
    assert outer.provide_automatic_options is False
    assert not any(name.startswith("_") and not name.startswith("__") for name in vars(outer))


# --- flask cors routes and explain ---------------------------------------------------


def test_routes_list_each_decorated_method_and_what_covers_the_rest():
    app = per_method_app(origins=["https://c.example"])
    rows = [(r.methods, r.applies) for r in route_policies(app) if r.rule.startswith("/items")]
    assert (["GET", "HEAD"], "@cross_origin on the view's get()") in rows
    assert (["PUT"], "@cross_origin on the view's put()") in rows
    assert (["DELETE", "OPTIONS"], "CORS(app) resource '/*'") in rows
    assert len(rows) == 3


def test_routes_without_undecorated_methods_have_no_fallback_row():
    app = Flask(__name__)

    class Items(MethodView):
        @cross_origin(origins=[A])
        def get(self):
            return "got"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    rows = [(r.methods, r.applies) for r in route_policies(app) if r.rule == "/items"]
    assert rows == [(["GET", "HEAD"], "@cross_origin on the view's get()")]


def test_routes_for_decorated_dispatch_request():
    app = Flask(__name__)

    class Report(View):
        @cross_origin(origins=[A])
        def dispatch_request(self):
            return "report"

    app.add_url_rule("/report", view_func=Report.as_view("report"))
    (row,) = [r for r in route_policies(app) if r.rule == "/report"]
    assert row.applies == "@cross_origin on the view's dispatch_request()"
    assert row.policy is not None


def test_explain_replays_decorated_methods_without_running_them():
    app = per_method_app()
    allowed = format_explanation(
        explain(app, B, "/items/1", "PUT", headers=["Content-Type: application/json"])
    )
    assert allowed.startswith("ALLOWED")
    assert "@cross_origin on the view" in allowed
    refused = format_explanation(
        explain(app, A, "/items/1", "PUT", headers=["Content-Type: application/json"])
    )
    assert refused.startswith("BLOCKED")
    assert format_explanation(explain(app, A, "/items/1", "DELETE")).startswith("BLOCKED")
    assert app.calls == []


def test_explain_replays_a_decorated_dispatch_request():
    app = Flask(__name__)
    ran = []

    class Report(View):
        methods = ("POST",)

        @cross_origin(origins=[A])
        def dispatch_request(self):
            ran.append(1)
            return "report"

    app.add_url_rule("/report", view_func=Report.as_view("report"))
    text = format_explanation(explain(app, A, "/report", "POST", headers=["X-Token: 1"]))
    assert text.startswith("ALLOWED")
    assert ran == []


def test_decorated_non_http_methods_leave_the_class_alone():
    class Items(MethodView):
        @cross_origin(origins=[A])
        def helper(self):
            return "helper"

        def get(self):
            return "got"

    class Report(View):
        @cross_origin(origins=[A])
        def get(self):  # a View dispatches through dispatch_request only
            return "report"

        def dispatch_request(self):
            return self.get()

    assert "options" not in Items.__dict__
    assert set(Items.methods) == {"GET"}
    assert Report.methods is None


def test_routes_skip_a_decorated_method_the_rule_does_not_route():
    app = Flask(__name__)

    class Items(MethodView):
        @cross_origin(origins=[A])
        def get(self):
            return "got"

        @cross_origin(origins=[B])
        def put(self):
            return "put"

    app.add_url_rule("/items", view_func=Items.as_view("items"), methods=["GET", "OPTIONS"])
    rows = [(r.methods, r.applies) for r in route_policies(app) if r.rule == "/items"]
    assert rows == [(["GET", "HEAD"], "@cross_origin on the view's get()")]
