"""The places an option is set, most important first: a resource's dict, the decorator's
or ``init_app``'s keywords, the constructor's, ``app.config`` read by value, the defaults."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any, Callable

from .core import CONFIG_OPTIONS, DEFAULT_OPTIONS, OPTION_NAMES, ConfigError
from .options import NONE_MEANS_UNSET, SEQUENCE_TYPES, VALUE_PARSERS, compile_regex
from .patterns import WILDCARDS, PathPattern, describe_value, looks_like_regex

#: Layer names, as error messages and explanations show them.
RESOURCE_LAYER = "resource"
DECORATOR_LAYER = "decorator"
INIT_APP_LAYER = "init_app"
CONSTRUCTOR_LAYER = "constructor"
CONFIG_LAYER = "app.config"
DEFAULT_LAYER = "default"

#: One place's parsed options, under the layer's name.
Layer = tuple[str, Mapping[str, Any]]


def parse_path_pattern(value: Any, where: str) -> PathPattern:
    """A resource key: a literal path, a regex string, ``*`` or a compiled regex."""
    if isinstance(value, re.Pattern):
        if not isinstance(value.pattern, str):
            raise ConfigError(f"{where}: regex {value.pattern!r} must be a str pattern")
        return PathPattern(value.pattern, None, value)
    if not isinstance(value, str):
        raise ConfigError(
            f"{where}: a resource pattern must be a string or a compiled regex, "
            f"got {describe_value(value)}"
        )
    if value in WILDCARDS:
        return PathPattern(value, None, re.compile(".*"))
    if looks_like_regex(value):
        return PathPattern(value, None, compile_regex(value, where, 0))
    if not value.startswith("/"):
        raise ConfigError(
            f"{where}: the literal path {value!r} never matches; request paths start with '/'"
        )
    return PathPattern(value, value, None)


#: One entry of ``resources``: a path pattern and the options set for it alone.
Resource = tuple[PathPattern, Mapping[str, Any]]


def parse_resources(value: Any, where: str) -> tuple[Resource, ...]:
    """resources: a dict of pattern -> options (None: no options of its own), a list of
    patterns, or one pattern; most specific first (``PathPattern.specificity``)."""
    resources: list[Resource] = []
    if isinstance(value, Mapping):
        for key, options in value.items():
            key_where = f"{where}[{key!r}]" if isinstance(key, str) else where
            pattern = parse_path_pattern(key, key_where)
            if not isinstance(options, (Mapping, type(None))):
                raise ConfigError(
                    f"{key_where} must be a dict of options, got {describe_value(options)}"
                )
            resources.append((pattern, parse_options(options or {}, key_where, nested=True)))
    elif isinstance(value, (str, re.Pattern, *SEQUENCE_TYPES)):
        patterns = value if isinstance(value, SEQUENCE_TYPES) else [value]
        resources.extend((parse_path_pattern(item, where), {}) for item in patterns)
    else:
        raise ConfigError(
            f"{where} must be a dict, a list, a string or a compiled regex, "
            f"got {describe_value(value)}"
        )
    resources.sort(key=lambda resource: resource[0].specificity)
    return tuple(resources)


#: Every option's parser.
PARSERS: dict[str, Callable[[Any, str], Any]] = {"resources": parse_resources, **VALUE_PARSERS}


def suggest(name: str, candidates: Iterable[str]) -> str:
    """A "did you mean" hint for a misspelled name; case is ignored when comparing, so
    'ORIGINS' and 'CORS_Origins' are recognised too."""
    by_lowered = {candidate.lower(): candidate for candidate in candidates}
    close = difflib.get_close_matches(name.lower(), list(by_lowered), n=1, cutoff=0.6)
    return f"; did you mean {by_lowered[close[0]]!r}?" if close else ""


def parse_options(raw: Mapping[str, Any], where: str, nested: bool = False) -> dict[str, Any]:
    """Validate one place's keyword options (``nested``: a resource's own, or the
    decorator's, where ``resources`` has no meaning); unknown names are errors."""
    parsed: dict[str, Any] = {}
    for name, value in raw.items():
        if value is None and name in NONE_MEANS_UNSET:
            continue
        if name == "resources" and nested:
            raise ConfigError(f"{where}: 'resources' cannot be nested inside a resource's options")
        if name not in PARSERS:
            known = OPTION_NAMES[1:] if nested else OPTION_NAMES
            raise ConfigError(f"{where}: unknown option {name!r}{suggest(name, known)}")
        parsed[name] = PARSERS[name](value, f"{where} {name}")
    return parsed


_OPTION_OF_CONFIG_KEY = dict(zip(CONFIG_OPTIONS, OPTION_NAMES))
_CONFIG_KEYS = frozenset(CONFIG_OPTIONS)


def config_values(config: Mapping[str, Any]) -> dict[str, Any]:
    """The app's ``CORS_*`` option values, by key, for the keys that are set. Read on
    every request, so it costs one set operation when none is."""
    present = config.keys() & _CONFIG_KEYS
    return {key: config[key] for key in present} if present else {}


def snapshot(value: Any) -> Any:
    """A copy of ``value`` that in-place changes to it cannot reach: lists, dicts, sets
    and tuples are copied all the way down, other objects kept. It compares equal to
    ``value`` until ``value`` is changed, and is the very same object when nothing in it
    can change, so that comparing costs nothing for strings, booleans and tuples of them."""
    if isinstance(value, list):
        return [snapshot(item) for item in value]
    if isinstance(value, dict):
        return {key: snapshot(item) for key, item in value.items()}
    if isinstance(value, set):
        return set(value)
    if isinstance(value, tuple):
        copied = tuple(snapshot(item) for item in value)
        return value if all(a is b for a, b in zip(copied, value)) else copied
    return value


def parse_config(
    config: Mapping[str, Any], values: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The options of ``app.config`` whose ``CORS_*`` values are ``values`` (from
    ``config_values``), and warnings about its unknown ``CORS_`` keys, which are not
    refused because other code shares the config namespace."""
    warnings = [
        f"app.config[{key!r}] is not a Flask-CORS option and is ignored"
        + suggest(key, CONFIG_OPTIONS)
        for key in config
        if isinstance(key, str) and key.startswith("CORS_") and key not in _OPTION_OF_CONFIG_KEY
    ]
    parsed = {
        name: PARSERS[name](values[key], f"app.config[{key!r}]")
        for key, name in _OPTION_OF_CONFIG_KEY.items()
        if key in values and not (values[key] is None and name in NONE_MEANS_UNSET)
    }
    return parsed, warnings


def resolve(layers: Iterable[Layer]) -> tuple[dict[str, Any], dict[str, str]]:
    """Merge layers (most important first) over the defaults: each option's value and
    the layer it came from."""
    values: dict[str, Any] = {}
    set_by: dict[str, str] = {}
    # Defaults are parsed afresh each time: compiling happens at setup and when the
    # config changes, never per request, so a cache would save nothing measurable.
    defaults = [
        (name, PARSERS[name](DEFAULT_OPTIONS[name], f"default {name}")) for name in OPTION_NAMES
    ]
    for layer_name, options in [*layers, (DEFAULT_LAYER, dict(defaults))]:
        for name, value in options.items():
            if name not in values:
                values[name] = value
                set_by[name] = layer_name
    return values, set_by
