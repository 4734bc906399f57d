"""Origin, header-name and path matchers, compiled once at setup and cheap per request."""

from __future__ import annotations

import inspect
import logging
import re
from re import Pattern
from typing import Any, Callable

from .core import ConfigError
from .regex import RegexSet

LOG = logging.getLogger("flask_cors")

#: A configured string containing any of these is a regular expression, otherwise a
#: literal. This is Flask-CORS's documented rule, kept so existing configurations mean
#: what they meant.
REGEX_CHARACTERS = frozenset("*\\]?$^[()")

#: ``"*"`` is the documented wildcard; ``".*"`` is how Flask-CORS spells it internally,
#: and configurations in the wild use both.
WILDCARDS = frozenset({"*", ".*"})

#: Longest Origin value ever reflected or run through a regex. A serialized origin is a
#: scheme, a host of at most 253 characters and a port; anything longer is not one, and
#: the bound keeps user regexes off attacker-sized input.
MAX_ORIGIN_LENGTH = 1024

#: Longest header name considered in Access-Control-Request-Headers, and longest method in
#: Access-Control-Request-Method, for the same reason and so that what is echoed stays small.
MAX_HEADER_NAME_LENGTH = 256
MAX_METHOD_LENGTH = 256

#: An HTTP token (RFC 9110): what a method or a header-field name is.
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_REFLECTABLE_ORIGIN = re.compile(r"[\x21-\x2b\x2d-\x7e]+")  # visible ASCII except ","
_SERIALIZED_ORIGIN = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*://"
    r"(?:\[[0-9A-Fa-f:.]+\]|[^\s/?#@\[\]:,\\*]+)"
    r"(?::[0-9]{1,5})?"
)
_IPV6_ORIGIN = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?")
_UNESCAPED_DOT = re.compile(r"(?<!\\)\.(?=[A-Za-z0-9])")

#: Most characters of one request value written to a log record, so that hostile
#: requests cannot turn into huge log lines.
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
    """Flask-CORS's rule for telling a regular expression from a literal string.

    A bracketed IPv6 origin such as ``http://[::1]:8080`` is a literal even though it
    contains brackets: read as a regex it would match ``http://1:8080`` instead.
    """
    if _IPV6_ORIGIN.fullmatch(value):
        return False
    return any(character in REGEX_CHARACTERS for character in value)


def has_unescaped_dot(pattern: str) -> bool:
    """Whether a regex has a bare ``.`` before a letter or digit (``api.example``)."""
    return _UNESCAPED_DOT.search(pattern) is not None


def shown(value: str | None) -> str:
    """A request value as written to logs: ``repr``-escaped, so no raw CR, LF or other
    control character reaches a log line, and clipped to ``LOGGED_LENGTH`` characters."""
    if value is None or len(value) <= LOGGED_LENGTH:
        return repr(value)
    return f"{value[:LOGGED_LENGTH]!r}... ({len(value)} characters)"


class OriginCheck:
    """A callable entry of ``origins``: asked at request time whether an Origin is allowed.

    It is only ever called with a serialized origin (``scheme://host[:port]``, as sent;
    never ``null``). An exception it raises is logged, escaped, and counts as "not
    allowed"; a return value other than True or False is a programming error and raises
    ``TypeError`` naming the option.
    """

    __slots__ = ("function", "where", "name")

    def __init__(self, function: Callable[[str], bool], where: str):
        self.function = function
        #: The option as the user set it, for error messages ("CORS() origins").
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
            LOG.error(
                "CORS origins callable %s (%s) raised %s for Origin %s; the origin is not allowed",
                self.name,
                self.where,
                shown(_error_text(error)),
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


def describe_value(value: Any) -> str:
    """A configured or returned value as error messages name it: its ``repr``, clipped
    to 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _error_text(error: Exception) -> str:
    try:
        return f"{type(error).__name__}: {error}"
    except Exception:  # a broken __str__ must not turn a logged failure into a 500
        return type(error).__name__


class NameMatcher:
    """Matches case-insensitive names (origins, header names) against a configuration.

    Literals are compared case-insensitively through one set lookup; regexes must match
    the whole value (``fullmatch``), never just a prefix or a substring, and run together
    in one linear-time pass (see ``regex.RegexSet``).
    """

    __slots__ = ("wildcard", "configured_literals", "literals", "regexes", "notes", "checks", "key")

    def __init__(
        self,
        wildcard: bool,
        literals: tuple[str, ...],
        patterns: tuple[Pattern[str], ...],
        notes: tuple[str, ...] = (),
        checks: tuple[OriginCheck, ...] = (),
        where: str = "",
    ) -> None:
        self.wildcard = wildcard
        #: Literals as configured, in order (for display and for always_send).
        self.configured_literals = literals
        self.literals = frozenset(map(_lowered, literals))
        # Callers check that values are visible ASCII before any regex sees them.
        self.regexes = RegexSet(patterns, whole=True, ascii_input=True, where=where)
        #: Warnings about risky but legal entries, logged once when a policy uses them.
        self.notes = notes + self.regexes.notes
        #: Callables asked when neither a literal nor a regex matches (origins only).
        self.checks = checks
        #: Equal for matchers configured alike. A callable counts by its OriginCheck,
        #: whose request-time errors name the option and resource it was given in.
        self.key = (wildcard, literals, *((p.pattern, p.flags) for p in patterns), *map(id, checks))

    @property
    def patterns(self) -> tuple[Pattern[str], ...]:
        """The configured regexes, in order."""
        return self.regexes.patterns

    def matches(self, value: str, patterns: bool = True) -> bool:
        """Whether ``value`` is allowed by this configuration (by its regexes only when
        ``patterns``). Callers bound the length of ``value`` first."""
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
        """Ask the callables about a serialized ``origin``: True when one allows it, None
        when none does and one raised, else False."""
        failed = False
        for check in self.checks:
            verdict = check(origin)
            if verdict:
                return True
            failed = failed or verdict is None
        return None if failed else False


def _lowered(text: str) -> str:
    """``text.lower()``, but the same object when nothing changes, so that a large
    allow-list is held once, not twice."""
    lowered = text.lower()
    return text if lowered == text else lowered


class PathPattern:
    """One resource pattern: a literal path compared exactly, or a regex matched from the
    start of the path, both case-sensitive, as Flask-CORS 6 does (``ResourceTable``
    matches them).

    ``specificity`` orders patterns most specific first: literals before regexes, then
    more ``/`` segments, then longer patterns; ties are broken by the pattern text so the
    order never depends on how the configuration was written down.
    """

    __slots__ = ("text", "literal", "regex", "specificity")

    def __init__(self, text: str, literal: str | None, regex: Pattern[str] | None):
        #: The pattern as configured.
        self.text = text
        self.literal = literal
        self.regex = regex
        body = literal if literal is not None else regex.pattern if regex is not None else ""
        flags = regex.flags if regex is not None else 0
        self.specificity = (literal is None, -body.count("/"), -len(body), body, flags)
