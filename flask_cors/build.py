"""Building policies: options checked against each other, compiled for an app's config."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any, Callable

from flask import Flask

from .core import ACL_ORIGIN, ConfigError
from .layers import (
    CONFIG_LAYER,
    DEFAULT_LAYER,
    RESOURCE_LAYER,
    Layer,
    config_values,
    parse_config,
    resolve,
    snapshot,
)
from .patterns import NameMatcher, PathPattern
from .policy import Policy
from .resources import ResourceTable

LOG = logging.getLogger("flask_cors")

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
_MATCH_ALL = PathPattern("*", None, re.compile(".*"))


def build_policy(
    values: Mapping[str, Any],
    set_by: Mapping[str, str],
    where: str,
    warn: Callable[[str], None] | None,
    partial: bool = False,
) -> Policy:
    """Check the options against each other and compile them into a policy, reporting risky
    but legal combinations through ``warn``. ``partial``: the app's config is not known yet
    and may replace any default, so only combinations that code alone settles are judged."""

    def settled(*names: str) -> bool:
        return not partial or all(set_by[name] != DEFAULT_LAYER for name in names)

    origins: NameMatcher = values["origins"]
    credentials: bool = values["supports_credentials"]
    if origins.checks and not values["vary_header"] and settled("origins", "vary_header"):
        raise ConfigError(
            f"{where}: vary_header cannot be False with a callable in origins: the answer "
            "depends on the Origin, and a cache that is not told so would give one site's "
            "answer to another"
        )
    if origins.wildcard:
        any_origin: str | None = "'*'"
    else:
        hits = origins.regexes.matching(_UNCHOSEN_ORIGIN)
        any_origin = f"regex {origins.patterns[hits[0]].pattern!r}" if hits else None
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
        expose_any = "*" in (values["expose_headers"] or ())
        if expose_any and credentials and settled("expose_headers", "supports_credentials"):
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


class PolicySource:
    """Option layers given in code, compiled with an app's ``CORS_*`` config into a table
    kept in ``app.extensions`` (it dies with the app) and rebuilt on the first request after
    those values change, even in place: removing an origin from a list in ``app.config``
    revokes it on the next request."""

    def __init__(self, layers: list[Layer], label: str, with_resources: bool):
        self.layers = layers
        self.label = label
        self.with_resources = with_resources
        #: The Blueprint this source serves, if any (for ``flask cors routes``).
        self.blueprint: Any = None
        self._warned: set[str] = set()

    def validate(self) -> None:
        """Compile without any app config, so that mistakes in code fail at setup."""
        self.compile({}, {}, partial=True)

    def table(self, app: Flask) -> ResourceTable:
        """The compiled table for ``app``'s current configuration."""
        live = config_values(app.config)
        entry = app.extensions["cors"]["tables"].get(self) if "cors" in app.extensions else None
        # Compared by value (a snapshot holds copies of lists and dicts), not by identity.
        if entry is not None and entry[0] == live:
            return entry[1]  # type: ignore[no-any-return]
        values = snapshot(live)
        table = self.compile(app.config, values)
        cors_state(app)["tables"][self] = (values, table)
        return table

    def compile(
        self, config: Mapping[str, Any], values: Mapping[str, Any], partial: bool = False
    ) -> ResourceTable:
        """One policy per resource (shared by resources configured alike) under ``config``."""
        config_options, config_warnings = parse_config(config, values)
        for message in config_warnings:
            self._warn(message)
        layers = [*self.layers, (CONFIG_LAYER, config_options)]
        resources = resolve(layers)[0]["resources"] if self.with_resources else [(_MATCH_ALL, {})]
        shared: dict[tuple[Any, ...], Policy] = {}
        rules = []
        for pattern, options in resources:
            where = f"{self.label} resource {pattern.text!r}" if self.with_resources else self.label
            values_set_by = resolve([(RESOURCE_LAYER, options), *layers])
            policy = build_policy(*values_set_by, where, self._warn, partial)
            rules.append((pattern, shared.setdefault(policy.key, policy)))
        table = ResourceTable(tuple(rules), f"{self.label} resources")
        for note in table.notes:
            self._warn(note)
        return table

    def _warn(self, message: str) -> None:
        """Log a setup warning once per source, however often the config is recompiled."""
        if message not in self._warned:
            self._warned.add(message)
            LOG.warning("%s", message)


def cors_state(app: Flask) -> MutableMapping[str, Any]:
    """The app's sources, the app-wide ones in answering order, and tables by source."""
    return app.extensions.setdefault("cors", {"sources": [], "app_wide": [], "tables": {}})  # type: ignore[no-any-return]
