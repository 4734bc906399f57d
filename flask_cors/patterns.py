"""Origin, header-name and path matchers, compiled once at setup and cheap per request."""

from __future__ import annotations

import inspect
import logging
import re
from typing import Any, Callable

from .core import ConfigError
from .regex import RegexSet

LOG = logging.getLogger("flask_cors")

#: Flask-CORS's documented rule: a configured string containing any of these is a regex.
REGEX_CHARACTERS = frozenset("*\\]?$^[()")
#: ``"*"`` is the documented wildcard; ``".*"`` is Flask-CORS's internal spelling of it.
WILDCARDS = frozenset({"*", ".*"})
#: Bounds keeping user regexes off attacker-sized input and what is echoed small (a
#: serialized origin is a scheme, a host of at most 253 characters and a port).
MAX_ORIGIN_LENGTH = 1024
MAX_HEADER_NAME_LENGTH = 256
MAX_METHOD_LENGTH = 256
#: An HTTP token (RFC 9110): what a method or a header-field name is.
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_REFLECTABLE_ORIGIN = re.compile(r"[\x21-\x2b\x2d-\x7e]+")  # visible ASCII except ","
_SERIALIZED_ORIGIN = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*://(?:\[[0-9A-Fa-f:.]+\]|[^\s/?#@\[\]:,\\*]+)(?::[0-9]{1,5})?"
)
_IPV6_ORIGIN = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?")
#: Most characters of one request value written to a log record.
LOGGED_LENGTH = 200


def is_token(value: str) -> bool:
    """Whether ``value`` is an HTTP token (RFC 9110): a method or header-field name."""
    return TOKEN.fullmatch(value) is not None


def is_reflectable_origin(value: str) -> bool:
    """Whether an Origin value may be echoed: bounded, visible ASCII, no list separator."""
    return len(value) <= MAX_ORIGIN_LENGTH and _REFLECTABLE_ORIGIN.fullmatch(value) is not None


def is_serialized_origin(value: str) -> bool:
    """Whether ``value`` is ``scheme://host[:port]`` (no path, no trailing slash)."""
    return value.isascii() and _SERIALIZED_ORIGIN.fullmatch(value) is not None


def looks_like_regex(value: str) -> bool:
    """Flask-CORS's rule for telling a regex from a literal, except that a bracketed IPv6
    origin (``http://[::1]:8080``) is a literal: as a regex it would match ``http://1:8080``."""
    return not _IPV6_ORIGIN.fullmatch(value) and not REGEX_CHARACTERS.isdisjoint(value)


def shown(value: str | None) -> str:
    """A request value as written to logs: ``repr``-escaped, so no raw CR, LF or other
    control character reaches a log line, and clipped to ``LOGGED_LENGTH`` characters."""
    if value is None or len(value) <= LOGGED_LENGTH:
        return repr(value)
    return f"{value[:LOGGED_LENGTH]!r}... ({len(value)} characters)"


