"""The implementation-neutral form of a case: Flask-CORS's options digested into plain
JSON that an adapter for another framework (or another language) can map without
knowing Flask-CORS's typing rules. Documented in spec/README.md ("The neutral form")."""

from __future__ import annotations

import datetime
import re
from typing import Any, Dict, List, Mapping, Optional, Union

from adapters import SkipCase
from cors_spec import Case, decode_value

#: Flask-CORS's rule: a string with any of these characters is a regular expression...
REGEX_CHARACTERS = set("*\\]?$^[()")
#: ...except a bracketed IPv6 origin, which the spec reads as the literal it is (README
#: difference 21): as a regex, "http://[::1]:8080" would match "http://1:8080".
IPV6_ORIGIN = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?")

#: Flask's default routes of a case without `app.routes` (HEAD and OPTIONS are added by
#: the framework, as Flask does).
DEFAULT_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

BOOLEAN_OPTIONS = (
    "supports_credentials",
    "send_wildcard",
    "vary_header",
    "always_send",
    "automatic_options",
    "intercept_exceptions",
    "allow_private_network",
)
KNOWN_OPTIONS = set(BOOLEAN_OPTIONS) | {
    "origins",
    "methods",
    "allow_headers",
    "expose_headers",
    "max_age",
    "resources",
}

Pattern = Dict[str, str]  # {"exact": "..."} or {"regex": "..."}


def neutral_case(case: Case) -> Dict[str, Any]:
    """The case in neutral form, or SkipCase when it uses something only Flask-CORS's
    Python API has (app.config, init_app, the decorator, blueprints, error handlers,
    setup errors, values outside the documented types)."""
    config = case.config
    if "setup_error" in case.expect:
        raise SkipCase(
            "checks how Flask-CORS's Python API refuses a configuration at setup; the "
            "neutral form carries only configurations Flask-CORS accepts"
        )
    if case.then:
        raise SkipCase(
            "several requests against one app (then), with app.config changed between "
            "them: the neutral form carries one request to a freshly built app"
        )
    if any("warns" in expect for expect in (case.expect, *(s["expect"] for s in case.then))):
        raise SkipCase(
            "checks the setup warnings written on the flask_cors logger (expect.warns), "
            "which only Flask-CORS's Python API logs"
        )
    if _holds_tag(config, "$callable"):
        raise SkipCase(
            "a callable in origins ($callable): this project's dynamic origins (README "
            "difference 26), a Python callable no other configuration can carry"
        )
    if "option_mutations" in case.app:
        raise SkipCase(
            "mutates the Python objects passed to CORS() after setup (option_mutations, "
            "README difference 10), which only a Python API can show"
        )
    if _has_bare_decorator(config, case.app):
        raise SkipCase("@cross_origin written without parentheses: Flask-CORS's decorator")
    flask_only = sorted(set(config) - {"extension"})
    if flask_only:
        names = {"app_config": "app.config", "init_app": "init_app()", "decorator": "@cross_origin"}
        raise SkipCase(
            f"options set through {', '.join(names.get(n, n) for n in flask_only)}: "
            "Flask-CORS's own configuration layers"
        )
    for key in sorted(set(case.app) - {"routes"}):
        raise SkipCase(f"app.{key}: a Flask application feature")
    routes = [_route(route) for route in case.app.get("routes") or _default_routes()]

    options = config.get("extension")
    cors: Optional[Dict[str, Any]] = None
    paths: Optional[List[Pattern]] = None
    if options is not None:
        cors, paths = _options(options)
    return {
        "id": case.id,
        "cors": cors,
        "paths": paths,
        "routes": routes,
        "request": {
            "method": case.request["method"],
            "path": case.request["path"],
            "headers": dict(case.request.get("headers") or {}),
        },
    }


def _holds_tag(value: Any, tag: str) -> bool:
    """Whether a raw (not yet decoded) spec value uses the tagged form ``tag`` anywhere."""
    if isinstance(value, Mapping):
        return tag in value or any(_holds_tag(item, tag) for item in value.values())
    if isinstance(value, list):
        return any(_holds_tag(item, tag) for item in value)
    return False


def _has_bare_decorator(config: Mapping[str, Any], app: Mapping[str, Any]) -> bool:
    """Whether the case writes ``@cross_origin`` without parentheses anywhere."""
    routes = list(app.get("routes") or [])
    routes += [route for blueprint in app.get("blueprints") or [] for route in blueprint["routes"]]
    specs = [config.get("decorator")]
    for route in routes:
        specs.append(route.get("decorator"))
        specs.extend((route.get("method_decorators") or {}).values())
    return "bare" in [spec for spec in specs if isinstance(spec, str)]


def _default_routes() -> List[Dict[str, Any]]:
    return [{"path": "*", "methods": DEFAULT_METHODS}]


