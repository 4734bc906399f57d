"""Parsing one option: each value is validated and normalized once, at setup."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import partial
from typing import Any, Callable

from .core import DEFAULT_OPTIONS, ConfigError
from .patterns import (
    WILDCARDS,
    NameMatcher,
    OriginCheck,
    describe_value,
    is_serialized_origin,
    is_token,
    looks_like_regex,
)

#: Largest Access-Control-Max-Age accepted: RFC 9111 treats bigger delta-seconds as 2^31.
MAX_MAX_AGE = 2**31
#: Ports a serialized origin leaves out (Fetch: a URL's port is null when the default).
DEFAULT_PORTS = {"http": 80, "https": 443}
SEQUENCE_TYPES = (list, tuple, set, frozenset)
#: Not str.strip(): CR, LF and other controls must make a value invalid, not vanish.
_BLANKS = " \t"
#: Options whose None means "not set here": Flask-CORS's signature shows methods=None.
NONE_MEANS_UNSET = frozenset({"methods"})
_UNESCAPED_DOT = re.compile(r"(?<!\\)\.(?=[A-Za-z0-9])")  # as in api.example
_METHOD = "an HTTP method (methods are tokens such as 'GET')"


def _items(value: Any, where: str, patterns: bool, callables: bool = False) -> list[Any]:
    """A str, pattern, callable or collection as a list of items; literal strings are
    split on commas, so ``"GET, POST"`` and environment-fed lists mean what they say."""
    kinds = "a string or a list of strings"
    if patterns:
        kinds = f"a string, a compiled regex{', a callable' if callables else ''} or a list of them"
    if isinstance(value, (str, re.Pattern)) or (callables and callable(value)):
        value = [value]
    elif not isinstance(value, SEQUENCE_TYPES):
        raise ConfigError(f"{where} must be {kinds}, got {describe_value(value)}")
    items: list[Any] = []
    for item in value:
        if isinstance(item, re.Pattern):
            if not patterns:
                raise ConfigError(f"{where} must be {kinds}, got the regex {item.pattern!r}")
            if not isinstance(item.pattern, str):
                raise ConfigError(f"{where}: regex {item.pattern!r} must be a str pattern")
            items.append(item)
        elif isinstance(item, str):
            if (patterns and looks_like_regex(item)) or "," not in item:
                items.append(item.strip(_BLANKS))  # the same object when nothing is stripped
            else:
                items.extend(part.strip(_BLANKS) for part in item.split(","))
        elif callables and callable(item):
            items.append(item)
        else:
            raise ConfigError(f"{where} must be {kinds}, got the item {describe_value(item)}")
    if isinstance(value, (set, frozenset)):  # a stable order: by text, callables by name
        items.sort(key=_sort_key)
    return items


def _sort_key(item: Any) -> str:
    if isinstance(item, (str, re.Pattern)):
        return str(getattr(item, "pattern", item))
    return str(getattr(item, "__qualname__", ""))


def _token(item: str, where: str, what: str = "a valid header name") -> str:
    if not is_token(item):
        raise ConfigError(f"{where}: {item!r} is not {what}")
    return item


def compile_regex(pattern: str, where: str, flags: int) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as error:
        raise ConfigError(
            f"{where}: {pattern!r} is not a valid regular expression ({error})"
        ) from None


def parse_bool(value: Any, where: str) -> bool:
    """A bool, 0/1, or one of the spellings environment-fed config uses."""
    if isinstance(value, int) and value in (0, 1):  # True and False among them
        return bool(value)
    spelled = value.strip(_BLANKS).lower() if isinstance(value, str) else None
    if spelled in ("true", "1", "false", "0"):
        return spelled in ("true", "1")
    raise ConfigError(
        f"{where} must be True or False (or one of 'true', 'false', '1', '0'), "
        f"got {describe_value(value)}"
    )


def parse_names(value: Any, where: str, origins: bool = False) -> NameMatcher:
    """allow_headers, or origins when ``origins``: ``*``, literals (case-insensitive),
    regexes (whole value) and, for origins, callables given the request's Origin."""
    wildcard = False
    literals: list[str] = []
    patterns: list[re.Pattern[str]] = []
    checks: list[OriginCheck] = []
    notes: list[str] = []
    for item in _items(value, where, patterns=True, callables=origins):
        note = None
        if isinstance(item, re.Pattern):
            patterns.append(item)
        elif not isinstance(item, str):
            checks.append(OriginCheck(item, where))
        elif item in WILDCARDS:
            wildcard = True
        elif looks_like_regex(item):
            patterns.append(compile_regex(item, where, re.IGNORECASE))
            note = _origin_regex_note(item, where) if origins else None
        elif origins:
            note = _check_origin(item, where)
            literals.append(item)
        else:
            literals.append(_token(item, where))
        if note:
            notes.append(note)
    if wildcard and checks:
        notes.append(
            f"{where} includes '*', so its callables ({', '.join(c.name for c in checks)}) "
            "are never called"
        )
    return NameMatcher(
        wildcard, tuple(literals), tuple(patterns), tuple(notes), tuple(checks), where
    )


