"""The option table: parse and validate each option once, merge the layers, compile policies."""

from __future__ import annotations

import difflib
import re
from datetime import timedelta
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Pattern, Tuple

from .core import ACL_ORIGIN, CONFIG_OPTIONS, DEFAULT_OPTIONS, OPTION_NAMES, ConfigError
from .patterns import (
    WILDCARDS,
    NameMatcher,
    OriginCheck,
    PathPattern,
    has_unescaped_dot,
    is_serialized_origin,
    is_token,
    looks_like_regex,
)
from .patterns import (
    describe_value as _describe,
)
from .policy import Policy

#: Largest Access-Control-Max-Age accepted: RFC 9111 treats bigger delta-seconds as 2^31.
MAX_MAX_AGE = 2**31
#: The ports a serialized origin leaves out (Fetch, Origin header: an origin's port is
#: null when it is its scheme's default).
DEFAULT_PORTS = {"http": 80, "https": 443}
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

#: Layer names, most important first, as they appear in error messages and explanations.
RESOURCE_LAYER = "resource"
DECORATOR_LAYER = "decorator"
INIT_APP_LAYER = "init_app"
CONSTRUCTOR_LAYER = "constructor"
CONFIG_LAYER = "app.config"
DEFAULT_LAYER = "default"

_OPTION_OF_CONFIG_KEY = dict(zip(CONFIG_OPTIONS, OPTION_NAMES))
_TRUE_SPELLINGS = frozenset({"true", "1"})
_FALSE_SPELLINGS = frozenset({"false", "0"})
_SEQUENCE_TYPES = (list, tuple, set, frozenset)
#: Only spaces and tabs are trimmed: str.strip() would also eat CR, LF and other controls
#: that must make a value invalid instead.
_BLANKS = " \t"
#: Options whose None means "not set here": Flask-CORS's signature shows methods=None.
_NONE_MEANS_UNSET = frozenset({"methods"})


def _items(
    value: Any, where: str, allow_patterns: bool, allow_callables: bool = False
) -> List[Any]:
    """Turn a str, pattern, callable or collection into a list of items; split literal
    strings on commas so ``"GET, POST"`` and environment-fed lists mean what they say."""
    if allow_callables:
        kinds = "a string, a compiled regex, a callable or a list of them"
    elif allow_patterns:
        kinds = "a string, a compiled regex or a list of them"
    else:
        kinds = "a string or a list of strings"
    if isinstance(value, str):
        raw: List[Any] = [value]
    elif isinstance(value, re.Pattern):
        raw = [value]
    elif isinstance(value, _SEQUENCE_TYPES):
        raw = list(value)
    elif allow_callables and callable(value):
        raw = [value]
    else:
        raise ConfigError(f"{where} must be {kinds}, got {_describe(value)}")
    items: List[Any] = []
    for item in raw:
        if isinstance(item, re.Pattern):
            if not allow_patterns:
                raise ConfigError(f"{where} must be {kinds}, got the regex {item.pattern!r}")
            if not isinstance(item.pattern, str):
                raise ConfigError(f"{where}: regex {item.pattern!r} must be a str pattern")
            items.append(item)
        elif isinstance(item, str):
            if (allow_patterns and looks_like_regex(item)) or "," not in item:
                items.append(item.strip(_BLANKS))  # the same object when nothing is stripped
            else:
                items.extend(part.strip(_BLANKS) for part in item.split(","))
        elif allow_callables and callable(item):
            items.append(item)
        else:
            raise ConfigError(f"{where} must be {kinds}, got the item {_describe(item)}")
    if isinstance(value, (set, frozenset)):
        items.sort(key=_sort_key)
    return items


def _sort_key(item: Any) -> str:
    """A set's items in a stable order: strings and regexes by their text, callables by
    their name."""
    if isinstance(item, str):
        return item
    if isinstance(item, re.Pattern):
        return str(item.pattern)
    return str(getattr(item, "__qualname__", ""))


