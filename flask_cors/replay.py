"""Replaying a request through an app's CORS machinery, with stand-ins for its views."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import Flask, request
from werkzeug.datastructures import Headers

from .decorator import CrossOriginView, answer_class_preflight, method_policy_view
from .routes import decorated_methods
from .trace import LOG, TRACE_KEY, Step


@dataclass
class Exchange:
    """One request replayed through the app, and what came back."""

    kind: str  # "preflight" or "actual request"
    method: str
    path: str
    request_headers: list[tuple[str, str]]
    status: int
    headers: Headers
    steps: list[Step]

    def cors_headers(self) -> list[tuple[str, str]]:
        """The response's Access-Control-* and Vary headers, as sent."""
        return [
            (name, value)
            for name, value in self.headers
            if name.lower().startswith("access-control-") or name.lower() == "vary"
        ]


def replay(
    app: Flask, method: str, path: str, headers: list[tuple[str, str]], kind: str
) -> Exchange:
    """Send one request through ``app``'s CORS machinery with stand-ins for its views, and
    record the CORS steps taken for it."""
    steps: list[Step] = []
    saved = dict(app.view_functions)
    # The runtime reports steps only at DEBUG; records it writes for the replay alone are
    # kept from the handlers.
    quiet = not LOG.isEnabledFor(logging.DEBUG)
    level = LOG.level
    if quiet:
        LOG.setLevel(logging.DEBUG)
        LOG.addFilter(_above_debug)
    try:
        app.view_functions.update((name, _stand_in(view)) for name, view in saved.items())
        client = app.test_client()
        response = client.open(
            path, method=method, headers=headers, environ_overrides={TRACE_KEY: steps}
        )
    finally:
        app.view_functions.clear()
        app.view_functions.update(saved)
        if quiet:
            LOG.removeFilter(_above_debug)
            LOG.setLevel(level)
    return Exchange(kind, method, path, headers, response.status_code, response.headers, steps)


def _above_debug(record: logging.LogRecord) -> bool:
    return record.levelno > logging.DEBUG


def _stub_view(*_: Any, **__: Any) -> str:
    return ""


def _stubbed(wrapper: CrossOriginView) -> CrossOriginView:
    return CrossOriginView(_stub_view, wrapper._source, wrapper._answers_options)


def _stand_in(view: Any) -> Any:
    """An empty view in place of ``view``, inside the policy of the decorator on it, on its
    class's dispatch_request or on the method a request is dispatched to (no instance of
    the class is created); decorators above @cross_origin do not run either."""
    view_class = getattr(view, "view_class", None)
    per_method = decorated_methods(view_class)
    wrapper = getattr(view, "cors_wrapper", per_method.get("dispatch_request"))
    if wrapper is not None:
        return _stubbed(wrapper)
    if not per_method:
        return _stub_view

    def class_view_stand_in(**kwargs: Any) -> Any:
        if getattr(view_class, request.method.lower(), None) is answer_class_preflight:
            return answer_class_preflight(view_class)
        decorated = method_policy_view(view_class, request.method)
        return "" if decorated is None else _stubbed(decorated)(**kwargs)

    return class_view_stand_in
