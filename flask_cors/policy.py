"""The CORS decision as a function of plain values: no Flask, and no I/O but what a
callable in ``origins`` does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

from .core import (
    ACL_ALLOW_HEADERS,
    ACL_CREDENTIALS,
    ACL_EXPOSE_HEADERS,
    ACL_MAX_AGE,
    ACL_METHODS,
    ACL_ORIGIN,
    ACL_RESPONSE_PRIVATE_NETWORK,
)
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

#: Most names, and most characters, of an Access-Control-Request-Headers value that a
#: preflight may ask for; past either, no requested header is allowed (the browser then
#: fails the preflight), so the work per preflight stays bounded whatever is configured.
#: Browsers list each non-safelisted header a page sets once; real lists are a few names.
MAX_REQUESTED_HEADERS = 100
MAX_REQUESTED_HEADERS_LENGTH = 8192
#: Methods fetch() upper-cases whatever the script wrote (Fetch, "normalize" a method);
#: any other method is sent, and compared, as written: `patch` is not PATCH.
NORMALIZED_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"})


class Decision(NamedTuple):
    """What the policy answers to one request."""

    #: Headers to add, in order; never more than one of each name.
    headers: tuple[tuple[str, str], ...]
    #: Whether ``Vary: Origin`` must be merged into the response.
    vary_origin: bool
    #: Reason codes, the first one about the origin.
    reasons: tuple[str, ...]
    #: Requested header names that were refused (preflights only).
    refused_headers: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Policy:
    """One resource's options, validated and compiled: everything a request needs that
    does not depend on the request is computed here, once. Policies compare (and hash)
    by identity: decisions are remembered per policy object, and resources whose options
    are the same share one (``key``)."""

    #: The options a policy holds: all but ``resources``.
    OPTIONS: ClassVar[tuple[str, ...]] = (
        "origins", "methods", "expose_headers", "allow_headers", "supports_credentials",
        "max_age", "send_wildcard", "vary_header", "automatic_options", "always_send",
        "intercept_exceptions", "allow_private_network",
    )  # fmt: skip

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

    any_method: bool = field(init=False, repr=False)
    methods_value: str = field(init=False, repr=False)
    expose_value: str | None = field(init=False, repr=False)
    max_age_value: str | None = field(init=False, repr=False)
    no_origin_value: str | None = field(init=False, repr=False)
    vary_origin: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        derived = {
            "any_method": "*" in self.methods,
            "methods_value": ", ".join(sorted(self.methods)),
            "expose_value": ", ".join(self.expose_headers) if self.expose_headers else None,
            "max_age_value": None if self.max_age is None else str(self.max_age),
            "no_origin_value": _no_origin_value(
                self.origins, self.supports_credentials, self.always_send
            ),
            # The answer varies with Origin unless every request, with or without an
            # Origin, gets the same literal '*'; a callable always makes it vary.
            "vary_origin": self.vary_header
            and (
                bool(self.origins.checks)
                or not (self.origins.wildcard and self.send_wildcard and self.always_send)
            ),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    @property
    def key(self) -> tuple[Any, ...]:
        """Equal for policies built from equal options."""
        return tuple(
            getattr(value, "key", value) for value in map(self.__getattribute__, self.OPTIONS)
        )


def _no_origin_value(origins: NameMatcher, credentials: bool, always_send: bool) -> str | None:
    """The "most likely to be correct" ACAO for a request without Origin (always_send):
    '*' for a wildcard without credentials, else one configured literal origin: the
    alphabetically first, the one Flask-CORS 6 picks. Nothing when a callable decides:
    which origin it would allow cannot be known without one."""
    if not always_send or origins.checks:
        return None
    if origins.wildcard:
        return None if credentials else "*"
    literals = origins.configured_literals
    return min(literals) if literals else None


def fetch_normalized(method: str) -> str:
    """A requested method as Fetch would have sent it: Flask-CORS upper-cases requested
    methods, which is right for the six fetch() normalizes and would grant `patch` an
    answer naming PATCH, which browsers refuse."""
    upper = method.upper()
    return upper if upper in NORMALIZED_METHODS else method


def judge_origin(policy: Policy, origin: str | None) -> tuple[str | None, str]:
    """The Access-Control-Allow-Origin value for a request's Origin header (None: no
    access) and the reason code. The one step that may run a callable in ``origins``."""
    if not origin:
        value = policy.no_origin_value
        return value, NO_ORIGIN if value is None else NO_ORIGIN_ALWAYS_SEND
    if policy.origins.wildcard and policy.send_wildcard:
        return "*", ORIGIN_ALLOWED
    if not is_reflectable_origin(origin):
        return None, ORIGIN_INVALID
    # Any page can send Origin null (sandboxed iframes, data: URLs): only the literal
    # 'null' or '*' allows it, never a regex written for hosts, however wide.
    if policy.origins.matches(origin, patterns=origin.lower() != "null"):
        return origin, ORIGIN_ALLOWED
    if policy.origins.checks and is_serialized_origin(origin):
        verdict = policy.origins.check(origin)
        if verdict:
            return origin, ORIGIN_ALLOWED
        return None, ORIGIN_NOT_ALLOWED if verdict is False else ORIGIN_CHECK_FAILED
    return None, ORIGIN_NOT_ALLOWED


def decide(
    policy: Policy,
    method: str,
    origin: str | None,
    request_method: str | None = None,
    request_headers: str | None = None,
    request_private_network: str | None = None,
) -> Decision:
    """Decide the CORS response headers for one request.

    ``origin``, ``request_method``, ``request_headers`` and ``request_private_network``
    are the raw values of the Origin, Access-Control-Request-Method,
    Access-Control-Request-Headers and Access-Control-Request-Private-Network request
    headers, or None when absent. Nothing from the request is echoed unless it is
    visible ASCII (an Origin) or an HTTP token (a header name or method).
    """
    value, reason = judge_origin(policy, origin)
    return grant(
        policy, value, reason, method, request_method, request_headers, request_private_network
    )


def grant(
    policy: Policy,
    value: str | None,
    reason: str,
    method: str,
    request_method: str | None = None,
    request_headers: str | None = None,
    request_private_network: str | None = None,
) -> Decision:
    """``decide`` once the Origin is judged: ``value`` and ``reason`` come from
    ``judge_origin``."""
    if value is None:
        return Decision((), policy.vary_origin, (reason,))
    reasons = [reason]
    headers: list[tuple[str, str]] = [(ACL_ORIGIN, value)]
    if policy.expose_value is not None:
        headers.append((ACL_EXPOSE_HEADERS, policy.expose_value))
    if policy.supports_credentials:
        headers.append((ACL_CREDENTIALS, "true"))
    if request_private_network == "true":
        headers.append(
            (ACL_RESPONSE_PRIVATE_NETWORK, "true" if policy.allow_private_network else "false")
        )

    refused: tuple[str, ...] = ()
    if method == "OPTIONS" and request_method:
        asked = request_method.strip(" \t")
        if (
            len(asked) <= MAX_METHOD_LENGTH
            and is_token(asked)
            and (policy.any_method or fetch_normalized(asked) in policy.methods)
        ):
            allowed, judged = _allowed_headers(policy, request_headers)
            if allowed:
                headers.append((ACL_ALLOW_HEADERS, allowed))
            if policy.max_age_value is not None:
                headers.append((ACL_MAX_AGE, policy.max_age_value))
            headers.append((ACL_METHODS, asked if policy.any_method else policy.methods_value))
            reasons.append(PREFLIGHT_ALLOWED)
            if judged is None:
                reasons.append(HEADERS_OVER_LIMIT)
            else:
                refused = judged
            if refused:
                reasons.append(HEADER_NOT_ALLOWED)
        else:
            reasons.append(METHOD_NOT_ALLOWED)
    return Decision(tuple(headers), policy.vary_origin, tuple(reasons), refused)


def _allowed_headers(
    policy: Policy, requested: str | None
) -> tuple[str | None, tuple[str, ...] | None]:
    """The requested header names that are allowed, as sent and sorted, and those refused
    (each distinct name is judged once); None for the refused when the list is over
    ``MAX_REQUESTED_HEADERS`` or ``MAX_REQUESTED_HEADERS_LENGTH``."""
    if not requested:
        return None, ()
    if (
        len(requested) > MAX_REQUESTED_HEADERS_LENGTH
        or requested.count(",") >= MAX_REQUESTED_HEADERS
    ):
        return None, None
    allowed: dict[str, str] = {}
    refused: list[str] = []
    seen: set[str] = set()
    matches = None if policy.allow_headers.wildcard else policy.allow_headers.matches
    token = TOKEN.fullmatch
    for raw_name in requested.split(","):
        name = raw_name.strip(" \t")
        folded = name.lower()
        if not name or folded in seen:
            continue
        seen.add(folded)
        if (
            len(name) <= MAX_HEADER_NAME_LENGTH
            and token(name) is not None
            and (matches is None or matches(name))
        ):
            allowed[folded] = name
        else:
            refused.append(name)
    value = ", ".join(sorted(allowed.values())) if allowed else None
    return value, tuple(refused)