def _compile(pattern: str, where: str, flags: int) -> Pattern[str]:
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
    if isinstance(value, str):
        spelled = value.strip(_BLANKS).lower()
        if spelled in _TRUE_SPELLINGS:
            return True
        if spelled in _FALSE_SPELLINGS:
            return False
    raise ConfigError(
        f"{where} must be True or False (or one of 'true', 'false', '1', '0'), "
        f"got {_describe(value)}"
    )


def _parse_names(
    value: Any,
    where: str,
    check_literal: Callable[[str, str], Optional[str]],
    check_regex: Callable[[str, str], Optional[str]],
    allow_callables: bool = False,
) -> NameMatcher:
    """Wildcards, literals, regexes (and, for origins, callables) of a case-insensitive
    name list; the checks raise for a literal that can never match, or return a warning."""
    wildcard = False
    literals: List[str] = []
    patterns: List[Pattern[str]] = []
    checks: List[OriginCheck] = []
    notes: List[str] = []
    for item in _items(value, where, allow_patterns=True, allow_callables=allow_callables):
        note = None
        if not isinstance(item, (str, re.Pattern)):
            checks.append(OriginCheck(item, where))
        elif isinstance(item, re.Pattern):
            patterns.append(item)
        elif item in WILDCARDS:
            wildcard = True
        elif looks_like_regex(item):
            patterns.append(_compile(item, where, re.IGNORECASE))
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


def _check_origin(item: str, where: str) -> Optional[str]:
    if item == "null":
        return (
            f"{where} allows the origin 'null', which any page can send "
            "(sandboxed iframes, file: and data: URLs)"
        )
    if not is_serialized_origin(item) or _has_default_port(item):
        raise ConfigError(
            f"{where}: {item!r} can never match an Origin header. {_origin_hint(item)}"
        )
    return None


def _has_default_port(origin: str) -> bool:
    # A browser serializes an origin without its scheme's default port (a URL's port is
    # null when it is the default), so 'https://a.example:443' never arrives as such.
    scheme, _, host_port = origin.partition("://")
    port = host_port.rpartition(":")[2]
    return port.isdigit() and int(port) == DEFAULT_PORTS.get(scheme.lower())


def _check_origin_regex(item: str, where: str) -> Optional[str]:
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


def _check_header_name(item: str, where: str) -> Optional[str]:
    if not is_token(item):
        raise ConfigError(f"{where}: {item!r} is not a valid header name")
    return None


def _no_check(item: str, where: str) -> Optional[str]:
    return None


def parse_origins(value: Any, where: str) -> NameMatcher:
    """Origins: ``*``, literal origins (case-insensitive), regexes (whole value) and
    callables taking the request's Origin and returning True or False."""
    return _parse_names(value, where, _check_origin, _check_origin_regex, allow_callables=True)


def parse_header_names(value: Any, where: str) -> NameMatcher:
    """allow_headers: ``*``, literal header names (case-insensitive) and regexes."""
    return _parse_names(value, where, _check_header_name, _no_check)


def _origin_hint(item: str) -> str:
    if item == "":
        return "An empty origin matches nothing."
    if not item.isascii():
        return "Browsers send international domain names in their ASCII (punycode) form."
    if "://" not in item:
        return f"An origin includes its scheme, e.g. 'https://{item}'."
    scheme, _, rest = item.partition("://")
    if "/" in rest:
        host = rest.split("/", 1)[0]
        return f"An origin has no path or trailing slash; did you mean '{scheme}://{host}'?"
    if _has_default_port(item):
        host = rest.rpartition(":")[0]
        return f"Browsers leave out the default port; did you mean '{scheme}://{host}'?"
    return "An origin is scheme://host[:port], or 'null'."


def parse_expose_headers(value: Any, where: str) -> Optional[Tuple[str, ...]]:
    """expose_headers: None, or header names sent as one sorted, de-duplicated list."""
    if value is None:
        return None
    names: Dict[str, str] = {}
    for item in _items(value, where, allow_patterns=False):
        if not is_token(item):
            raise ConfigError(f"{where}: {item!r} is not a valid header name")
        names.setdefault(item.lower(), item)
    return tuple(sorted(names.values()))


