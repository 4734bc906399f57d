"""Adapter for any package with Flask-CORS's API importable as ``flask_cors``: this
project, or Flask-CORS itself in an environment where it is installed instead."""

from __future__ import annotations

import importlib.metadata
import itertools
import logging
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from flask import Blueprint, Flask, abort
from flask.views import MethodView, View

import flask_cors
from adapters import LogCapture
from cors_spec import Case, Observed, decode_options, decode_value, sent_request

DEFAULT_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
#: A route's (or config's) `decorator` written as this word: ``@cross_origin`` without
#: parentheses, the decorator applied to the view itself.
BARE = "bare"
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
        """Build the case's app, send its request (then its further requests, to the same
        app), capture the responses, the logs and the warnings."""
        with WarningCapture("flask_cors") as warnings:
            try:
                app = build_app(case)
            except (TypeError, ValueError) as error:
                return Observed(setup_error=error, warnings=warnings.messages)
            observed = _send(app, case.request)
        observed.warnings = warnings.messages
        observed.then = []
        for step in case.then:
            with WarningCapture("flask_cors") as warnings:
                apply_config_changes(app, step)
                answer = _send(app, step["request"])
            answer.warnings = warnings.messages
            observed.then.append(answer)
        return observed


class WarningCapture(logging.Handler):
    """Collects the messages of the WARNING (or higher) records of one logger tree while
    active, for ``Observed.warnings``; the logger lets warnings through meanwhile."""

    def __init__(self, logger_name: str) -> None:
        super().__init__(logging.WARNING)
        self.messages: List[str] = []
        self._logger = logging.getLogger(logger_name)
        self._level = logging.NOTSET
        self._disabled = False

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def __enter__(self) -> WarningCapture:
        self._level, self._disabled = self._logger.level, self._logger.disabled
        if self._logger.getEffectiveLevel() > logging.WARNING:
            self._logger.setLevel(logging.WARNING)
        self._logger.disabled = False
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._level)
        self._logger.disabled = self._disabled


