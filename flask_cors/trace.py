"""A request's CORS steps: DEBUG log lines, and the steps ``flask cors explain`` collects."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, NamedTuple

from . import binding
from .patterns import shown
from .policy import Decision, Policy

LOG = logging.getLogger("flask_cors")
#: WSGI environ key of the list a replayed request's steps are appended to (a client
#: cannot set it: request headers reach the environ as ``HTTP_*`` keys only).
TRACE_KEY = "flask_cors.trace"
#: Most refused header names a log line lists.
LOGGED_NAMES = 10
#: The end of the log line of a step that added no headers.
_NOT_APPLIED = {
    binding.VIEW_SET_CORS: " already has Access-Control-Allow-Origin; left alone",
    binding.WILDCARD_BESIDE_CREDENTIALS: (
        " already has Access-Control-Allow-Credentials; '*' is not sent beside it"
    ),
    binding.RESOURCE_NOT_MATCHED: "",
    binding.EXCEPTION_NOT_INTERCEPTED: " (resource {!r})",
}


class Step(NamedTuple):
    """One CORS step taken for a request, by the PolicySource ``source``. Only an applied
    step carries its policy and decision: the others' messages name no more than the
    resource pattern (an exception left alone) or nothing."""

    event: str  # one of binding's events
    source: Any
    pattern: str | None = None  # the resource pattern that matched, where it is told
    policy: Policy | None = None
    decision: Decision | None = None


def record(step: Step, environ: Mapping[str, Any]) -> None:
    """Log ``step`` at DEBUG and hand it to ``flask cors explain`` when it is replaying."""
    steps: list[Step] | None = environ.get(TRACE_KEY)
    if steps is not None:
        steps.append(step)
    request = f"{shown(environ.get('REQUEST_METHOD'))} {shown(environ.get('PATH_INFO'))}"
    if step.event != binding.APPLIED:
        detail = _NOT_APPLIED[step.event].format(step.pattern)
        LOG.debug("CORS %s: %s%s", step.event, request, detail)
        return
    decision = step.decision
    assert decision is not None
    answer = ", ".join(f"{name!r}: {shown(value)}" for name, value in decision.headers)
    origin = shown(environ.get("HTTP_ORIGIN"))
    line = f"{','.join(decision.reasons)}: {request} Origin={origin} -> {{{answer}}}"
    refused = decision.refused_headers
    if refused:
        line += f" refused headers [{', '.join(map(shown, refused[:LOGGED_NAMES]))}]"
        if len(refused) > LOGGED_NAMES:
            line += f" and {len(refused) - LOGGED_NAMES} more"
    LOG.debug("CORS %s", line)
