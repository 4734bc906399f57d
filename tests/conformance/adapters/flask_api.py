"""Adapter for any package with Flask-CORS's API importable as ``flask_cors``: this
project, or Flask-CORS itself in an environment where it is installed instead."""

from __future__ import annotations

import importlib.metadata
import itertools
import time
from typing import Any, Callable, Dict, List, Mapping, Tuple

from flask import Blueprint, Flask, abort
from flask.views import MethodView, View

import flask_cors
from adapters import LogCapture
from cors_spec import Case, Observed, decode_options, decode_value

DEFAULT_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_counter = itertools.count()


def _distribution() -> Tuple[str, str]:
    """Which distribution provides the importable flask_cors, by matching versions."""
    version = getattr(flask_cors, "__version__", "unknown")
    for name in ("flask-cors-reference", "flask-cors"):
        try:
            if importlib.metadata.version(name) == version:
                return name, version
        except importlib.metadata.PackageNotFoundError:
            continue
    return "flask_cors (unknown distribution)", version


class FlaskCorsApiAdapter:
    """Builds a real Flask app per case and sends the request with Flask's test client."""

    def __init__(self) -> None:
        self.name, self.version = _distribution()
        self.module_file = flask_cors.__file__

    def run(self, case: Case) -> Observed:
        """Build the case's app, send its request, capture the response and the logs."""
        try:
            app = build_app(case)
        except (TypeError, ValueError) as error:
            return Observed(setup_error=error)
        records = LogCapture("flask_cors")
        try:
            with records:
                started = time.perf_counter()
                response = app.test_client().open(
                    case.request["path"],
                    method=case.request["method"],
                    environ_overrides=_environ(case.request.get("headers") or {}),
                )
        except Exception as error:  # a crash is an outcome to report, not a runner error
            return Observed(request_error=error, logs=records.messages)
        return Observed(
            status=response.status_code,
            headers=list(response.headers.items()),
            body=response.get_data(),
            logs=records.messages,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )


def build_app(case: Case) -> Flask:
    """The Flask app a case describes, with CORS set up in every place the case says."""
    config = case.config
    shape = case.app
    app = Flask(f"spec_case_{next(_counter)}")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    for key, value in (config.get("app_config") or {}).items():
        app.config[key] = decode_value(value)
    if "strict_slashes" in shape:
        app.url_map.strict_slashes = shape["strict_slashes"]

    if "routes" in shape:
        routes = shape["routes"]
    else:
        routes = [
            {"path": path, "methods": DEFAULT_METHODS, "decorator": config.get("decorator")}
            for path in ("/", "/<path:path>")
        ]
        if config.get("decorator") is None:
            for route in routes:
                del route["decorator"]
    for route in routes:
        _add_route(app, route)

    for spec in shape.get("blueprints", []):
        blueprint = Blueprint(spec["name"], f"spec_bp_{spec['name']}")
        for route in spec["routes"]:
            _add_route(blueprint, route)
        if "cors" in spec:
            flask_cors.CORS(blueprint, **decode_options(spec["cors"]))
        app.register_blueprint(blueprint, url_prefix=spec.get("url_prefix"))

    for code in shape.get("error_handlers", []):
        app.register_error_handler(code, _error_handler(code))
    if "before_request_abort" in shape:
        status = shape["before_request_abort"]
        app.before_request(lambda: abort(status))

    if "init_app" in config:
        cors = flask_cors.CORS(**decode_options(config.get("extension")))
        cors.init_app(app, **decode_options(config["init_app"]))
    elif "extension" in config:
        flask_cors.CORS(app, **decode_options(config["extension"]))

    for removal in shape.get("config_removals", []):
        # In place, as an operator revoking an origin at run time would.
        values = app.config[removal["key"]]
        for key in removal.get("at", []):
            values = values[key]
        values.remove(removal["value"])
    return app


def _add_route(target: Any, route: Mapping[str, Any]) -> None:
    style = route.get("style", "function")
    methods = route.get("methods", ["GET"])
    decorator = route.get("decorator")
    wrap = None if decorator is None else flask_cors.cross_origin(**decode_options(decorator))
    behaviour = route.get("view") or {}
    view: Callable[..., Any]
    if style == "function":
        view = _view(behaviour, bool(route.get("async")))
        if wrap is not None:
            view = wrap(view)
    else:
        endpoint = f"view_{next(_counter)}"
        view = _class_view(style, route, methods).as_view(endpoint)
        target.add_url_rule(route["path"], endpoint=endpoint, view_func=view)
        return
    target.add_url_rule(
        route["path"], endpoint=f"view_{next(_counter)}", view_func=view, methods=methods
    )


def _class_view(style: str, route: Mapping[str, Any], methods: List[str]) -> Any:
    """A View or MethodView subclass written the way a user would: its methods defined
    in the class body, decorated there when the case says so (``__set_name__`` and
    ``__init_subclass__`` run as for hand-written code)."""
    behaviour = route.get("view") or {}
    is_async = bool(route.get("async"))
    per_method = route.get("method_decorators") or {}
    namespace: Dict[str, Any] = {}
    if style == "view":
        names = ["dispatch_request"]
        namespace["methods"] = list(methods)
    else:
        names = [m.lower() for m in methods if m.upper() not in ("OPTIONS", "HEAD")]
    for name in names:
        method = _view(behaviour, is_async)
        if name in per_method:
            method = flask_cors.cross_origin(**decode_options(per_method[name]))(method)
        namespace[name] = method
    if route.get("decorator") is not None:
        namespace["decorators"] = [flask_cors.cross_origin(**decode_options(route["decorator"]))]
    base = View if style == "view" else MethodView
    return type(f"SpecView{next(_counter)}", (base,), namespace)


def _view(behaviour: Mapping[str, Any], is_async: bool = False) -> Callable[..., Any]:
    """A view function (or, taking ``self`` positionally, a class-based view's method)
    behaving as the case's ``view`` says."""

    def respond() -> Any:
        if "abort" in behaviour:
            abort(behaviour["abort"])
        if behaviour.get("raise"):
            raise RuntimeError("spec case view failure")
        return (
            behaviour.get("body", "ok"),
            behaviour.get("status", 200),
            behaviour.get("headers", {}),
        )

    if is_async:

        async def async_view(*_self: Any, **_: Any) -> Any:
            return respond()

        return async_view

    def view(*_self: Any, **_: Any) -> Any:
        return respond()

    return view


def _error_handler(code: int) -> Callable[[Any], Tuple[str, int]]:
    return lambda error: ("handled", code)


def _environ(headers: Mapping[str, str]) -> Dict[str, str]:
    """Request headers as WSGI environ entries, so bytes a client library would refuse
    (CR, LF, NUL) still reach the app, as a lenient server could pass them on."""
    environ = {}
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
    return environ
