"""Parsing the places an option is set, and merging them, most important first."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any, Callable

from .core import CONFIG_OPTIONS, DEFAULT_OPTIONS, OPTION_NAMES, ConfigError
from .options import NONE_MEANS_UNSET, SEQUENCE_TYPES, VALUE_PARSERS, compile_regex
from .patterns import WILDCARDS, PathPattern, describe_value, looks_like_regex

#: Layer names, most important first, as error messages and explanations show them.
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
    if looks_like_regex(value):
        regex = ".*" if value in WILDCARDS else value
        return PathPattern(value, None, compile_regex(regex, where, 0))
    if not value.startswith("/"):
        raise ConfigError(
            f"{where}: the literal path {value!r} never matches; request paths start with '/'"
        )
    return PathPattern(value, value, None)


def parse_resources(value: Any, where: str) -> tuple[tuple[PathPattern, dict[str, Any]], ...]:
    """Each pattern of a dict, a list or one pattern, with its own options, most specific first."""
    if isinstance(value, (str, re.Pattern)):
        value = [value]
    if isinstance(value, Mapping):
        resources = []
        for key, options in value.items():
            key_where = f"{where}[{key!r}]" if isinstance(key, str) else where
            pattern = parse_path_pattern(key, key_where)
            if not isinstance(options, (Mapping, type(None))):
                raise ConfigError(
                    f"{key_where} must be a dict of options, got {describe_value(options)}"
                )
            resources.append((pattern, parse_options(options or {}, key_where, nested=True)))
    elif isinstance(value, SEQUENCE_TYPES):
        resources = [(parse_path_pattern(item, where), {}) for item in value]
    else:
        raise ConfigError(
            f"{where} must be a dict, a list, a string or a compiled regex, "
            f"got {describe_value(value)}"
        )
    return tuple(sorted(resources, key=lambda resource: resource[0].specificity))


PARSERS: dict[str, Callable[[Any, str], Any]] = {"resources": parse_resources, **VALUE_PARSERS}
_OPTION_OF_CONFIG_KEY = dict(zip(CONFIG_OPTIONS, OPTION_NAMES))


def suggest(name: str, candidates: Iterable[str]) -> str:
    """A "did you mean" hint for a misspelled name, ignoring case ('ORIGINS')."""
    by_lowered = {candidate.lower(): candidate for candidate in candidates}
    close = difflib.get_close_matches(name.lower(), list(by_lowered), n=1, cutoff=0.6)
    return f"; did you mean {by_lowered[close[0]]!r}?" if close else ""


def parse_options(raw: Mapping[str, Any], where: str, nested: bool = False) -> dict[str, Any]:
    """Validate one place's options (``nested``: a resource's or the decorator's)."""
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


def config_values(config: Mapping[str, Any]) -> dict[str, Any]:
    """The app's ``CORS_*`` values that are set, by key: one set operation when none is."""
    present = config.keys() & _OPTION_OF_CONFIG_KEY
    return {key: config[key] for key in present} if present else {}


def snapshot(value: Any) -> Any:
    """``value`` with its lists, dicts, sets and tuples copied all the way down, out of reach
    of in-place changes; a tuple with nothing to copy is kept, so comparing it costs nothing."""
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
    """The options of ``app.config`` whose ``CORS_*`` values are ``values``, and warnings
    about unknown ``CORS_`` keys (not errors: other code shares the namespace)."""
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
    """Each option's value from the first layer that sets it, defaults last, and its layer."""
    values: dict[str, Any] = {}
    set_by: dict[str, str] = {}
    # Parsed afresh: this runs at setup and on config changes, never per request.
    defaults = parse_options(DEFAULT_OPTIONS, DEFAULT_LAYER)
    for layer_name, options in [*layers, (DEFAULT_LAYER, defaults)]:
        for name, value in options.items():
            if name not in values:
                values[name] = value
                set_by[name] = layer_name
    return values, set_by
