"""Why one request is allowed or blocked: ``flask cors explain`` replays what a browser
would send through the app and judges the answers as the browser would."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from flask import Flask

from .binding import (
    EXCEPTION_NOT_INTERCEPTED,
    RESOURCE_NOT_MATCHED,
    VIEW_SET_CORS,
    WILDCARD_BESIDE_CREDENTIALS,
)
from .core import (
    ACL_ALLOW_HEADERS,
    ACL_CREDENTIALS,
    ACL_METHODS,
    ACL_ORIGIN,
    ACL_REQUEST_HEADERS,
    ACL_REQUEST_METHOD,
)
from .patterns import NameMatcher
from .policy import (
    HEADER_NOT_ALLOWED,
    HEADERS_OVER_LIMIT,
    MAX_REQUESTED_HEADERS,
    MAX_REQUESTED_HEADERS_LENGTH,
    METHOD_NOT_ALLOWED,
    NO_ORIGIN,
    ORIGIN_ALLOWED,
    ORIGIN_CHECK_FAILED,
    ORIGIN_INVALID,
    ORIGIN_NOT_ALLOWED,
    PREFLIGHT_ALLOWED,
    fetch_normalized,
)
from .replay import Exchange, replay
from .routes import describe_names, set_by, source_label
from .trace import Step

#: Fetch's CORS-safelisted methods and request headers: these need no preflight.
SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})
SAFELISTED_HEADERS = frozenset({"accept", "accept-language", "content-language"})
SIMPLE_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
#: A Range value Fetch safelists: one range of bytes, "bytes=N-" or "bytes=N-M".
SIMPLE_RANGE = re.compile(r"bytes=[0-9]+-[0-9]*")


@dataclass
class Explanation:
    """Whether a browser would let a page at ``origin`` make this request, and why."""

    origin: str
    method: str
    path: str
    credentials: bool
    exchanges: list[Exchange] = field(default_factory=list)
    allowed: bool = False
    #: Plain-word reasons, most important first.
    reasons: list[str] = field(default_factory=list)
    #: Which place set each option of the first policy applied (see ``set_by``).
    set_by: dict[str, str] = field(default_factory=dict)

    def first_applied(self) -> Step | None:
        """The first step in which a policy answered, if any."""
        return next((ex.applied() for ex in self.exchanges if ex.applied() is not None), None)


def parse_header(text: str) -> tuple[str, str]:
    """``Name`` or ``Name: value``, as given to ``--header``."""
    name, _, value = text.partition(":")
    name = name.strip()
    if not name:
        raise ValueError(f"--header {text!r}: no header name")
    return name, value.strip() or "1"


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
    method = fetch_normalized(method)
    request_headers = [parse_header(text) for text in headers]
    unsafe = sorted(
        {name.lower() for name, value in request_headers if not is_safelisted(name, value)}
    )
    if preflight is None:
        preflight = method not in SAFELISTED_METHODS or bool(unsafe)
    result = Explanation(origin, method, path, credentials)
    if preflight:
        sent = [("Origin", origin), (ACL_REQUEST_METHOD, method)]
        if unsafe:
            sent.append((ACL_REQUEST_HEADERS, ",".join(unsafe)))
        exchange = replay(app, "OPTIONS", path, sent, "preflight")
        result.exchanges.append(exchange)
        problems = _preflight_problems(exchange, origin, method, unsafe, credentials)
        if problems:
            result.reasons = problems + _policy_reasons(exchange)
            return _with_set_by(app, result)
    exchange = replay(app, method, path, [("Origin", origin), *request_headers], "actual request")
    result.exchanges.append(exchange)
    problems = _cors_check(exchange, origin, credentials)
    result.reasons = problems + _policy_reasons(exchange)
    result.allowed = not problems
    return _with_set_by(app, result)


def _with_set_by(app: Flask, result: Explanation) -> Explanation:
    first = result.first_applied()
    if first is not None:
        result.set_by = set_by(app, first.source, first.pattern)
    return result


def _cors_check(exchange: Exchange, origin: str, credentials: bool) -> list[str]:
    """Fetch's CORS check of one response, as plain-word problems."""
    allow_origin = exchange.values(ACL_ORIGIN)
    where = f"the {exchange.kind}'s response"
    if not allow_origin:
        return [f"{where} has no {ACL_ORIGIN}"]
    if len(allow_origin) > 1:
        return [f"{where} has {len(allow_origin)} {ACL_ORIGIN} headers"]
    value = allow_origin[0]
    if value == "*" and credentials:
        return [f"{where} allows '*', which browsers refuse for a request with credentials"]
    if value not in ("*", origin):
        return [f"{where} allows {value!r}, not {origin!r}"]
    if credentials and exchange.values(ACL_CREDENTIALS) != ["true"]:
        return [f"{where} lacks '{ACL_CREDENTIALS}: true', needed with credentials"]
    return []


