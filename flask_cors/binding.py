"""Flask glue shared by the extension and the decorator: compiled policies per app, and
writing a decision onto a response."""

from __future__ import annotations

import logging
import re
import weakref
from typing import Any, Dict, List, Mapping, MutableMapping, Optional, Set, Tuple

from flask import Flask, Response, request

from .core import ACL_ORIGIN, CONFIG_OPTIONS
from .options import (
    CONFIG_LAYER,
    RESOURCE_LAYER,
    Layer,
    build_policy,
    parse_config,
    resolve,
)
from .patterns import PathPattern
from .policy import Decision, Policy, decide

LOG = logging.getLogger("flask_cors")

#: WSGI environ key set once a request's CORS answer is decided, so that the decorator,
#: a blueprint's extension and the app's extension never add headers twice.
HANDLED_KEY = "flask_cors.handled"
#: WSGI environ key set when Flask turns an exception into the response.
FROM_EXCEPTION_KEY = "flask_cors.from_exception"

_MISSING = object()

Rule = Tuple[PathPattern, Policy]


class ResourceTable:
    """Resource patterns, most specific first, each with its compiled policy."""

    __slots__ = ("rules",)

    def __init__(self, rules: Tuple[Rule, ...]):
        self.rules = rules

    def match(self, path: str) -> Optional[Rule]:
        """The most specific rule whose pattern matches ``path``, if any."""
        for rule in self.rules:
            if rule[0].matches(path):
                return rule
        return None


class PolicySource:
    """Option layers given in code, compiled together with an app's ``CORS_*`` config.

    The compiled table is cached per app and rebuilt only when a ``CORS_*`` value of that
    app's config is replaced, so configuring an app after decorating its views works.
    """

    def __init__(self, layers: List[Layer], label: str, with_resources: bool):
        self.layers = layers
        self.label = label
        self.with_resources = with_resources
        self._compiled: Dict[int, Tuple[Any, Tuple[Any, ...], ResourceTable]] = {}
        self._warned: Set[str] = set()

    def validate(self) -> None:
        """Compile without any app config, so mistakes in code fail at setup."""
        self.compile({})

    def table(self, app: Flask) -> ResourceTable:
        """The compiled table for ``app``'s current configuration."""
        config = app.config
        snapshot = tuple([config.get(key, _MISSING) for key in CONFIG_OPTIONS])
        entry = self._compiled.get(id(app))
        if entry is not None and entry[0]() is app and _same(entry[1], snapshot):
            return entry[2]
        table = self.compile(config)
        # Forget apps that no longer exist (test suites create many) before remembering this one.
        for key in [key for key, (ref, _, _) in self._compiled.items() if ref() is None]:
            del self._compiled[key]
        self._compiled[id(app)] = (weakref.ref(app), snapshot, table)
        return table

    def compile(self, config: Mapping[str, Any]) -> ResourceTable:
        """Merge the layers with ``config`` and compile one policy per resource."""
        config_options, config_warnings = parse_config(config)
        for message in config_warnings:
            self._warn(message)
        warn = self._warn
        layers = self.layers + [(CONFIG_LAYER, config_options)]
        if not self.with_resources:
            values, sources = resolve(layers)
            return ResourceTable(((_MATCH_ALL, build_policy(values, sources, self.label, warn)),))
        resources = resolve(layers)[0]["resources"]
        rules = []
        for resource in resources:
            values, sources = resolve([(RESOURCE_LAYER, resource.options)] + layers)
            where = f"{self.label} resource {resource.pattern.source!r}"
            rules.append((resource.pattern, build_policy(values, sources, where, warn)))
        return ResourceTable(tuple(rules))

    def _warn(self, message: str) -> None:
        """Log a setup warning once per source, however often the config is recompiled."""
        if message not in self._warned:
            self._warned.add(message)
            LOG.warning("%s", message)


_MATCH_ALL = PathPattern("*", None, re.compile(".*"))


def _same(old: Tuple[Any, ...], new: Tuple[Any, ...]) -> bool:
    return all(a is b for a, b in zip(old, new))


def apply_policy(policy: Policy, response: Response) -> Response:
    """Add the policy's answer for the current request to ``response``.

    A response that already carries Access-Control-Allow-Origin was answered by the view
    itself and is left alone; no header is ever added twice.
    """
    headers = response.headers
    environ = request.environ
    if ACL_ORIGIN in headers:
        LOG.debug(
            "CORS view-set-cors: %s %r already has %s; left alone",
            request.method,
            request.path,
            ACL_ORIGIN,
        )
        return response
    decision = decide(
        policy,
        request.method,
        environ.get("HTTP_ORIGIN"),
        environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"),
        environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS"),
        environ.get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK"),
    )
    for name, value in decision.headers:
        if name not in headers:
            headers[name] = value
    if decision.vary_origin:
        merge_vary_origin(headers)
    if LOG.isEnabledFor(logging.DEBUG):
        _log_decision(decision, environ)
    return response


def merge_vary_origin(headers: Any) -> None:
    """Add ``Origin`` to Vary as one merged token list; ``Vary: *`` is left alone."""
    existing = [value.strip() for value in headers.getlist("Vary") if value.strip()]
    tokens = {token.strip().lower() for value in existing for token in value.split(",")}
    if "*" in tokens or "origin" in tokens:
        return
    headers["Vary"] = ", ".join(existing + ["Origin"])


def _log_decision(decision: Decision, environ: Mapping[str, Any]) -> None:
    LOG.debug(
        "CORS %s: %s %r Origin=%r -> %r%s",
        ",".join(decision.reasons),
        environ.get("REQUEST_METHOD"),
        environ.get("PATH_INFO"),
        environ.get("HTTP_ORIGIN"),
        dict(decision.headers),
        f" refused headers {list(decision.refused_headers)!r}" if decision.refused_headers else "",
    )


def mark_exception_responses(app: Flask) -> None:
    """Make Flask record, per request, that the response comes from an exception handler
    (abort(), routing errors, unhandled errors), which ``intercept_exceptions`` governs."""
    state: MutableMapping[str, Any] = app.extensions.setdefault("cors", {})
    if state.get("marks_exceptions"):
        return
    state["marks_exceptions"] = True
    for name in ("handle_user_exception", "handle_exception"):
        setattr(app, name, _marking(getattr(app, name)))


def _marking(handler: Any) -> Any:
    def handle(error: BaseException) -> Any:
        # Flask calls both handlers only while a request is being answered.
        request.environ[FROM_EXCEPTION_KEY] = True
        return handler(error)

    return handle
