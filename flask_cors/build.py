"""Building a policy: the options of one resource, checked against each other."""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Mapping, Optional, Tuple

from .core import ACL_ORIGIN, ConfigError
from .layers import DEFAULT_LAYER
from .patterns import NameMatcher
from .policy import Policy

Warn = Callable[[str], None]

#: Names a browser never lets a page use, so listing them allows or exposes nothing
#: (Fetch: forbidden method, forbidden request-header, forbidden response-header name).
FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})
_FORBIDDEN_REQUEST_HEADER = re.compile(
    r"accept-(charset|encoding)|access-control-request-(headers|method)|connection"
    r"|content-length|cookie2?|date|dnt|expect|host|keep-alive|origin|referer|set-cookie"
    r"|te|trailer|transfer-encoding|upgrade|via|proxy-.*|sec-.*",
    re.IGNORECASE,
)
FORBIDDEN_RESPONSE_HEADERS = frozenset({"set-cookie", "set-cookie2"})
#: An origin no deployment lists ('.invalid' is reserved, RFC 2606): an origins entry
#: that allows it allows origins nobody chose.
_UNCHOSEN_ORIGIN = "https://any-origin.invalid"


def _allows_any_origin(origins: NameMatcher) -> Optional[str]:
    """How ``origins`` allows every origin ("'*'" or its regex), or None."""
    if origins.wildcard:
        return "'*'"
    hits = origins.regexes.matching(_UNCHOSEN_ORIGIN)
    return f"regex {origins.patterns[hits[0]].pattern!r}" if hits else None


def build_policy(
    values: Mapping[str, Any],
    sources: Mapping[str, str],
    where: str,
    warn: Optional[Warn],
    partial: bool = False,
) -> Policy:
    """Check the options against each other and compile them into a frozen policy;
    risky but legal combinations are reported through ``warn``.

    ``partial`` means the app's config is not known yet (a decorator or a blueprint at
    setup): a default may still be replaced by ``app.config``, so combinations are only
    judged when every option involved was set in code; they are judged in full once the
    app's config is there."""

    def settled(*names: str) -> bool:
        return not partial or all(sources[name] != DEFAULT_LAYER for name in names)

    origins: NameMatcher = values["origins"]
    credentials: bool = values["supports_credentials"]
    expose: Optional[Tuple[str, ...]] = values["expose_headers"]
    if origins.checks and not values["vary_header"] and settled("origins", "vary_header"):
        raise ConfigError(
            f"{where}: vary_header cannot be False with a callable in origins: the answer "
            "depends on the Origin, and a cache that is not told so would give one site's "
            "answer to another"
        )
    any_origin = _allows_any_origin(origins)
    settled_conflict = settled("origins", "supports_credentials", "send_wildcard")
    if any_origin and credentials and values["send_wildcard"] and settled_conflict:
        raise ConfigError(
            f"{where}: supports_credentials cannot be combined with send_wildcard and "
            f"origins {any_origin}: browsers refuse '*' in {ACL_ORIGIN} when credentials "
            "are included; list the trusted origins instead"
        )
    if warn is not None:
        for note in origins.notes + values["allow_headers"].notes:
            warn(note)
        if any_origin and credentials and settled("origins", "supports_credentials"):
            warn(
                f"{where}: supports_credentials with origins {any_origin} echoes every "
                "Origin with credentials, so any site can read this resource as the "
                "signed-in user; list the trusted origins instead"
            )
        if (
            expose
            and "*" in expose
            and credentials
            and settled("expose_headers", "supports_credentials")
        ):
            warn(
                f"{where}: with supports_credentials, expose_headers '*' names a header "
                "called '*' and exposes nothing else; list the headers instead"
            )
        for note in _forbidden_names(values, where):
            warn(note)
    return Policy(**{name: values[name] for name in Policy.OPTIONS})


def _forbidden_names(values: Mapping[str, Any], where: str) -> Iterable[str]:
    """A warning for each configured name that browsers never let a page send or read."""
    for method in values["methods"]:
        if method in FORBIDDEN_METHODS:
            yield f"{where}: methods lists {method!r}, which browsers never let a page send"
    for name in values["allow_headers"].configured_literals:
        if _FORBIDDEN_REQUEST_HEADER.fullmatch(name):
            cookies = " (cookies need supports_credentials)" if "cookie" in name.lower() else ""
            yield f"{where}: allow_headers lists {name!r}, which only the browser sets{cookies}"
    for name in values["expose_headers"] or ():
        if name.lower() in FORBIDDEN_RESPONSE_HEADERS:
            yield f"{where}: expose_headers lists {name!r}, which browsers never expose to a page"