def _check_origin(item: str, where: str) -> str | None:
    """A warning about the origin 'null'; raises for a literal no Origin header matches."""
    if item == "null":
        return (
            f"{where} allows the origin 'null', which any page can send "
            "(sandboxed iframes, file: and data: URLs)"
        )
    scheme, _, rest = item.partition("://")
    host, _, port = rest.rpartition(":")
    default_port = port.isdigit() and int(port) == DEFAULT_PORTS.get(scheme.lower())
    if is_serialized_origin(item) and not default_port:
        return None
    if item == "":
        hint = "An empty origin matches nothing."
    elif not item.isascii():
        hint = "Browsers send international domain names in their ASCII (punycode) form."
    elif not rest:
        hint = f"An origin includes its scheme, e.g. 'https://{item}'."
    elif "/" in rest:
        host = rest.split("/", 1)[0]
        hint = f"An origin has no path or trailing slash; did you mean '{scheme}://{host}'?"
    elif default_port:
        hint = f"Browsers leave out the default port; did you mean '{scheme}://{host}'?"
    else:
        hint = "An origin is scheme://host[:port], or 'null'."
    raise ConfigError(f"{where}: {item!r} can never match an Origin header. {hint}")


def _origin_regex_note(item: str, where: str) -> str | None:
    if "://*" in item:
        return (
            f"{where}: {item!r} looks like a glob, but it is a regex in which '*' repeats "
            "the character before it, so it allows origins you did not list; write "
            "r'https://[a-z0-9-]+\\.example\\.com' for one level of subdomains"
        )
    if _UNESCAPED_DOT.search(item):
        return (
            f"{where}: in the regex {item!r} an unescaped '.' matches any character; "
            "write '\\.' for a literal dot"
        )
    return None


def parse_expose_headers(value: Any, where: str) -> tuple[str, ...] | None:
    """expose_headers: None, or header names sent as one sorted, de-duplicated list."""
    if value is None:
        return None
    names: dict[str, str] = {}
    for item in _items(value, where, patterns=False):
        names.setdefault(_token(item, where).lower(), item)
    return tuple(sorted(names.values()))


def parse_methods(value: Any, where: str) -> tuple[str, ...]:
    """methods: HTTP tokens, upper-cased as Flask-CORS does; ``*`` allows any method."""
    items = _items(value, where, patterns=False)
    return tuple(dict.fromkeys(_token(item, where, _METHOD).upper() for item in items))


def parse_max_age(value: Any, where: str) -> int | None:
    """max_age: None, a non-negative int, a digit string or a timedelta (whole seconds)."""
    if value is None:
        return None
    if isinstance(value, timedelta):  # whole seconds; a negative one, however small, is refused
        seconds = int(value.total_seconds()) if value.total_seconds() >= 0 else -1
    elif isinstance(value, int) and not isinstance(value, bool):
        seconds = int(value)
    elif isinstance(value, str) and value.strip(_BLANKS).isdigit() and value.isascii():
        seconds = int(value.strip(_BLANKS))
    else:
        raise ConfigError(
            f"{where} must be an int, a string of digits or a timedelta, "
            f"got {describe_value(value)}"
        )
    if seconds < 0:
        raise ConfigError(f"{where} must not be negative, got {value!r}")
    if seconds > MAX_MAX_AGE:
        raise ConfigError(f"{where} must be at most {MAX_MAX_AGE} seconds, got {value!r}")
    return seconds


#: The parser of each option but ``resources``, whose parser (in ``layers``) parses
#: options in turn. An option whose default is True or False is a flag.
VALUE_PARSERS: dict[str, Callable[[Any, str], Any]] = {
    "origins": partial(parse_names, origins=True),
    "methods": parse_methods,
    "expose_headers": parse_expose_headers,
    "allow_headers": parse_names,
    "max_age": parse_max_age,
    **{name: parse_bool for name, default in DEFAULT_OPTIONS.items() if isinstance(default, bool)},
}
