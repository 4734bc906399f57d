"""Parsing one option: each value is validated and normalized once, at setup."""

from __future__ import annotations

import re
from datetime import timedelta
from re import Pattern
from typing import Any, Callable

from .core import ConfigError
from .patterns import (
    WILDCARDS,
    NameMatcher,
    OriginCheck,
    describe_value,
    has_unescaped_dot,
    is_serialized_origin,
    is_token,
    looks_like_regex,
)

#: Largest Access-Control-Max-Age accepted: RFC 9111 treats bigger delta-seconds as 2^31.
MAX_MAX_AGE = 2**31
#: The ports a serialized origin leaves out (Fetch, Origin header: an origin's port is
#: null when it is its scheme's default).
DEFAULT_PORTS = {"http": 80, "https": 443}
SEQUENCE_TYPES = (list, tuple, set, frozenset)
#: Only spaces and tabs are trimmed: str.strip() would also eat CR, LF and other controls
#: that must make a value invalid instead.
_BLANKS = " \t"
#: Options whose None means "not set here": Flask-CORS's signature shows methods=None.
NONE_MEANS_UNSET = frozenset({"methods"})


def _items(value: Any, where: str, patterns: bool, callables: bool = False) -> list[Any]:
    """A str, pattern, callable or collection as a list of items; literal strings are
    split on commas, so ``"GET, POST"`` and environment-fed lists mean what they say."""
    kinds = (
        "a string, a compiled regex, a callable or a list of them"
        if callables
        else "a string, a compiled regex or a list of them"
        if patterns
        else "a string or a list of strings"
    )
    if isinstance(value, (str, re.Pattern)) or (callables and callable(value)):
        raw: list[Any] = [value]
    elif isinstance(value, SEQUENCE_TYPES):
        raw = list(value)
    else:
        raise ConfigError(f"{where} must be {kinds}, got {describe_value(value)}")
    items: list[Any] = []
    for item in raw:
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


def compile_regex(pattern: str, where: str, flags: int) -> Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as error:
        raise ConfigError(
            f"{where}: {pattern!r} is not a valid regular expression ({error})"
        ) from None


