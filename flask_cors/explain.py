"""Whether a browser would allow one request, and why (``flask cors explain``)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask

from . import binding, core, policy
from .patterns import NameMatcher
from .replay import Exchange, replay
from .routes import describe_names, describe_policy, source_label
from .trace import Step

#: Fetch's CORS-safelisted methods and request headers: these need no preflight.
SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})
SAFELISTED_HEADERS = frozenset({"accept", "accept-language", "content-language"})
SIMPLE_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
#: A Range value Fetch safelists: one range of bytes, "bytes=N-" or "bytes=N-M".
SIMPLE_RANGE = re.compile(r"bytes=[0-9]+-[0-9]*")
#: Why a step added no headers ({} is where the policy was set up).
_NOT_APPLIED = {
    binding.RESOURCE_NOT_MATCHED: "{}: no resource pattern matches the path",
    binding.EXCEPTION_NOT_INTERCEPTED: (
        "{}: the response answers an unhandled exception and intercept_exceptions is off"
    ),
    binding.VIEW_SET_CORS: f"the view set {core.ACL_ORIGIN} itself; CORS left the response alone",
    binding.WILDCARD_BESIDE_CREDENTIALS: (
        f"{binding.WILDCARD_BESIDE_CREDENTIALS}: the response already allows credentials, so "
        "the policy's '*' was not sent beside it (browsers refuse the pair)"
    ),
}


@dataclass
class Explanation:
    """Whether a browser would let a page at ``origin`` make this request, and why."""

    origin: str
    method: str
    path: str
    credentials: bool
    exchanges: list[Exchange]
    allowed: bool
    reasons: list[str]  # most important first
    #: The first policy that answered (``source_label``) and its ``describe_policy``.
    policy: str | None = None
    options: dict[str, Any] | None = None


def parse_header(text: str) -> tuple[str, str]:
    """``Name`` or ``Name: value``, as given to ``--header``."""
    name, _, value = text.partition(":")
    if not name.strip():
        raise ValueError(f"--header {text!r}: no header name")
    return name.strip(), value.strip() or "1"


def is_safelisted(name: str, value: str) -> bool:
    """Whether a browser sends this request header without a preflight (Fetch's
    CORS-safelisted request headers; values over 128 bytes never are)."""
    lowered = name.lower()
    if len(value) > 128:
        return False
    if lowered == "content-type":
        return value.split(";")[0].strip().lower() in SIMPLE_CONTENT_TYPES
    if lowered == "range":
        return SIMPLE_RANGE.fullmatch(value) is not None
    return lowered in SAFELISTED_HEADERS


def explain(
    app: Flask,
    origin: str,
    path: str,
    method: str = "GET",
    headers: Sequence[str] = (),
    preflight: bool | None = None,
    credentials: bool = False,
) -> Explanation:
    """Replay what a browser would send for a page at ``origin`` calling
    ``fetch(path, {method, headers, credentials})``, and judge the answers as the Fetch
    Standard's CORS checks do. ``preflight`` None means: as a browser decides."""
    method = policy.fetch_normalized(method)
    request_headers = [parse_header(text) for text in headers]
    unsafe = sorted(
        {name.lower() for name, value in request_headers if not is_safelisted(name, value)}
    )
    if preflight is None:
        preflight = method not in SAFELISTED_METHODS or bool(unsafe)
    exchanges = []
    problems: list[str] = []
    if preflight:
        sent = [("Origin", origin), (core.ACL_REQUEST_METHOD, method)]
        if unsafe:
            sent.append((core.ACL_REQUEST_HEADERS, ",".join(unsafe)))
        exchanges.append(replay(app, "OPTIONS", path, sent, "preflight"))
        problems = _preflight_problems(exchanges[0], origin, method, unsafe, credentials)
    if not problems:
        sent = [("Origin", origin), *request_headers]
        exchanges.append(replay(app, method, path, sent, "actual request"))
        problems = _cors_check(exchanges[-1], origin, credentials)
    reasons = problems + _policy_reasons(exchanges[-1])
    result = Explanation(origin, method, path, credentials, exchanges, not problems, reasons)
    applied = next((s for e in exchanges for s in e.steps if s.event == binding.APPLIED), None)
    if applied is not None:
        assert applied.policy is not None
        result.policy = source_label(applied.source, applied.pattern)
        result.options = describe_policy(app, applied.source, applied.pattern, applied.policy)
    return result


def _cors_check(exchange: Exchange, origin: str, credentials: bool) -> list[str]:
    """Fetch's CORS check of one response, as plain-word problems."""
    allow_origin = exchange.headers.getlist(core.ACL_ORIGIN)
    where = f"the {exchange.kind}'s response"
    if not allow_origin:
        return [f"{where} has no {core.ACL_ORIGIN}"]
    if len(allow_origin) > 1:
        return [f"{where} has {len(allow_origin)} {core.ACL_ORIGIN} headers"]
    if allow_origin[0] == "*" and credentials:
        return [f"{where} allows '*', which browsers refuse for a request with credentials"]
    if allow_origin[0] not in ("*", origin):
        return [f"{where} allows {allow_origin[0]!r}, not {origin!r}"]
    if credentials and exchange.headers.getlist(core.ACL_CREDENTIALS) != ["true"]:
        return [f"{where} lacks '{core.ACL_CREDENTIALS}: true', needed with credentials"]
    return []


