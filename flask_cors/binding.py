"""Flask glue shared by the extension and the decorator: hooking an app, and writing a
decision onto a response."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, request
from werkzeug.datastructures import Headers

from .build import PolicySource, cors_state
from .memo import MEMO
from .policy import Decision, Policy, decide, grant, judge_origin
from .resources import routed_path

LOG = logging.getLogger("flask_cors")

#: WSGI environ key set once a request's CORS answer is decided, so that the decorator,
#: a blueprint's extension and the app's extension never add headers twice.
HANDLED_KEY = "flask_cors.handled"
#: WSGI environ key set when Flask turns an unhandled exception into the response.
FROM_EXCEPTION_KEY = "flask_cors.from_exception"
#: Why a response got, or did not get, a policy's headers: the events the one
#: troubleshooting hook reports (``_observe``, at DEBUG on the flask_cors logger).
APPLIED = "applied"
VIEW_SET_CORS = "view-set-cors"
#: The response already allows credentials and the policy would answer '*'.
WILDCARD_BESIDE_CREDENTIALS = "wildcard-beside-credentials"
RESOURCE_NOT_MATCHED = "resource-not-matched"
EXCEPTION_NOT_INTERCEPTED = "exception-not-intercepted"


def _observe(
    event: str,
    environ: Mapping[str, Any],
    source: Any,
    pattern: str | None = None,
    policy: Policy | None = None,
    decision: Decision | None = None,
) -> None:
    """Report one step to troubleshooting; callers first check that the flask_cors
    logger is at DEBUG, so that otherwise the request path never gets here."""
    from .trace import Step, record  # troubleshooting is imported only once asked for

    record(Step(event, source, pattern, policy, decision), environ)


_VARY_ORIGIN = ("Vary", "Origin")


def apply_policy(
    policy: Policy,
    response: Response,
    environ: Mapping[str, Any],
    source: Any = None,
    pattern: str | None = None,
) -> Response:
    """Add the policy's answer to the request described by the WSGI ``environ`` to
    ``response``; ``source`` and ``pattern`` say where the policy comes from, for
    troubleshooting.

    A response that already carries Access-Control-Allow-Origin was answered by the view
    itself and is left alone; no header is ever added twice.
    """
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
            _observe(VIEW_SET_CORS, environ, source, pattern, policy)
        return response
    decision = decide_cached(
        policy,
        environ.get("REQUEST_METHOD", "GET").upper(),
        environ.get("HTTP_ORIGIN"),
        environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"),
        environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS"),
        environ.get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK"),
    )
    if view_credentials and decision.headers and decision.headers[0][1] == "*":
        # Browsers refuse '*' beside credentials, and no answer here sends the pair
        # (INV-02), whoever set the ACAC: this policy's headers are left out.
        if LOG.isEnabledFor(logging.DEBUG):
            _observe(WILDCARD_BESIDE_CREDENTIALS, environ, source, pattern, policy, decision)
        return response
    # Every value a decision holds is a token list, digits, 'true', a configured origin
    # validated at setup or an Origin checked to be visible ASCII, so werkzeug's per-add
    # validation is skipped by appending to its list of (name, value) pairs.
    if fast and present is None and not vary:  # the usual case: nothing to merge or keep
        raw.extend(decision.headers)
        if decision.vary_origin:
            raw.append(_VARY_ORIGIN)
    else:
        for name, value in decision.headers:
            if not present or name.lower() not in present:
                headers.add(name, value)
        if decision.vary_origin:
            merged = merge_vary_origin(vary)
            if merged is not None:
                headers["Vary"] = merged
    if LOG.isEnabledFor(logging.DEBUG):
        _observe(APPLIED, environ, source, pattern, policy, decision)
    return response


def decide_cached(
    policy: Policy,
    method: str,
    origin: str | None,
    request_method: str | None,
    request_headers: str | None,
    request_private_network: str | None,
) -> Decision:
    """``decide``, remembered in ``MEMO``: the answer is a pure function of the policy
    and these values, and browsers repeat them. A callable in ``origins`` may change its
    answer at any time, so then the Origin is judged afresh and the rest remembered
    under that verdict."""
    judged = judge_origin(policy, origin) if policy.origins.checks else None
    rest = (request_method, request_headers, request_private_network)
    key = (policy, method, judged or origin, *rest)
    try:
        return MEMO.entries[key]  # type: ignore[no-any-return]
    except KeyError:
        pass
    if judged is None:
        decision = decide(policy, method, origin, *rest)
    else:
        decision = grant(policy, *judged, method, *rest)
    MEMO.remember(key, decision, sum(len(part) for part in (origin, *rest) if part))
    return decision


def merge_vary_origin(values: list[str]) -> str | None:
    """The Vary value with ``Origin`` merged into the view's ``values`` as one token list,
    or None when nothing must change (Origin already there, or ``Vary: *``)."""
    existing = [value.strip() for value in values if value.strip()]
    tokens = {token.strip().lower() for value in existing for token in value.split(",")}
    if "*" in tokens or "origin" in tokens:
        return None
    return ", ".join([*existing, "Origin"])


def register(app: Flask, source: PolicySource, app_wide: bool) -> None:
    """Attach ``source`` to ``app``, once per app hooking Flask where CORS needs it.

    Sources are listed in ``app.extensions["cors"]["sources"]``. An app-wide source
    answers from ``app.process_response``, after every ``after_request`` function
    (blueprints' CORS and the decorator included), the most recently added first. Flask
    is also made to record, per request, that the response answers an unhandled
    exception (a 500, from Flask or the app's handler for it): the only responses
    ``intercept_exceptions=False`` leaves alone. ``abort()``, routing errors and what
    the app's other error handlers return are answered like any response.
    """
    state = cors_state(app)
    state["sources"].append(source)
    if app_wide:
        state["app_wide"].insert(0, source)
    if state.get("hooked"):
        return
    state["hooked"] = True
    app.handle_exception = _marking(app.handle_exception)  # type: ignore[method-assign]
    app.process_response = _answering(app, app.process_response, state["app_wide"])  # type: ignore[method-assign]


def answer(source: PolicySource, app: Flask, response: Response) -> Response:
    """The CORS answer of ``source`` to the current request, unless another one gave it."""
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
            _observe(EXCEPTION_NOT_INTERCEPTED, environ, source, pattern.text, policy)
        return response
    environ[HANDLED_KEY] = True
    return apply_policy(policy, response, environ, source, pattern.text)


def _answering(app: Flask, process_response: Any, sources: list[PolicySource]) -> Any:
    # A wrapper rather than an after_request function: Flask's dispatch of those costs
    # about as much as the whole CORS answer.
    def answered(response: Response) -> Response:
        response = process_response(response)
        for source in sources:
            response = answer(source, app, response)
        return response

    return answered


def _marking(handler: Any) -> Any:
    def handle(error: BaseException) -> Any:
        # Flask calls it only while a request is being answered.
        request.environ[FROM_EXCEPTION_KEY] = True
        return handler(error)

    return handle