def parse_methods(value: Any, where: str) -> Tuple[str, ...]:
    """methods: HTTP tokens, upper-cased as Flask-CORS does; ``*`` allows any method."""
    methods: List[str] = []
    for item in _items(value, where, allow_patterns=False):
        if not is_token(item):
            raise ConfigError(
                f"{where}: {item!r} is not an HTTP method (methods are tokens such as 'GET')"
            )
        method = item.upper()
        if method not in methods:
            methods.append(method)
    return tuple(methods)


def parse_max_age(value: Any, where: str) -> Optional[int]:
    """max_age: None, a non-negative int, a digit string or a timedelta (whole seconds)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ConfigError(f"{where} must be a number of seconds, got {value!r}")
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        if seconds < 0:
            raise ConfigError(f"{where} must not be negative, got {value!r}")
        result = int(seconds)
    elif isinstance(value, int):
        result = value
    elif isinstance(value, str) and value.strip(_BLANKS).isdigit() and value.isascii():
        result = int(value.strip(_BLANKS))
    else:
        raise ConfigError(
            f"{where} must be an int, a string of digits or a timedelta, got {_describe(value)}"
        )
    if result < 0:
        raise ConfigError(f"{where} must not be negative, got {value!r}")
    if result > MAX_MAX_AGE:
        raise ConfigError(f"{where} must be at most {MAX_MAX_AGE} seconds, got {value!r}")
    return result


_PARSERS: Dict[str, Callable[[Any, str], Any]] = {
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


def _suggest(name: str, candidates: Iterable[str]) -> str:
    """A "did you mean" hint for a misspelled name; case is ignored when comparing, so
    'ORIGINS' and 'CORS_Origins' are recognised too."""
    by_lowered = {candidate.lower(): candidate for candidate in candidates}
    close = difflib.get_close_matches(name.lower(), list(by_lowered), n=1, cutoff=0.6)
    return f"; did you mean {by_lowered[close[0]]!r}?" if close else ""


class ResourceRule:
    """One entry of ``resources``: a path pattern and the options set for it alone."""

    __slots__ = ("pattern", "options")

    def __init__(self, pattern: PathPattern, options: Mapping[str, Any]):
        self.pattern = pattern
        self.options = options


def parse_path_pattern(value: Any, where: str) -> PathPattern:
    """A resource key: a literal path, a regex string, ``*`` or a compiled regex."""
    if isinstance(value, re.Pattern):
        if not isinstance(value.pattern, str):
            raise ConfigError(f"{where}: regex {value.pattern!r} must be a str pattern")
        return PathPattern(value.pattern, None, value)
    if not isinstance(value, str):
        raise ConfigError(
            f"{where}: a resource pattern must be a string or a compiled regex, "
            f"got {_describe(value)}"
        )
    if value in WILDCARDS:
        return PathPattern(value, None, re.compile(".*"))
    if looks_like_regex(value):
        return PathPattern(value, None, _compile(value, where, 0))
    if not value.startswith("/"):
        raise ConfigError(
            f"{where}: the literal path {value!r} never matches; request paths start with '/'"
        )
    return PathPattern(value, value, None)


def parse_resources(value: Any, where: str) -> Tuple[ResourceRule, ...]:
    """resources: a dict of pattern -> options, a list of patterns, one pattern."""
    rules: List[ResourceRule] = []
    if isinstance(value, Mapping):
        for key, options in value.items():
            key_where = f"{where}[{key!r}]" if isinstance(key, str) else where
            pattern = parse_path_pattern(key, key_where)
            if options is None:
                options = {}
            if not isinstance(options, Mapping):
                raise ConfigError(
                    f"{key_where} must be a dict of options, got {_describe(options)}"
                )
            parsed = parse_options(options, key_where, allow_resources=False)
            rules.append(ResourceRule(pattern, parsed))
    elif isinstance(value, (str, re.Pattern)):
        rules.append(ResourceRule(parse_path_pattern(value, where), {}))
    elif isinstance(value, _SEQUENCE_TYPES):
        for item in value:
            rules.append(ResourceRule(parse_path_pattern(item, where), {}))
    else:
        raise ConfigError(
            f"{where} must be a dict, a list, a string or a compiled regex, got {_describe(value)}"
        )
    rules.sort(key=lambda rule: rule.pattern.specificity)
    return tuple(rules)


def parse_options(
    raw: Mapping[str, Any], where: str, allow_resources: bool = True
) -> Dict[str, Any]:
    """Validate one layer of keyword options; unknown names are errors with a suggestion."""
    parsed: Dict[str, Any] = {}
    for name, value in raw.items():
        if value is None and name in _NONE_MEANS_UNSET:
            continue
        if name == "resources" and allow_resources:
            parsed[name] = parse_resources(value, f"{where} resources")
            continue
        parser = _PARSERS.get(name)
        if parser is None:
            known = [n for n in OPTION_NAMES if allow_resources or n != "resources"]
            if name == "resources":
                raise ConfigError(
                    f"{where}: 'resources' cannot be nested inside a resource's options"
                )
            raise ConfigError(f"{where}: unknown option {name!r}{_suggest(name, known)}")
        parsed[name] = parser(value, f"{where} {name}")
    return parsed


def parse_config(config: Mapping[str, Any]) -> Tuple[Dict[str, Any], List[str]]:
    """The options in ``config``, which holds the ``CORS_*`` entries of ``app.config``
    (binding.PolicySource.table picks them), and warnings about unknown ``CORS_`` keys,
    which are not refused because other code shares the config namespace."""
    parsed: Dict[str, Any] = {}
    warnings: List[str] = []
    for key in config:
        name = _OPTION_OF_CONFIG_KEY.get(key)
        value = config[key]
        if name is None:
            warnings.append(
                f"app.config[{key!r}] is not a Flask-CORS option and is ignored"
                + _suggest(key, CONFIG_OPTIONS)
            )
        elif not (value is None and name in _NONE_MEANS_UNSET):
            where = f"app.config[{key!r}]"
            parsed[name] = (
                parse_resources(value, where)
                if name == "resources"
                else _PARSERS[name](value, where)
            )
    return parsed, warnings


Layer = Tuple[str, Mapping[str, Any]]


def resolve(layers: Iterable[Layer]) -> Tuple[Dict[str, Any], Dict[str, str]]:
    """Merge layers (most important first): each option's value and the layer it came from."""
    values: Dict[str, Any] = {}
    sources: Dict[str, str] = {}
    for layer_name, options in layers:
        for name, value in options.items():
            if name not in values:
                values[name] = value
                sources[name] = layer_name
    for name, default in _parsed_defaults().items():
        if name not in values:
            values[name] = default
            sources[name] = DEFAULT_LAYER
    return values, sources


