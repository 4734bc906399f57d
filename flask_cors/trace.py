"""What a request's CORS steps look like to troubleshooting: DEBUG log lines, and the
steps ``flask cors explain`` collects. Imported only once the flask_cors logger is at
DEBUG, so it costs nothing otherwise."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, NamedTuple

from .binding import (
    APPLIED,
    EXCEPTION_NOT_INTERCEPTED,
    RESOURCE_NOT_MATCHED,
    VIEW_SET_CORS,
    WILDCARD_BESIDE_CREDENTIALS,
)
from .core import ACL_CREDENTIALS, ACL_ORIGIN
from .patterns import shown
from .policy import Decision, Policy

LOG = logging.getLogger("flask_cors")

#: WSGI environ key holding a list while ``flask cors explain`` replays a request: each
#: step taken for it is appended, so the explanation is the runtime's own account. (A
#: client cannot set it: request headers only reach the environ as ``HTTP_*`` keys.)
TRACE_KEY = "flask_cors.trace"
#: Most names of a list written to a log record (each value is clipped by ``shown``).
LOGGED_NAMES = 10


class Step(NamedTuple):
    """One CORS step taken for a request."""

    #: One of the event kinds of ``flask_cors.binding``.
    event: str
    #: The PolicySource that took the step.
    source: Any
    #: The resource pattern that matched (None for the decorator or when none did).
    pattern: str | None = None
    policy: Policy | None = None
    decision: Decision | None = None


def record(step: Step, environ: Mapping[str, Any]) -> None:
    """Log ``step`` at DEBUG and hand it to ``flask cors explain`` when it is replaying."""
    steps: list[Step] | None = environ.get(TRACE_KEY)
    if steps is not None:
        steps.append(step)
    request = f"{shown(environ.get('REQUEST_METHOD'))} {shown(environ.get('PATH_INFO'))}"
    if step.event == APPLIED and step.decision is not None:
        LOG.debug("CORS %s", _decision_line(step.decision, request, environ))
    elif step.event == VIEW_SET_CORS:
        LOG.debug("CORS %s: %s already has %s; left alone", step.event, request, ACL_ORIGIN)
    elif step.event == WILDCARD_BESIDE_CREDENTIALS:
        LOG.debug(
            "CORS %s: %s already has %s; '*' is not sent beside it",
            step.event,
            request,
            ACL_CREDENTIALS,
        )
    elif step.event == RESOURCE_NOT_MATCHED:
        LOG.debug("CORS %s: %s", step.event, request)
    else:
        assert step.event == EXCEPTION_NOT_INTERCEPTED, step.event
        LOG.debug("CORS %s: %s (resource %r)", step.event, request, step.pattern)


def _decision_line(decision: Decision, request: str, environ: Mapping[str, Any]) -> str:
    headers = ", ".join(f"{name!r}: {shown(value)}" for name, value in decision.headers)
    refused = decision.refused_headers
    return (
        f"{','.join(decision.reasons)}: {request} Origin={shown(environ.get('HTTP_ORIGIN'))}"
        f" -> {{{headers}}}" + (f" refused headers {_shown_names(refused)}" if refused else "")
    )


def _shown_names(names: tuple[str, ...]) -> str:
    listed = ", ".join(map(shown, names[:LOGGED_NAMES]))
    more = len(names) - LOGGED_NAMES
    return f"[{listed}]" + (f" and {more} more" if more > 0 else "")
