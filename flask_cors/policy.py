"""The CORS decision as a function of plain values: no Flask, no I/O, and no call to a
callable in ``origins`` (its caller asks it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

from . import core
from .patterns import (
    MAX_HEADER_NAME_LENGTH,
    MAX_METHOD_LENGTH,
    TOKEN,
    NameMatcher,
    is_reflectable_origin,
    is_serialized_origin,
    is_token,
)

# Reason codes: stable strings that say why a request got, or did not get, access.
ORIGIN_ALLOWED = "origin-allowed"
ORIGIN_NOT_ALLOWED = "origin-not-allowed"
ORIGIN_INVALID = "origin-invalid"
ORIGIN_CHECK_FAILED = "origin-check-failed"
NO_ORIGIN = "no-origin"
NO_ORIGIN_ALWAYS_SEND = "no-origin-always-send"
PREFLIGHT_ALLOWED = "preflight-allowed"
METHOD_NOT_ALLOWED = "method-not-allowed"
HEADER_NOT_ALLOWED = "header-not-allowed"
HEADERS_OVER_LIMIT = "headers-over-limit"

#: Most names, and most characters, of Access-Control-Request-Headers judged; past
#: either no requested header is allowed, so a preflight's work stays bounded. Browsers
#: list each non-safelisted header a page sets once: real lists are a few names.
MAX_REQUESTED_HEADERS = 100
MAX_REQUESTED_HEADERS_LENGTH = 8192
#: Methods fetch() upper-cases (Fetch, "normalize" a method); any other is sent, and
#: compared, as written: `patch` is not PATCH.
NORMALIZED_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"})


class Decision(NamedTuple):
    """What the policy answers to one request: the headers to add (one of each name, in
    order), whether ``Vary: Origin`` must be merged in, reason codes (the origin's
    first) and, for a preflight, the requested header names refused."""

    headers: tuple[tuple[str, str], ...]
    vary_origin: bool
    reasons: tuple[str, ...]
    refused_headers: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Policy:
    """One resource's options, validated and compiled. Policies compare and hash by
    identity, since decisions are remembered per policy; resources configured alike
    share one (``key``)."""

    #: The options a policy holds: all but ``resources``.
    OPTIONS: ClassVar[tuple[str, ...]] = core.OPTION_NAMES[1:]

    origins: NameMatcher
    methods: tuple[str, ...]
    expose_headers: tuple[str, ...] | None
    allow_headers: NameMatcher
    supports_credentials: bool
    max_age: int | None
    send_wildcard: bool
    vary_header: bool
    automatic_options: bool
    always_send: bool
    intercept_exceptions: bool
    allow_private_network: bool

    @property
    def key(self) -> tuple[Any, ...]:
        """Equal for policies built from equal options."""
        values = map(self.__getattribute__, self.OPTIONS)
        return tuple(getattr(value, "key", value) for value in values)

    @property
    def vary_origin(self) -> bool:
        """Whether answers vary with Origin: unless every request, with or without one,
        gets the same literal '*'. A callable in ``origins`` always makes them vary."""
        origins = self.origins
        same_star = origins.wildcard and self.send_wildcard and self.always_send
        return self.vary_header and (bool(origins.checks) or not same_star)


def fetch_normalized(method: str) -> str:
    """A requested method as Fetch would have sent it: Flask-CORS upper-cases requested
    methods, which is right for the six fetch() normalizes and would grant `patch` an
    answer naming PATCH, which browsers refuse."""
    upper = method.upper()
    return upper if upper in NORMALIZED_METHODS else method


def judge_origin(policy: Policy, origin: str | None) -> tuple[str | None, str] | None:
    """The Access-Control-Allow-Origin value for a request's Origin header (None: no
    access) and the reason code; None when only a callable in ``origins`` can tell."""
    origins = policy.origins
    if not origin:
        # always_send: Flask-CORS 6's "most likely" value, '*' or the alphabetically first
        # literal; none when a callable decides, as it cannot say whom it allows.
        value = None
        if policy.always_send and not origins.checks:
            if not origins.wildcard:
                value = min(origins.configured_literals, default=None)
            elif not policy.supports_credentials:
                value = "*"
        return value, NO_ORIGIN if value is None else NO_ORIGIN_ALWAYS_SEND
    if origins.wildcard and policy.send_wildcard:
        return "*", ORIGIN_ALLOWED
    if not is_reflectable_origin(origin):
        return None, ORIGIN_INVALID
    # Any page can send Origin null (sandboxed iframes, data: URLs): only the literal
    # 'null' or '*' allows it, never a regex written for hosts, however wide.
    if origins.matches(origin, patterns=origin.lower() != "null"):
        return origin, ORIGIN_ALLOWED
    if origins.checks and is_serialized_origin(origin):
        return None
    return None, ORIGIN_NOT_ALLOWED


def decide(
    policy: Policy,
    method: str,
    origin: str | None,
    request_method: str | None = None,
    request_headers: str | None = None,
    request_private_network: str | None = None,
) -> Decision | dict[bool | None, Decision]:
    """Decide the CORS response headers for one request, given the raw values of its
    Origin, Access-Control-Request-Method, Access-Control-Request-Headers and
    Access-Control-Request-Private-Network headers (None when absent). Nothing from the
    request is echoed unless it is visible ASCII (an Origin) or an HTTP token.

    When the answer rests on a callable in ``origins``, which is not asked here, the
    decision for each of its verdicts (``NameMatcher.check``): True, False or None."""
    rest = (method, request_method, request_headers, request_private_network)
    judged = judge_origin(policy, origin)
    if judged is None:
        return {
            True: grant(policy, origin, ORIGIN_ALLOWED, *rest),
            False: grant(policy, None, ORIGIN_NOT_ALLOWED, *rest),
            None: grant(policy, None, ORIGIN_CHECK_FAILED, *rest),
        }
    value, reason = judged
    return grant(policy, value, reason, *rest)


def grant(
    policy: Policy,
    value: str | None,
    reason: str,
    method: str,
    request_method: str | None = None,
    request_headers: str | None = None,
    request_private_network: str | None = None,
) -> Decision:
    """``decide`` once ``judge_origin`` has given the ``value`` and ``reason``."""
    vary = policy.vary_origin
    if value is None:
        return Decision((), vary, (reason,))
    reasons = [reason]
    headers = [(core.ACL_ORIGIN, value)]
    if policy.expose_headers:
        headers.append((core.ACL_EXPOSE_HEADERS, ", ".join(policy.expose_headers)))
    if policy.supports_credentials:
        headers.append((core.ACL_CREDENTIALS, "true"))
    if request_private_network == "true":
        allowed_network = "true" if policy.allow_private_network else "false"
        headers.append((core.ACL_RESPONSE_PRIVATE_NETWORK, allowed_network))
    if method != "OPTIONS" or not request_method:
        return Decision(tuple(headers), vary, tuple(reasons))
    asked = request_method.strip(" \t")
    any_method = "*" in policy.methods
    if not (
        len(asked) <= MAX_METHOD_LENGTH
        and is_token(asked)
        and (any_method or fetch_normalized(asked) in policy.methods)
    ):
        return Decision(tuple(headers), vary, (reason, METHOD_NOT_ALLOWED))
    allowed, refused = _allowed_headers(policy, request_headers)
    if allowed:
        headers.append((core.ACL_ALLOW_HEADERS, allowed))
    if policy.max_age is not None:
        headers.append((core.ACL_MAX_AGE, str(policy.max_age)))
    methods = asked if any_method else ", ".join(sorted(policy.methods))
    headers.append((core.ACL_METHODS, methods))
    reasons.append(PREFLIGHT_ALLOWED)
    if refused is None:
        reasons.append(HEADERS_OVER_LIMIT)
    elif refused:
        reasons.append(HEADER_NOT_ALLOWED)
    return Decision(tuple(headers), vary, tuple(reasons), refused or ())


def _allowed_headers(
    policy: Policy, requested: str | None
) -> tuple[str | None, tuple[str, ...] | None]:
    """The requested header names allowed, as sent and sorted, and those refused (each
    distinct name judged once); the refused are None when the list is over the bounds."""
    if not requested:
        return None, ()
    if (
        len(requested) > MAX_REQUESTED_HEADERS_LENGTH
        or requested.count(",") >= MAX_REQUESTED_HEADERS
    ):
        return None, None
    allowed: dict[str, str] = {}
    refused: dict[str, str] = {}
    matches = None if policy.allow_headers.wildcard else policy.allow_headers.matches
    token = TOKEN.fullmatch
    for raw_name in requested.split(","):
        name = raw_name.strip(" \t")
        folded = name.lower()
        if not name or folded in allowed or folded in refused:
            continue
        if (
            len(name) <= MAX_HEADER_NAME_LENGTH
            and token(name) is not None
            and (matches is None or matches(name))
        ):
            allowed[folded] = name
        else:
            refused[folded] = name
    value = ", ".join(sorted(allowed.values())) if allowed else None
    return value, tuple(refused.values())