def _tokens(exchange: Exchange, name: str) -> list[str]:
    values = exchange.headers.getlist(name)
    return [token.strip() for value in values for token in value.split(",") if token.strip()]


def _preflight_problems(
    exchange: Exchange, origin: str, method: str, unsafe: Sequence[str], credentials: bool
) -> list[str]:
    """Fetch's checks of a preflight's response, as plain-word problems."""
    if not 200 <= exchange.status <= 299:
        return [f"the preflight's response has status {exchange.status}; browsers need 2xx"]
    problems = _cors_check(exchange, origin, credentials)
    if problems:
        return problems
    # '*' is a wildcard only without credentials, and never covers Authorization.
    methods = _tokens(exchange, core.ACL_METHODS)
    any_method = "*" in methods and not credentials
    if method not in SAFELISTED_METHODS and method not in methods and not any_method:
        problems.append(
            f"{method} is not in the preflight's {core.ACL_METHODS} ({methods or 'none'})"
        )
    allowed = {token.lower() for token in _tokens(exchange, core.ACL_ALLOW_HEADERS)}
    any_header = "*" in allowed and not credentials
    for name in unsafe:
        if name not in allowed and not (any_header and name != "authorization"):
            problems.append(
                f"request header {name!r} is not in the preflight's {core.ACL_ALLOW_HEADERS}"
            )
    return problems


def _policy_reasons(exchange: Exchange) -> list[str]:
    """Why the policy answered as it did, from the steps the runtime recorded."""
    if not exchange.steps:
        return ["no CORS policy covers this path"]
    reasons: list[str] = []
    for step in exchange.steps:
        if step.event == binding.APPLIED:
            reasons.extend(_decision_reasons(step, exchange))
        else:
            where = source_label(step.source, step.pattern)
            reasons.append(_NOT_APPLIED[step.event].format(where))
    return reasons


def _decision_reasons(step: Step, exchange: Exchange) -> Iterator[str]:
    configured, decision = step.policy, step.decision
    assert configured is not None and decision is not None
    sent = {name.lower(): value for name, value in exchange.request_headers}
    origin = sent.get("origin", "")
    for code in decision.reasons:
        if code == policy.ORIGIN_NOT_ALLOWED:
            yield f"{code}: {origin!r} is not allowed{_closest(origin, configured.origins)}"
        elif code == policy.ORIGIN_CHECK_FAILED:
            yield (
                f"{code}: an origins callable raised for {origin!r}, which counts as not "
                "allowed; the error is in the flask_cors log"
            )
        elif code == policy.ORIGIN_INVALID:
            yield (
                f"{code}: {origin!r} cannot be echoed (not visible ASCII, contains a comma, "
                "or longer than 1024 characters)"
            )
        elif code == policy.METHOD_NOT_ALLOWED:
            asked = sent.get(core.ACL_REQUEST_METHOD.lower(), "")
            allowed = ", ".join(sorted(configured.methods))
            yield f"{code}: {asked!r} is not among the allowed methods ({allowed})"
        elif code == policy.HEADER_NOT_ALLOWED:
            refused = ", ".join(repr(name) for name in decision.refused_headers)
            allowed = ", ".join(describe_names(configured.allow_headers))
            yield f"{code}: {refused} not allowed (allow_headers: {allowed})"
        elif code == policy.HEADERS_OVER_LIMIT:
            yield (
                f"{code}: {core.ACL_REQUEST_HEADERS} lists more than "
                f"{policy.MAX_REQUESTED_HEADERS} names or {policy.MAX_REQUESTED_HEADERS_LENGTH} "
                "characters, so no requested header is allowed"
            )
        elif code == policy.ORIGIN_ALLOWED:
            yield f"{code}: {origin!r} {_how_allowed(origin, configured.origins)}"
        elif code == policy.PREFLIGHT_ALLOWED:
            yield f"{code}: the requested method is among the allowed ones"
        elif code != policy.NO_ORIGIN:
            yield code


def _how_allowed(origin: str, origins: NameMatcher) -> str:
    kind, text = origins.entry(origin) or ("callable", "")
    if kind == "*":
        return "is allowed by origins '*'"
    if kind == "literal":
        return "is listed in origins"
    return f"matches regex:{text}" if kind == "regex" else "is allowed by a callable in origins"


def _closest(origin: str, origins: NameMatcher) -> str:
    described = describe_names(origins)
    close = difflib.get_close_matches(origin, list(origins.configured_literals), n=3, cutoff=0.6)
    text = f"; allowed: {', '.join(described)}" if described else "; no origin is allowed"
    if close:
        text += f"; closest: {', '.join(map(repr, close))}"
    return text
