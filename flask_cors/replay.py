"""Replaying a request through an app's real CORS machinery with its views stubbed out,
for ``flask cors explain``: what came back, and the steps the runtime reported."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask, request

from .binding import APPLIED
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
    headers: list[tuple[str, str]]
    steps: list[Step]

    def values(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    def cors_headers(self) -> list[tuple[str, str]]:
        """The response's Access-Control-* and Vary headers, as sent."""
        return [
            (name, value)
            for name, value in self.headers
            if name.lower().startswith("access-control-") or name.lower() == "vary"
        ]

    def applied(self) -> Step | None:
        return next((step for step in self.steps if step.event == APPLIED), None)


def replay(
    app: Flask, method: str, path: str, headers: Sequence[tuple[str, str]], kind: str
) -> Exchange:
    """Send one request through ``app``'s real CORS machinery, with every view replaced
    by one answering an empty 200 (so nothing the views do happens), and record the CORS
    steps taken for it."""
    steps: list[Step] = []
    saved = dict(app.view_functions)
    try:
        for endpoint, view in saved.items():
            # A decorated view keeps the decorator's policy around an empty view; whatever
            # was wrapped around the decorator does not run either.
            app.view_functions[endpoint] = _stand_in(view)
        with _steps_reported():
            response = app.test_client().open(
                path, method=method, headers=list(headers), environ_overrides={TRACE_KEY: steps}
            )
    finally:
        app.view_functions.clear()
        app.view_functions.update(saved)
    return Exchange(
        kind, method, path, list(headers), response.status_code, list(response.headers), steps
    )


@contextmanager
def _steps_reported() -> Iterator[None]:
    """The runtime reports its steps only while the flask_cors logger is at DEBUG: turn
    that on for the replay if it is off, without letting the records reach a handler."""
    if LOG.isEnabledFor(logging.DEBUG):
        yield
        return
    level = LOG.level
    LOG.setLevel(logging.DEBUG)
    LOG.addFilter(_silenced)
    try:
        yield
    finally:
        LOG.removeFilter(_silenced)
        LOG.setLevel(level)


def _silenced(record: logging.LogRecord) -> bool:
    return record.levelno > logging.DEBUG


def _stub_view(*_: Any, **__: Any) -> str:
    return ""


def _stubbed(wrapper: CrossOriginView) -> CrossOriginView:
    """The decorator's policy around an empty view."""
    return CrossOriginView(_stub_view, wrapper._source, wrapper._answers_options)


def _stand_in(view: Any) -> Any:
    """What answers for ``view`` while replaying: its decorator's policy, the decorated
    methods of its class (without creating an instance), each around an empty view, or
    an empty 200."""
    wrapper = getattr(view, "cors_wrapper", None)
    if wrapper is not None:
        return _stubbed(wrapper)
    view_class = getattr(view, "view_class", None)
    per_method = decorated_methods(view_class)
    if not per_method:
        return _stub_view
    if "dispatch_request" in per_method:
        return _stubbed(per_method["dispatch_request"])

    def class_view_stand_in(**kwargs: Any) -> Any:
        if getattr(view_class, request.method.lower(), None) is answer_class_preflight:
            return answer_class_preflight(view_class)
        decorated = method_policy_view(view_class, request.method)
        return "" if decorated is None else _stubbed(decorated)(None, **kwargs)

    return class_view_stand_in