def _route(route: Mapping[str, Any]) -> Dict[str, Any]:
    if route.get("style", "function") != "function" or route.get("method_decorators"):
        raise SkipCase("a Flask class-based view (View or MethodView)")
    if route.get("async"):
        raise SkipCase("an async def Flask view")
    if route.get("decorator") is not None:
        raise SkipCase("@cross_origin on a route: Flask-CORS's decorator")
    if re.fullmatch(r"/<path:[A-Za-z_]\w*>", route["path"]):
        path = "*"  # Flask's catch-all (the core's default routes): any path, any depth
    else:
        path = re.sub(r"<(?:[a-z]+:)?([A-Za-z_]\w*)>", r"{\1}", route["path"])
    view = dict(route.get("view") or {})
    return {"path": path, "methods": list(route.get("methods", ["GET"])), "view": view}


def _options(raw: Mapping[str, Any]) -> tuple[Dict[str, Any], Optional[List[Pattern]]]:
    options = {name: decode_value(value) for name, value in raw.items()}
    paths: Optional[List[Pattern]] = None
    if "resources" in options:
        resources = options.pop("resources")
        if isinstance(resources, dict):
            if any(own is None for own in resources.values()):
                raise SkipCase(
                    "a resource mapped to None: this project's reading (README difference "
                    "34), outside Flask-CORS's documented types"
                )
            if len({repr(sorted(v.items())) for v in resources.values()}) > 1:
                raise SkipCase(
                    "resources with different options per path pattern: Flask-CORS's "
                    "per-resource policies"
                )
            for own in resources.values():
                options.update(own)
            resources = list(resources)
        paths = [_path_pattern(item) for item in _as_list(resources, "resources", True)]
        if paths == [{"regex": "/*"}] or paths == [{"regex": "*"}]:
            paths = None  # every path: Flask-CORS's default
    unknown = sorted(set(options) - KNOWN_OPTIONS)
    if unknown:
        raise SkipCase(f"unknown option {unknown[0]!r}: checks Flask-CORS's option validation")
    return {name: _option(name, value) for name, value in options.items()}, paths


def _option(name: str, value: Any) -> Any:
    if name in BOOLEAN_OPTIONS:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return value.lower() in ("true", "1")
        raise SkipCase(f"{name}={value!r}: checks Flask-CORS's validation of booleans")
    if name == "max_age":
        if isinstance(value, datetime.timedelta) and value >= datetime.timedelta(0):
            value = int(value.total_seconds())  # whole seconds, as Flask-CORS documents
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        if value is None:
            return None
        raise SkipCase(f"max_age={value!r}: checks Flask-CORS's validation of max_age")
    if name == "expose_headers":
        if value is None:
            return []  # Flask-CORS's documented default: nothing beyond the safelist
        return [item for item in _as_list(value, name, False) if item]
    if name == "methods":
        methods = [item.upper() for item in _as_list(value, name, False)]
        return "*" if "*" in methods else methods
    # origins, allow_headers: "*", or exact values and regexes
    entries = _as_list(value, name, True)
    if any(entry == "*" for entry in entries):
        return "*"
    return [_pattern(entry, name) for entry in entries]


def _as_list(value: Any, name: str, patterns: bool) -> List[Any]:
    """Flask-CORS's list rule: one string, a regex or a collection of them; literal
    strings (not regexes, when ``patterns``) are split on commas."""
    if isinstance(value, (str, re.Pattern)):
        raw = [value]
    elif isinstance(value, (list, tuple, set, frozenset)):
        raw = sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
    else:
        raise SkipCase(f"{name}={value!r}: a value outside Flask-CORS's documented types")
    items: List[Any] = []
    for item in raw:
        if isinstance(item, str) and "," in item and not (patterns and _is_regex(item)):
            items.extend(part.strip() for part in item.split(","))
        else:
            items.append(item.strip() if isinstance(item, str) else item)
    return items


def _is_regex(entry: str) -> bool:
    return bool(REGEX_CHARACTERS & set(entry)) and not IPV6_ORIGIN.fullmatch(entry)


def _pattern(entry: Union[str, re.Pattern[str]], name: str) -> Pattern:
    if isinstance(entry, re.Pattern):
        if entry.flags & ~re.UNICODE:
            raise SkipCase(f"{name}: a compiled regex with flags, a Python-only value")
        return {"regex": entry.pattern}
    if not isinstance(entry, str):
        raise SkipCase(f"{name}: {entry!r} is outside Flask-CORS's documented types")
    return {"regex": entry} if _is_regex(entry) else {"exact": entry}


def _path_pattern(entry: Any) -> Pattern:
    if isinstance(entry, re.Pattern):
        return {"regex": entry.pattern}
    if not isinstance(entry, str):
        raise SkipCase(f"resources: {entry!r} is outside Flask-CORS's documented types")
    return {"regex": entry} if REGEX_CHARACTERS & set(entry) else {"exact": entry}
