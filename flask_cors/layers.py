"""The places an option is set, most important first: a resource's dict, the decorator's
or ``init_app``'s keywords, the constructor's, ``app.config`` read by value, the defaults."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Tuple

from .core import CONFIG_OPTIONS, DEFAULT_OPTIONS, OPTION_NAMES
from .options import NONE_MEANS_UNSET, PARSERS, suggest

#: Layer names, as error messages and explanations show them.
RESOURCE_LAYER = "resource"
DECORATOR_LAYER = "decorator"
INIT_APP_LAYER = "init_app"
CONSTRUCTOR_LAYER = "constructor"
CONFIG_LAYER = "app.config"
DEFAULT_LAYER = "default"

#: One place's parsed options, under the layer's name.
Layer = Tuple[str, Mapping[str, Any]]

_OPTION_OF_CONFIG_KEY = dict(zip(CONFIG_OPTIONS, OPTION_NAMES))
_MISSING = object()
_MISSING_ALL = (_MISSING,) * len(CONFIG_OPTIONS)


def config_values(config: Mapping[str, Any]) -> Tuple[Any, ...]:
    """The app's ``CORS_*`` option values, in ``CONFIG_OPTIONS`` order (``_MISSING`` for
    a key not set)."""
    return tuple(map(config.get, CONFIG_OPTIONS, _MISSING_ALL))


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
    config: Mapping[str, Any], values: Tuple[Any, ...]
) -> Tuple[Dict[str, Any], List[str]]:
    """The options of ``app.config`` whose ``CORS_*`` values (``config_values`` order)
    are ``values``, and warnings about its unknown ``CORS_`` keys, which are not refused
    because other code shares the config namespace."""
    warnings = [
        f"app.config[{key!r}] is not a Flask-CORS option and is ignored"
        + suggest(key, CONFIG_OPTIONS)
        for key in config
        if isinstance(key, str) and key.startswith("CORS_") and key not in _OPTION_OF_CONFIG_KEY
    ]
    parsed = {
        _OPTION_OF_CONFIG_KEY[key]: PARSERS[_OPTION_OF_CONFIG_KEY[key]](
            value, f"app.config[{key!r}]"
        )
        for key, value in zip(CONFIG_OPTIONS, values)
        if value is not _MISSING
        and not (value is None and _OPTION_OF_CONFIG_KEY[key] in NONE_MEANS_UNSET)
    }
    return parsed, warnings


def resolve(layers: Iterable[Layer]) -> Tuple[Dict[str, Any], Dict[str, str]]:
    """Merge layers (most important first) over the defaults: each option's value and
    the layer it came from."""
    values: Dict[str, Any] = {}
    sources: Dict[str, str] = {}
    # Defaults are parsed afresh each time: compiling happens at setup and when the
    # config changes, never per request, so a cache would save nothing measurable.
    defaults = [
        (name, PARSERS[name](DEFAULT_OPTIONS[name], f"default {name}")) for name in OPTION_NAMES
    ]
    for layer_name, options in [*layers, (DEFAULT_LAYER, dict(defaults))]:
        for name, value in options.items():
            if name not in values:
                values[name] = value
                sources[name] = layer_name
    return values, sources