def _tokens(exchange: Exchange, name: str) -> list[str]:
    return [t.strip() for value in exchange.values(name) for t in value.split(",") if t.strip()]


def _preflight_problems(
    exchange: Exchange, origin: str, method: str, unsafe: Sequence[str], credentials: bool
) -> list[str]:
    if not 200 <= exchange.status <= 299:
        return [f"the preflight's response has status {exchange.status}; browsers need 2xx"]
    problems = _cors_check(exchange, origin, credentials)
    if problems:
        return problems
    methods = _tokens(exchange, ACL_METHODS)
    any_method = "*" in methods and not credentials
    if method not in SAFELISTED_METHODS and method not in methods and not any_method:
        problems.append(f"{method} is not in the preflight's {ACL_METHODS} ({methods or 'none'})")
    allowed = {token.lower() for token in _tokens(exchange, ACL_ALLOW_HEADERS)}
    any_header = "*" in allowed and not credentials
    for name in unsafe:
        if name not in allowed and not (any_header and name != "authorization"):
            problems.append(
                f"request header {name!r} is not in the preflight's {ACL_ALLOW_HEADERS}"
            )
    return problems


def _policy_reasons(exchange: Exchange) -> list[str]:
    """Why the policy answered as it did, from the steps the runtime recorded."""
    reasons: list[str] = []
    for step in exchange.steps:
        if step.event == RESOURCE_NOT_MATCHED:
            reasons.append(
                f"{source_label(step.source, None)}: no resource pattern matches the path"
            )
        elif step.event == EXCEPTION_NOT_INTERCEPTED:
            reasons.append(
                f"{source_label(step.source, step.pattern)}: the response answers an "
                "unhandled exception and intercept_exceptions is off"
            )
        elif step.event == VIEW_SET_CORS:
            reasons.append(f"the view set {ACL_ORIGIN} itself; CORS left the response alone")
        elif step.event == WILDCARD_BESIDE_CREDENTIALS:
            reasons.append(
                f"{step.event}: the response already allows credentials, so the policy's "
                f"'*' was not sent beside it (browsers refuse the pair)"
            )
        else:  # "applied": the policy's decision
            reasons.extend(_decision_reasons(step, exchange))
    if not exchange.steps:
        reasons.append("no CORS policy covers this path")
    return reasons


def _decision_reasons(step: Step, exchange: Exchange) -> Iterator[str]:
    policy, decision = step.policy, step.decision
    assert policy is not None and decision is not None
    origin = dict((k.lower(), v) for k, v in exchange.request_headers).get("origin", "")
    for code in decision.reasons:
        if code == ORIGIN_NOT_ALLOWED:
            yield f"{code}: {origin!r} is not allowed{_closest(origin, policy.origins)}"
        elif code == ORIGIN_CHECK_FAILED:
            yield (
                f"{code}: an origins callable raised for {origin!r}, which counts as not "
                "allowed; the error is in the flask_cors log"
            )
        elif code == ORIGIN_INVALID:
            yield (
                f"{code}: {origin!r} cannot be echoed (not visible ASCII, contains a comma, "
                "or longer than 1024 characters)"
            )
        elif code == METHOD_NOT_ALLOWED:
            asked = dict((k.lower(), v) for k, v in exchange.request_headers).get(
                ACL_REQUEST_METHOD.lower(), ""
            )
            yield (
                f"{code}: {asked!r} is not among the allowed methods "
                f"({', '.join(sorted(policy.methods))})"
            )
        elif code == HEADER_NOT_ALLOWED:
            refused = ", ".join(repr(name) for name in decision.refused_headers)
            allowed = ", ".join(describe_names(policy.allow_headers))
            yield f"{code}: {refused} not allowed (allow_headers: {allowed})"
        elif code == HEADERS_OVER_LIMIT:
            yield (
                f"{code}: Access-Control-Request-Headers lists more than "
                f"{MAX_REQUESTED_HEADERS} names or {MAX_REQUESTED_HEADERS_LENGTH} characters, "
                "so no requested header is allowed"
            )
        elif code == ORIGIN_ALLOWED:
            yield f"{code}: {origin!r} {_how_allowed(origin, policy.origins)}"
        elif code == PREFLIGHT_ALLOWED:
            yield f"{code}: the requested method is among the allowed ones"
        elif code != NO_ORIGIN:
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