def _parsed_defaults() -> Dict[str, Any]:
    # Parsed afresh for each compile: compiling happens at setup and when the config
    # changes, never per request, so a cache would save nothing measurable.
    parsed: Dict[str, Any] = {}
    for name in OPTION_NAMES:
        raw = DEFAULT_OPTIONS[name]
        where = f"default {name}"
        parsed[name] = (
            parse_resources(raw, where) if name == "resources" else _PARSERS[name](raw, where)
        )
    return parsed


Warn = Callable[[str], None]

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
    send_wildcard: bool = values["send_wildcard"]
    expose: Optional[Tuple[str, ...]] = values["expose_headers"]
    if origins.checks and not values["vary_header"] and settled("origins", "vary_header"):
        raise ConfigError(
            f"{where}: vary_header cannot be False with a callable in origins: the answer "
            "depends on the Origin, and a cache that is not told so would give one site's "
            "answer to another"
        )
    conflict = ("origins", "supports_credentials", "send_wildcard")
    any_origin = _allows_any_origin(origins)
    if any_origin and credentials and send_wildcard and settled(*conflict):
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
            expose is not None
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
    return Policy(
        origins=origins,
        methods=values["methods"],
        expose_headers=expose,
        allow_headers=values["allow_headers"],
        supports_credentials=credentials,
        max_age=values["max_age"],
        send_wildcard=send_wildcard,
        vary_header=values["vary_header"],
        automatic_options=values["automatic_options"],
        always_send=values["always_send"],
        intercept_exceptions=values["intercept_exceptions"],
        allow_private_network=values["allow_private_network"],
        sources=dict(sources),
    )


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