def _send(app: Flask, request: Mapping[str, Any]) -> Observed:
    """Send one request to the app with Flask's test client; what came back, timed."""
    records = LogCapture("flask_cors")
    try:
        with records:
            started = time.perf_counter()
            response = app.test_client().open(
                request["path"],
                method=request["method"],
                environ_overrides=_environ(sent_request(request)["headers"]),
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


def apply_config_changes(app: Flask, step: Mapping[str, Any]) -> None:
    """A further request's changes to ``app.config``: ``config_changes`` assigned, then
    ``config_removals`` removed in place."""
    for key, value in (step.get("config_changes") or {}).items():
        app.config[key] = decode_value(value)
    _remove_from_config(app, step.get("config_removals") or [])


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

    # The keywords each place is given, decoded once, so that option_mutations can reach
    # the very objects that were passed.
    passed: Dict[str, Optional[Dict[str, Any]]] = {
        "extension": decode_options(config.get("extension")),
        "init_app": decode_options(config["init_app"]) if "init_app" in config else None,
        "decorator": _decoded(config.get("decorator")),
    }
    if "routes" in shape:
        for route in shape["routes"]:
            _add_route(app, route)
    else:
        for path in ("/", "/<path:path>"):
            route = {"path": path, "methods": DEFAULT_METHODS, "decorator": config.get("decorator")}
            _add_route(app, route, passed["decorator"])

    for spec in shape.get("blueprints", []):
        blueprint = Blueprint(spec["name"], f"spec_bp_{spec['name']}")
        for route in spec["routes"]:
            _add_route(blueprint, route)
        if "cors" in spec:
            flask_cors.CORS(blueprint, **decode_options(spec["cors"]))
        app.register_blueprint(blueprint, url_prefix=spec.get("url_prefix"))

    for handler in shape.get("error_handlers", []):
        code, status = (
            (handler, handler) if isinstance(handler, int) else (handler["code"], handler["status"])
        )
        app.register_error_handler(code, _error_handler(status))
    if "before_request_abort" in shape:
        status = shape["before_request_abort"]
        app.before_request(lambda: abort(status))

    if "init_app" in config:
        cors = flask_cors.CORS(**(passed["extension"] or {}))
        cors.init_app(app, **(passed["init_app"] or {}))
    elif "extension" in config:
        flask_cors.CORS(app, **(passed["extension"] or {}))

    _remove_from_config(app, shape.get("config_removals", []))
    for mutation in shape.get("option_mutations", []):
        # In place, in the object the case's code passed (README difference 10).
        values: Any = passed[mutation.get("place", "extension")]
        for key in [mutation["option"], *mutation.get("at", [])]:
            values = values[key]
        values.remove(mutation["value"])
    return app


def _remove_from_config(app: Flask, removals: List[Mapping[str, Any]]) -> None:
    """Each value removed in place from a list in ``app.config``, as an operator revoking
    an origin at run time would."""
    for removal in removals:
        values = app.config[removal["key"]]
        for key in removal.get("at", []):
            values = values[key]
        values.remove(removal["value"])


def _decoded(spec: Any) -> Optional[Dict[str, Any]]:
    """A decorator's keywords decoded; None for no decorator or a bare one."""
    return decode_options(spec) if isinstance(spec, Mapping) else None


def _decorator(spec: Any, options: Optional[Dict[str, Any]] = None) -> Optional[Callable[..., Any]]:
    """``@cross_origin`` as the case writes it: nothing (None), without parentheses
    (BARE), or called with its keywords (``options`` when already decoded)."""
    if spec is None:
        return None
    if spec == BARE:
        return flask_cors.cross_origin
    if isinstance(spec, Mapping) and "$positional" in spec:
        positional: Callable[..., Any] = flask_cors.cross_origin(
            *(decode_value(value) for value in spec["$positional"])
        )
        return positional
    keywords = decode_options(spec) if options is None else options
    decorator: Callable[..., Any] = flask_cors.cross_origin(**keywords)
    return decorator


def _add_route(
    target: Any, route: Mapping[str, Any], decorator_options: Optional[Dict[str, Any]] = None
) -> None:
    style = route.get("style", "function")
    methods = route.get("methods", ["GET"])
    behaviour = route.get("view") or {}
    view: Callable[..., Any]
    if style == "function":
        view = _view(behaviour, bool(route.get("async")))
        if "required_methods" in route:  # as another decorator may have set it
            view.required_methods = set(route["required_methods"])  # type: ignore[attr-defined]
        if "view_name" in route:
            view.__name__ = route["view_name"]
        wrap = _decorator(route.get("decorator"), decorator_options)
        if wrap is not None:
            view = wrap(view)
        if "view_name" in route:  # Flask names the endpoint after the view function
            target.add_url_rule(route["path"], view_func=view, methods=methods)
            return
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
        wrap = _decorator(per_method.get(name))
        if wrap is not None:
            method = wrap(method)
        namespace[name] = method
    if style == "method-view":
        if "dispatch_request" in per_method:  # MethodView's own dispatch, decorated

            def dispatch_request(self: MethodView, *args: Any, **kwargs: Any) -> Any:
                return MethodView.dispatch_request(self, *args, **kwargs)

            wrap = _decorator(per_method["dispatch_request"])
            assert wrap is not None
            namespace["dispatch_request"] = wrap(dispatch_request)
        if route.get("class_methods"):  # the class lists its methods itself
            namespace["methods"] = list(methods)
        if "options_view" in route:  # the class answers OPTIONS with a method of its own
            namespace["options"] = _view(route["options_view"])
    wrap = _decorator(route.get("decorator"))
    if wrap is not None:
        namespace["decorators"] = [wrap]
    base = View if style == "view" else MethodView
    return type(f"SpecView{next(_counter)}", (base,), namespace)


def _view(behaviour: Mapping[str, Any], is_async: bool = False) -> Callable[..., Any]:
    """A view function (or, taking ``self`` positionally, a class-based view's method)
    behaving as the case's ``view`` says."""

    def respond(positional: Tuple[Any, ...] = (), variables: Mapping[str, Any] = {}) -> Any:
        if behaviour.get("echo"):  # what the view was called with, for the case to check
            named = "".join(f";{name}={value}" for name, value in sorted(variables.items()))
            return f"positional={len(positional)}{named}", behaviour.get("status", 200)
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

        async def async_view(*positional: Any, **variables: Any) -> Any:
            return respond(positional, variables)

        return async_view

    def view(*positional: Any, **variables: Any) -> Any:
        return respond(positional, variables)

    return view


def _error_handler(status: int) -> Callable[[Any], Tuple[str, int]]:
    return lambda error: ("handled", status)


def _environ(headers: Mapping[str, str]) -> Dict[str, str]:
    """Request headers as WSGI environ entries, so bytes a client library would refuse
    (CR, LF, NUL) still reach the app, as a lenient server could pass them on."""
    environ = {}
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
    return environ
