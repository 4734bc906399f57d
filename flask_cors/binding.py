"""Flask glue shared by the extension and the decorator: hooking an app, answering a request."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, request
from werkzeug.datastructures import Headers

from .build import PolicySource, cors_state
from .policy import Policy, decide
from .resources import MEMO, routed_path

LOG = logging.getLogger("flask_cors")
HANDLED_KEY = "flask_cors.handled"  # in the WSGI environ once answered: no source adds more
FROM_EXCEPTION_KEY = "flask_cors.from_exception"  # the response answers an unhandled exception
#: Why a response got, or did not get, a policy's headers, as ``_observe`` reports it.
APPLIED = "applied"
VIEW_SET_CORS = "view-set-cors"
WILDCARD_BESIDE_CREDENTIALS = "wildcard-beside-credentials"
RESOURCE_NOT_MATCHED = "resource-not-matched"
EXCEPTION_NOT_INTERCEPTED = "exception-not-intercepted"


def _observe(event: str, environ: dict[str, Any], *step: Any) -> None:
    from .trace import Step, record  # callers check for DEBUG first: imported only then

    record(Step(event, *step), environ)


def apply_policy(
    policy: Policy, response: Response, environ: dict[str, Any], source: Any, pattern: str | None
) -> Response:
    headers = response.headers
    fast = type(headers) is Headers  # werkzeug's, whose list of pairs can be appended to
    raw: list[tuple[str, str]] = headers._list if fast else list(headers.items())
    # One pass over what the view set; werkzeug's own lookups raise and catch KeyError.
    present = None
    view_credentials = False
    vary: list[str] = []
    for name, value in raw:
        initial = name[0]
        if initial in "aA":
            lowered = name.lower()
            if lowered.startswith("access-control-"):
                present = present or set()
                present.add(lowered)
                if lowered == "access-control-allow-credentials":
                    view_credentials = value.strip(" \t").lower() == "true"
        elif initial in "vV" and name.lower() == "vary":
            vary.append(value)
    if present and "access-control-allow-origin" in present:
        if LOG.isEnabledFor(logging.DEBUG):
            _observe(VIEW_SET_CORS, environ, source)
        return response
    # Remembered, as browsers repeat these; a callable in origins is asked every time.
    method = environ.get("REQUEST_METHOD", "GET").upper()
    origin = environ.get("HTTP_ORIGIN")
    rest = (
        environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"),
        environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS"),
        environ.get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK"),
    )
    key = (policy, method, origin, *rest)
    try:
        decision = MEMO.entries[key]
    except KeyError:
        decision = decide(policy, method, origin, *rest)
        MEMO.remember(key, decision, sum(len(part) for part in (origin, *rest) if part))
    if type(decision) is dict:  # only a callable can tell; decide() made this for a real Origin
        decision = decision[policy.origins.check(origin)]  # type: ignore[arg-type]
    if view_credentials and decision.headers and decision.headers[0][1] == "*":
        # Browsers refuse '*' beside credentials, whoever set them: no header is added (INV-02).
        if LOG.isEnabledFor(logging.DEBUG):
            _observe(WILDCARD_BESIDE_CREDENTIALS, environ, source)
        return response
    # Decisions hold tokens, digits and visible-ASCII origins: werkzeug's newline check is moot.
    if fast and present is None and not vary:  # the usual case: nothing to merge or keep
        raw.extend(decision.headers)
        if decision.vary_origin:
            raw.append(("Vary", "Origin"))
    else:
        for name, value in decision.headers:
            if not present or name.lower() not in present:
                headers.add(name, value)
        if decision.vary_origin:
            existing = [value.strip() for value in vary if value.strip()]
            tokens = {token.strip().lower() for value in existing for token in value.split(",")}
            if "*" not in tokens and "origin" not in tokens:
                headers["Vary"] = ", ".join([*existing, "Origin"])
    if LOG.isEnabledFor(logging.DEBUG):
        _observe(APPLIED, environ, source, pattern, policy, decision)
    return response


def register(app: Flask, source: PolicySource, app_wide: bool) -> None:
    source.table(app)  # the app's config as it is now fails here, at setup
    state = cors_state(app)
    app_wide_sources = state["app_wide"]
    if app_wide:
        app_wide_sources.insert(0, source)
    if not state["sources"]:  # the first source hooks the app
        handle_exception, process_response = app.handle_exception, app.process_response

        def marked(error: Exception) -> Response:
            request.environ[FROM_EXCEPTION_KEY] = True  # Flask calls it only within a request
            return handle_exception(error)

        # A wrapper answers after every after_request function, and costs less than being one.
        def answered(response: Response) -> Response:
            response = process_response(response)
            for each in app_wide_sources:
                response = answer(each, app, response)
            return response

        app.handle_exception = marked  # type: ignore[method-assign, assignment]
        app.process_response = answered  # type: ignore[method-assign]
    state["sources"].append(source)


def answer(source: PolicySource, app: Flask, response: Response) -> Response:
    current = request._get_current_object()  # type: ignore[attr-defined]
    environ = current.environ
    if environ.get(HANDLED_KEY):
        return response
    table = source.table(app)
    rule = table.every_path or table.match(routed_path(app, current))
    if rule is None:
        if LOG.isEnabledFor(logging.DEBUG):
            _observe(RESOURCE_NOT_MATCHED, environ, source)
        return response
    pattern, policy = rule
    if environ.get(FROM_EXCEPTION_KEY) and not policy.intercept_exceptions:
        if LOG.isEnabledFor(logging.DEBUG):
            _observe(EXCEPTION_NOT_INTERCEPTED, environ, source, pattern.text)
        return response
    environ[HANDLED_KEY] = True
    return apply_policy(policy, response, environ, source, pattern.text)