def parse_bool(value: Any, where: str) -> bool:
    """A bool, 0/1, or one of the spellings environment-fed config uses."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    spelled = value.strip(_BLANKS).lower() if isinstance(value, str) else None
    if spelled in ("true", "1", "false", "0"):
        return spelled in ("true", "1")
    raise ConfigError(
        f"{where} must be True or False (or one of 'true', 'false', '1', '0'), "
        f"got {describe_value(value)}"
    )


def _names(
    value: Any,
    where: str,
    check_literal: Callable[[str, str], str | None],
    check_regex: Callable[[str, str], str | None],
    callables: bool = False,
) -> NameMatcher:
    """Wildcards, literals, regexes (and, for origins, callables) of a case-insensitive
    name list; the checks raise for a literal that can never match, or return a warning."""
    wildcard = False
    literals: list[str] = []
    patterns: list[Pattern[str]] = []
    checks: list[OriginCheck] = []
    notes: list[str] = []
    for item in _items(value, where, patterns=True, callables=callables):
        note = None
        if isinstance(item, re.Pattern):
            patterns.append(item)
        elif not isinstance(item, str):
            checks.append(OriginCheck(item, where))
        elif item in WILDCARDS:
            wildcard = True
        elif looks_like_regex(item):
            patterns.append(compile_regex(item, where, re.IGNORECASE))
            note = check_regex(item, where)
        else:
            note = check_literal(item, where)
            literals.append(item)
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
    if item == "null":
        return (
            f"{where} allows the origin 'null', which any page can send "
            "(sandboxed iframes, file: and data: URLs)"
        )
    if not is_serialized_origin(item) or _default_port_left_out(item):
        raise ConfigError(f"{where}: {item!r} can never match an Origin header. {_hint(item)}")
    return None


def _default_port_left_out(origin: str) -> str | None:
    """``origin`` without its port, when that port is its scheme's default: a browser
    never sends it (a URL's port is null when it is the default)."""
    scheme, _, host_port = origin.partition("://")
    host, _, port = host_port.rpartition(":")
    if port.isdigit() and int(port) == DEFAULT_PORTS.get(scheme.lower()):
        return f"{scheme}://{host}"
    return None


def _hint(item: str) -> str:
    scheme, _, rest = item.partition("://")
    if item == "":
        return "An empty origin matches nothing."
    if not item.isascii():
        return "Browsers send international domain names in their ASCII (punycode) form."
    if not rest:
        return f"An origin includes its scheme, e.g. 'https://{item}'."
    if "/" in rest:
        host = rest.split("/", 1)[0]
        return f"An origin has no path or trailing slash; did you mean '{scheme}://{host}'?"
    without_port = _default_port_left_out(item)
    if without_port:
        return f"Browsers leave out the default port; did you mean '{without_port}'?"
    return "An origin is scheme://host[:port], or 'null'."


def _check_origin_regex(item: str, where: str) -> str | None:
    if "://*" in item:
        return (
            f"{where}: {item!r} looks like a glob, but it is a regex in which '*' repeats "
            "the character before it, so it allows origins you did not list; write "
            "r'https://[a-z0-9-]+\\.example\\.com' for one level of subdomains"
        )
    if has_unescaped_dot(item):
        return (
            f"{where}: in the regex {item!r} an unescaped '.' matches any character; "
            "write '\\.' for a literal dot"
        )
    return None


def _check_header_name(item: str, where: str) -> str | None:
    if not is_token(item):
        raise ConfigError(f"{where}: {item!r} is not a valid header name")
    return None


def parse_origins(value: Any, where: str) -> NameMatcher:
    """Origins: ``*``, literal origins (case-insensitive), regexes (whole value) and
    callables taking the request's Origin and returning True or False."""
    return _names(value, where, _check_origin, _check_origin_regex, callables=True)


def parse_header_names(value: Any, where: str) -> NameMatcher:
    """allow_headers: ``*``, literal header names (case-insensitive) and regexes."""
    return _names(value, where, _check_header_name, lambda item, where: None)


def parse_expose_headers(value: Any, where: str) -> tuple[str, ...] | None:
    """expose_headers: None, or header names sent as one sorted, de-duplicated list."""
    if value is None:
        return None
    names: dict[str, str] = {}
    for item in _items(value, where, patterns=False):
        _check_header_name(item, where)
        names.setdefault(item.lower(), item)
    return tuple(sorted(names.values()))


def parse_methods(value: Any, where: str) -> tuple[str, ...]:
    """methods: HTTP tokens, upper-cased as Flask-CORS does; ``*`` allows any method."""
    methods: dict[str, None] = {}
    for item in _items(value, where, patterns=False):
        if not is_token(item):
            raise ConfigError(
                f"{where}: {item!r} is not an HTTP method (methods are tokens such as 'GET')"
            )
        methods[item.upper()] = None
    return tuple(methods)


def parse_max_age(value: Any, where: str) -> int | None:
    """max_age: None, a non-negative int, a digit string or a timedelta (whole seconds)."""
    if value is None:
        return None
    if isinstance(value, timedelta):  # whole seconds; a negative one, however small, is refused
        seconds: Any = int(value.total_seconds()) if value.total_seconds() >= 0 else -1
    elif isinstance(value, int) and not isinstance(value, bool):
        seconds = value
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
    return int(seconds)


#: The parser of each option but ``resources``, whose parser (in ``layers``) parses
#: options in turn.
VALUE_PARSERS: dict[str, Callable[[Any, str], Any]] = {
    "origins": parse_origins,
    "methods": parse_methods,
    "expose_headers": parse_expose_headers,
    "allow_headers": parse_header_names,
    "supports_credentials": parse_bool,
    "max_age": parse_max_age,
    "send_wildcard": parse_bool,
    "vary_header": parse_bool,
    "automatic_options": parse_bool,
    "always_send": parse_bool,
    "intercept_exceptions": parse_bool,
    "allow_private_network": parse_bool,
}