def describe_value(value: Any) -> str:
    """A value as error messages name it: its ``repr``, clipped to 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class OriginCheck:
    """A callable entry of ``origins``, called with a serialized origin (never ``null``).
    An exception it raises is logged and counts as "not allowed"; a return value other
    than True or False raises ``TypeError`` naming the option."""

    __slots__ = ("function", "where", "name")

    def __init__(self, function: Callable[[str], bool], where: str):
        self.function = function
        self.where = where
        name = getattr(function, "__qualname__", None)
        self.name = name if isinstance(name, str) else describe_value(function)
        try:
            unwrapped = inspect.unwrap(function)
        except ValueError:  # a __wrapped__ chain that loops
            unwrapped = function
        if inspect.iscoroutinefunction(unwrapped) or inspect.isasyncgenfunction(unwrapped):
            raise ConfigError(
                f"{where}: {self.name} is an async function; a callable in origins is "
                "called for each request and must return True or False"
            )
        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError):  # some builtins have no signature to check
            return
        try:
            signature.bind("https://origin.example")
        except TypeError:
            raise ConfigError(
                f"{where}: {self.name} must accept one argument, the request's Origin "
                f"(its signature is {signature})"
            ) from None

    def __call__(self, origin: str) -> bool | None:
        """True or False, or None when the callable raised (and the error was logged)."""
        try:
            verdict = self.function(origin)
        except Exception as error:
            try:
                text = f"{type(error).__name__}: {error}"
            except Exception:  # a broken __str__ must not turn a logged failure into a 500
                text = type(error).__name__
            LOG.error(
                "CORS origins callable %s (%s) raised %s for Origin %s; the origin is not allowed",
                self.name,
                self.where,
                shown(text),
                shown(origin),
            )
            return None
        if type(verdict) is not bool:
            raise TypeError(
                f"{self.where}: the callable {self.name} returned "
                f"{describe_value(verdict)} for the Origin {shown(origin)}; "
                "it must return True or False"
            )
        return verdict


class NameMatcher:
    """Matches case-insensitive names (origins, header names): literals through one set
    lookup, regexes against the whole value in one linear-time pass (``RegexSet``)."""

    __slots__ = ("wildcard", "configured_literals", "literals", "regexes", "notes", "checks", "key")

    def __init__(
        self,
        wildcard: bool,
        literals: tuple[str, ...],
        patterns: tuple[re.Pattern[str], ...],
        notes: tuple[str, ...] = (),
        checks: tuple[OriginCheck, ...] = (),
        where: str = "",
    ) -> None:
        self.wildcard = wildcard
        self.configured_literals = literals  # in order, for display and always_send
        self.literals = frozenset(map(_lowered, literals))
        # Callers check that values are visible ASCII before any regex sees them.
        self.regexes = RegexSet(patterns, whole=True, ascii_input=True, where=where)
        self.notes = notes + self.regexes.notes
        self.checks = checks
        #: Equal for matchers configured alike. A callable counts by its OriginCheck,
        #: whose request-time errors name the option and resource it was given in.
        self.key = (wildcard, literals, *((p.pattern, p.flags) for p in patterns), *map(id, checks))

    @property
    def patterns(self) -> tuple[re.Pattern[str], ...]:
        """The configured regexes, in order."""
        return self.regexes.patterns

    def matches(self, value: str, patterns: bool = True) -> bool:
        """Whether ``value`` is allowed (regexes only if ``patterns``); callers bound its length."""
        return self.entry(value, patterns) is not None

    def entry(self, value: str, patterns: bool = True) -> tuple[str, str] | None:
        """The configured entry that allows ``value``, as ``("*", "*")``, ``("literal",
        value)`` or ``("regex", pattern)``; None when none does (callables aside)."""
        if self.wildcard:
            return ("*", "*")
        if value.lower() in self.literals:
            return ("literal", value)
        hits = self.regexes.matching(value) if patterns else ()
        return ("regex", self.patterns[hits[0]].pattern) if hits else None

    def check(self, origin: str) -> bool | None:
        """Ask the callables: True if one allows ``origin``, None if none does and one raised."""
        failed = False
        for check in self.checks:
            verdict = check(origin)
            if verdict:
                return True
            failed = failed or verdict is None
        return None if failed else False


def _lowered(text: str) -> str:
    """``text.lower()``, but ``text`` itself if equal: a large allow-list is held once."""
    lowered = text.lower()
    return text if lowered == text else lowered


class PathPattern:
    """A resource pattern as in Flask-CORS 6: a literal path compared exactly or a regex
    matched from the path's start, case-sensitive. ``specificity`` sorts the most specific
    first (literals, more ``/``, longer), then by text, whatever the configured order."""

    __slots__ = ("text", "literal", "regex", "specificity")

    def __init__(self, text: str, literal: str | None, regex: re.Pattern[str] | None):
        self.text = text
        self.literal = literal
        self.regex = regex
        body, flags = (regex.pattern, regex.flags) if regex else (literal or "", 0)
        self.specificity = (literal is None, -body.count("/"), -len(body), body, flags)
