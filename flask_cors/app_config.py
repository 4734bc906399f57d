"""The app's ``CORS_*`` config, read by value: its values, and snapshots of them that
in-place changes cannot reach."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Tuple

from .core import CONFIG_OPTIONS

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


_CONFIG_KEYS = frozenset(CONFIG_OPTIONS)


def _unknown_cors_key(key: Any) -> bool:
    return isinstance(key, str) and key.startswith("CORS_") and key not in _CONFIG_KEYS


def compiled_config(config: Mapping[str, Any], values: Tuple[Any, ...]) -> Dict[str, Any]:
    """What a policy is compiled from: the snapshot ``values`` (in ``CONFIG_OPTIONS``
    order) of the keys that are set, and the unknown ``CORS_`` keys of ``config``, so
    that they are warned about."""
    compiled = {key: config[key] for key in config if _unknown_cors_key(key)}
    compiled.update(
        (key, value) for key, value in zip(CONFIG_OPTIONS, values) if value is not _MISSING
    )
    return compiled
