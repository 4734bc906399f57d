"""Which resource governs a request, and the process's one bounded memo of answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Flask, Request
from werkzeug.routing import RequestRedirect

from .patterns import PathPattern
from .policy import Policy
from .regex import RegexSet

#: The memo starts afresh past ``MEMO_ENTRIES`` entries or ``MEMO_CHARACTERS`` characters
#: in its keys, and skips keys over ``CACHEABLE_LENGTH``: hostile input costs a miss, never
#: memory, however many apps and views share it.
MEMO_ENTRIES = 4096
MEMO_CHARACTERS = 1 << 20
CACHEABLE_LENGTH = 2048

Rule = tuple[PathPattern, Policy]
#: Patterns that match every path: r"/*" (Flask-CORS's default, a regex matched from the
#: start of the path, which zero slashes satisfy) and the wildcards.
EVERY_PATH = frozenset({"/*", "*", ".*"})


class Memo:
    """Answers that are pure functions of their key, remembered within fixed bounds."""

    __slots__ = ("entries", "characters")

    def __init__(self) -> None:
        self.entries: dict[tuple[Any, ...], Any] = {}
        self.characters = 0

    def remember(self, key: tuple[Any, ...], value: Any, size: int) -> None:
        """Keep ``value`` under ``key``, whose strings hold ``size`` characters."""
        if size > CACHEABLE_LENGTH:
            return
        if len(self.entries) >= MEMO_ENTRIES or self.characters + size > MEMO_CHARACTERS:
            self.entries.clear()
            self.characters = 0
        self.entries[key] = value
        self.characters += size


#: Keys start with the table or policy they answer for.
MEMO = Memo()


class ResourceTable:
    """Resource patterns, most specific first, each with its policy: literal paths are one
    dict lookup, regexes one linear-time pass over the path."""

    __slots__ = ("rules", "every_path", "notes", "_literals", "_regexes", "_regex_rules")

    def __init__(self, rules: tuple[Rule, ...], where: str):
        self.rules = rules
        #: The one rule, when it covers every path: then the path need not be worked out.
        self.every_path = rules[0] if len(rules) == 1 and rules[0][0].text in EVERY_PATH else None
        # Reversed, so that the first (most specific) of equal literals wins.
        self._literals = {rule[0].literal: rule for rule in reversed(rules) if rule[0].literal}
        self._regex_rules = tuple(rule for rule in rules if rule[0].regex is not None)
        regexes = [pattern.regex for pattern, _ in rules if pattern.regex is not None]
        self._regexes = RegexSet(regexes, whole=False, ascii_input=False, where=where)
        #: Setup warnings about path patterns RE2 cannot run.
        self.notes = self._regexes.notes

    def match(self, path: str) -> Rule | None:
        """The most specific rule whose pattern matches ``path``, if any."""
        key = (self, path)
        try:
            return MEMO.entries[key]  # type: ignore[no-any-return]
        except KeyError:
            found = self._literals.get(path)
        if found is None:
            hits = self._regexes.matching(path)
            found = self._regex_rules[hits[0]] if hits else None
        MEMO.remember(key, found, len(path))
        return found


def routed_path(app: Flask, current: Request) -> str:
    """The path resources are matched against: that of the view the router chose, which
    differs from the request's when it folds a trailing slash (``strict_slashes=False``) or
    redirects (merged slashes, a missing trailing slash; the target is routed in turn)."""
    path: str = current.path
    rule = current.url_rule
    arguments: Mapping[str, Any] | None = current.view_args
    if rule is None and isinstance(current.routing_exception, RequestRedirect):
        path = unquote(urlsplit(current.routing_exception.new_url).path)
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
            return unquote(built[1])
        return path + "/" if rule.rule.endswith("/") else path[:-1]
    return path
