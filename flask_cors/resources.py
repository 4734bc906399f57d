"""Which resource governs a request: patterns matched on the path the router serves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Flask, Request
from werkzeug.routing import RequestRedirect

from .memo import MEMO
from .patterns import PathPattern
from .policy import Policy
from .regex import RegexSet

Rule = tuple[PathPattern, Policy]
#: Patterns that match every path: r"/*" (Flask-CORS's default, a regex matched from the
#: start of the path, which zero slashes satisfy) and the wildcards.
EVERY_PATH = frozenset({"/*", "*", ".*"})


class ResourceTable:
    """Resource patterns, most specific first, each with its compiled policy.

    Literal paths are one dict lookup; regex patterns run together in one linear-time
    pass over the path. The rule for a path is remembered in ``MEMO``.
    """

    __slots__ = ("rules", "every_path", "_literals", "_regexes", "_regex_rules")

    def __init__(self, rules: tuple[Rule, ...], where: str = ""):
        self.rules = rules
        #: The one rule, when its pattern covers every path (the default r"/*"): then the
        #: request's path need not be worked out at all.
        self.every_path = rules[0] if len(rules) == 1 and rules[0][0].text in EVERY_PATH else None
        self._literals: dict[str, Rule] = {}
        for rule in rules:
            if rule[0].literal is not None:
                self._literals.setdefault(rule[0].literal, rule)
        self._regex_rules = tuple(rule for rule in rules if rule[0].regex is not None)
        self._regexes = RegexSet(
            [rule[0].regex for rule in self._regex_rules],  # type: ignore[misc]
            whole=False,
            ascii_input=False,
            where=where,
        )

    @property
    def notes(self) -> tuple[str, ...]:
        """Setup warnings about path patterns RE2 cannot run."""
        return self._regexes.notes

    def match(self, path: str) -> Rule | None:
        """The most specific rule whose pattern matches ``path``, if any."""
        key = (self, path)
        try:
            return MEMO.entries[key]  # type: ignore[no-any-return]
        except KeyError:
            pass
        found = self._literals.get(path)
        if found is None:
            hits = self._regexes.matching(path)
            found = self._regex_rules[hits[0]] if hits else None
        MEMO.remember(key, found, len(path))
        return found


def routed_path(app: Flask, current: Request) -> str:
    """The path whose view the router chose for ``current``, which is what resources are
    matched against: the request's path, unless the router folded it into another (a
    trailing slash under ``strict_slashes=False``: the rule's own path is built again),
    or answers with a redirect (merged slashes, a missing trailing slash), whose target
    is routed in turn."""
    path: str = current.path
    rule = current.url_rule
    arguments: Mapping[str, Any] | None = current.view_args
    redirect = current.routing_exception
    if rule is None and isinstance(redirect, RequestRedirect):
        path = unquote(urlsplit(redirect.new_url).path)
        root = current.script_root
        if root and path.startswith(root + "/"):
            path = path[len(root) :]
        try:
            adapter = app.create_url_adapter(current)
            assert adapter is not None
            rule, arguments = adapter.match(path, current.method, return_rule=True)
        except Exception:  # another redirect, or nothing served there: the target it is
            return path
    if rule is not None and rule.rule.endswith("/") != path.endswith("/"):
        try:
            built = rule.build(dict(arguments or {}), append_unknown=False)
        except Exception:  # an app's converter that cannot build: fold the slash alone
            built = None
        if built is not None:
            path = unquote(built[1])
        else:
            path = path + "/" if rule.rule.endswith("/") else path[:-1]
    return path
